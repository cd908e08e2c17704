"""What the in-memory LiteLLM fakes of the unit tests (``apply.fake``, ``keys.fake``) share.

The base URL and master key they answer to, LiteLLM's error shape, and what every request goes
through before a fake answers it in ``route``: ``calls`` logs it as ``METHOD /path`` (``urls`` the
full URL, query included), a wrong master key gets LiteLLM's 401, and ``fail`` injects a response
(or an exception) for the next call(s) of an endpoint, e.g. ``fake.fail["POST /model/new"] =
[httpx.Response(500, json={"error": "boom"})]``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

BASE = "http://litellm.test"
MASTER = "sk-master-0123456789abcdef"


def error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "x", "param": None,
                                                  "code": str(status)}})


class FakeLiteLLMBase:
    """Answers every request of ``router``: the shared prologue in ``handle``, the rest in ``route``."""

    def __init__(self, router: respx.MockRouter) -> None:
        self.fail: dict[str, list[httpx.Response | Exception]] = {}
        self.calls: list[str] = []  # "METHOD /path" of every request, in order
        self.urls: list[str] = []  # every full URL, query included
        router.route().mock(side_effect=self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        endpoint = f"{request.method} {request.url.path}"
        self.calls.append(endpoint)
        self.urls.append(str(request.url))
        if request.headers.get("authorization") != f"Bearer {MASTER}":
            return error(401, "Authentication Error, Invalid proxy server token passed.")
        if self.fail.get(endpoint):
            injected = self.fail[endpoint].pop(0)
            if isinstance(injected, Exception):
                raise injected
            return injected
        body = json.loads(request.content) if request.content else {}
        return self.route(request, endpoint, body, dict(request.url.params))

    def route(self, request: httpx.Request, endpoint: str, body: Any, q: dict[str, str]) -> httpx.Response:
        """The answer to a request past the prologue (``body``: its JSON, ``q``: its query)."""
        raise NotImplementedError
