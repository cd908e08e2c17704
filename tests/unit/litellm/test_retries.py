"""Retries: what is retried, how long the client waits, and how it gives up."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest
import respx

from llmproxy.errors import ConnectionFailed, ServerError
from llmproxy.litellm.client import CircuitOpen, LiteLLMClient, RetryPolicy
from tests.unit.litellm.conftest import BASE, MASTER_KEY, MakeClient

OK = httpx.Response(200, json={"ok": True})


def unavailable(status: int = 503, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(status, headers=headers, json={"error": {"message": "busy", "code": str(status)}})


@pytest.fixture()
def worst_case_jitter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full jitter always drawing its upper bound, so waits are exact."""
    monkeypatch.setattr("llmproxy.litellm.client.random.uniform", lambda low, high: high)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_a_read_is_retried_until_it_succeeds(client: LiteLLMClient, mock: respx.MockRouter,
                                             sleeps: list[float], status: int) -> None:
    route = mock.get("/credentials").mock(side_effect=[unavailable(status), unavailable(status), OK])
    assert client.get("/credentials") == {"ok": True}
    assert route.call_count == 3 and client.stats["GET /credentials"] == 3
    assert len(sleeps) == 2


def test_connect_errors_are_retried(client: LiteLLMClient, mock: respx.MockRouter,
                                    sleeps: list[float]) -> None:
    route = mock.get("/credentials").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), OK])
    assert client.get("/credentials") == {"ok": True}
    assert route.call_count == 3 and len(sleeps) == 2


def test_backoff_doubles_and_is_capped(make_client: MakeClient, mock: respx.MockRouter,
                                       sleeps: list[float], worst_case_jitter: None) -> None:
    policy = RetryPolicy(attempts=7, base_delay=0.25, max_delay=1.0, total=100)
    mock.get("/x").mock(return_value=unavailable())
    with make_client(retry=policy) as client, pytest.raises(ServerError):
        client.get("/x")
    assert sleeps == [0.25, 0.5, 1.0, 1.0, 1.0, 1.0]


def test_jitter_stays_within_the_backoff_bound(make_client: MakeClient, mock: respx.MockRouter,
                                               sleeps: list[float]) -> None:
    policy = RetryPolicy(attempts=8, base_delay=0.5, max_delay=3.0, total=1000)
    mock.get("/x").mock(return_value=unavailable())
    with make_client(retry=policy) as client:
        for _ in range(20):
            with pytest.raises(ServerError):
                client.get("/x")
    assert len(sleeps) == 20 * 7
    for i, delay in enumerate(sleeps):
        assert 0 <= delay <= min(3.0, 0.5 * 2 ** (i % 7))


def test_the_total_wait_is_bounded(make_client: MakeClient, mock: respx.MockRouter,
                                   sleeps: list[float], worst_case_jitter: None) -> None:
    policy = RetryPolicy(attempts=50, base_delay=1, max_delay=2, total=5)
    route = mock.get("/x").mock(return_value=unavailable())
    with make_client(retry=policy) as client, pytest.raises(ServerError, match="after 4 attempts"):
        client.get("/x")
    assert sleeps == [1, 2, 2]  # the budget of 5 s is spent exactly, never exceeded
    assert route.call_count == 4


def test_retry_after_seconds_is_honoured(client: LiteLLMClient, mock: respx.MockRouter,
                                         sleeps: list[float]) -> None:
    mock.get("/x").mock(side_effect=[unavailable(429, "3"), unavailable(503, "20"), OK])
    assert client.get("/x") == {"ok": True}
    assert sleeps == [3.0, 20.0]  # exactly as asked, even above the backoff cap (8 s)


