"""Kind ``teams``: LiteLLM teams with their members. Identity: the team alias (LiteLLM allows two
teams with one alias: then only the one this owner marked is meant, else it is a conflict).
Ownership: the marker in ``metadata``, which also records the members llmproxy added: a member
the config drops is removed only if llmproxy added it. Level 4: after the users it lists, before
the keys that belong to a team."""

from __future__ import annotations

from collections.abc import Sequence

from llmproxy.desired.access import TEAM_FIELDS, Team
from llmproxy.kinds.access_diff import metadata_changes, written_settings
from llmproxy.kinds.access_kind import AccessKind
from llmproxy.kinds.base import Cleanup, Ref, Target
from llmproxy.live.access import LiveTeam
from llmproxy.plan.model import Action, Change, FieldChange

TeamChange = Change[Team, LiveTeam]
MEMBER = "members"


def _member_path(email: str) -> str:
    return f"{MEMBER}[{email}]"


def member_changes(team: Team, live: LiveTeam | None) -> list[FieldChange]:
    """Members to add, roles to change, and members llmproxy added that the config dropped."""
    if team.members is None:
        return []
    have = live.member_roles() if live else {}
    want = {m.email.lower(): m for m in team.members}
    out = []
    for key, m in want.items():
        if key not in have:
            out.append(FieldChange(_member_path(m.email), after=m.role, absent_before=True))
        elif have[key] != m.role:
            out.append(FieldChange(f"{_member_path(m.email)}.role", before=have[key], after=m.role))
    added_before = {e.lower() for e in (live.marker.members if live and live.marker else ())}
    for lm in live.members if live else ():
        if lm.email and lm.email.lower() in added_before and lm.email.lower() not in want:
            out.append(FieldChange(_member_path(lm.email), before=lm.role, absent_after=True))
    return out


class Teams(AccessKind[Team, LiveTeam]):
    name = "teams"
    title = "Teams"
    aliases = ("team",)
    level = 4
    desired_field = "teams"
    noun = "team"
    ambiguous = ("{count} LiteLLM teams have the alias {name!r} and none is marked as this owner's; "
                 "rename or remove the others by hand")

    def live_name(self, obj: LiveTeam) -> str | None:
        return obj.alias

    def live_id(self, obj: LiveTeam) -> str:
        return obj.team_id

    def create_fields(self, want: Team) -> list[FieldChange]:
        return super().create_fields(want) + metadata_changes(want.metadata, {}, None) + member_changes(want, None)

    def update_fields(self, want: Team, current: LiveTeam) -> list[FieldChange]:
        return (super().update_fields(want, current) + metadata_changes(want.metadata, current.metadata, current.marker)
                + member_changes(want, current))

    # -- apply ----------------------------------------------------------------------------------
    def write(self, change: TeamChange, target: Target) -> Cleanup | None:
        team = change.want()
        if change.action is Action.CREATE:
            target.teams.create(team)
            return None
        live = change.have()
        members = [f for f in change.fields if f.path.startswith(MEMBER)]
        rest = [f for f in change.fields if not f.path.startswith(MEMBER)]
        declared = [m.email for m in team.members or ()]
        recorded = {e.lower() for e in live.marker.members} if live.marker else set()
        # /team/update carries the settings, the metadata and the marker (which records the
        # members llmproxy manages): skipped when only members change and the marker already
        # names them. An update without fields is a forced re-push.
        if rest or not change.fields or change.action is Action.ADOPT or {e.lower() for e in declared} != recorded:
            target.teams.update(team, live, written_settings(rest, TEAM_FIELDS), declared)
        self._write_members(team, live, members, target)
        return None

    @staticmethod
    def _write_members(team: Team, live: LiveTeam, fields: Sequence[FieldChange], target: Target) -> None:
        roles = {m.email.lower(): m for m in team.members or ()}
        added = [roles[f.path[len(MEMBER) + 1:-1].lower()] for f in fields if f.absent_before]
        if added:
            target.teams.add_members(team, live.team_id, added)
        for f in fields:
            if f.path.endswith(".role"):
                email = f.path[len(MEMBER) + 1:-len("].role")]
                target.teams.set_role(team, live.team_id, email, str(f.after))
            elif f.absent_after:
                email = f.path[len(MEMBER) + 1:-1].lower()
                gone = next(m for m in live.members if (m.email or "").lower() == email)
                target.teams.remove_member(live.team_id, gone)

    def requires(self, change: Change) -> set[Ref]:
        return {("user", f.path[len(MEMBER) + 1:-1].lower()) for f in change.fields
                if f.path.startswith(MEMBER) and f.absent_before}
