"""Replicas behind a round-robin balancer: the sync's witness is read on several connections until
every replica shows it (bounded, with a progress line); plan waits for the replicas to agree."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from llmproxy.errors import AuthError
from llmproxy.litellm.client import LiteLLMClient, RetryPolicy
from llmproxy.litellm.replicas import SETTLE, STAMP_KEY, STAMP_NAME, Replicas, ReplicasUnreadable
from llmproxy.status.report import OK, WARN, StatusReport
from llmproxy.status.service import check_replicas
from tests.unit.litellm.conftest import MASTER_KEY, MakeClient

WITNESS = f"/credentials/by_name/{STAMP_NAME}"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def witness(token: str | None) -> httpx.Response:
    if token is None:
        return httpx.Response(404, json={"error": {"message": "Credential not found"}})
    return httpx.Response(200, json={"credential_name": STAMP_NAME, "credential_values": {"note": "x"},
                                     "credential_info": {STAMP_KEY: {"token": token, "owner": "o"}}})


class TwoReplicas:
    """A round-robin balancer over a fresh replica and one that reloads the database at ``reload_at``."""

    def __init__(self, clock: Clock, reload_at: float, fresh: str | None, stale: str | None) -> None:
        self.clock, self.reload_at, self.fresh, self.stale = clock, reload_at, fresh, stale
        self.turn = 0
        self.headers: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(request.headers.get("connection"))
        self.turn += 1
        stale = self.turn % 2 == 0 and self.clock.now < self.reload_at
        return witness(self.stale if stale else self.fresh)


def replicas(client: LiteLLMClient, clock: Clock, lines: list[str]) -> Replicas:
    return Replicas(client, notify=lines.append, clock=clock, sleep=clock.sleep)


def test_waits_until_every_replica_shows_the_sync_with_a_progress_line(make_client: MakeClient,
                                                                      mock: respx.MockRouter) -> None:
    clock, lines = Clock(), []
    lb = TwoReplicas(clock, reload_at=30, fresh="new", stale="old")
    mock.get(WITNESS).mock(side_effect=lb)
    agree, reads = replicas(make_client(), clock, lines).await_token("new", timeout=45)
    assert (agree, reads) == (4, 4)
    assert 30 <= clock.now < 33
    assert lines and lines[0].startswith("waiting for replicas: 2/4 agree")
    assert len(lines) <= 4  # when the count changes or every 10 s, not on every poll
    assert set(lb.headers) == {"close"}  # each read on a new connection: the next replica


def test_gives_up_after_the_deadline_and_says_how_many_agree(make_client: MakeClient,
                                                            mock: respx.MockRouter) -> None:
    clock, lines = Clock(), []
    mock.get(WITNESS).mock(side_effect=TwoReplicas(clock, reload_at=1e9, fresh="new", stale=None))
    assert replicas(make_client(), clock, lines).await_token("new", timeout=45) == (2, 4)
    assert 45 <= clock.now <= 47


def test_a_single_process_agrees_at_once(make_client: MakeClient, mock: respx.MockRouter) -> None:
    clock, lines = Clock(), []
    route = mock.get(WITNESS).mock(return_value=witness("new"))
    assert replicas(make_client(), clock, lines).await_token("new", timeout=45) == (4, 4)
    assert route.call_count == 4 and not lines and clock.now == 0


def test_plan_waits_for_the_replicas_to_agree_or_says_they_do_not(make_client: MakeClient,
                                                                  mock: respx.MockRouter) -> None:
    clock, lines = Clock(), []
    mock.get(WITNESS).mock(side_effect=TwoReplicas(clock, reload_at=20, fresh="new", stale="old"))
    assert replicas(make_client(), clock, lines).await_agreement(45) is None
    assert clock.now >= 20 and "2/4 agree" in lines[0]

    clock2 = Clock()
    mock.get(WITNESS).mock(side_effect=TwoReplicas(clock2, reload_at=1e9, fresh="new", stale=None))
    note = replicas(make_client(), clock2, []).await_agreement(10)
    assert note is not None and "replicas disagree: 2/4 reads agree" in note


def test_a_gateway_never_synced_agrees(make_client: MakeClient, mock: respx.MockRouter) -> None:
    mock.get(WITNESS).mock(return_value=witness(None))
    assert replicas(make_client(), Clock(), []).await_agreement(45) is None


def test_the_stamp_is_created_once_then_updated(make_client: MakeClient, mock: respx.MockRouter) -> None:
    stored: dict[str, Any] = {}

    def patch(request: httpx.Request) -> httpx.Response:
        if not stored:
            return httpx.Response(404, json={"error": {"message": "Credential not found in DB."}})
        stored.update(httpx.Response(200, content=request.content).json())
        return httpx.Response(200, json={"success": True})

    def post(request: httpx.Request) -> httpx.Response:
        stored.update(httpx.Response(200, content=request.content).json())
        return httpx.Response(200, json={"success": True})

    mock.patch(f"/credentials/{STAMP_NAME}").mock(side_effect=patch)
    mock.post("/credentials").mock(side_effect=post)
    r = replicas(make_client(), Clock(), [])
    first = r.stamp("team-a")
    assert stored["credential_name"] == STAMP_NAME and stored["credential_info"][STAMP_KEY]["token"] == first
    second = r.stamp("team-a")
    assert second != first and stored["credential_info"][STAMP_KEY]["token"] == second


def test_a_passing_server_error_is_read_again_but_a_refused_key_is_not_waited_for(
        make_client: MakeClient, mock: respx.MockRouter) -> None:
    clock, lines = Clock(), []
    answers = iter([httpx.Response(500, json={"error": "boom"})] + [witness("new")] * 10)
    mock.get(WITNESS).mock(side_effect=lambda _request: next(answers))
    no_retry = make_client(retry=RetryPolicy(attempts=1))
    assert replicas(no_retry, clock, lines).await_token("new", timeout=45) == (4, 4)
    assert "3/4 agree" in lines[0]

    mock.get(WITNESS).mock(return_value=httpx.Response(401, json={"error": "Invalid proxy server token"}))
    started = clock.now
    with pytest.raises(AuthError):
        replicas(no_retry, clock, []).await_agreement(45)
    assert clock.now == started


def broken(_request: httpx.Request) -> httpx.Response:
    """What a gateway that fails this endpoint answers (echoing the key, as some proxies do)."""
    return httpx.Response(500, json={"error": {"message": f"boom (Authorization: Bearer {MASTER_KEY})"}})


def test_a_witness_that_always_answers_5xx_is_not_waited_for(make_client: MakeClient,
                                                             mock: respx.MockRouter) -> None:
    clock, lines = Clock(), []
    route = mock.get(WITNESS).mock(side_effect=broken)
    with pytest.raises(ReplicasUnreadable) as caught:
        replicas(make_client(retry=RetryPolicy(attempts=1)), clock, lines).await_token("new", timeout=SETTLE)
    assert route.call_count == 3 * 4 and clock.now == 2 * 2  # 3 samples of 4 reads, 2 polls between
    message = caught.value.message
    assert message.startswith("cannot check the replicas: LiteLLM answered all 12 reads")
    assert "HTTP 500" in message and "boom" in message and MASTER_KEY not in message
    assert "0/4 agree" in lines[0] and "no read could be read" in lines[0]

    clock = Clock()  # with the client's own retries (5 attempts, backoff) each sample takes seconds
    route.reset()
    with pytest.raises(ReplicasUnreadable):
        replicas(make_client(sleep=clock.sleep), clock, []).await_token("new", timeout=SETTLE)
    assert route.call_count in (2 * 4 * 5, 3 * 4 * 5) and clock.now < 3 * 4 * 3.75 + 2 * 2


def test_slow_failing_reads_give_up_after_two_samples_and_about_ten_seconds(make_client: MakeClient,
                                                                            mock: respx.MockRouter) -> None:
    clock = Clock()

    def slow_500(request: httpx.Request) -> httpx.Response:
        clock.now += 3.0  # a read that fails only after 3 s (a timeout at the balancer, retries)
        return broken(request)

    route = mock.get(WITNESS).mock(side_effect=slow_500)
    with pytest.raises(ReplicasUnreadable, match="all 8 reads"):
        replicas(make_client(retry=RetryPolicy(attempts=1)), clock, []).await_agreement(SETTLE)
    assert route.call_count == 8 and clock.now == 12 + 2 + 12


def test_reads_that_fail_only_sometimes_keep_waiting_up_to_the_deadline(make_client: MakeClient,
                                                                       mock: respx.MockRouter) -> None:
    clock, lines = Clock(), []
    turn = iter(range(10**6))
    mock.get(WITNESS).mock(side_effect=lambda r: broken(r) if next(turn) % 2 else witness("new"))
    no_retry = make_client(retry=RetryPolicy(attempts=1))
    assert replicas(no_retry, clock, lines).await_token("new", timeout=SETTLE) == (2, 4)
    assert clock.now >= SETTLE
    assert "2/4 agree" in lines[0] and "LiteLLM reloads" in lines[0]

    clock2 = Clock()
    note = replicas(no_retry, clock2, []).await_agreement(SETTLE)
    assert note is not None and "replicas disagree: 2/4 reads agree" in note and clock2.now >= SETTLE


def test_a_readable_sample_starts_the_count_again(make_client: MakeClient, mock: respx.MockRouter) -> None:
    clock = Clock()
    down = [broken] * 8 + [witness("new"), broken, broken, broken] + [broken] * 8  # 2 down, 1 mixed, 2 down
    answers = iter([*down] + [lambda _r: witness("new")] * 4)
    mock.get(WITNESS).mock(side_effect=lambda r: a(r) if callable(a := next(answers)) else a)
    no_retry = make_client(retry=RetryPolicy(attempts=1))
    assert replicas(no_retry, clock, []).await_token("new", timeout=SETTLE) == (4, 4)
    assert clock.now == 5 * 2  # five polls, never gave up


def test_a_deadline_that_ends_on_unreadable_reads_says_it_cannot_check(make_client: MakeClient,
                                                                      mock: respx.MockRouter) -> None:
    mock.get(WITNESS).mock(side_effect=broken)
    with pytest.raises(ReplicasUnreadable, match="all 4 reads"):  # not "0/4 reads agree"
        replicas(make_client(retry=RetryPolicy(attempts=1)), Clock(), []).await_agreement(0)


def test_status_says_it_cannot_check_the_replicas(make_client: MakeClient, mock: respx.MockRouter) -> None:
    mock.get(WITNESS).mock(side_effect=broken)
    report = StatusReport()
    check_replicas(report, replicas(make_client(retry=RetryPolicy(attempts=1)), Clock(), []))
    [check] = report.checks
    assert (check.name, check.status) == ("replicas", WARN)
    assert check.detail.startswith("cannot check the replicas:") and check.fix
    assert report.exit_code == 0  # unknown is not a failure of the gateway

    mock.get(WITNESS).mock(return_value=witness("new"))
    check_replicas(report, replicas(make_client(), Clock(), []))
    assert report.checks[-1].status == OK
