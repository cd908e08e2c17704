from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.dataplane import UPSTREAM_KEYS, DataPlane, gateway_port, start_gateway
from tests.e2e.harness import Harness, reset, start, stop_proxy
from tests.upstream import Upstream


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


@pytest.fixture(scope="session")
def upstream() -> Iterator[Upstream]:
    """The stand-in upstream (OpenAI/Anthropic/Gemini) on a free loopback port."""
    with Upstream(keys=UPSTREAM_KEYS) as server:
        yield server


@pytest.fixture(scope="session")
def gateway(harness: Harness) -> Iterator[Harness]:
    """A real LiteLLM started with configs/litellm.yaml on the harness database."""
    proxy, proc = start_gateway(harness, gateway_port())
    try:
        yield proxy
    finally:
        stop_proxy(proc)


@pytest.fixture()
def dataplane(gateway: Harness, upstream: Upstream, tmp_path: Path) -> DataPlane:
    """The gateway reset to a known state, the upstream's calls and faults forgotten."""
    dp = DataPlane(gateway=gateway, upstream=upstream, workdir=tmp_path)
    dp.reset()
    return dp
