"""A fault-injecting HTTP reverse proxy on loopback, for tests.

    with FaultProxy("http://127.0.0.1:4100",
                    rates=FaultRates(error_503=0.2, error_429=0.1, retry_after=1, reset=0.05),
                    seed=1) as fp:
        client = LiteLLMClient(fp.url, key)
        ...
        assert not fp.repeated_writes()

Every request the proxy receives gets one decision, made in arrival order from a seeded random
stream (so a sequential client sees the same faults on every run):

* ``ERROR_500`` / ``ERROR_503`` / ``ERROR_429``: answer at once with a LiteLLM-shaped error; the
  upstream never sees the request. 429s carry ``Retry-After: <rates.retry_after>`` when it is set.
* ``RESET``: close the connection with a TCP reset before forwarding (nothing was applied).
* ``RESET_AFTER``: forward, let the upstream apply it, then reset instead of answering
  ("applied but the response was lost").
* otherwise: forward and relay the answer (after ``rates.latency`` seconds, or a random latency up
  to ``rates.latency_max`` when that is set).

Several upstreams (``FaultProxy([url_a, url_b])``) are used round-robin, one request each in turn,
as a load balancer in front of replicas does (Docker Swarm's ingress with ``replicas: 2``).

Targeting: ``only_writes`` and ``path_regex`` restrict which requests can be faulted (and
delayed); ``fail_nth={3: Fault.RESET}`` faults the 3rd targeted request (1-based);
``always_fail={"POST /model/new": Fault.ERROR_503}`` faults every request whose ``"METHOD /path"``
matches the regex (``re.search``). Precedence: always_fail, then fail_nth, then the rates.
``rates``, ``fail_nth`` and ``always_fail`` may be reassigned while the proxy runs.

What happened is recorded in ``exchanges`` (one ``Exchange`` per request received), with the
counters ``received``, ``forwarded`` (by ``"METHOD /path"``) and ``injected`` (by fault);
``repeated_writes()`` lists writes the upstream got twice. See docs/http.md.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import io
import json
import random
import re
import selectors
import socket
import struct
import sys
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import httpx

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Hop-by-hop headers (RFC 9110 §7.6.1) and those the proxy recomputes.
_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
                  "trailer", "transfer-encoding", "upgrade", "host", "content-length",
                  "accept-encoding", "content-encoding"})
_NOT_RELAYED = _HOP | {"server", "date"}  # the proxy's own server sets these


class Fault(str, enum.Enum):
    ERROR_500 = "500"
    ERROR_503 = "503"
    ERROR_429 = "429"
    RESET = "reset"  # connection reset before forwarding: not applied
    RESET_AFTER = "reset_after"  # forwarded and applied, then reset: the response is lost


@dataclass(frozen=True)
class FaultRates:
    """Per-request probabilities (their sum at most 1) and the added latency in seconds."""

    error_503: float = 0.0
    error_429: float = 0.0
    reset: float = 0.0
    reset_after: float = 0.0
    retry_after: float | str | None = None  # Retry-After sent with injected 429s (seconds or HTTP-date)
    latency: float = 0.0
    error_500: float = 0.0
    latency_max: float | None = None  # latency drawn uniformly from [latency, latency_max]

    def __post_init__(self) -> None:
        rates = (self.error_500, self.error_503, self.error_429, self.reset, self.reset_after)
        if any(r < 0 for r in rates) or sum(rates) > 1 + 1e-9 or self.latency < 0 or (
                self.latency_max is not None and self.latency_max < self.latency):
            raise ValueError(f"fault rates must be >= 0 and sum to at most 1: {self}")

    def pick(self, draw: float) -> Fault | None:
        edge = 0.0
        for fault, rate in ((Fault.ERROR_503, self.error_503), (Fault.ERROR_429, self.error_429),
                            (Fault.RESET, self.reset), (Fault.RESET_AFTER, self.reset_after),
                            (Fault.ERROR_500, self.error_500)):
            edge += rate
            if draw < edge:
                return fault
        return None


@dataclass(frozen=True)
class Exchange:
    """One request the proxy received, and what it did with it."""

    seq: int  # 1-based arrival order
    method: str
    path: str  # without the query string
    target: str  # path and query, as received
    body: bytes
    fault: Fault | None
    forwarded: bool  # the upstream received it (also true for RESET_AFTER)
    status: int | None  # the status sent back to the client; None after a reset

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class _Decision:
    seq: int
    fault: Fault | None
    latency: float
    retry_after: float | str | None


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins the handler threads
    allow_reuse_address = False

    def __init__(self, proxy: FaultProxy) -> None:
        self.proxy = proxy
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, OSError, ValueError)) and self.proxy._stopping.is_set():
            return  # a connection cut by stop() mid-answer
        if isinstance(exc, ConnectionError):
            return  # a client that went away is no news for a fault injector
        if exc is not None:
            self.proxy.errors.append(exc)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real server
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.conn_lock:
            self.server.connections.add(self.connection)
        if self.server.proxy._stopping.is_set():  # accepted while stop() was closing the others
            self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        with self.server.conn_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_any(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        path = urlsplit(self.path).path
        decision = proxy._decide(self.command, path)

        def record(forwarded: bool, status: int | None) -> None:
            # Before the client can see the outcome, so a test never reads stale counters.
            proxy._record(Exchange(decision.seq, self.command, path, self.path, body,
                                   decision.fault, forwarded, status))

        if decision.latency and proxy._stopping.wait(decision.latency):
            record(False, None)
            return self._reset()
        fault = decision.fault
        if fault in (Fault.ERROR_500, Fault.ERROR_503, Fault.ERROR_429):
            status = int(fault.value)
            headers = {"Retry-After": str(decision.retry_after)} if (
                fault is Fault.ERROR_429 and decision.retry_after is not None) else {}
            record(False, status)
            return self._answer(status, _error_body(status, f"fault proxy: injected {status}"), headers)
        if fault is Fault.RESET:
            record(False, None)
            return self._reset()
        response, forwarded = proxy._forward(self.command, self.path, self.headers.items(), body)
        if fault is Fault.RESET_AFTER:
            record(forwarded, None)
            return self._reset()
        if response is None:
            record(forwarded, 502)
            return self._answer(502, _error_body(502, "fault proxy: upstream failed"), {})
        record(True, response.status_code)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _NOT_RELAYED}
        self._answer(response.status_code, response.content, headers)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_any

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self) -> None:
        """Close the connection with a TCP RST, without a response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.wfile.close()
        self.rfile.close()
        self.connection.close()  # the last reference: the socket really closes, with an RST
        self.wfile = io.BytesIO()  # what the request loop still flushes goes nowhere


