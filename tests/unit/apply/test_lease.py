"""The gateway-wide lease: one sync writes at a time; a second waits (bounded) or refuses naming
the holder; a crashed holder's lease expires."""

from __future__ import annotations

import sys

import httpx
import pytest

from llmproxy.cli import main
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.lease import LOCK_NAME, Lease, LeaseHeld, force_release
from llmproxy.litellm.read import read_live
from tests.unit.apply.fake import BASE, MASTER, FakeAdmin, error


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


STALE_LOCK_READ = f"GET /credentials/by_name/{LOCK_NAME}"


def stale(n: int) -> list[httpx.Response | Exception]:
    """``n`` reads answered by a replica that has not loaded the lease yet."""
    return [error(404, f"Credential not found. Got credential name: {LOCK_NAME}")] * n


def test_release_deletes_our_lease_even_when_no_replica_read_shows_it_yet(client: LiteLLMClient,
                                                                          fake: FakeAdmin) -> None:
    mine = lease(client, "team-a", Clock())
    mine.acquire()
    fake.fail[STALE_LOCK_READ] = stale(4)  # every read reaches a replica that has not reloaded
    mine.release()
    assert LOCK_NAME not in fake.credentials  # else the next sync waits 10 minutes for it to expire


def test_the_holder_is_named_when_only_one_replica_shows_the_lease(client: LiteLLMClient, fake: FakeAdmin) -> None:
    clock = Clock()
    lease(client, "team-a", clock).acquire()
    fake.fail[STALE_LOCK_READ] = stale(3)
    with pytest.raises(LeaseHeld, match="held by owner 'team-a'"):
        lease(client, "team-b", clock, wait=0).acquire()


def test_release_spares_a_newer_lease_a_replica_shows(client: LiteLLMClient, fake: FakeAdmin) -> None:
    clock = Clock()
    mine = lease(client, "team-a", clock)
    mine.acquire()
    assert force_release(client)  # `llmproxy unlock` by someone who thought this sync was gone
    clock.now += 5
    lease(client, "team-b", clock).acquire()
    mine.release()
    assert fake.credentials[LOCK_NAME]["credential_info"]["llmproxy_lease"]["owner"] == "team-b"


def test_unlock_shows_the_holder_and_needs_yes_in_a_script(client: LiteLLMClient, fake: FakeAdmin,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    lease(client, "team-a", Clock(), ttl=600).acquire()
    monkeypatch.setenv("LITELLM_BASE_URL", BASE)
    monkeypatch.setenv("LITELLM_API_KEY", MASTER)
    monkeypatch.setenv("CI", "true")
    app = main.create_app()

    def unlock(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["llmproxy", "unlock", *args])
        with pytest.raises(SystemExit) as exit_info:
            main.run(app)
        out, err = capsys.readouterr()
        return int(exit_info.value.code or 0), out, err

    code, out, err = unlock()
    assert code == 1 and "needs --yes" in err and LOCK_NAME in fake.credentials
    assert "held by owner 'team-a'" in out and "held for" in out and "expire" in out
    code, out, _ = unlock("--yes")
    assert code == 0 and "Released the lease of owner 'team-a'" in out
    assert LOCK_NAME not in fake.credentials
    code, out, _ = unlock("--yes")
    assert code == 0 and "No sync holds the lease" in out
