"""LiteLLM's internal-user endpoints (1.106): the listing, the records llmproxy reads, the writes.

* **Read**: ``GET /user/list`` pages by ``page`` / ``page_size`` (at most 100), counting
  ``total``; read ordered by ``user_id`` (the default, ``created_at desc``, shifts under a
  concurrent create).
* **Create**: ``POST /user/new`` refuses a second user with the same email (case-insensitive,
  409), so a create repeated after a lost answer cannot make a copy. It would also mint a key for
  the user unless told not to: llmproxy sends ``auto_create_key: false`` (keys are the keys
  kind's business) and never team memberships (the teams kind adds members).
* **Update**: ``POST /user/update`` sets the fields sent; ``metadata`` is replaced whole (so it is
  sent whole); ``models: []`` is ignored by LiteLLM (it counts as "not given").
* **Delete**: ``POST /user/delete`` deletes the user's keys with it, so llmproxy never deletes a
  user who still has keys.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from llmproxy.desired.access import USER_FIELDS, User
from llmproxy.errors import Conflict, NotFound, ServerError
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.pages import Listing, read_all
from llmproxy.live.access import LiveUser
from llmproxy.live.marker import MARKER_KEY, Marker
from llmproxy.live.model import strip_marker

USERS = Listing("/user/list", "users", lambda item: item.get("user_id"), "'user_id'", "users",
                size_param="page_size", count_field="total")
USER_PAGE_SIZE = 100  # LiteLLM's maximum for /user/list


def parse_user(raw: Mapping[str, Any]) -> LiveUser:
    metadata: Mapping[str, Any] = raw["metadata"] if isinstance(raw.get("metadata"), Mapping) else {}
    teams: list[Any] = raw["teams"] if isinstance(raw.get("teams"), list) else []
    spend = raw.get("spend")
    email = raw.get("user_email")
    return LiveUser(
        user_id=str(raw.get("user_id")), email=email if isinstance(email, str) and email else None,
        settings={k: raw.get(k) for k in USER_FIELDS if k in raw},
        metadata=strip_marker(metadata), marker=Marker.parse(metadata),
        teams=tuple(str(t) for t in teams),
        spend=float(spend) if isinstance(spend, (int, float)) and not isinstance(spend, bool) else None,
        raw_metadata=dict(metadata))


def read_users(client: LiteLLMClient) -> tuple[LiveUser, ...]:
    raw = read_all(client, USERS, {"sort_by": "user_id", "sort_order": "asc"}, page_size=USER_PAGE_SIZE)
    return tuple(sorted((parse_user(u) for u in raw), key=lambda u: ((u.email or "").lower(), u.user_id)))


class UsersApi:
    """The user writes llmproxy makes, each with the marker of ``owner``."""

    def __init__(self, client: LiteLLMClient, owner: str) -> None:
        self.client = client
        self.owner = owner

    def _marker(self, user: User) -> dict[str, Any]:
        return Marker(owner=self.owner, fields=tuple(sorted(user.settings()))).to_json()

    def create(self, user: User) -> None:
        body = {"user_email": user.email, **user.settings(), "auto_create_key": False,
                "metadata": {MARKER_KEY: self._marker(user)}}
        try:
            self.client.request("POST", "/user/new", json=body, retry=True)
        except Conflict:
            # An earlier attempt landed (its answer lost), or someone made the user meanwhile:
            # take it over only if it carries this owner's marker.
            existing = self.find(user.email)
            if existing is None or existing.marker is None or existing.marker.owner != self.owner:
                raise
            self.update(user, existing, user.settings())

    def find(self, email: str) -> LiveUser | None:
        body = self.client.get("/user/list", user_email=email, page=1, page_size=100)
        users = body.get("users") if isinstance(body, Mapping) else None
        for raw in users if isinstance(users, list) else []:
            if isinstance(raw, Mapping) and str(raw.get("user_email") or "").lower() == email.lower():
                return parse_user(raw)
        return None

    def update(self, user: User, live: LiveUser, fields: Mapping[str, Any]) -> None:
        metadata = {k: v for k, v in live.raw_metadata.items() if k != MARKER_KEY}
        metadata[MARKER_KEY] = self._marker(user)
        body = {"user_id": live.user_id, **fields, "metadata": metadata}
        self.client.request("POST", "/user/update", json=body, retry=True)

    def delete(self, user_id: str) -> None:
        with contextlib.suppress(NotFound):
            self.client.request("POST", "/user/delete", json={"user_ids": [user_id]}, retry=True)

    def key_count(self, user_id: str) -> int:
        """How many keys the user has now (``/user/delete`` would delete them all)."""
        body = self.client.get("/key/list", user_id=user_id, page=1, size=1)
        count = body.get("total_count") if isinstance(body, Mapping) else None
        if not isinstance(count, int):
            raise ServerError("GET /key/list: no 'total_count' in the answer", endpoint="GET /key/list")
        return count


