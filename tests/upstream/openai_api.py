"""OpenAI chat completions and ``/v1/models`` as the stand-in answers them."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from tests.upstream.replies import chunks, prompt_tokens, reply_words, text_of

ERROR_TYPES = {401: "invalid_request_error", 404: "invalid_request_error", 429: "rate_limit_exceeded",
               500: "server_error", 503: "server_error"}
ERROR_CODES = {401: "invalid_api_key", 404: "model_not_found", 429: "rate_limit_exceeded"}


def error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": ERROR_TYPES.get(status, "api_error"), "param": None,
                      "code": ERROR_CODES.get(status)}}


def _usage(request: dict[str, Any], reply: list[str]) -> dict[str, int]:
    prompt = prompt_tokens(text_of(m.get("content")) for m in request.get("messages") or []
                           if isinstance(m, dict))
    return {"prompt_tokens": prompt, "completion_tokens": len(reply), "total_tokens": prompt + len(reply)}


def _max_tokens(request: dict[str, Any]) -> Any:
    return request.get("max_completion_tokens", request.get("max_tokens"))


def complete(model: str, request: dict[str, Any]) -> dict[str, Any]:
    reply = reply_words(model, _max_tokens(request))
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": " ".join(reply)},
                     "logprobs": None, "finish_reason": "length" if _max_tokens(request) else "stop"}],
        "usage": _usage(request, reply),
    }


def stream(model: str, request: dict[str, Any]) -> list[str]:
    """SSE frames: role, one content delta per word, finish, a usage chunk (always: LiteLLM costs
    streams from it), ``[DONE]``."""
    reply = reply_words(model, _max_tokens(request))
    base = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}

    def frame(choices: list[dict[str, Any]], **extra: Any) -> str:
        return f"data: {json.dumps({**base, 'choices': choices, **extra})}\n\n"

    frames = [frame([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])]
    frames += [frame([{"index": 0, "delta": {"content": piece}, "finish_reason": None}]) for piece in chunks(reply)]
    frames.append(frame([{"index": 0, "delta": {}, "finish_reason": "length" if _max_tokens(request) else "stop"}]))
    frames.append(frame([], usage=_usage(request, reply)))
    frames.append("data: [DONE]\n\n")
    return frames


def models(ids: list[str]) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": i, "object": "model", "created": 1_700_000_000,
                                        "owned_by": "stand-in"} for i in ids]}
