"""HTTP client for LiteLLM's admin API.

* explicit timeouts; bounded retries with exponential backoff and full jitter on transport errors,
  429 (honouring ``Retry-After``) and 500/502/503/504. Reads always retry. Writes retry only what
  cannot have been applied (the connection was never made, or a 429 refusal) unless the caller
  says a repeat cannot duplicate anything (``retry=True``). Each retry is announced through
  ``notify`` ("retrying (2/5)"). See docs/http.md.
* a circuit breaker: after ``RetryPolicy.breaker`` requests in a row that could not reach LiteLLM
  (each after its own retries), every further request fails at once with ``CircuitOpen`` instead
  of trying each remaining object again.
* complete reads: ``get_all_models`` walks every page of ``/v2/model/info`` and refuses to return
  a listing it cannot prove complete;
* errors become ``llmproxy.errors`` types with one clear message naming the endpoint, with
  secrets scrubbed. Nothing here ever returns "empty" for a failed read.
"""

from __future__ import annotations

import hashlib
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from llmproxy import __version__
from llmproxy.errors import (
    AuthError,
    Conflict,
    ConnectionFailed,
    LLMProxyError,
    NotFound,
    ServerError,
    UnexpectedResponse,
)
from llmproxy.litellm.connection import DEFAULT_TIMEOUT, check_api_key, resolve_connection
from llmproxy.litellm.pages import MODELS, read_all
from llmproxy.litellm.responses import error_message, is_html, permanent
from llmproxy.litellm.responses import retry_after as header_retry_after
from llmproxy.live.marker import DEFAULT_FINGERPRINT_KEY, Fingerprinter, configured_actor
from llmproxy.redaction import REDACTED, redactor

#: Statuses retried for a request that may be repeated (reads, idempotent writes). A write that
#: may not be repeated is retried only on 429 (refused before processing).
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DB_HINT = ("start LiteLLM with DATABASE_URL (a PostgreSQL URL) and STORE_MODEL_IN_DB=True; "
           "llmproxy manages models and credentials stored in LiteLLM's database")
STORE_HINT = "set STORE_MODEL_IN_DB=True in the proxy's environment and restart it"
AUTH_HINT = ("the key was rejected — is it the master key? Set LITELLM_API_KEY / --api-key to "
             "LiteLLM's master key (LITELLM_MASTER_KEY) or a proxy-admin key")
# The request certainly never reached the server: repeating it cannot duplicate anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Worth another try for a request that may be repeated (others, e.g. a bad URL scheme, are not).
_TRANSIENT = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)
# LiteLLM builds every /v2/model/info page by copying and enriching its *whole* model list and then
# slicing it, so each page costs a pass over all models: fewer, larger pages read the inventory
# faster (docs/performance.md). A model is ~7.5 KB on the wire.
MODEL_PAGE_SIZE = 2000
# The largest response body read (streamed, then refused): a page of MODEL_PAGE_SIZE models is
# ~15 MB, and an unpaged listing of 10,000+ models (~75 MB) still fits; an endless or hostile
# body stops here instead of exhausting memory.
MAX_RESPONSE_BYTES = 128 * 1024 * 1024


class ResponseTooLarge(UnexpectedResponse):
    pass


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries per request
    base_delay: float = 0.25  # seconds; doubles each retry, full jitter
    max_delay: float = 8.0  # cap for one backoff wait (a Retry-After is honoured up to ``total``)
    total: float = 60.0  # cap for the sum of all waits of one request
    breaker: int = 3  # requests in a row that cannot reach LiteLLM before the circuit opens

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Wait before retry number ``attempt + 1``: the server's Retry-After, else backoff."""
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(self.max_delay, self.base_delay * (2 ** attempt)))


class CircuitOpen(ConnectionFailed):
    """Not sent: LiteLLM could not be reached by several requests in a row."""