def test_retry_after_http_date_is_honoured(client: LiteLLMClient, mock: respx.MockRouter,
                                           sleeps: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    mock.get("/x").mock(side_effect=[unavailable(429, when), OK])
    assert client.get("/x") == {"ok": True}
    assert len(sleeps) == 1 and 28 <= sleeps[0] <= 30.5


def test_retry_after_in_the_past_means_now(client: LiteLLMClient, mock: respx.MockRouter,
                                           sleeps: list[float]) -> None:
    mock.get("/x").mock(side_effect=[unavailable(429, "Wed, 21 Oct 2015 07:28:00 GMT"), OK])
    assert client.get("/x") == {"ok": True}
    assert sleeps == [0.0]


def test_an_invalid_retry_after_falls_back_to_backoff(client: LiteLLMClient, mock: respx.MockRouter,
                                                      sleeps: list[float]) -> None:
    mock.get("/x").mock(side_effect=[unavailable(429, "soon, maybe"), OK])
    assert client.get("/x") == {"ok": True}
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= RetryPolicy().base_delay


def test_a_retry_after_beyond_the_budget_gives_up_at_once(client: LiteLLMClient, mock: respx.MockRouter,
                                                          sleeps: list[float]) -> None:
    route = mock.get("/x").mock(return_value=unavailable(429, "3600"))
    with pytest.raises(ServerError) as err:
        client.get("/x")
    assert route.call_count == 1 and sleeps == []
    assert "GET /x" in str(err.value) and "retry after 3600 s" in str(err.value)


def test_giving_up_names_the_endpoint_and_the_attempts(client: LiteLLMClient, mock: respx.MockRouter,
                                                       sleeps: list[float]) -> None:
    route = mock.get("/v2/model/info").mock(return_value=unavailable(503))
    with pytest.raises(ServerError) as err:
        client.get("/v2/model/info")
    assert str(err.value) == "GET /v2/model/info failed with HTTP 503 after 5 attempts: busy"
    assert err.value.status == 503 and err.value.endpoint == "GET /v2/model/info"
    assert route.call_count == 5 and len(sleeps) == 4


def test_giving_up_on_connect_errors_names_url_endpoint_and_attempts(
        client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.get("/credentials").mock(side_effect=httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(ConnectionFailed) as err:
        client.get("/credentials")
    message = str(err.value)
    assert "GET /credentials" in message and BASE in message and "after 5 attempts" in message
    assert "LITELLM_BASE_URL" in (err.value.hint or "")


def test_server_errors_other_than_500_502_503_504_are_not_retried(client: LiteLLMClient,
                                                                  mock: respx.MockRouter) -> None:
    route = mock.get("/x").mock(return_value=httpx.Response(501, json={"error": {"message": "bug"}}))
    with pytest.raises(ServerError, match="HTTP 501: bug"):
        client.get("/x")
    assert route.call_count == 1


def test_a_bad_url_scheme_is_not_retried(sleeps: list[float]) -> None:
    with LiteLLMClient("litellm.test:4000", MASTER_KEY, sleep=sleeps.append) as client, \
            pytest.raises(ConnectionFailed):
        client.get("/x")
    assert sleeps == []


# -- writes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("failure", [
    unavailable(503), unavailable(502), unavailable(504),
    httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("Server disconnected"),
    httpx.ReadError("Connection reset by peer"),
], ids=["503", "502", "504", "read-timeout", "disconnect", "reset"])
def test_writes_are_not_retried_by_default(client: LiteLLMClient, mock: respx.MockRouter,
                                           sleeps: list[float], failure: object) -> None:
    route = mock.post("/model/new").mock(side_effect=[failure, OK])
    with pytest.raises((ServerError, ConnectionFailed)) as err:
        client.request("POST", "/model/new", json={"model_name": "m"})
    assert route.call_count == 1 and sleeps == []
    assert "POST /model/new" in str(err.value)
    if isinstance(err.value, ConnectionFailed):  # the request may have been applied: say so
        assert "may have been applied" in str(err.value)


@pytest.mark.parametrize("failure", [
    unavailable(503), httpx.ReadTimeout("timed out"), httpx.RemoteProtocolError("Server disconnected"),
], ids=["503", "read-timeout", "disconnect"])
def test_writes_are_retried_when_the_caller_says_it_is_safe(
        client: LiteLLMClient, mock: respx.MockRouter, sleeps: list[float], failure: object) -> None:
    route = mock.patch("/credentials/c").mock(side_effect=[failure, OK])
    assert client.request("PATCH", "/credentials/c", json={"credential_info": {}}, retry=True) == {"ok": True}
    assert route.call_count == 2 and len(sleeps) == 1
    assert client.write_count == 2


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"),
                                     httpx.PoolTimeout("pool")], ids=["connect", "connect-timeout", "pool"])
