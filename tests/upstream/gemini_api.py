"""Gemini ``generateContent`` / ``streamGenerateContent`` and ``/v1beta/models``."""

from __future__ import annotations

import json
from typing import Any

from tests.upstream.replies import chunks, prompt_tokens, reply_words, text_of

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": STATUS_NAMES.get(status, "UNKNOWN")}}


def _reply(model: str, request: dict[str, Any]) -> tuple[list[str], dict[str, int]]:
    # The REST API takes proto field names in camelCase or snake_case (LiteLLM sends snake_case).
    config = request.get("generationConfig") or request.get("generation_config") or {}
    limit = config.get("maxOutputTokens", config.get("max_output_tokens")) if isinstance(config, dict) else None
    reply = reply_words(model, limit)
    texts = [text_of(c.get("parts")) for c in request.get("contents") or [] if isinstance(c, dict)]
    system = request.get("systemInstruction") or request.get("system_instruction")
    if isinstance(system, dict):
        texts.append(text_of(system.get("parts")))
    prompt = prompt_tokens(texts)
    return reply, {"promptTokenCount": prompt, "candidatesTokenCount": len(reply),
                   "totalTokenCount": prompt + len(reply)}


def _response(model: str, text: str, usage: dict[str, int], finish: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "usageMetadata": usage, "modelVersion": model}


def complete(model: str, request: dict[str, Any]) -> dict[str, Any]:
    reply, usage = _reply(model, request)
    return _response(model, " ".join(reply), usage, "STOP")


def stream_bodies(model: str, request: dict[str, Any]) -> list[dict[str, Any]]:
    """One GenerateContentResponse per word; the last carries the finish reason and full usage."""
    reply, usage = _reply(model, request)
    pieces = chunks(reply)
    return [_response(model, piece, usage, "STOP" if i == len(pieces) - 1 else None)
            for i, piece in enumerate(pieces)]


def stream_sse(model: str, request: dict[str, Any]) -> list[str]:
    """``?alt=sse``: one ``data:`` frame per response."""
    return [f"data: {json.dumps(body)}\r\n\r\n" for body in stream_bodies(model, request)]


def models(ids: list[str], query: dict[str, str]) -> dict[str, Any]:
    """A page of ``pageSize`` (default 50); ``pageToken`` is the index to start at."""
    size = int(query.get("pageSize") or 50)
    start = int(query.get("pageToken") or 0)
    page = ids[start:start + size]
    body: dict[str, Any] = {"models": [{
        "name": f"models/{i}", "displayName": i, "version": "001", "inputTokenLimit": 1_000_000,
        "outputTokenLimit": 65_536, "supportedGenerationMethods": ["generateContent", "countTokens"]}
        for i in page]}
    if start + size < len(ids):
        body["nextPageToken"] = str(start + size)
    return body
