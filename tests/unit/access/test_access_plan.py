"""Planning teams and users: adoption by alias / email, field-level diffs, membership, ownership,
references, spend as context only."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from llmproxy.desired.access import Team, TeamMember, User
from llmproxy.desired.model import DesiredState
from llmproxy.kinds import parse_only
from llmproxy.live.access import LiveMember, LiveTeam, LiveUser
from llmproxy.live.marker import Marker
from llmproxy.live.model import LiveState
from llmproxy.plan.builder import PlanOptions, build_plan
from llmproxy.plan.model import Action, Plan
from tests.unit.plan.builders import FP, dep, live_dep_of, live_state

GROUPED = replace(dep("m1"), model_info={"base_model": "m1", "access_groups": ["General"]})


def team(**kw: Any) -> Team:
    base: dict[str, Any] = {"alias": "research", "models": ("General",), "max_budget": 25.0,
                            "budget_duration": "30d", "members": (TeamMember("ana@example.com"),),
                            "metadata": {"cost_center": "R1"}, "source": "teams.research"}
    return Team(**{**base, **kw})


def live_team(t: Team, owner: str | None = "llmproxy", *, team_id: str = "t-1", spend: float = 3.2,
              **settings: Any) -> LiveTeam:
    marker = Marker(owner, fields=tuple(sorted(t.settings())), info_fields=tuple(sorted(t.metadata)),
                    members=tuple(m.email for m in t.members or ())) if owner else None
    members = tuple(LiveMember(f"u-{m.email}", m.email, m.role) for m in t.members or ())
    members += (LiveMember("default_user_id", None, "admin"),)  # LiteLLM adds the creating admin
    return LiveTeam(team_id, t.alias, {**t.settings(), "rpm_limit": None, **settings}, dict(t.metadata), marker,
                    members, spend)


def live_user(u: User, owner: str | None = "llmproxy", **settings: Any) -> LiveUser:
    marker = Marker(owner, fields=tuple(sorted(u.settings()))) if owner else None
    return LiveUser(f"id-{u.email}", u.email, {"user_role": "internal_user", "models": [], "max_budget": None,
                                               "budget_duration": None, **u.settings(), **settings}, {}, marker)


def plan(live: LiveState, *, teams: tuple[Team, ...] | None = None, users: tuple[User, ...] | None = None,
         **options: Any) -> Plan:
    return build_plan(DesiredState(deployments=(GROUPED,), teams=teams, users=users),
                      replace(live, deployments=(live_dep_of(GROUPED),)), FP, PlanOptions(**options))


def access_changes(p: Plan) -> list[Any]:
    return [c for c in p.changes if c.kind in ("teams", "users")]


def test_a_declared_team_and_user_are_created_with_their_fields() -> None:
    p = plan(live_state(), teams=(team(),), users=(User("ana@example.com", role="internal_user"),))
    [user, created] = access_changes(p)
    assert (user.kind, user.action, created.action) == ("users", Action.CREATE, Action.CREATE)
    assert [f.describe() for f in created.fields] == [
        'models: + ["General"]', "max_budget: + 25.0", "budget_duration: + 30d", "metadata.cost_center: + R1",
        "members[ana@example.com]: + user"]
    assert p.kinds[-2:] == ("users", "teams")  # users before the teams that list them


def test_a_matching_team_plans_nothing_and_a_budget_change_is_one_field() -> None:
    t = team()
    assert access_changes(plan(replace(live_state(), teams=(live_team(t),)), teams=(t,))) == []
    p = plan(replace(live_state(), teams=(live_team(t),)), teams=(replace(t, max_budget=50.0),))
    [change] = access_changes(p)
    assert change.action is Action.UPDATE
    assert [f.to_json() for f in change.fields] == [{"path": "max_budget", "before": 25.0, "after": 50.0}]
    assert change.context == "spend 3.20 USD of max_budget 25 USD"


def test_spend_is_context_outside_the_checksum() -> None:
    t = team()
    cheap = plan(replace(live_state(), teams=(live_team(t, spend=1.0),)), teams=(replace(t, max_budget=50.0),))
    dear = plan(replace(live_state(), teams=(live_team(t, spend=24.0),)), teams=(replace(t, max_budget=50.0),))
    assert cheap.changes[-1].context != dear.changes[-1].context
    assert cheap.checksum() == dear.checksum()


def test_a_hand_made_team_is_adopted_by_alias_and_another_owners_is_a_conflict() -> None:
    t = team()
    adopt = plan(replace(live_state(), teams=(live_team(t, owner=None),)), teams=(t,))
    [change] = access_changes(adopt)
    assert change.action is Action.ADOPT and change.fields == ()
    foreign = plan(replace(live_state(), teams=(live_team(t, owner="other"),)), teams=(t,))
    assert foreign.refused and "belongs to owner 'other'" in foreign.conflicts[0]


def test_membership_diffs_remove_only_members_llmproxy_added() -> None:
    t = team(members=(TeamMember("ana@example.com"), TeamMember("bo@example.com")))
    live = live_team(t)
    live = replace(live, members=(*live.members, LiveMember("u-hand", "hand@example.com", "user")))
    smaller = replace(t, members=(TeamMember("ana@example.com", "admin"), TeamMember("cy@example.com")))
    [change] = access_changes(plan(replace(live_state(), teams=(live,)), teams=(smaller,)))
    assert sorted(f.describe() for f in change.fields) == [
        "members[ana@example.com].role: user → admin", "members[bo@example.com]: - user (removed)",
        "members[cy@example.com]: + user"]  # hand@example.com, added by hand, stays


def test_settings_and_metadata_llmproxy_set_are_cleared_when_dropped() -> None:
    t = team()
    live = live_team(t)
    live = replace(live, metadata={**live.metadata, "hand": "kept"})
    [change] = access_changes(plan(replace(live_state(), teams=(live,)),
                                   teams=(replace(t, budget_duration=None, metadata={}),)))
    assert sorted(f.describe() for f in change.fields) == [
        "budget_duration: - 30d (removed)", "metadata.cost_center: - R1 (removed)"]


def test_two_teams_with_one_alias_are_ambiguous_unless_one_is_ours() -> None:
    t = team()
    both = (live_team(t, owner=None, team_id="a"), live_team(t, owner=None, team_id="b"))
    assert "2 LiteLLM teams have the alias 'research'" in plan(replace(live_state(), teams=both),
                                                                teams=(t,)).conflicts[0]
    ours = (live_team(t, owner=None, team_id="a"), live_team(t, team_id="b"))
    p = plan(replace(live_state(), teams=ours), teams=(t,))
    assert not p.refused and access_changes(p) == [] and p.counts["teams"].unmanaged == 1


def test_unknown_model_names_are_broken_references_with_the_json_path() -> None:
    p = plan(live_state(), teams=(team(models=("Generl", "m1", "all-proxy-models", "m*")),),
             users=(User("a@example.com", models=("m2",), source='users["a@example.com"]'),))
    assert p.refused
    assert p.broken_refs == (
        "users[\"a@example.com\"].models[0]: 'm2' is not a model name, alias or access group in the config or "
        "in LiteLLM; it would grant nothing",
        "teams.research.models[0]: 'Generl' is not a model name, alias or access group in the config or in "
        "LiteLLM (did you mean 'General'?); it would grant nothing")


def test_prune_deletes_only_owned_teams_and_users_and_only_with_prune() -> None:
    t, u = team(), User("ana@example.com")
    live = replace(live_state(), teams=(live_team(t), live_team(replace(t, alias="hand"), owner=None, team_id="h")),
                   users=(live_user(u), live_user(User("hand@example.com"), owner=None)))
    held = plan(live, teams=(), users=())
    assert held.changes == () or all(c.kind == "models" for c in held.changes)
    assert {(c.kind, c.key) for c in held.pending_prune} == {("teams", "research"), ("users", "ana@example.com")}
    pruned = plan(live, teams=(), users=(), prune=True)
    assert {(c.kind, c.key) for c in pruned.changes if c.action is Action.DELETE} == {
        ("teams", "research"), ("users", "ana@example.com")}


def test_users_are_matched_by_email_case_insensitively_and_only_selected_kinds_are_planned() -> None:
    u = User("Ana@Example.com", max_budget=5.0)
    live = replace(live_state(), users=(live_user(User("ana@example.com", max_budget=2.0)),))
    [change] = access_changes(plan(live, users=(u,)))
    assert change.action is Action.UPDATE and [f.describe() for f in change.fields] == ["max_budget: 2.0 → 5.0"]
    assert access_changes(plan(live, users=(u,), only=parse_only(["teams"]))) == []
    assert parse_only(["team,user"]) == frozenset({"teams", "users"})


def test_pruning_many_managed_teams_is_over_the_safety_threshold() -> None:
    teams = [team(alias=f"t{i}") for i in range(10)]
    live = replace(live_state(), teams=tuple(live_team(t, team_id=f"id{i}") for i, t in enumerate(teams)))
    p = plan(live, teams=tuple(teams[:6]), prune=True)
    [unsafe] = p.unsafe
    assert (unsafe.kind, unsafe.risky, unsafe.managed) == ("teams", 4, 10)
    assert not plan(live, teams=tuple(teams[:8]), prune=True).unsafe


class RecordingTeams:
    """Stands in for ``TeamsApi``: records the writes the teams kind asks for."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def update(self, team: Team, live: LiveTeam, fields: dict[str, Any], managed: list[str]) -> None:
        self.calls.append(("update", fields, tuple(managed)))

    def add_members(self, team: Team, team_id: str, members: list[TeamMember]) -> None:
        self.calls.append(("add", team_id, tuple(m.email for m in members)))

    def set_role(self, team: Team, team_id: str, email: str, role: str) -> None:
        self.calls.append(("role", email, role))

    def remove_member(self, team_id: str, member: LiveMember) -> None:
        self.calls.append(("remove", member.user_id))


