"""Anthropic messages and the paged ``/v1/models`` as the stand-in answers them."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.upstream.replies import chunks, prompt_tokens, reply_words, text_of

ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


def error(status: int, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message}}


def _usage(request: dict[str, Any], reply: list[str]) -> dict[str, int]:
    texts = [text_of(m.get("content")) for m in request.get("messages") or [] if isinstance(m, dict)]
    texts.append(text_of(request.get("system")))
    return {"input_tokens": prompt_tokens(texts), "output_tokens": len(reply)}


def _stop(request: dict[str, Any], reply: list[str]) -> str:
    limit = request.get("max_tokens")
    return "max_tokens" if isinstance(limit, int) and len(reply) >= limit else "end_turn"


def complete(model: str, request: dict[str, Any]) -> dict[str, Any]:
    reply = reply_words(model, request.get("max_tokens"))
    return {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant", "model": model,
            "content": [{"type": "text", "text": " ".join(reply)}],
            "stop_reason": _stop(request, reply), "stop_sequence": None, "usage": _usage(request, reply)}


def stream(model: str, request: dict[str, Any]) -> list[str]:
    """The event sequence of a streamed message, usage in ``message_start`` and ``message_delta``."""
    reply = reply_words(model, request.get("max_tokens"))
    usage = _usage(request, reply)

    def event(name: str, data: dict[str, Any]) -> str:
        return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n"

    start: dict[str, Any] = {"id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant",
             "model": model,
             "content": [], "stop_reason": None, "stop_sequence": None,
             "usage": {"input_tokens": usage["input_tokens"], "output_tokens": 1}}
    events = [event("message_start", {"message": start}),
              event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}}),
              event("ping", {})]
    events += [event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": piece}})
               for piece in chunks(reply)]
    events += [event("content_block_stop", {"index": 0}),
               event("message_delta", {"delta": {"stop_reason": _stop(request, reply), "stop_sequence": None},
                                       "usage": {"output_tokens": usage["output_tokens"]}}),
               event("message_stop", {})]
    return events


def models(ids: list[str], query: dict[str, str]) -> dict[str, Any]:
    """One page: ``limit`` (default 20), ``after_id`` / ``before_id`` cursors, ``has_more``."""
    limit = int(query.get("limit") or 20)
    if "after_id" in query and query["after_id"] in ids:
        ids = ids[ids.index(query["after_id"]) + 1:]
    if "before_id" in query and query["before_id"] in ids:
        ids = ids[:ids.index(query["before_id"])][-limit:]
    page = ids[:limit]
    data = [{"type": "model", "id": i, "display_name": i, "created_at": "2025-01-01T00:00:00Z"} for i in page]
    return {"data": data, "has_more": len(ids) > limit, "first_id": page[0] if page else None,
            "last_id": page[-1] if page else None}
