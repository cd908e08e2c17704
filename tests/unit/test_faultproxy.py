"""The fault-injecting proxy, against a tiny local upstream (not LiteLLM)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from llmproxy.errors import ConnectionFailed
from llmproxy.litellm.client import LiteLLMClient
from tests.faultproxy import Exchange, Fault, FaultProxy, FaultRates

KEY = "sk-faultproxy-test-key"


class Upstream:
    """Answers every request with a JSON echo and remembers what it received.

    ``/status/<n>`` answers with status n; ``/v2/model/info`` paginates ``models`` like LiteLLM.
    """

    def __init__(self) -> None:
        self.received: list[tuple[str, str, bytes, dict[str, str]]] = []
        self.models = [{"model_name": f"m{i}", "model_info": {"id": f"id-{i}"}} for i in range(7)]
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def do_any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                upstream.received.append((self.command, self.path, body, dict(self.headers.items())))
                url = urlsplit(self.path)
                status, payload = 200, {"method": self.command, "path": self.path, "body": body.decode()}
                if url.path.startswith("/status/"):
                    status = int(url.path.rsplit("/", 1)[1])
                elif url.path == "/v2/model/info":
                    query = parse_qs(url.query)
                    page, size = int(query["page"][0]), int(query["size"][0])
                    payload = {"data": upstream.models[(page - 1) * size: page * size],
                               "total_count": len(upstream.models), "size": size,
                               "total_pages": -(-len(upstream.models) // size)}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("X-Upstream", "yes")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def calls(self) -> list[str]:
        return [f"{m} {p}" for m, p, _, _ in self.received]


@pytest.fixture(scope="module")
def upstream_server() -> Iterator[Upstream]:
    up = Upstream()
    up.thread.start()
    yield up
    up.server.shutdown()
    up.server.server_close()


@pytest.fixture()
def upstream(upstream_server: Upstream) -> Upstream:
    upstream_server.received.clear()
    return upstream_server


@pytest.fixture()
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5) as client:
        yield client


def outcomes(fp: FaultProxy, http: httpx.Client, n: int, method: str = "GET", path: str = "/x") -> list[str]:
    """Send n requests; what each one got: a status code, or 'reset'."""
    seen = []
    for _ in range(n):
        try:
            body = {} if method != "GET" else None
            seen.append(str(http.request(method, fp.url + path, json=body).status_code))
        except httpx.TransportError:
            seen.append("reset")
    return seen


# -- forwarding ------------------------------------------------------------------------------

def test_without_faults_it_forwards_everything_faithfully(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url) as fp:
        assert fp.url.startswith("http://127.0.0.1:")
        r = http.post(fp.url + "/model/new?x=1", json={"model_name": "m"},
                      headers={"Authorization": "Bearer k"})
        assert r.status_code == 200 and r.headers["X-Upstream"] == "yes"
        assert r.json() == {"method": "POST", "path": "/model/new?x=1", "body": '{"model_name":"m"}'}
        assert http.get(fp.url + "/status/418").status_code == 418
        assert http.delete(fp.url + "/credentials/c").json()["method"] == "DELETE"
        assert http.patch(fp.url + "/p", content=b"raw").json()["body"] == "raw"
    method, path, body, headers = upstream.received[0]
    assert (method, path, body) == ("POST", "/model/new?x=1", b'{"model_name":"m"}')
    assert headers["Authorization"] == "Bearer k"
    assert fp.forwarded == fp.received == {"POST /model/new": 1, "GET /status/418": 1,
                                           "DELETE /credentials/c": 1, "PATCH /p": 1}
    assert fp.injected == {} and fp.repeated_writes() == {}
    assert [e.status for e in fp.exchanges] == [200, 418, 200, 200]
    assert fp.errors == []


def test_a_chunked_request_body_is_forwarded(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url) as fp:
        r = http.post(fp.url + "/c", content=iter([b"ab", b"cd"]))  # a generator: sent chunked
        assert r.json()["body"] == "abcd"
    assert upstream.received[0][2] == b"abcd"


def test_an_unreachable_upstream_is_a_502(http: httpx.Client) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"  # bound, never listening
        with FaultProxy(dead) as fp:
            r = http.get(fp.url + "/x")
    assert r.status_code == 502 and "upstream" in r.json()["error"]["message"]
    assert fp.forwarded == {} and fp.received == {"GET /x": 1}


# -- injected faults ---------------------------------------------------------------------------

@pytest.mark.parametrize("rates, expected", [
    (FaultRates(error_503=1.0), "503"),
    (FaultRates(error_429=1.0), "429"),
    (FaultRates(reset=1.0), "reset"),
])
def test_refused_requests_never_reach_the_upstream(upstream: Upstream, http: httpx.Client,
                                                   rates: FaultRates, expected: str) -> None:
    with FaultProxy(upstream.url, rates=rates) as fp:
        assert outcomes(fp, http, 3, "POST", "/model/new") == [expected] * 3
    assert upstream.received == [] and fp.forwarded == {}
    assert fp.injected == {Fault(expected): 3}
    assert fp.received == {"POST /model/new": 3}


def test_an_injected_error_has_litellms_shape(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(error_503=1.0)) as fp:
        r = http.get(fp.url + "/x")
    assert r.json()["error"]["code"] == "503" and "Retry-After" not in r.headers


@pytest.mark.parametrize("retry_after", [2, "Wed, 21 Oct 2015 07:28:00 GMT"])
def test_429_carries_retry_after(upstream: Upstream, http: httpx.Client, retry_after: int | str) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(error_429=1.0, retry_after=retry_after)) as fp:
        r = http.get(fp.url + "/x")
    assert r.status_code == 429 and r.headers["Retry-After"] == str(retry_after)


def test_reset_after_forwarding_applies_the_request_but_loses_the_answer(
        upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(reset_after=1.0)) as fp, pytest.raises(httpx.TransportError):
        http.post(fp.url + "/model/new", json={"model_name": "m"})
    assert upstream.calls() == ["POST /model/new"]
    assert fp.forwarded == {"POST /model/new": 1} and fp.injected == {Fault.RESET_AFTER: 1}
    assert fp.exchanges[0].status is None


def test_the_connection_stays_usable_after_an_injected_error(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, fail_nth={1: Fault.ERROR_503, 2: Fault.RESET}) as fp:
        assert outcomes(fp, http, 4) == ["503", "reset", "200", "200"]


def test_decisions_are_seeded_and_follow_the_rates(upstream: Upstream, http: httpx.Client) -> None:
    rates = FaultRates(error_503=0.2, error_429=0.1, reset=0.05, reset_after=0.05)
    runs = []
    for _ in range(2):
        with FaultProxy(upstream.url, rates=rates, seed=7) as fp:
            runs.append(outcomes(fp, http, 200, "POST", "/w"))
        injected = fp.injected
    assert runs[0] == runs[1]  # the same seed, the same faults
    assert fp.errors == []
    assert 20 <= injected[Fault.ERROR_503] <= 60 and 6 <= injected[Fault.ERROR_429] <= 35
    assert 2 <= injected[Fault.RESET] + injected[Fault.RESET_AFTER] <= 40
    # The upstream saw exactly the forwarded requests: the clean ones and the reset-after ones.
    assert fp.forwarded["POST /w"] == runs[1].count("200") + injected[Fault.RESET_AFTER]
    with FaultProxy(upstream.url, rates=rates, seed=8) as other:
        assert outcomes(other, http, 200, "POST", "/w") != runs[0]


def test_rates_are_validated() -> None:
    with pytest.raises(ValueError):
        FaultRates(error_503=0.7, error_429=0.5)
    with pytest.raises(ValueError):
        FaultRates(reset=-0.1)


# -- targeting -----------------------------------------------------------------------------------

def test_only_writes_leaves_reads_alone(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(error_503=1.0), only_writes=True) as fp:
        assert outcomes(fp, http, 2, "GET") == ["200", "200"]
        assert outcomes(fp, http, 1, "POST") + outcomes(fp, http, 1, "PATCH") + \
            outcomes(fp, http, 1, "DELETE") == ["503"] * 3


def test_path_regex_limits_the_faults(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(reset=1.0), path_regex=r"^/model/") as fp:
        assert outcomes(fp, http, 1, "POST", "/model/new") == ["reset"]
        assert outcomes(fp, http, 1, "POST", "/credentials") == ["200"]


def test_fail_nth_counts_targeted_requests(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, only_writes=True, fail_nth={2: "503"}) as fp:
        got = [outcomes(fp, http, 1, m)[0] for m in ("POST", "GET", "GET", "POST", "POST")]
    assert got == ["200", "200", "200", "503", "200"]  # the second *write*
    assert [e.fault for e in fp.exchanges] == [None, None, None, Fault.ERROR_503, None]


def test_always_fail_matches_method_and_path(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, always_fail={r"^POST /model/new$": Fault.ERROR_503}) as fp:
        assert outcomes(fp, http, 3, "POST", "/model/new") == ["503"] * 3
        assert outcomes(fp, http, 1, "GET", "/model/new") == ["200"]
        assert outcomes(fp, http, 1, "POST", "/model/delete") == ["200"]


def test_faults_can_be_changed_and_cleared_while_running(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(error_503=1.0), always_fail={"/x": Fault.RESET}) as fp:
        assert outcomes(fp, http, 1, "GET", "/y") == ["503"]
        fp.rates = FaultRates(error_429=1.0)
        assert outcomes(fp, http, 1, "GET", "/y") == ["429"]
        fp.clear_faults()
        assert outcomes(fp, http, 2, "GET", "/x") == ["200", "200"]
        assert sum(fp.injected.values()) == 2
        fp.reset_counters()
        assert fp.exchanges == [] and fp.received == {}


def test_repeated_writes_are_reported(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url) as fp:
        for body in (b"a", b"b", b"a"):
            http.post(fp.url + "/model/new", content=body)
        http.get(fp.url + "/model/new")
        http.get(fp.url + "/model/new")  # repeated reads are fine
    (key, times), = fp.repeated_writes().items()
    assert key[:2] == ("POST", "/model/new") and times == 2


def test_latency_is_added_to_targeted_requests(upstream: Upstream, http: httpx.Client) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(latency=0.2), only_writes=True) as fp:
        start = time.monotonic()
        http.get(fp.url + "/r")
        fast = time.monotonic() - start
        start = time.monotonic()
        http.post(fp.url + "/w")
        slow = time.monotonic() - start
    assert fast < 0.2 <= slow


# -- lifecycle -----------------------------------------------------------------------------------

def test_it_stops_promptly_with_idle_and_delayed_connections(upstream: Upstream) -> None:
    fp = FaultProxy(upstream.url, rates=FaultRates(latency=30)).start()
    url = fp.url
    errors: list[BaseException] = []

    def delayed() -> None:  # waits in the proxy's 30 s latency when stop() comes
        try:
            httpx.get(url + "/slow", timeout=10)
        except httpx.TransportError as exc:
            errors.append(exc)

    host, port = urlsplit(url).hostname, urlsplit(url).port
    idle = socket.create_connection((host, port))  # a client that connected and said nothing
    thread = threading.Thread(target=delayed)
    thread.start()
    assert fp.wait_received(1, timeout=5)
    start = time.monotonic()
    fp.stop()
    thread.join(5)
    assert time.monotonic() - start < 2
    assert errors and upstream.received == []  # the delayed request was dropped, never forwarded
    assert fp.errors == []
    assert fp.exchanges[0].status is None
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/x")
    fp.stop()  # idempotent
    with pytest.raises(RuntimeError):
        fp.start()
    idle.close()
    assert not [t for t in threading.enumerate() if t.name == "faultproxy"]


def test_each_proxy_gets_its_own_free_loopback_port(upstream: Upstream) -> None:
    with FaultProxy(upstream.url) as a, FaultProxy(upstream.url) as b:
        assert a.url != b.url
        assert urlsplit(a.url).hostname == "127.0.0.1"


# -- with the LiteLLM client ------------------------------------------------------------------------

def test_the_client_reads_everything_through_a_faulty_proxy(upstream: Upstream) -> None:
    sleeps: list[float] = []
    rates = FaultRates(error_503=0.3, error_429=0.2, retry_after=1, reset=0.1)
    with FaultProxy(upstream.url, rates=rates, seed=3) as fp, \
            LiteLLMClient(fp.url, KEY, sleep=sleeps.append, page_size=2) as client:
        models = client.get_all_models()
    assert [m["model_info"]["id"] for m in models] == [f"id-{i}" for i in range(7)]
    assert sum(fp.injected.values()) > 0
    assert fp.forwarded == {"GET /v2/model/info": 4}  # every page exactly once
    assert 1.0 in sleeps  # the 429's Retry-After was honoured


def test_a_lost_write_answer_is_reported_not_repeated(upstream: Upstream) -> None:
    with FaultProxy(upstream.url, rates=FaultRates(reset_after=1.0)) as fp, \
            LiteLLMClient(fp.url, KEY, sleep=lambda s: None) as client, \
            pytest.raises(ConnectionFailed, match="may have been applied"):
        client.request("POST", "/model/new", json={"model_name": "m"})
    assert fp.forwarded == {"POST /model/new": 1} and fp.repeated_writes() == {}


def test_exchange_names_its_endpoint() -> None:
    e = Exchange(1, "GET", "/a", "/a?b=1", b"", None, True, 200)
    assert e.endpoint == "GET /a"
