"""The team and user endpoints as LiteLLM 1.106 serves them: complete paged reads ordered by id,
safe repeats of writes, the Enterprise-only team admin explained."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from llmproxy.desired.access import Team, TeamMember, User
from llmproxy.errors import LLMProxyError
from llmproxy.litellm.client import LiteLLMClient
from llmproxy.litellm.teams_api import TeamsApi, read_teams, team_id_for
from llmproxy.litellm.users_api import UsersApi, read_users


def paged(items: list[dict[str, Any]], field: str) -> Any:
    """``/v2/team/list`` / ``/user/list``: page, page_size (<= 100), total, total_pages."""

    def handler(request: httpx.Request) -> httpx.Response:
        page, size = int(request.url.params["page"]), int(request.url.params["page_size"])
        assert size <= 100
        return httpx.Response(200, json={field: items[(page - 1) * size: page * size], "total": len(items),
                                         "page": page, "page_size": size, "total_pages": -(-len(items) // size)})

    return handler


def test_teams_are_read_over_every_page_ordered_by_id(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    raw = [{"team_id": f"t{i:03}", "team_alias": f"a{i}", "max_budget": i, "spend": 1.5, "models": [],
            "members_with_roles": [{"user_id": "default_user_id", "user_email": None, "role": "admin"},
                                   {"user_id": "u", "user_email": "x@example.com", "role": "user"}],
            "metadata": {"k": 1, "llmproxy": {"owner": "llmproxy", "members": ["x@example.com"]}}}
           for i in range(201)]
    route = mock.get("/v2/team/list").mock(side_effect=paged(raw, "teams"))
    teams = read_teams(client)
    assert len(teams) == 201 and route.call_count == 3
    assert {(c.request.url.params["sort_by"], c.request.url.params["page_size"]) for c in route.calls} == {
        ("team_id", "100")}
    first = next(t for t in teams if t.team_id == "t000")
    assert first.metadata == {"k": 1} and first.marker is not None and first.marker.members == ("x@example.com",)
    assert first.member_roles() == {"x@example.com": "user"} and first.spend == 1.5


def test_users_are_read_over_every_page(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    raw = [{"user_id": f"u{i}", "user_email": f"u{i}@example.com" if i else None, "user_role": "internal_user",
            "metadata": {}, "teams": ["t1"]} for i in range(150)]
    mock.get("/user/list").mock(side_effect=paged(raw, "users"))
    users = read_users(client)
    assert len(users) == 150 and users[0].email is None and users[1].teams == ("t1",)


def test_a_repeated_team_create_finds_its_own_team(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    team = Team("research", max_budget=5.0, members=(TeamMember("a@example.com"),), source="teams.research")
    tid = team_id_for("llmproxy", "research")
    mock.post("/team/new").mock(return_value=httpx.Response(400, json={"error": {"message": (
        f"{{'error': 'Team id = {tid} already exists. Please use a different team id.'}}")}}))
    mock.get("/team/info").mock(return_value=httpx.Response(200, json={"team_info": {
        "team_id": tid, "team_alias": "research", "metadata": {"llmproxy": {"owner": "llmproxy"}}}}))
    added = mock.post("/team/member_add").mock(return_value=httpx.Response(400, json={"error": {
        "message": "All users are already in team. Existing members=[...]"}}))
    assert TeamsApi(client, "llmproxy").create(team) == tid
    assert json.loads(added.calls[0].request.content) == {
        "team_id": tid, "member": [{"user_email": "a@example.com", "role": "user"}]}


def test_another_owners_team_under_the_id_is_not_taken(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.post("/team/new").mock(return_value=httpx.Response(400, json={"error": "Team id = x already exists"}))
    mock.get("/team/info").mock(return_value=httpx.Response(200, json={"team_info": {
        "team_id": "x", "team_alias": "research", "metadata": {"llmproxy": {"owner": "other"}}}}))
    with pytest.raises(LLMProxyError, match="already exists"):
        TeamsApi(client, "llmproxy").create(Team("research"))


def test_a_team_admin_on_the_open_source_proxy_is_explained(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    mock.post("/team/member_add").mock(return_value=httpx.Response(400, json={"detail": {"error": (
        "Assigning team admins is a premium feature. You must be a LiteLLM Enterprise user")}}))
    team = Team("research", members=(TeamMember("a@example.com", "admin"),), source="teams.research")
    with pytest.raises(LLMProxyError) as failed:
        TeamsApi(client, "llmproxy").add_members(team, "t1", list(team.members or ()))
    assert failed.value.message.startswith(
        "team 'research' (teams.research.members): 'a@example.com' with role \"admin\" needs LiteLLM Enterprise")
    assert failed.value.hint and 'role "user"' in failed.value.hint


def test_a_user_is_created_without_a_key_and_with_the_marker(client: LiteLLMClient, mock: respx.MockRouter) -> None:
    route = mock.post("/user/new").mock(return_value=httpx.Response(200, json={"user_id": "u1"}))
    UsersApi(client, "llmproxy").create(User("a@example.com", role="internal_user", max_budget=5.0))
    body = json.loads(route.calls[0].request.content)
    assert body["auto_create_key"] is False and "teams" not in body
    assert (body["user_email"], body["user_role"], body["max_budget"]) == ("a@example.com", "internal_user", 5.0)
    assert body["metadata"]["llmproxy"]["owner"] == "llmproxy"
    assert body["metadata"]["llmproxy"]["fields"] == ["max_budget", "user_role"]
