"""Shared test setup: keep the developer's environment from leaking into tests."""

from __future__ import annotations

import pytest

from llmproxy.secrets import redactor

_LEAKY = ("LITELLM_BASE_URL", "LITELLM_API_KEY", "LLMPROXY_FINGERPRINT_KEY")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
    redactor.clear()
