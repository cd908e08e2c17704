"""The stand-in upstream: a stdlib ``ThreadingHTTPServer`` on a free loopback port.

Routes (``/v1`` optional where real clients differ):

* ``POST /v1/chat/completions`` — OpenAI; key from ``Authorization: Bearer``.
* ``POST /v1/messages`` — Anthropic; key from ``x-api-key`` (or ``Authorization: Bearer``).
* ``POST /v1beta/models/{model}:generateContent`` and ``:streamGenerateContent`` (``?alt=sse`` for
  SSE, else a JSON array) — Gemini; key from ``x-goog-api-key`` or ``?key=``.
* ``GET /v1/models`` — OpenAI's list, or Anthropic's paged form when the request carries
  ``x-api-key`` / ``anthropic-version``; ``GET /v1beta/models`` — Gemini's paged form.

A wrong or missing key gets 401 in the API's own error shape. Every request is recorded as a
``Call``, also the ones refused and the unknown paths (404). ``fail``/``slow`` make a model id
fail on purpose; so do model ids that start with ``fail-<status>-`` or ``slow-<seconds>-``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tests.upstream import anthropic_api, gemini_api, openai_api

_GEMINI = re.compile(r"^(?:/v1beta|/v1)?/models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)$")
_CONVENTION = re.compile(r"^(?:fail-(?P<status>\d{3})|slow-(?P<delay>\d+(?:\.\d+)?))-")


@dataclass(frozen=True)
class Fault:
    """What a model id does instead of answering: wait ``delay`` s, then answer ``status`` (or
    normally when ``status`` is None)."""

    status: int | None = None
    delay: float = 0.0
    message: str = "the stand-in upstream fails this model on purpose"
    retry_after: float | None = None


@dataclass(frozen=True)
class Call:
    """One request as the upstream saw it."""

    api: str  # "openai", "anthropic", "gemini", or "unknown"
    method: str
    path: str
    model: str | None
    key: str | None  # the key presented (whatever header carried it)
    key_name: str | None  # the configured key it matched, None if none did
    stream: bool
    status: int
    body: Any = field(default=None, compare=False, repr=False)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a client loop opens many connections at once (default backlog: 5)


class Upstream:
    """Start with ``with Upstream(keys={"main": "sk-..."}) as up:``; ``up.url`` is its base URL."""

    def __init__(self, keys: dict[str, str], models: list[str] | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.keys = dict(keys)
        self.models = list(models or [])
        self._faults: dict[str, Fault] = {}
        self._calls: list[Call] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = _Server((host, port), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="stand-in-upstream", daemon=True)

    # -- lifecycle -------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration -----------------------------------------------------------------------
    def fail(self, model: str, status: int, *, message: str | None = None, retry_after: float | None = None) -> None:
        """Answer every request for ``model`` with ``status`` (in the API's error shape)."""
        fault = Fault(status=status, retry_after=retry_after)
        if message:
            fault = Fault(status=status, message=message, retry_after=retry_after)
        with self._lock:
            self._faults[model] = fault

    def slow(self, model: str, seconds: float, status: int | None = None) -> None:
        """Wait ``seconds`` before answering requests for ``model`` (then normally, or ``status``)."""
        with self._lock:
            self._faults[model] = Fault(status=status, delay=seconds)

    def heal(self, model: str | None = None) -> None:
        """Stop failing ``model`` (every model when None)."""
        with self._lock:
            if model is None:
                self._faults.clear()
            else:
                self._faults.pop(model, None)

    def reset(self) -> None:
        """Forget every call and fault (keys and models stay)."""
        with self._lock:
            self._faults.clear()
            self._calls.clear()

    def fault_for(self, model: str | None) -> Fault | None:
        if not model:
            return None
        with self._lock:
            fault = self._faults.get(model)
        if fault is not None:
            return fault
        m = _CONVENTION.match(model)
        if not m:
            return None
        if m.group("status"):
            return Fault(status=int(m.group("status")))
        return Fault(delay=float(m.group("delay")))

    # -- records -------------------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_for(self, model: str) -> list[Call]:
        return [c for c in self.calls if c.model == model]

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def wait(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True if the upstream is stopping meanwhile."""
        return self._stopping.wait(seconds)

    def key_name(self, key: str | None) -> str | None:
        if key is None:
            return None
        return next((name for name, value in self.keys.items() if value == key), None)


def _handler_for(upstream: Upstream) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.upstream = upstream
    return Handler


class _Handler(BaseHTTPRequestHandler):
    upstream: Upstream
    protocol_version = "HTTP/1.1"
    server_version = "stand-in-upstream/1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- request parsing ----------------------------------------------------------------------
    def _split(self) -> tuple[str, dict[str, str]]:
        parts = urlsplit(self.path)
        return parts.path.rstrip("/") or "/", dict(parse_qsl(parts.query))

    def _body(self) -> Any:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def _bearer(self) -> str | None:
        auth = self.headers.get("authorization") or ""
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None

    def _key(self, api: str, query: dict[str, str]) -> str | None:
        if api == "openai":
            return self._bearer()
        if api == "anthropic":
            return self.headers.get("x-api-key") or self._bearer()
        return self.headers.get("x-goog-api-key") or query.get("key")

    # -- responses -----------------------------------------------------------------------------
    def _send_json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, frames: Iterator[str] | list[str], content_type: str = "text/event-stream") -> None:
        self.send_response(200)
        self.send_header("content-type", content_type)
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for frame in frames:
            data = frame.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # -- dispatch ------------------------------------------------------------------------------
    def do_GET(self) -> None:
        path, query = self._split()
        if path in ("/v1/models", "/models"):
            anthropic = "x-api-key" in self.headers or "anthropic-version" in self.headers
            self._serve("anthropic" if anthropic else "openai", path, query, None, None, listing=True)
        elif path in ("/v1beta/models", "/v1/models/gemini"):
            self._serve("gemini", path, query, None, None, listing=True)
        else:
            self._unknown(path)

    def do_POST(self) -> None:
        path, query = self._split()
        body = self._body()
        if path in ("/v1/chat/completions", "/chat/completions"):
            self._serve("openai", path, query, body, None)
        elif path in ("/v1/messages", "/messages"):
            self._serve("anthropic", path, query, body, None)
        elif m := _GEMINI.match(path):
            self._serve("gemini", path, query, body, m.group("model"), gemini_method=m.group("method"))
        else:
            self._unknown(path, body)

    def _unknown(self, path: str, body: Any = None) -> None:
        model = body.get("model") if isinstance(body, dict) else None
        self.upstream.record(Call("unknown", self.command, path, model, None, None, False, 404, body))
        self._send_json(404, openai_api.error(404, f"the stand-in upstream has no route {self.command} {path}"))

    def _serve(self, api: str, path: str, query: dict[str, str], body: Any, model: str | None, *,
               listing: bool = False, gemini_method: str = "") -> None:
        module = {"openai": openai_api, "anthropic": anthropic_api, "gemini": gemini_api}[api]
        if not listing and not isinstance(body, dict):
            body = {}  # not JSON: refused below for want of a model (Gemini names it in the path)
        if not listing and model is None:
            model = body.get("model") if isinstance(body.get("model"), str) else None
        stream = gemini_method == "streamGenerateContent" if api == "gemini" else bool(
            isinstance(body, dict) and body.get("stream"))
        key = self._key(api, query)
        key_name = self.upstream.key_name(key)

        # The outcome is decided (and recorded) on arrival, so a slow call is visible at once.
        fault = self.upstream.fault_for(model) if key_name and (listing or model) else None
        status, message, headers = 200, "", None
        if key_name is None:
            status, message = 401, "invalid api key" if key else "missing api key"
        elif not listing and not model:
            status, message = 400, "no model in the request"
        elif fault and fault.status:
            status, message = fault.status, fault.message
            if fault.retry_after is not None:
                headers = {"retry-after": f"{fault.retry_after:g}"}
        self.upstream.record(Call(api, self.command, path, model, key, key_name, stream, status, body))
        try:
            if fault and fault.delay and self.upstream.wait(fault.delay):
                self._send_json(503, module.error(503, "the stand-in upstream is shutting down"))
            elif status != 200:
                self._send_json(status, module.error(status, message), headers)
            else:
                self._answer(api, query, body, model, listing=listing, stream=stream)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (e.g. its timeout); nothing left to tell it

    def _answer(self, api: str, query: dict[str, str], body: Any, model: str | None, *,
                listing: bool, stream: bool) -> None:
        ids = self.upstream.models
        if listing:
            listed = {"openai": lambda: openai_api.models(ids), "anthropic": lambda: anthropic_api.models(ids, query),
                      "gemini": lambda: gemini_api.models(ids, query)}[api]()
            self._send_json(200, listed)
            return
        assert model is not None
        if api == "openai":
            if stream:
                self._send_stream(openai_api.stream(model, body))
            else:
                self._send_json(200, openai_api.complete(model, body))
        elif api == "anthropic":
            if stream:
                self._send_stream(anthropic_api.stream(model, body))
            else:
                self._send_json(200, anthropic_api.complete(model, body))
        elif stream and query.get("alt") == "sse":
            self._send_stream(gemini_api.stream_sse(model, body))
        elif stream:
            self._send_json(200, gemini_api.stream_bodies(model, body))
        else:
            self._send_json(200, gemini_api.complete(model, body))
