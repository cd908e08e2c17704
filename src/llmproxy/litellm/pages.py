"""The one paginator for LiteLLM's listings (``/v2/model/info``, ``/key/list``, ``/user/list``).

LiteLLM pages an in-memory (or freshly queried) list by offset, so a listing that changes while
it is read can shift items across pages. Every read is complete or fails: items are deduplicated
by their identity, a page that only repeats items already read means the server ignores ``page``
(fail), and a pass whose totals disagree, or that holds fewer items than the server counted, is
read again; if that never settles the read fails rather than returning a partial list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmproxy.errors import UnexpectedResponse

if TYPE_CHECKING:
    from llmproxy.litellm.client import LiteLLMClient

MAX_PAGES = 10_000
READ_PASSES = 3  # re-reads of a listing that changed while it was being read


@dataclass(frozen=True)
class Listing:
    path: str
    field: str  # the list in each page's body
    identity: Callable[[Mapping[str, Any]], object]  # an item's id (None: malformed item)
    identity_name: str  # for messages: "'model_info.id'"
    noun: str  # for messages: "models"
    size_param: str = "size"
    count_field: str = "total_count"  # the server's count of all items, if it sends one


def _pass(client: LiteLLMClient, listing: Listing, params: Mapping[str, Any],
          page_size: int) -> tuple[list[dict[str, Any]], list[int]]:
    """One walk through the pages: the items, and every total the server named."""
    endpoint = f"GET {listing.path}"
    page = 0

    def unexpected(what: str) -> UnexpectedResponse:
        return UnexpectedResponse(f"{endpoint} (page {page}): {what}", endpoint=endpoint)

    seen: dict[str, dict[str, Any]] = {}
    counts: list[int] = []
    for page in range(1, MAX_PAGES + 1):
        body = client.get(listing.path, **params, page=page, **{listing.size_param: page_size})
        data = body.get(listing.field) if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise unexpected(f"expected an object with a '{listing.field}' list")
        new = 0
        for item in data:
            ident = listing.identity(item) if isinstance(item, dict) else None
            if not isinstance(ident, (str, int)) or isinstance(ident, bool):
                raise unexpected(f"an item without {listing.identity_name}")
            new += str(ident) not in seen
            seen[str(ident)] = item
        if data and not new:
            raise unexpected("it only repeats items already read: LiteLLM seems to ignore the 'page' "
                             "parameter (or the list changed a lot while it was read), so the complete "
                             "list cannot be read")
        count, pages, size = body.get(listing.count_field), body.get("total_pages"), body.get("size")
        if isinstance(count, int):
            counts.append(count)
        size = size if isinstance(size, int) and size > 0 else page_size
        # The end: an empty or short page, or the last page the server named once every item it
        # counted has been read.
        if len(data) < size:
            break
        missing = isinstance(count, int) and len(seen) < count
        if isinstance(pages, int) and page >= pages and not missing:
            break
    else:
        raise unexpected(f"pagination did not end after {MAX_PAGES} pages")
    return list(seen.values()), counts


def read_all(client: LiteLLMClient, listing: Listing, params: Mapping[str, Any] | None = None, *,
             page_size: int = 100) -> list[dict[str, Any]]:
    """Every item of ``listing`` (see the module docstring for what "complete" means)."""
    items: list[dict[str, Any]] = []
    counts: list[int] = []
    for _ in range(READ_PASSES):
        items, counts = _pass(client, listing, params or {}, page_size)
        if len(set(counts)) <= 1 and all(len(items) >= n for n in counts):
            return items
    if counts and len(items) < counts[-1]:
        changed = f"; {listing.count_field} changed across pages: {counts}" if len(set(counts)) > 1 else ""
        raise UnexpectedResponse(
            f"GET {listing.path}: read {len(items)} {listing.noun} but LiteLLM counted {counts[-1]}{changed} "
            f"({READ_PASSES} tries); refusing to use an incomplete list",
            hint="if the list was changing, retry when it is idle", endpoint=f"GET {listing.path}")
    return items  # totals inconsistent, yet nothing is missing


def _model_id(item: Mapping[str, Any]) -> object:
    info = item.get("model_info")
    return info.get("id") if isinstance(info, Mapping) else None


MODELS = Listing("/v2/model/info", "data", _model_id, "'model_info.id'", "models")
KEYS = Listing("/key/list", "keys", lambda item: item.get("token"), "'token'", "keys")
USERS = Listing("/user/list", "users", lambda item: item.get("user_id"), "'user_id'", "users",
                size_param="page_size")