def _error_body(status: int, message: str) -> bytes:
    """LiteLLM's error shape."""
    error = {"message": message, "type": "fault_injection", "param": None, "code": str(status)}
    return json.dumps({"error": error}).encode()


class FaultProxy:
    """A fault-injecting reverse proxy for ``upstream_url`` on ``127.0.0.1:<free port>``."""

    def __init__(self, upstream_url: str | Sequence[str], rates: FaultRates | None = None,
                 seed: int | None = 0, *,
                 only_writes: bool = False, path_regex: str | None = None,
                 fail_nth: Mapping[int, Fault | str] | None = None,
                 always_fail: Mapping[str, Fault | str] | None = None,
                 upstream_timeout: float = 30.0) -> None:
        urls = [upstream_url] if isinstance(upstream_url, str) else list(upstream_url)
        self.upstream_url = urls[0].rstrip("/")
        self.rates = rates or FaultRates()
        self.only_writes = only_writes
        self.path_regex = path_regex
        self.fail_nth: Mapping[int, Fault | str] = {n: Fault(f) for n, f in (fail_nth or {}).items()}
        self.always_fail: Mapping[str, Fault | str] = {rx: Fault(f) for rx, f in (always_fail or {}).items()}
        self.errors: list[BaseException] = []  # bugs in the proxy itself; a test may assert none
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._exchanges: list[Exchange] = []
        self._seq = 0
        self._targeted = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._upstreams = [httpx.Client(base_url=u.rstrip("/"), timeout=upstream_timeout,
                                        headers={"Accept-Encoding": "identity"}) for u in urls]
        self._turn = 0

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fault proxy is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        if self._server is not None or self._stopping.is_set():
            raise RuntimeError("a FaultProxy runs once: it is running, or was stopped")
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._serve, args=(self._server,), name="faultproxy",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, drop idle keep-alive connections, wait for in-flight requests."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        self._wake_w.send(b"x")
        assert self._thread is not None
        self._thread.join()
        with server.conn_lock:
            for conn in list(server.connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        server.server_close()  # joins the handler threads
        for upstream in self._upstreams:
            upstream.close()
        self._wake_r.close()
        self._wake_w.close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, server: _Server) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(server.socket, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is server.socket and not self._stopping.is_set():
                        server._handle_request_noblock()

    # -- decisions -------------------------------------------------------------------------
    def _decide(self, method: str, path: str) -> _Decision:
        with self._lock:
            self._seq += 1
            self._arrived.notify_all()
            rates, endpoint = self.rates, f"{method} {path}"
            fault = next((Fault(f) for rx, f in self.always_fail.items() if re.search(rx, endpoint)), None)
            targeted = ((not self.only_writes or method in WRITE_METHODS)
                        and (self.path_regex is None or re.search(self.path_regex, path) is not None))
            if targeted:
                self._targeted += 1
                draw = self._random.random()  # one draw per targeted request keeps the stream stable
                nth = self.fail_nth.get(self._targeted)
                fault = fault or (Fault(nth) if nth is not None else rates.pick(draw))
            latency = rates.latency
            if rates.latency_max is not None:
                latency = self._random.uniform(rates.latency, rates.latency_max)
            return _Decision(self._seq, fault, latency if targeted else 0.0, rates.retry_after)

    def _forward(self, method: str, target: str, headers: Any,
                 body: bytes) -> tuple[httpx.Response | None, bool]:
        """The upstream's answer (None if it failed), and whether the upstream may have got it."""
        with self._lock:
            upstream = self._upstreams[self._turn % len(self._upstreams)]
            self._turn += 1
        try:
            return upstream.request(method, target, content=body, headers=[
                (k, v) for k, v in headers if k.lower() not in _HOP]), True
        except (httpx.ConnectError, httpx.ConnectTimeout):
            return None, False
        except httpx.HTTPError:
            return None, True

    def _record(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)

    # -- what happened -----------------------------------------------------------------------
    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return sorted(self._exchanges, key=lambda e: e.seq)

    @property
    def received(self) -> Counter[str]:
        return Counter(e.endpoint for e in self.exchanges)

    @property
    def forwarded(self) -> Counter[str]:
        return Counter(e.endpoint for e in self.exchanges if e.forwarded)

    @property
    def injected(self) -> Counter[Fault]:
        return Counter(e.fault for e in self.exchanges if e.fault is not None)

    def repeated_writes(self) -> dict[tuple[str, str, str], int]:
        """Writes the upstream received more than once with the same target and body:
        ``{(method, target, sha256 of body): times}``. Empty when nothing was duplicated."""
        seen = Counter((e.method, e.target, hashlib.sha256(e.body).hexdigest())
                       for e in self.exchanges if e.forwarded and e.method in WRITE_METHODS)
        return {k: n for k, n in seen.items() if n > 1}

    def wait_received(self, count: int, timeout: float = 5.0) -> bool:
        """Block until ``count`` requests have arrived (in flight or done); False on timeout."""
        with self._arrived:
            return self._arrived.wait_for(lambda: self._seq >= count, timeout)

    def clear_faults(self) -> None:
        """From now on, forward everything untouched (the counters are kept)."""
        with self._lock:
            self.rates, self.fail_nth, self.always_fail = FaultRates(), {}, {}

    def reset_counters(self) -> None:
        """Forget the exchanges so far (arrival numbers and ``fail_nth`` counting go on)."""
        with self._lock:
            self._exchanges.clear()
