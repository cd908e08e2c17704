"""Complete reads of LiteLLM's paginated lists (``/key/list``, ``/user/list``: at most 100 a page)."""

from __future__ import annotations

from typing import Any

from llmproxy.errors import UnexpectedResponse
from llmproxy.litellm.client import LiteLLMClient

PAGE_SIZE = 100  # the maximum both endpoints accept (more is a 422)
MAX_PAGES = 10_000


def walk(client: LiteLLMClient, path: str, field: str, params: dict[str, Any], *,
         size_param: str = "size") -> list[dict[str, Any]]:
    """Every item of every page; fails (never returns a partial list) on an unexpected shape."""
    endpoint = f"GET {path}"
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get(path, **params, page=page, **{size_param: PAGE_SIZE})
        batch = body.get(field) if isinstance(body, dict) else None
        if not isinstance(batch, list) or not all(isinstance(i, dict) for i in batch):
            raise UnexpectedResponse(f"{endpoint}: expected an object with a '{field}' list of objects",
                                     endpoint=endpoint)
        items += batch
        total_pages = body.get("total_pages")
        if len(batch) < PAGE_SIZE or (isinstance(total_pages, int) and page >= total_pages):
            return items
        page += 1
        if page > MAX_PAGES:
            raise UnexpectedResponse(f"{endpoint}: pagination does not end", endpoint=endpoint)
