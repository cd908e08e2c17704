"""Reading LiteLLM's HTTP answers: its error reasons (several body shapes, scrubbed of secrets),
``Retry-After``, and which 500s are a setup problem rather than a passing fault."""

from __future__ import annotations

import ast
import email.utils
import time
from collections.abc import Callable
from datetime import UTC
from typing import Any

import httpx

from llmproxy.redaction import redactor


def retry_after(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/invalid."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # "-0000" parses naive; HTTP dates are always GMT
        parsed = parsed.replace(tzinfo=UTC)
    return max(0.0, parsed.timestamp() - now())


#: A 500 with one of these reasons is a setup problem, not a passing fault: never retried.
_PERMANENT_500 = ("db not connected", "no db connected", "no connected db", "database_url",
                  "store_model_in_db", "only supported for db-stored models")


def permanent(response: httpx.Response) -> bool:
    if response.status_code != 500:
        return False
    low = error_message(response).lower()
    return any(p in low for p in _PERMANENT_500)


def _unwrap(msg: Any) -> Any:
    """LiteLLM often sends ``str(dict)``, e.g. ``"{'error': 'Model ... not found in db'}"``."""
    if isinstance(msg, str) and msg.startswith("{'") and msg.endswith("}"):
        try:
            inner = ast.literal_eval(msg)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return msg
        if isinstance(inner, dict) and len(inner) == 1:
            return next(iter(inner.values()))
    return msg


def is_html(response: httpx.Response) -> bool:
    return "html" in response.headers.get("content-type", "") or response.text.lstrip()[:1] == "<"


def error_message(response: httpx.Response) -> str:
    """LiteLLM's own reason from an error body (several shapes), scrubbed of secrets."""
    if is_html(response):  # a web server or another app: never echo its markup
        return f"an HTML page ({response.reason_phrase or 'no reason given'}), not LiteLLM's JSON API"
    try:
        body = response.json()
    except ValueError:
        text = " ".join(response.text.split()) or response.reason_phrase
        return redactor.scrub(text[:500])
    msg: Any = body
    if isinstance(body, dict):
        msg = body.get("error", body.get("detail", body))
        if isinstance(msg, dict):
            msg = msg.get("message", msg.get("error", msg))
        msg = _unwrap(msg)
        if isinstance(msg, dict) and len(msg) == 1 and "error" in msg:
            msg = msg["error"]
        if isinstance(msg, list):  # FastAPI validation errors
            msg = "; ".join(
                f"{'.'.join(str(p) for p in e.get('loc', []))}: {e.get('msg')}" if isinstance(e, dict)
                else str(e) for e in msg
            )
    return redactor.scrub(str(msg)[:1000])
