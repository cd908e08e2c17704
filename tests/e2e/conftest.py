from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.harness import Harness, reset, start


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def harness() -> Harness:
    """The real LiteLLM proxy. Fails (never skips) when it cannot start."""
    return start()


@pytest.fixture()
def litellm(harness: Harness) -> Iterator[Harness]:
    """The real LiteLLM, reset to a known state before the test."""
    reset(harness)
    yield harness
