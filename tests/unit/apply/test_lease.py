"""The gateway-wide lease: one sync writes at a time; a second waits (bounded) or refuses naming
the holder; a crashed holder's lease expires."""

from __future__ import annotations

import pytest

from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.lease import LOCK_NAME, Lease, LeaseHeld
from llmproxy.litellm.read import read_live
from tests.unit.apply.fake import FakeAdmin


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds



def lease(client: LiteLLMClient, owner: str, clock: Clock, lines: list[str] | None = None, **kw: float) -> Lease:
    return Lease(client, owner, clock=clock, sleep=clock.sleep, notify=(lines if lines is not None else []).append,
                 **kw)


def test_a_second_sync_waits_then_refuses_naming_the_holder_and_its_age(client: LiteLLMClient,
                                                                       fake: FakeAdmin) -> None:
    clock = Clock()
    first = lease(client, "team-a", clock)
    first.acquire()
    lines: list[str] = []
    with pytest.raises(LeaseHeld) as err:
        lease(client, "team-b", clock, lines, wait=30).acquire()
    assert "owner 'team-a'" in err.value.message and "held for 30 s" in err.value.message
    assert lines and all("waiting for the lease held by owner 'team-a'" in line for line in lines)
    assert len(lines) <= 4  # one line every 10 s, not one per poll
    first.release()
    assert LOCK_NAME not in fake.credentials
    lease(client, "team-b", clock, wait=30).acquire()  # free now


def test_a_crashed_holders_lease_expires_and_is_taken_over(client: LiteLLMClient, fake: FakeAdmin) -> None:
    clock = Clock()
    lease(client, "team-a", clock, ttl=60).acquire()  # never released: the process died
    clock.now += 61
    lines: list[str] = []
    second = lease(client, "team-b", clock, lines, wait=0)
    second.acquire()
    assert any("expired" in line for line in lines)
    assert fake.credentials[LOCK_NAME]["credential_info"]["llmproxy_lease"]["owner"] == "team-b"


def test_release_never_deletes_a_lease_that_is_no_longer_ours(client: LiteLLMClient, fake: FakeAdmin) -> None:
    clock = Clock()
    mine = lease(client, "team-a", clock, ttl=10)
    mine.acquire()
    clock.now += 11
    lease(client, "team-b", clock, wait=0).acquire()  # took over the expired one
    mine.release()
    assert fake.credentials[LOCK_NAME]["credential_info"]["llmproxy_lease"]["owner"] == "team-b"


def test_the_lease_is_not_a_credential_the_plan_sees(client: LiteLLMClient, fake: FakeAdmin) -> None:
    lease(client, "team-a", Clock()).acquire()
    assert LOCK_NAME in fake.credentials and LOCK_NAME not in read_live(client).credentials


def test_the_lease_is_released_even_after_the_circuit_breaker_stopped_the_run(client: LiteLLMClient,
                                                                              fake: FakeAdmin) -> None:
    mine = lease(client, "team-a", Clock())
    mine.acquire()
    client.circuit_open = True  # LiteLLM went away mid-run, and is back now
    mine.release()
    assert LOCK_NAME not in fake.credentials
