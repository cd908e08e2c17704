"""Read an upstream's model list over HTTP, the way each API publishes it.

* ``openai``: ``GET <base>/v1/models`` with ``Authorization: Bearer``; ``{"data": [{"id"}]}``.
* ``anthropic``: ``GET <base>/v1/models`` with ``x-api-key`` and ``anthropic-version``, paged:
  ``has_more`` / ``last_id`` -> ``?after_id=``.
* ``gemini``: ``GET <base>/v1beta/models`` with ``x-goog-api-key``, paged: ``nextPageToken`` ->
  ``?pageToken=``; names ``models/<id>``.

An Anthropic or Gemini listing that fails or lists nothing is retried as the OpenAI-compatible
list (gateways such as Antigravity Manager serve only that), as the successor scripts do. Every
failure is a ``ListingError`` naming the URL (never the key: it travels in headers only).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from llmproxy.config.compile import join_api_base
from llmproxy.redaction import hide_url_passwords, redactor

#: Longest a listing may take, per request (the successor scripts use 30 s too).
TIMEOUT = 30.0
#: Pages followed at most (a server that never stops paging is an error, not a hang).
MAX_PAGES = 200
ANTHROPIC_VERSION = "2023-06-01"


@dataclass(frozen=True)
class Listing:
    url: str  # the first URL read (no secrets)
    ids: tuple[str, ...]  # model ids in the order listed


class ListingError(Exception):
    """The model list could not be read or trusted."""

    def __init__(self, url: str, reason: str, *, answered: bool = True) -> None:
        self.answered = answered  # False: no HTTP answer at all (then no other list is tried)
        self.url = hide_url_passwords(url)
        self.reason = redactor.scrub(hide_url_passwords(reason))
        super().__init__(f"GET {self.url}: {self.reason}")


#: (interface, base URL, api key) -> the listing. Injectable: tests pass fakes.
ModelLister = Callable[[str, str, str], Listing]


def _error_detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return f" ({str(message)[:200]})" if isinstance(message, str) and message else ""


def _get(client: httpx.Client, url: str, headers: dict[str, str], params: dict[str, str]) -> Any:
    shown = f"{url}?{urlencode(params)}" if params else url
    try:
        response = client.get(url, headers=headers, params=params)
    except httpx.TimeoutException:
        raise ListingError(shown, "no answer in time", answered=False) from None
    except httpx.HTTPError as exc:
        raise ListingError(shown, f"cannot connect ({type(exc).__name__}: {exc})", answered=False) from None
    if response.status_code != 200:
        raise ListingError(shown, f"HTTP {response.status_code}{_error_detail(response)}")
    try:
        return response.json()
    except ValueError:
        raise ListingError(shown, "the answer is not JSON") from None


def _ids(items: Any, key: str, url: str, shape: str) -> Iterator[str]:
    if not isinstance(items, list):
        raise ListingError(url, f"malformed model list: expected {shape}")
    for item in items:
        value = item.get(key) if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            raise ListingError(url, f"malformed model list entry: expected {shape}")
        yield value


def _openai(client: httpx.Client, base: str, key: str) -> list[str]:
    url = join_api_base(base, "/v1") + "/models"
    body = _get(client, url, {"authorization": f"Bearer {key}"}, {})
    return list(_ids(body.get("data") if isinstance(body, dict) else None, "id", url, '{"data": [{"id": ...}]}'))


def _anthropic(client: httpx.Client, base: str, key: str) -> list[str]:
    url = join_api_base(base, "/v1") + "/models"
    headers = {"x-api-key": key, "anthropic-version": ANTHROPIC_VERSION}
    ids: list[str] = []
    params: dict[str, str] = {}
    for _ in range(MAX_PAGES):
        body = _get(client, url, headers, params)
        data = body.get("data") if isinstance(body, dict) else None
        ids += _ids(data, "id", url, '{"data": [{"id": ...}], "has_more": ...}')
        more = body.get("has_more", False)
        if more is not True:
            if more is not False:
                raise ListingError(url, "malformed model list: has_more is not true or false")
            return ids
        cursor = body.get("last_id")
        if not isinstance(cursor, str) or not cursor or cursor == params.get("after_id"):
            raise ListingError(url, "malformed model list: has_more without a new last_id")
        params = {"after_id": cursor}
    raise ListingError(url, f"more than {MAX_PAGES} pages")


def _gemini(client: httpx.Client, base: str, key: str) -> list[str]:
    url = join_api_base(base, "/v1beta") + "/models"
    ids: list[str] = []
    params: dict[str, str] = {}
    for _ in range(MAX_PAGES):
        body = _get(client, url, {"x-goog-api-key": key}, params)
        models = body.get("models", []) if isinstance(body, dict) else None
        ids += (name.removeprefix("models/") for name in _ids(models, "name", url, '{"models": [{"name": ...}]}'))
        token = body.get("nextPageToken")
        if not token:
            return ids
        if not isinstance(token, str) or token == params.get("pageToken"):
            raise ListingError(url, "malformed model list: nextPageToken does not move on")
        params = {"pageToken": token}
    raise ListingError(url, f"more than {MAX_PAGES} pages")


_NATIVE = {"openai": _openai, "anthropic": _anthropic, "gemini": _gemini}


def _checked(ids: list[str], url: str) -> tuple[str, ...]:
    seen: set[str] = set()
    for model_id in ids:
        if not model_id or model_id in seen:
            raise ListingError(url, f"the list names {model_id!r} twice" if model_id else "an empty model id")
        seen.add(model_id)
    return tuple(ids)


def list_models(interface: str, base: str, key: str, client: httpx.Client) -> Listing:
    """The model ids ``base`` lists for ``interface``; ``ListingError`` if it cannot be trusted."""
    native = _NATIVE[interface]
    url = join_api_base(base, "/v1beta" if interface == "gemini" else "/v1") + "/models"
    if native is _openai:
        return Listing(url, _checked(_openai(client, base, key), url))
    try:
        ids = native(client, base, key)
        first_error: ListingError | None = None
    except ListingError as exc:
        if not exc.answered:
            raise
        ids, first_error = [], exc
    if ids:
        return Listing(url, _checked(ids, url))
    fallback = join_api_base(base, "/v1") + "/models"
    try:
        return Listing(fallback, _checked(_openai(client, base, key), fallback))
    except ListingError as exc:
        if first_error is None:
            raise
        raise ListingError(first_error.url, f"{first_error.reason}; the OpenAI-compatible list "
                                            f"{exc.url} failed too: {exc.reason}") from None


def http_lister(timeout: float = TIMEOUT, transport: httpx.BaseTransport | None = None) -> ModelLister:
    """A ``ModelLister`` that reads over HTTP (``transport``: for tests)."""

    def lister(interface: str, base: str, key: str) -> Listing:
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
            return list_models(interface, base, key, client)

    return lister
