"""Fixtures of the apply tests: the in-memory LiteLLM admin API (``fake``) and a client talking
to it without retries, so every injected failure is seen once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import respx

from llmproxy.litellm.client import LiteLLMClient, RetryPolicy
from tests.unit.apply.fake import BASE, MASTER, FakeAdmin


@pytest.fixture()
def fake() -> Iterator[FakeAdmin]:
    with respx.mock(assert_all_called=False) as router:
        yield FakeAdmin(router)


@pytest.fixture()
def client(fake: FakeAdmin) -> Iterator[LiteLLMClient]:
    with LiteLLMClient(BASE, MASTER, sleep=lambda _: None, retry=RetryPolicy(attempts=1)) as c:
        yield c
