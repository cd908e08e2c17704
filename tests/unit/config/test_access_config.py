"""The teams and users sections: validation with JSON paths, and the desired records they compile to."""

from __future__ import annotations

from llmproxy.desired.access import Team, TeamMember, User
from tests.unit.config.conftest import Workspace


def _teams(ws: Workspace, doc: dict) -> tuple[tuple[Team, ...] | None, tuple[User, ...] | None]:
    desired = ws.load(doc).desired
    return desired.teams, desired.users


def test_teams_and_users_compile_to_desired_records(ws: Workspace) -> None:
    teams, users = _teams(ws, {
        "teams": {"research": {"models": ["General"], "max_budget": 25, "budget_duration": "30d",
                               "rpm_limit": 100, "members": ["ana@example.com", {"email": "bo@example.com",
                                                                                  "role": "admin"}],
                               "metadata": {"cost_center": "R1"}},
                  "support": {"models": ["fast"]}},
        "users": {"ana@example.com": {"role": "internal_user", "max_budget": 5, "teams": ["research"]},
                  "cy@example.com": {"teams": ["support", "research"]}},
    })
    assert teams is not None and users is not None
    research, support = teams
    assert research.alias == "research" and research.source == "teams.research"
    assert research.settings() == {"models": ["General"], "max_budget": 25.0, "budget_duration": "30d",
                                   "rpm_limit": 100}
    # ana is listed by the team itself; cy joins through users.*.teams (role user)
    assert research.members == (TeamMember("ana@example.com"), TeamMember("bo@example.com", "admin"),
                                TeamMember("cy@example.com"))
    assert support.members == (TeamMember("cy@example.com"),)
    assert dict(research.metadata) == {"cost_center": "R1"}
    ana = users[0]
    assert ana.settings() == {"user_role": "internal_user", "max_budget": 5.0}
    assert ana.teams == ("research",)


def test_omitted_sections_leave_litellm_alone(ws: Workspace) -> None:
    assert _teams(ws, {"aliases": {}}) == (None, None)
    teams, _ = _teams(ws, {"teams": {"t": {"max_budget": 1}}})
    assert teams is not None and teams[0].members is None and teams[0].models is None


def test_errors_name_the_json_path_with_did_you_mean(ws: Workspace) -> None:
    file = ws.root / "config.json"
    issues = ws.issues({
        "teams": {"research": {"max_budjet": 5, "members": ["not-an-email"], "budget_duration": "30 days"},
                  "ops": {"team_id": "x", "max_parallel_requests": 2}},
        "users": {"bo@example.com": {"role": "proxy_admn"}},
    })
    text = "\n".join(issues)
    assert f"{file}:teams.research.max_budjet: unknown key 'max_budjet' (did you mean 'max_budget'?)" in issues
    assert f"{file}:teams.research.members[0]" in text
    assert f"{file}:teams.research.budget_duration: '30 days' is not valid" in text
    assert "teams.ops.team_id: 'team_id' is not allowed here: LiteLLM generates team ids" in text
    assert "teams.ops.max_parallel_requests: 'max_parallel_requests' is not allowed here: LiteLLM 1.106 " in text
    assert "users[\"bo@example.com\"].role: 'proxy_admn' is not one of" in text
    assert "did you mean 'proxy_admin'?" in text


def test_a_users_team_must_be_declared(ws: Workspace) -> None:
    file = ws.root / "config.json"
    assert ws.issues({"teams": {"research": {}}, "users": {"a@example.com": {"teams": ["reserch"]}}}) == [
        f"{file}:users[\"a@example.com\"].teams[0]: team 'reserch' is not declared in \"teams\" "
        "(did you mean 'research'?)"]
    assert ws.issues({"users": {"ana": {}}}) == [
        f"{file}:users.ana: users are keyed by email: 'ana' is not an email address"]
    assert "no \"teams\" section" in ws.issues({"users": {"a@example.com": {"teams": ["x"]}}})[0]


def test_a_member_listed_twice_and_the_marker_key_are_refused(ws: Workspace) -> None:
    issues = ws.issues({"teams": {"t": {"members": ["a@example.com", {"email": "a@example.com", "role": "admin"}],
                                        "metadata": {"llmproxy": {"owner": "x"}}}}})
    text = "\n".join(issues)
    assert "teams.t.metadata: metadata.llmproxy is llmproxy's ownership marker" in text
    issues = ws.issues({"teams": {"t": {"members": ["a@example.com", {"email": "a@example.com"}]}}})
    assert issues == [f"{ws.root / 'config.json'}:teams.t.members[1]: 'a@example.com' is listed twice in team 't'"]


def test_the_readme_example_loads(ws: Workspace) -> None:
    import json
    import re

    from tests.harness.run import REPO

    text = (REPO / "README.md").read_text()
    section = text[text.index("\n### Teams and users\n"):]
    example = json.loads(re.findall(r"```json\n(.*?)```", section, re.S)[0])
    teams, users = _teams(ws, example)
    assert teams is not None and users is not None
    assert [t.alias for t in teams] == ["research", "support"] and len(users) == 3
    assert teams[1].member_roles() == {"cy@example.com": "user"}
