"""Fixtures for the HTTP-layer tests: a respx-mocked LiteLLM and a client that never sleeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import respx

from llmproxy.litellm.client import LiteLLMClient

BASE = "http://litellm.test"
MASTER_KEY = "sk-master-0123456789abcdef"
MakeClient = Callable[..., LiteLLMClient]


def model(n: int | str) -> dict[str, Any]:
    """A deployment as ``/v2/model/info`` lists it (abridged)."""
    return {"model_name": f"m{n}", "litellm_params": {"model": f"openai/m{n}"},
            "model_info": {"id": f"id-{n}", "db_model": True}}


def ids(models: list[dict[str, Any]]) -> list[str]:
    return [m["model_info"]["id"] for m in models]


def litellm_pages(inventory: Callable[[], list[dict[str, Any]]] | list[dict[str, Any]],
                  **overrides: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A ``/v2/model/info`` handler paginating like LiteLLM's ``_paginate_models_response``."""

    def handler(request: httpx.Request) -> httpx.Response:
        items = inventory() if callable(inventory) else inventory
        page, size = int(request.url.params["page"]), int(request.url.params["size"])
        count = len(items)
        body = {"data": items[(page - 1) * size: page * size], "total_count": count,
                "current_page": page, "total_pages": -(-count // size), "size": size}
        body.update(overrides)
        return httpx.Response(200, json=body)

    return handler


@pytest.fixture()
def mock() -> respx.MockRouter:
    """The mocked LiteLLM; clients reach it through ``make_client`` (an unmatched request fails)."""
    return respx.MockRouter(base_url=BASE, assert_all_called=False)


@pytest.fixture()
def sleeps() -> list[float]:
    """Every wait the client asked for, instead of sleeping."""
    return []


@pytest.fixture()
def make_client(mock: respx.MockRouter, sleeps: list[float]) -> Iterator[MakeClient]:
    """A client talking to ``mock`` that records its waits in ``sleeps`` instead of sleeping."""
    made: list[LiteLLMClient] = []

    def make(**kwargs: Any) -> LiteLLMClient:
        kwargs = {"sleep": sleeps.append, "transport": httpx.MockTransport(mock.handler)} | kwargs
        made.append(LiteLLMClient(kwargs.pop("base_url", BASE), kwargs.pop("api_key", MASTER_KEY), **kwargs))
        return made[-1]

    yield make
    for c in made:
        c.close()


@pytest.fixture()
def client(make_client: MakeClient) -> LiteLLMClient:
    return make_client(page_size=2)
