"""HTTP client for LiteLLM's admin API.

* explicit timeouts; bounded retries with exponential backoff and full jitter on connect errors,
  429 (honouring ``Retry-After``) and 502/503/504 — for reads always, for writes only when the
  caller says a repeat cannot duplicate anything (``retry=True``);
* complete reads: ``get_all_models`` walks every page of ``/v2/model/info``;
* errors become ``llmproxy.errors`` types with one clear message naming the endpoint, with
  secrets scrubbed. Nothing here ever returns "empty" for a failed read.
"""

from __future__ import annotations

import email.utils
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
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
from llmproxy.secrets import redactor

RETRY_STATUSES = frozenset({429, 502, 503, 504})
DB_HINT = ("start LiteLLM with DATABASE_URL (a PostgreSQL URL) and STORE_MODEL_IN_DB=True; "
           "llmproxy manages models and credentials stored in LiteLLM's database")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # total tries per request
    base_delay: float = 0.25  # seconds; doubles each retry, full jitter
    max_delay: float = 8.0  # cap for one wait (also caps Retry-After)
    total: float = 60.0  # give up once this much time was spent waiting

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        return random.uniform(0, min(self.max_delay, self.base_delay * (2 ** attempt)))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is None:
            return None
        return max(0.0, parsed.timestamp() - time.time())


