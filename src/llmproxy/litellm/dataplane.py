"""Requests through the gateway's data plane: what a client sends, as opposed to the admin API.

``one_token_chat`` is the probe request: ``POST /chat/completions`` for one model group (or
alias) with ``max_tokens: 1``, sent with the admin key (which may call every model). Why this
rather than LiteLLM's ``GET /health?model=``: the health check (litellm 1.106) calls each
deployment outside the router with its own prompt and ``max_tokens`` 16, retries a 429 itself,
reports an upstream 401 as ``BadRequestError`` text with a stack trace, and knows no aliases. A
completion goes the way a client's request goes (alias resolution, access, routing, cooldowns),
and LiteLLM answers it with the upstream's status (401, 404, 429, 408 on timeout) and reason.

The body turns off what would hide the group's own answer: ``disable_fallbacks`` (a fallback
would answer for a broken group) and ``num_retries: 0`` (one upstream call). ``timeout`` makes
LiteLLM give up on the upstream itself (HTTP 408 with its reason) before this client does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.responses import error_message

CHAT_PATH = "/chat/completions"
PROMPT = "ping"
_GRACE = 5.0  # seconds this client waits beyond LiteLLM's own upstream timeout


@dataclass(frozen=True)
class Answer:
    """LiteLLM's answer to one probe request."""

    status: int | None  # HTTP status; None when LiteLLM did not answer
    seconds: float
    reason: str = ""  # LiteLLM's error message (first paragraph, scrubbed); "" on success
    deployment: str | None = None  # x-litellm-model-id of the deployment that answered
    timed_out: bool = False  # no answer from LiteLLM in time


def probe_body(model: str, timeout: float) -> dict[str, object]:
    return {"model": model, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 1,
            "disable_fallbacks": True, "num_retries": 0, "timeout": timeout}


def one_token_chat(client: LiteLLMClient, model: str, timeout: float) -> Answer:
    """One request, never retried (a retry would cost tokens and hide what happened)."""
    start = time.monotonic()
    try:
        response = client.send_once("POST", CHAT_PATH, json=probe_body(model, timeout), timeout=timeout + _GRACE)
    except httpx.TimeoutException:
        return Answer(None, time.monotonic() - start, f"no answer from LiteLLM in {timeout + _GRACE:g} s",
                      timed_out=True)
    except httpx.TransportError as exc:
        return Answer(None, time.monotonic() - start,
                      client.scrub(f"cannot reach LiteLLM at {client.base_url}: {exc or type(exc).__name__}"))
    seconds = time.monotonic() - start
    deployment = response.headers.get("x-litellm-model-id")
    if response.status_code == 200:
        return Answer(200, seconds, deployment=deployment)
    return Answer(response.status_code, seconds, client.scrub(first_paragraph(error_message(response))),
                  deployment=deployment)


def first_paragraph(message: str, limit: int = 300) -> str:
    """LiteLLM's reason without the advice and stack trace it appends."""
    head = message.split("\n\n", 1)[0].split("stack trace:", 1)[0]
    text = " ".join(head.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
