"""Shared test setup: keep the developer's environment from leaking into tests; stop what the
test harness started when the run ends (also on Ctrl-C or SIGTERM)."""

from __future__ import annotations

import signal
from types import FrameType

import pytest

from llmproxy.redaction import redactor
from tests.harness.run import close_harness_run

_LEAKY = ("LITELLM_BASE_URL", "LITELLM_API_KEY", "LLMPROXY_FINGERPRINT_KEY")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
    redactor.clear()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # SIGTERM would end the run without teardown; as an interrupt, pytest tears down first.
    signal.signal(signal.SIGTERM, _interrupt)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    close_harness_run()