def error_message(response: httpx.Response) -> str:
    """LiteLLM's own reason from an error body (several shapes), scrubbed of secrets."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip() or response.reason_phrase
        return redactor.scrub(text[:500])
    msg: Any = body
    if isinstance(body, dict):
        msg = body.get("error", body.get("detail", body))
        if isinstance(msg, dict):
            msg = msg.get("message", msg.get("error", msg))
        if isinstance(msg, list):  # FastAPI validation errors
            msg = "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" if isinstance(e, dict)
                else str(e) for e in msg
            )
    return redactor.scrub(str(msg)[:1000])


class LiteLLMClient:
    """Thread-safe; one instance per run. ``stats`` counts requests by ``METHOD path``."""

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 30.0,
                 retry: RetryPolicy | None = None, transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep, page_size: int = 500) -> None:
        redactor.add(api_key)
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
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

    # -- core ------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, json: Any = None,
                params: dict[str, Any] | None = None, retry: bool | None = None) -> Any:
        """Send one request and return its parsed JSON body (``None`` for an empty body).

        ``retry`` defaults to True for GET and False otherwise: pass True for a write only when
        repeating it cannot create a second object.
        """
        retry = (method == "GET") if retry is None else retry
        endpoint = f"{method} {path}"
        waited = 0.0
        attempt = 0
        while True:
            with self._lock:
                self.stats[endpoint] += 1
            try:
                response = self._http.request(method, path, json=json, params=params)
            except httpx.TransportError as exc:
                # A connect error never reached the server: always safe to repeat.
                safe = retry or isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
                if safe and self._can_retry(attempt, waited):
                    delay = self.retry.delay(attempt, None)
                    self._sleep(delay)
                    waited += delay
                    attempt += 1
                    continue
                raise self._transport_error(exc, endpoint, attempt) from None
            if response.status_code in RETRY_STATUSES and retry and self._can_retry(attempt, waited):
                delay = self.retry.delay(attempt, _retry_after(response))
                self._sleep(delay)
                waited += delay
                attempt += 1
                continue
            return self._handle(response, endpoint, attempt)

    def _can_retry(self, attempt: int, waited: float) -> bool:
        return attempt + 1 < self.retry.attempts and waited < self.retry.total

    def _transport_error(self, exc: httpx.TransportError, endpoint: str, attempt: int) -> LLMProxyError:
        tries = f" after {attempt + 1} attempts" if attempt else ""
        if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)):
            return ConnectionFailed(
                f"cannot reach LiteLLM at {self.base_url}{tries}: {redactor.scrub(str(exc)) or type(exc).__name__}",
                hint="check --base-url / LITELLM_BASE_URL and that the proxy is running",
            )
        if isinstance(exc, httpx.TimeoutException):
            return ConnectionFailed(f"{endpoint}: LiteLLM at {self.base_url} did not answer in time{tries}",
                                    hint="the proxy may be overloaded; retry, or raise --timeout")
        return ConnectionFailed(
            f"{endpoint}: connection to LiteLLM at {self.base_url} failed{tries}: "
            f"{redactor.scrub(str(exc)) or type(exc).__name__}")

    def _handle(self, response: httpx.Response, endpoint: str, attempt: int) -> Any:
        status = response.status_code
        if status < 400:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise UnexpectedResponse(f"{endpoint}: LiteLLM sent a response that is not JSON",
                                         status=status, endpoint=endpoint) from None
        reason = error_message(response)
        if status in (401, 403):
            raise AuthError(f"LiteLLM rejected the key ({status}) on {endpoint}: {reason}",
                            hint="is LITELLM_API_KEY / --api-key the master key or a proxy-admin key?")
        low = reason.lower()
        if "db not connected" in low or "no db connected" in low or "database_url" in low:
            raise ServerError(f"{endpoint}: LiteLLM has no database connected", hint=DB_HINT,
                              status=status, endpoint=endpoint)
        if "store_model_in_db" in low:
            raise ServerError(f"{endpoint}: LiteLLM does not store models in its database",
                              hint="set STORE_MODEL_IN_DB=True in the proxy's environment and restart it",
                              status=status, endpoint=endpoint)
        tries = f" (after {attempt + 1} attempts)" if attempt else ""
        message = f"{endpoint} failed with HTTP {status}{tries}: {reason}"
        if status == 404 or "not found" in low:
            raise NotFound(message, status=status, endpoint=endpoint)
        if status == 409 or "already exists" in low:
            raise Conflict(message, status=status, endpoint=endpoint)
        raise ServerError(message, status=status, endpoint=endpoint)

    # -- typed reads -------------------------------------------------------------------------
    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None)

    def get_all_models(self) -> list[dict[str, Any]]:
        """Every deployment from ``/v2/model/info``, all pages, deduplicated by id."""
        endpoint = "GET /v2/model/info"
        seen: dict[str, dict[str, Any]] = {}
        page = 1
        total_pages: int | None = None
        while True:
            body = self.get("/v2/model/info", page=page, size=self.page_size)
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise UnexpectedResponse(f"{endpoint}: expected an object with a 'data' list",
                                         endpoint=endpoint)
            for item in body["data"]:
                if not isinstance(item, dict) or not isinstance(item.get("model_info"), dict):
                    raise UnexpectedResponse(f"{endpoint}: a model without 'model_info'", endpoint=endpoint)
                key = str(item["model_info"].get("id") or f"#{len(seen)}")
                seen[key] = item
            pages = body.get("total_pages")
            if isinstance(pages, int):
                total_pages = max(total_pages or 0, pages)
            # Stop on a short/empty page, or once past the largest page count the server named.
            if not body["data"] or len(body["data"]) < self.page_size:
                break
            if total_pages is not None and page >= total_pages:
                break
            page += 1
            if page > 10_000:
                raise UnexpectedResponse(f"{endpoint}: pagination does not end", endpoint=endpoint)
        return list(seen.values())

    def get_credentials(self) -> list[dict[str, Any]]:
        body = self.get("/credentials")
        if not isinstance(body, dict) or not isinstance(body.get("credentials"), list):
            raise UnexpectedResponse("GET /credentials: expected an object with a 'credentials' list",
                                     endpoint="GET /credentials")
        return body["credentials"]

    def get_router_settings(self) -> dict[str, Any]:
        body = self.get("/router/settings")
        if not isinstance(body, dict) or not isinstance(body.get("current_values"), dict):
            raise UnexpectedResponse("GET /router/settings: expected 'current_values'",
                                     endpoint="GET /router/settings")
        return body