def write_team_change(live: LiveTeam, wanted: Team) -> list[tuple[Any, ...]]:
    from llmproxy.kinds import kind

    [change] = access_changes(plan(replace(live_state(), teams=(live,)), teams=(wanted,)))
    target = type("T", (), {"teams": RecordingTeams()})()
    kind("teams").write(change, target)
    return target.teams.calls  # type: ignore[no-any-return]


def test_a_budget_change_is_one_update_and_member_changes_their_own_requests() -> None:
    t = team(members=(TeamMember("ana@example.com"), TeamMember("bo@example.com")))
    assert write_team_change(live_team(t), replace(t, max_budget=50.0)) == [
        ("update", {"max_budget": 50.0}, ("ana@example.com", "bo@example.com"))]
    regrouped = replace(t, members=(TeamMember("ana@example.com", "admin"), TeamMember("cy@example.com")))
    assert write_team_change(live_team(t), regrouped) == [
        ("update", {}, ("ana@example.com", "cy@example.com")),  # the marker now names cy, not bo
        ("add", "t-1", ("cy@example.com",)), ("role", "ana@example.com", "admin"), ("remove", "u-bo@example.com")]
    cleared = replace(t, rpm_limit=None, max_budget=None)
    assert write_team_change(live_team(t, rpm_limit=5), cleared)[0] == (
        "update", {"max_budget": None}, ("ana@example.com", "bo@example.com"))
