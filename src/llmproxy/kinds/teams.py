"""Kind ``teams``: LiteLLM teams with their members. Identity: the team alias (LiteLLM allows two
teams with one alias: then only the one this owner marked is meant, else it is a conflict).
Ownership: the marker in ``metadata``, which also records the members llmproxy added: a member
the config drops is removed only if llmproxy added it. Level 4: after the users it lists, before
the keys that belong to a team."""

from __future__ import annotations

from collections.abc import Sequence

from llmproxy.desired.access import TEAM_FIELDS, Team
from llmproxy.desired.model import DesiredState
from llmproxy.errors import LLMProxyError
from llmproxy.kinds.access_diff import metadata_changes, pick, setting_changes, spend_context, written_settings
from llmproxy.kinds.base import Cleanup, Ref, ResourceKind, Target
from llmproxy.live.access import LiveTeam
from llmproxy.live.model import LiveState
from llmproxy.plan.access_refs import GrantableNames, broken_model_references
from llmproxy.plan.context import DiffResult, PlanContext
from llmproxy.plan.model import Action, Change, FieldChange, Finding
from llmproxy.plan.ownership import Owner, classify

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


def by_alias(live: LiveState) -> dict[str, list[LiveTeam]]:
    out: dict[str, list[LiveTeam]] = {}
    for t in live.teams:
        if t.alias:
            out.setdefault(t.alias, []).append(t)
    return out


class Teams(ResourceKind):
    name = "teams"
    title = "Teams"
    aliases = ("team",)
    level = 4
    desired_field = "teams"

    def diff(self, desired: DesiredState, live: LiveState, ctx: PlanContext) -> DiffResult:
        res = DiffResult(self.name)
        wanted = {t.alias: t for t in desired.teams or ()}
        res.conflicts += broken_model_references(
            self.name, ((t.alias, t.source, t.models) for t in wanted.values()), GrantableNames(desired, live))
        live_by_alias = by_alias(live)
        for alias, team in wanted.items():
            self._one(res, team, live_by_alias.get(alias, []), ctx)
        for alias, teams in live_by_alias.items():
            for current in teams:
                if alias in wanted and current is pick(teams, ctx.owner):
                    continue
                owner = classify(False, current.marker, ctx.owner)
                res.counts.add(owner)
                if owner is Owner.MANAGED and alias not in wanted:
                    res.deletions.append(Change(self.name, Action.DELETE, alias, live=current,
                                                reason="managed by this owner, no longer in the config"))
        return res

    def _one(self, res: DiffResult, team: Team, candidates: list[LiveTeam], ctx: PlanContext) -> None:
        settings = team.settings()
        if not candidates:
            fields = [FieldChange(k, after=v, absent_before=True) for k, v in settings.items()]
            fields += metadata_changes(team.metadata, {}, None) + member_changes(team, None)
            res.changes.append(Change(self.name, Action.CREATE, team.alias, tuple(fields), desired=team))
            return
        current = pick(candidates, ctx.owner)
        if current is None:
            res.conflicts.append(Finding(self.name, team.alias, "ambiguous",
                                         f"{len(candidates)} LiteLLM teams have the alias {team.alias!r} and none "
                                         "is marked as this owner's; rename or remove the others by hand",
                                         "conflict"))
            return
        owner = classify(False, current.marker, ctx.owner)
        if owner is Owner.FOREIGN:
            assert current.marker is not None
            res.conflicts.append(Finding(self.name, team.alias, "foreign",
                                         f"team {team.alias!r} belongs to owner {current.marker.owner!r}; "
                                         "give it another alias in this config", "conflict"))
            return
        fields = setting_changes(settings, current.settings, current.marker.fields if current.marker else ())
        fields += metadata_changes(team.metadata, current.metadata, current.marker)
        fields += member_changes(team, current)
        context = spend_context(current.spend, current.settings.get("max_budget"))
        if owner is Owner.UNMANAGED:
            res.counts.adoptable += 1
            res.changes.append(Change(self.name, Action.ADOPT, team.alias, tuple(fields), desired=team,
                                      live=current, context=context,
                                      reason="created outside llmproxy: adopt and stamp the ownership marker"))
            return
        res.counts.managed += 1
        if fields or ctx.force:
            res.changes.append(Change(self.name, Action.UPDATE, team.alias, tuple(fields), desired=team,
                                      live=current, context=context,
                                      reason="" if fields else "forced re-push (--repush)"))

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

    def delete(self, change: TeamChange, target: Target) -> None:
        target.teams.delete(change.have().team_id)

    def guard_deletions(self, changes: Sequence[Change], target: Target) -> dict[str, str]:
        """``/team/delete`` deletes the team's keys too: never a team that still has keys."""
        out: dict[str, str] = {}
        for c in changes:
            try:
                keys = target.teams.key_count(c.have().team_id)
            except LLMProxyError as exc:
                out[c.key] = f"could not check the team's keys: {exc.message}"
                continue
            if keys:
                out[c.key] = (f"the team still has {keys} key(s); LiteLLM would delete them with the team "
                              "(delete or move them first)")
        return out

    def requires(self, change: Change) -> set[Ref]:
        return {("user", f.path[len(MEMBER) + 1:-1].lower()) for f in change.fields
                if f.path.startswith(MEMBER) and f.absent_before}

    def provides(self, change: Change) -> set[Ref]:
        return {("team", change.key)}

    def present(self, live: LiveState) -> set[Ref]:
        return {("team", t.alias) for t in live.teams if t.alias}