def test_a_write_that_never_left_is_retried(client: LiteLLMClient, mock: respx.MockRouter,
                                            sleeps: list[float], failure: Exception) -> None:
    route = mock.post("/model/new").mock(side_effect=[failure, OK])
    assert client.request("POST", "/model/new", json={}) == {"ok": True}
    assert route.call_count == 2


def test_a_write_refused_with_429_is_retried_after_the_wait(client: LiteLLMClient, mock: respx.MockRouter,
                                                            sleeps: list[float]) -> None:
    route = mock.post("/model/new").mock(side_effect=[unavailable(429, "2"), OK])
    assert client.request("POST", "/model/new", json={}) == {"ok": True}
    assert route.call_count == 2 and sleeps == [2.0]


def test_a_write_that_keeps_failing_gives_up_with_a_clear_error(
        client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.post("/model/delete").mock(return_value=unavailable(503))
    with pytest.raises(ServerError) as err:
        client.request("POST", "/model/delete", json={"id": "x"}, retry=True)
    assert str(err.value) == "POST /model/delete failed with HTTP 503 after 5 attempts: busy"


def test_each_retry_is_announced_with_its_number(make_client: MakeClient, mock: respx.MockRouter) -> None:
    mock.get("/credentials").mock(side_effect=[unavailable(500), httpx.ReadTimeout("slow"), OK])
    lines: list[str] = []
    make_client(notify=lines.append).get("/credentials")
    assert len(lines) == 2
    assert lines[0].startswith("GET /credentials: HTTP 500; retrying (2/5) in ")
    assert lines[1].startswith("GET /credentials: timed out; retrying (3/5) in ")


def test_a_500_on_a_write_that_may_not_be_repeated_is_not_retried(client: LiteLLMClient,
                                                                   mock: respx.MockRouter) -> None:
    route = mock.post("/key/generate").mock(return_value=unavailable(500))
    with pytest.raises(ServerError):
        client.request("POST", "/key/generate", json={})
    assert route.call_count == 1


def test_the_circuit_opens_after_requests_in_a_row_cannot_reach_litellm(make_client: MakeClient,
                                                                       mock: respx.MockRouter) -> None:
    route = mock.get("/credentials").mock(side_effect=httpx.ConnectError("refused"))
    client = make_client(retry=RetryPolicy(attempts=2, breaker=3))
    for _ in range(3):
        with pytest.raises(ConnectionFailed) as err:
            client.get("/credentials")
        assert not isinstance(err.value, CircuitOpen)
    assert client.circuit_open and route.call_count == 6
    with pytest.raises(CircuitOpen, match="not sent"):
        client.get("/credentials")
    assert route.call_count == 6  # nothing more was sent


def test_an_answer_resets_the_breaker_count(make_client: MakeClient, mock: respx.MockRouter) -> None:
    refused = httpx.ConnectError("refused")
    mock.get("/credentials").mock(side_effect=[refused, refused, OK, refused, refused, OK])
    client = make_client(retry=RetryPolicy(attempts=1, breaker=3))
    for fails in (True, True, False, True, True, False):
        if fails:
            with pytest.raises(ConnectionFailed):
                client.get("/credentials")
        else:
            assert client.get("/credentials") == {"ok": True}
    assert not client.circuit_open