def _stderr_notice(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class _Again:
    """A request to send once more, after ``delay`` seconds, because of ``why``."""

    delay: float
    why: str


class LiteLLMClient:
    """Thread-safe; one instance per run. ``stats`` counts requests sent by ``METHOD path``
    (every attempt counts). ``notify`` receives one line per retry."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = DEFAULT_TIMEOUT,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, page_size: int = MODEL_PAGE_SIZE,
                 notify: Callable[[str], None] | None = None,
                 max_response_bytes: int = MAX_RESPONSE_BYTES) -> None:
        check_api_key(api_key, "the admin key")
        redactor.add(api_key)
        # Forms in which LiteLLM echoes a rejected key: abbreviated, masked, and its sha256 hash.
        self._key_forms = [f"sk-...{api_key[-4:]}", f"{api_key[:4]}****{api_key[-4:]}",
                           hashlib.sha256(api_key.encode()).hexdigest()] if len(api_key) > 8 else []
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": f"llmproxy/{__version__}"},
            timeout=httpx.Timeout(timeout, connect=min(10.0, timeout)),
            transport=transport,
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=32),
        )
        self.stats: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.notify: Callable[[str], None] = notify or (lambda _message: None)
        self._unreachable = 0  # requests in a row that could not reach LiteLLM
        self.circuit_open = False

    # -- lifecycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LiteLLMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def write_count(self) -> int:
        return sum(n for k, n in self.stats.items() if not k.startswith("GET "))

    def _scrub(self, text: str) -> str:
        text = redactor.scrub(text)
        for form in self._key_forms:
            text = text.replace(form, REDACTED)
        return text

    # -- core ------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None,
                params: dict[str, Any] | None = None, retry: bool | None = None,
                headers: dict[str, str] | None = None) -> Any:
        """Send one request and return its parsed JSON body (``None`` for an empty body).

        ``retry`` defaults to True for GET and False otherwise: pass True for a write only when
        repeating it cannot create a second object. Without it a write is still retried when it
        cannot have been applied: the connection was never made, or the server refused it (429).
        ``headers`` are sent with this request only (``Connection: close`` reaches another replica
        behind a balancer that balances connections).
        """
        method = method.upper()
        retry = (method == "GET") if retry is None else retry
        endpoint = f"{method} {path}"
        if self.circuit_open:
            raise CircuitOpen(f"{endpoint}: not sent: LiteLLM at {self.base_url} could not be reached "
                              f"{self.retry.breaker} times in a row",
                              hint="check that the proxy is running, then re-run to converge")
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            with self._lock:
                self.stats[endpoint] += 1
            try:
                response = self._send(method, path, json, params, endpoint, headers=headers)
            except httpx.TransportError as exc:
                again = self._after_transport_error(exc, method, endpoint, attempt, retry, waited)
            else:
                with self._lock:
                    self._unreachable = 0
                outcome = self._after_response(response, endpoint, attempt, retry, waited)
                if not isinstance(outcome, _Again):
                    return outcome
                again = outcome
            self.notify(f"{endpoint}: {again.why}; retrying ({attempt + 1}/{self.retry.attempts}) "
                        f"in {again.delay:.1f} s…")
            self._sleep(again.delay)
            waited += again.delay

    def _after_transport_error(self, exc: httpx.TransportError, method: str, endpoint: str, attempt: int,
                               retry: bool, waited: float) -> _Again:
        """Retry a request that got no answer when that is safe and the budget allows; else raise."""
        sent = not isinstance(exc, _NOT_SENT)
        may_repeat = not sent or (retry and isinstance(exc, _TRANSIENT))
        delay = self._next_delay(attempt, None, waited) if may_repeat else None
        if delay is None:
            # A read cannot have applied anything, retried or not.
            maybe_applied = sent and method != "GET" and not retry and isinstance(exc, _TRANSIENT)
            self._unreached(exc)
            raise self._transport_error(exc, endpoint, attempt, maybe_applied) from None
        return _Again(delay, "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed")

    def _after_response(self, response: httpx.Response, endpoint: str, attempt: int, retry: bool,
                        waited: float) -> Any:
        """The parsed answer (or its error raised), or ``_Again`` when the status is worth a retry."""
        status = response.status_code
        if status not in RETRY_STATUSES or not (retry or status == 429) or permanent(response):
            return self._handle(response, endpoint, attempt)
        retry_after = header_retry_after(response)
        delay = self._next_delay(attempt, retry_after, waited)
        if delay is None:
            note = ""
            if retry_after is not None and retry_after > self.retry.total - waited:
                note = (f"; LiteLLM asked to retry after {retry_after:.0f} s, more than the "
                        f"remaining retry budget ({max(0.0, self.retry.total - waited):.0f} s)")
            return self._handle(response, endpoint, attempt, note)
        return _Again(delay, f"HTTP {status}")

    def _unreached(self, exc: httpx.TransportError) -> None:
        """Count a request that ended without reaching LiteLLM; open the circuit at the limit."""
        if not isinstance(exc, (httpx.ConnectError, httpx.TimeoutException)) or isinstance(exc, httpx.PoolTimeout):
            return  # a reset or a closed connection: LiteLLM is there
        with self._lock:
            self._unreachable += 1
            if self._unreachable >= self.retry.breaker:
                self.circuit_open = True

    def _send(self, method: str, path: str, json: Any, params: dict[str, Any] | None,
              endpoint: str, timeout: float | None = None,
              headers: dict[str, str] | None = None) -> httpx.Response:
        """One request, its body read as a stream and refused past ``max_response_bytes``."""
        request = self._http.build_request(
            method, path, json=json, params=params, headers=headers,
            timeout=httpx.USE_CLIENT_DEFAULT if timeout is None else timeout)
        response = self._http.send(request, stream=True)
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_response_bytes:
                raise self._too_large(endpoint, int(declared))
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():  # decoded: a compressed bomb stops here too
                size += len(chunk)
                if size > self.max_response_bytes:
                    raise self._too_large(endpoint, None)
                chunks.append(chunk)
        finally:
            response.close()
        kept = [(k, v) for k, v in response.headers.multi_items()
                if k.lower() not in ("content-encoding", "content-length")]
        return httpx.Response(response.status_code, headers=kept, content=b"".join(chunks),
                              request=request)

    def _too_large(self, endpoint: str, declared: int | None) -> ResponseTooLarge:
        limit = self.max_response_bytes // (1024 * 1024)
        size = f" ({declared // (1024 * 1024)} MiB declared)" if declared is not None else ""
        return ResponseTooLarge(
            f"{endpoint}: the response is larger than {limit} MiB{size}; stopped reading it",
            hint="is --base-url / LITELLM_BASE_URL the LiteLLM proxy's address? A real LiteLLM "
                 "answer is far smaller", endpoint=endpoint)

    def send_once(self, method: str, path: str, *, json: Any = None, timeout: float | None = None) -> httpx.Response:
        """One attempt, no retry, no error mapping, for callers that judge the answer themselves
        (a probe reports LiteLLM's status as it is). Transport errors are raised as httpx's."""
        with self._lock:
            self.stats[f"{method.upper()} {path}"] += 1
        return self._send(method, path, json, None, f"{method.upper()} {path}", timeout)

    def scrub(self, text: str) -> str:
        """``text`` without any secret this process knows, nor the forms LiteLLM echoes keys in."""
        return self._scrub(text)

    def _next_delay(self, attempt: int, retry_after: float | None, waited: float) -> float | None:
        """The wait before the next attempt, or None to give up (attempts or budget spent)."""
        remaining = self.retry.total - waited
        if attempt >= self.retry.attempts or remaining <= 0:
            return None
        delay = self.retry.delay(attempt - 1, retry_after)
        if retry_after is not None:
            # Retrying sooner than asked would only be refused again.
            return delay if delay <= remaining else None
        return min(delay, remaining)

    @staticmethod
    def _attempts(attempt: int) -> str:
        return f" after {attempt} attempts" if attempt > 1 else ""

    def _transport_error(self, exc: httpx.TransportError, endpoint: str, attempt: int,
                         maybe_applied: bool) -> LLMProxyError:
        tries = self._attempts(attempt)
        detail = self._scrub(str(exc)) or type(exc).__name__
        if isinstance(exc, _NOT_SENT) and not isinstance(exc, httpx.PoolTimeout):
            return ConnectionFailed(
                self._scrub(f"{endpoint}: cannot reach LiteLLM at {self.base_url}{tries}: {detail}"),
                hint="check --base-url / LITELLM_BASE_URL and that the proxy is running",
            )
        unsure = " (not retried: it may have been applied; re-run to converge)" if maybe_applied else ""
        if isinstance(exc, httpx.TimeoutException):
            return ConnectionFailed(
                self._scrub(f"{endpoint}: LiteLLM at {self.base_url} did not answer in time{tries}{unsure}"),
                hint="the proxy may be overloaded; retry, or raise --timeout")
        return ConnectionFailed(self._scrub(
            f"{endpoint}: connection to LiteLLM at {self.base_url} failed{tries}{unsure}: {detail}"))

    def _handle(self, response: httpx.Response, endpoint: str, attempt: int, note: str = "") -> Any:
        status = response.status_code
        if 300 <= status < 400:
            where = response.headers.get("location", "?")
            raise ServerError(self._scrub(f"{endpoint}: LiteLLM redirected (HTTP {status}) to {where}"),
                              hint="use the address it redirects to as --base-url / LITELLM_BASE_URL",
                              status=status, endpoint=endpoint)
        if status < 400:
            return self._json(response, endpoint)
        reason = self._scrub(error_message(response))
        low = reason.lower()

        def fail(cls: type[ServerError], message: str, hint: str | None = None) -> ServerError:
            return cls(self._scrub(message), hint=hint, status=status, endpoint=endpoint)

        if status in (401, 403):
            raise AuthError(self._scrub(f"LiteLLM rejected the key (HTTP {status}) on {endpoint}: {reason}"),
                            hint=AUTH_HINT)
        if "no connected db" in low:  # a key that is not the master key, and no DB to look it up
            raise AuthError(self._scrub(f"LiteLLM rejected the key on {endpoint}: it is not the master key "
                                        f"and LiteLLM has no database to check other keys ({reason})"),
                            hint=AUTH_HINT + "; or start LiteLLM with DATABASE_URL")
        if "db not connected" in low or "no db connected" in low or "database_url" in low:
            raise fail(ServerError, f"{endpoint}: LiteLLM has no database connected ({reason})", DB_HINT)
        if "store_model_in_db" in low or "only supported for db-stored models" in low:
            raise fail(ServerError, f"{endpoint}: LiteLLM does not store models in its database ({reason})",
                       STORE_HINT)
        message = f"{endpoint} failed with HTTP {status}{self._attempts(attempt)}{note}: {reason}"
        if status == 404 and is_html(response):
            raise fail(NotFound, message, "is this LiteLLM? Check --base-url / LITELLM_BASE_URL, including "
                                          "any path prefix the proxy is served under (https://host/litellm)")
        if status == 404 or (status == 400 and "not found" in low):
            raise fail(NotFound, message)
        if status == 409 or (status == 400 and "already exists" in low):
            raise fail(Conflict, message)
        raise fail(ServerError, message)

    def _json(self, response: httpx.Response, endpoint: str) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("content-type", "no content type")
            start = self._scrub(" ".join(response.text[:200].split())[:80])
            raise UnexpectedResponse(
                f"{endpoint}: LiteLLM sent a response that is not JSON ({kind}): {start!r}",
                hint="is --base-url / LITELLM_BASE_URL the LiteLLM proxy's address?",
                status=response.status_code, endpoint=endpoint) from None

    # -- typed reads -------------------------------------------------------------------------
    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def get_all_models(self) -> list[dict[str, Any]]:
        """Every deployment from ``/v2/model/info``: all pages, deduplicated by ``model_info.id``,
        complete or an error (``litellm.pages``)."""
        return read_all(self, MODELS, page_size=self.page_size)

    def get_credentials(self) -> list[dict[str, Any]]:
        body = self.get("/credentials")
        creds = body.get("credentials") if isinstance(body, dict) else None
        if not isinstance(creds, list) or not all(
                isinstance(c, dict) and isinstance(c.get("credential_name"), str) for c in creds):
            raise UnexpectedResponse("GET /credentials: expected an object with a 'credentials' list "
                                     "of objects with a 'credential_name'", endpoint="GET /credentials")
        return creds

    def get_router_settings(self) -> dict[str, Any]:
        body = self.get("/router/settings")
        if not isinstance(body, dict) or not isinstance(body.get("current_values"), dict):
            raise UnexpectedResponse("GET /router/settings: expected an object with 'current_values'",
                                     endpoint="GET /router/settings")
        return body


def open_client(base_url: str | None, api_key: str | None, env_file: Path | None = None, *,
                timeout: float = DEFAULT_TIMEOUT, retry: RetryPolicy | None = None
                ) -> tuple[LiteLLMClient, Fingerprinter]:
    """The one way commands connect: settings from flags > environment > .env, a client that
    announces its retries on stderr, and the fingerprinter (``live.marker``: keyed by
    LLMPROXY_FINGERPRINT_KEY, never by the admin key)."""
    conn = resolve_connection(base_url, api_key, env_file)
    if conn.actor:
        configured_actor.append(conn.actor)
    client = LiteLLMClient(conn.base_url, conn.api_key, timeout=timeout, retry=retry, notify=_stderr_notice)
    return client, Fingerprinter(conn.fingerprint_key or DEFAULT_FINGERPRINT_KEY)
