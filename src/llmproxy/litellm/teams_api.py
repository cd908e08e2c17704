"""LiteLLM's team endpoints (1.106): the listing, the records llmproxy reads from it, the writes.

* **Read**: ``GET /v2/team/list`` pages by ``page`` / ``page_size`` (at most 100) over the team
  table, counting ``total``; its default order (``created_at desc``) shifts under a concurrent
  create, so it is read ordered by ``team_id``. (``/team/list`` is unpaged and embeds every key of
  every team.) Members come as ``members_with_roles`` ``[{user_id, user_email, role}]``.
* **Create**: ``POST /team/new`` with a ``team_id`` llmproxy derives from owner and alias, so a
  create repeated after a lost answer is refused ("already exists") instead of making a second
  team; members are added after it, in one ``/team/member_add`` (a list).
* **Update**: ``POST /team/update`` changes only the fields sent (``exclude_unset``); ``null``
  clears a limit; ``metadata`` is replaced whole, so it is sent whole (other writers' keys kept).
* **Members**: ``/team/member_add`` (creates the user when the email is unknown),
  ``/team/member_update`` (role), ``/team/member_delete``. A team *admin* is an Enterprise
  feature: the open-source proxy answers 400 "Assigning team admins is a premium feature".
* **Delete**: ``POST /team/delete`` deletes the team's keys with it (``delete_team``), so
  llmproxy never deletes a team that still has keys.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from llmproxy.desired.access import TEAM_FIELDS, Team, TeamMember
from llmproxy.desired.model import thaw
from llmproxy.errors import Conflict, LLMProxyError, NotFound, ServerError
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.pages import Listing, read_all
from llmproxy.live.access import LiveMember, LiveTeam
from llmproxy.live.marker import MARKER_KEY, Marker
from llmproxy.live.model import strip_marker

TEAMS = Listing("/v2/team/list", "teams", lambda item: item.get("team_id"), "'team_id'", "teams",
                size_param="page_size", count_field="total")
TEAM_PAGE_SIZE = 100  # LiteLLM's maximum for /v2/team/list
ENTERPRISE_HINT = ("the open-source LiteLLM proxy has no team admins (an Enterprise feature, LITELLM_LICENSE); "
                   'give the member role "user" in the config')


def is_enterprise_refusal(exc: LLMProxyError) -> bool:
    text = exc.message.lower()
    return isinstance(exc, ServerError) and ("enterprise" in text or "premium" in text)


def team_id_for(owner: str, alias: str) -> str:
    """The id llmproxy creates a team under: stable for (owner, alias), so a repeated create
    cannot make a second team."""
    digest = hashlib.sha256(f"{owner}\0{alias}".encode()).hexdigest()[:24]
    return f"llmproxy-{digest}"


def _members(raw: Any) -> tuple[LiveMember, ...]:
    out = []
    for m in raw if isinstance(raw, list) else []:
        if isinstance(m, Mapping):
            email, user_id = m.get("user_email"), m.get("user_id")
            out.append(LiveMember(user_id=str(user_id) if user_id else None,
                                  email=str(email) if email else None, role=str(m.get("role") or "user")))
    return tuple(out)


def parse_team(raw: Mapping[str, Any]) -> LiveTeam:
    metadata: Mapping[str, Any] = raw["metadata"] if isinstance(raw.get("metadata"), Mapping) else {}
    settings = {k: raw.get(k) for k in TEAM_FIELDS if k in raw}
    spend = raw.get("spend")
    alias = raw.get("team_alias")
    return LiveTeam(
        team_id=str(raw.get("team_id")), alias=alias if isinstance(alias, str) else None,
        settings=settings, metadata=strip_marker(metadata), marker=Marker.parse(metadata),
        members=_members(raw.get("members_with_roles")),
        spend=float(spend) if isinstance(spend, (int, float)) and not isinstance(spend, bool) else None,
        raw_metadata=dict(metadata))


def read_teams(client: LiteLLMClient) -> tuple[LiveTeam, ...]:
    raw = read_all(client, TEAMS, {"sort_by": "team_id", "sort_order": "asc"}, page_size=TEAM_PAGE_SIZE)
    return tuple(sorted((parse_team(t) for t in raw), key=lambda t: (t.alias or "", t.team_id)))


def _member_body(member: TeamMember) -> dict[str, str]:
    return {"user_email": member.email, "role": member.role}


class TeamsApi:
    """The team writes llmproxy makes, each with the marker of ``owner``."""

    def __init__(self, client: LiteLLMClient, owner: str) -> None:
        self.client = client
        self.owner = owner

    def _marker(self, team: Team, members: Iterable[str]) -> dict[str, Any]:
        return Marker(owner=self.owner, fields=tuple(sorted(team.settings())),
                      info_fields=tuple(sorted(team.metadata)), members=tuple(sorted(set(members)))).to_json()

    def _explain(self, exc: LLMProxyError, team: Team, members: Sequence[TeamMember] = ()) -> LLMProxyError:
        if is_enterprise_refusal(exc):
            admins = ", ".join(repr(m.email) for m in members if m.role == "admin") or "a member"
            return ServerError(f"team {team.alias!r} ({team.source}.members): {admins} with role \"admin\" needs "
                               "LiteLLM Enterprise: the open-source proxy refuses team admins (a premium feature); "
                               'give the member role "user", or set LITELLM_LICENSE on the proxy',
                               hint=ENTERPRISE_HINT, status=exc.status if isinstance(exc, ServerError) else None,
                               endpoint=exc.endpoint if isinstance(exc, ServerError) else None)
        return exc

    def create(self, team: Team) -> str:
        """Create the team (then add its members); returns its team_id."""
        team_id = team_id_for(self.owner, team.alias)
        members = list(team.members or ())
        body = {"team_id": team_id, "team_alias": team.alias, **team.settings(),
                "metadata": {**thaw(team.metadata), MARKER_KEY: self._marker(team, (m.email for m in members))}}
        try:
            self.client.request("POST", "/team/new", json=body, retry=True)
        except LLMProxyError as failure:
            # "already exists": an earlier attempt landed (its answer was lost), or a team of
            # another owner holds the id; only the former may go on.
            existing = self.info(team_id) if isinstance(failure, (Conflict, ServerError)) else None
            if existing is None or existing.marker is None or existing.marker.owner != self.owner:
                raise
        if members:
            self.add_members(team, team_id, members)
        return team_id

    def info(self, team_id: str) -> LiveTeam | None:
        try:
            body = self.client.get("/team/info", team_id=team_id)
        except NotFound:
            return None
        info = body.get("team_info") if isinstance(body, Mapping) else None
        return parse_team(info) if isinstance(info, Mapping) else None

    def update(self, team: Team, live: LiveTeam, fields: Mapping[str, Any], managed_members: Iterable[str]) -> None:
        """One ``/team/update``: ``fields`` (settings to set, None clears) and the whole metadata
        (LiteLLM's other keys kept, the config's keys set, keys llmproxy set before and the
        config dropped removed, the marker renewed)."""
        previous = live.marker.info_fields if live.marker else ()
        metadata = {k: v for k, v in live.raw_metadata.items() if k not in previous and k != MARKER_KEY}
        metadata.update(thaw(team.metadata))
        metadata[MARKER_KEY] = self._marker(team, managed_members)
        body = {"team_id": live.team_id, **fields, "metadata": metadata}
        self.client.request("POST", "/team/update", json=body, retry=True)

    def add_members(self, team: Team, team_id: str, members: Sequence[TeamMember]) -> None:
        """One ``/team/member_add`` for all of them. LiteLLM adds the ones not in the team yet and
        refuses the request only when every one is already there (a repeat whose answer was
        lost), which is what was wanted."""
        body = {"team_id": team_id, "member": [_member_body(m) for m in members]}
        try:
            self.client.request("POST", "/team/member_add", json=body, retry=True)
        except LLMProxyError as exc:
            if "already in team" not in exc.message.lower():
                raise self._explain(exc, team, members) from None

    def set_role(self, team: Team, team_id: str, email: str, role: str) -> None:
        try:
            self.client.request("POST", "/team/member_update",
                                json={"team_id": team_id, "user_email": email, "role": role}, retry=True)
        except LLMProxyError as exc:
            raise self._explain(exc, team, [TeamMember(email, role)]) from None

    def remove_member(self, team_id: str, member: LiveMember) -> None:
        body = {"team_id": team_id, **({"user_id": member.user_id} if member.user_id else {"user_email": member.email})}
        with contextlib.suppress(NotFound):  # already gone
            self.client.request("POST", "/team/member_delete", json=body, retry=True)

    def delete(self, team_id: str) -> None:
        with contextlib.suppress(NotFound):
            self.client.request("POST", "/team/delete", json={"team_ids": [team_id]}, retry=True)

    def key_count(self, team_id: str) -> int:
        """How many keys the team has now (``/team/delete`` would delete them all)."""
        body = self.client.get("/key/list", team_id=team_id, page=1, size=1)
        count = body.get("total_count") if isinstance(body, Mapping) else None
        if not isinstance(count, int):
            raise ServerError("GET /key/list: no 'total_count' in the answer", endpoint="GET /key/list")
        return count
