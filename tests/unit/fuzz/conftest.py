"""Fixtures of the fuzz tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.fuzz.support import ConfigDir


@pytest.fixture(scope="module")
def config_dir() -> Iterator[ConfigDir]:
    """One directory per module: every example rewrites its files."""
    directory = ConfigDir()
    yield directory
    directory.remove()
