"""Access as code, teams and users, against the real LiteLLM: who may use which models at what
budget is declared in the config, synced, converged, drift-checked, pruned, exported, and what a
team's key may call through the gateway is what the config says (the official ``openai`` SDK)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from tests.e2e.cli import write_config
from tests.e2e.dataplane import UPSTREAM_KEY, DataPlane, ask_openai, config, provider
from tests.e2e.harness import Harness

PRICED = {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}


def reset_access(h: Harness) -> None:
    """No team, user or virtual key left on the gateway (other tests leave theirs)."""
    with h.client() as c:
        keys = c.get("/key/list", params={"size": 100}).raise_for_status().json()["keys"]
        if keys:
            c.post("/key/delete", json={"keys": keys}).raise_for_status()
        teams = c.get("/v2/team/list", params={"page_size": 100}).raise_for_status().json()["teams"]
        if teams:
            c.post("/team/delete", json={"team_ids": [t["team_id"] for t in teams]}).raise_for_status()
        users = c.get("/user/list", params={"page_size": 100}).raise_for_status().json()["users"]
        if users:
            c.post("/user/delete", json={"user_ids": [u["user_id"] for u in users]}).raise_for_status()


@pytest.fixture()
def dp(dataplane: DataPlane) -> Iterator[DataPlane]:
    reset_access(dataplane.gateway)
    yield dataplane
    reset_access(dataplane.gateway)


def access_config(dp: DataPlane) -> dict[str, Any]:
    """Two models in two access groups; team alpha may use General, team beta Premium."""
    models = {"m1": {"access_groups": ["General"], "litellm_params": PRICED},
              "m2": {"access_groups": ["Premium"], "litellm_params": PRICED}}
    return config({"up": provider(dp.upstream, models)},
                  teams={"alpha": {"models": ["General"], "max_budget": 25, "budget_duration": "30d",
                                   "members": ["ana@example.com", "bo@example.com"],
                                   "metadata": {"cost_center": "A-1"}},
                         "beta": {"models": ["Premium"], "max_budget": 10, "rpm_limit": 100}},
                  users={"ana@example.com": {"role": "internal_user", "max_budget": 5},
                         "bo@example.com": {},
                         "cy@example.com": {"teams": ["beta"]}})


def teams_by_alias(h: Harness) -> dict[str, dict[str, Any]]:
    with h.client() as c:
        teams = c.get("/v2/team/list", params={"page_size": 100}).raise_for_status().json()["teams"]
    return {t["team_alias"]: t for t in teams}


def users_by_email(h: Harness) -> dict[str, dict[str, Any]]:
    with h.client() as c:
        users = c.get("/user/list", params={"page_size": 100}).raise_for_status().json()["users"]
    return {u["user_email"]: u for u in users if u["user_email"]}


def members(team: dict[str, Any]) -> dict[str, str]:
    return {m["user_email"]: m["role"] for m in team["members_with_roles"] if m["user_email"]}


def plan_json(dp: DataPlane, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    proc = dp.llmproxy(["plan", "--output", "json", *args], env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_teams_and_users_sync_from_empty_converge_and_gate_the_data_plane(dp: DataPlane) -> None:
    body = dp.sync_json(access_config(dp))
    assert body["applied"]["ok"], body
    teams, users = teams_by_alias(dp.gateway), users_by_email(dp.gateway)
    alpha, beta = teams["alpha"], teams["beta"]
    assert (alpha["models"], alpha["max_budget"], alpha["budget_duration"]) == (["General"], 25.0, "30d")
    assert (beta["models"], beta["max_budget"], beta["rpm_limit"]) == (["Premium"], 10.0, 100)
    assert members(alpha) == {"ana@example.com": "user", "bo@example.com": "user"}
    assert members(beta) == {"cy@example.com": "user"}  # joined through users.*.teams
    assert alpha["metadata"]["cost_center"] == "A-1" and alpha["metadata"]["llmproxy"]["owner"] == "llmproxy"
    assert set(users) == {"ana@example.com", "bo@example.com", "cy@example.com"}
    assert (users["ana@example.com"]["user_role"], users["ana@example.com"]["max_budget"]) == ("internal_user", 5.0)
    assert all(u["metadata"]["llmproxy"]["owner"] == "llmproxy" for u in users.values())
    with dp.gateway.client() as c:  # /user/new would mint a key per user unless told not to
        assert c.get("/key/list", params={"size": 100}).json()["keys"] == []

    # Converged: a second sync writes nothing.
    again = dp.llmproxy(["sync", "--yes", "--output", "json"])
    assert again.returncode == 0 and json.loads(again.stdout)["applied"] is None, again.stderr
    assert "no write requests" in again.stderr
    assert dp.llmproxy(["plan", "--detailed-exitcode"]).returncode == 0

    # A key of team alpha reaches its access group's model and is refused beta's; and back.
    alpha_key = dp.mint_key(team_id=alpha["team_id"])
    beta_key = dp.mint_key(team_id=beta["team_id"])
    assert ask_openai(dp, "openai/m1", key=alpha_key) == "hello from m1 via the"
    assert ask_openai(dp, "openai/m2", key=beta_key) == "hello from m2 via the"
    for key, model in ((alpha_key, "openai/m2"), (beta_key, "openai/m1")):
        with pytest.raises(openai.PermissionDeniedError) as refused:
            ask_openai(dp, model, key=key)
        assert refused.value.status_code == 403
        assert f"The requested model '{model}' is not available for this API key" in str(refused.value)
    assert len(dp.upstream.calls_for("m1")) == 1 and len(dp.upstream.calls_for("m2")) == 1


def test_a_budget_change_is_one_field_and_one_write_and_hand_edits_are_drift(dp: DataPlane) -> None:
    cfg = access_config(dp)
    dp.sync(cfg)
    cfg["teams"]["alpha"]["max_budget"] = 50
    dp.write(cfg)
    plan = plan_json(dp)
    [change] = plan["changes"]
    assert (change["kind"], change["action"], change["key"]) == ("teams", "update", "alpha")
    assert change["fields"] == [{"path": "max_budget", "before": 25.0, "after": 50.0}]
    assert change["context"].startswith("spend 0.00 USD of max_budget 25 USD")  # spend: shown, never set
    body = dp.sync_json(cfg)
    assert body["applied"]["ok"] and body["applied"]["writes"] == 1
    assert teams_by_alias(dp.gateway)["alpha"]["max_budget"] == 50.0

    # Someone raises beta's budget by hand: plan and status report the drift.
    beta = teams_by_alias(dp.gateway)["beta"]
    with dp.gateway.client() as c:
        c.post("/team/update", json={"team_id": beta["team_id"], "max_budget": 99}).raise_for_status()
    drift = dp.llmproxy(["plan", "--detailed-exitcode"])
    assert drift.returncode == 2, drift.stderr
    assert "max_budget: 99.0 → 10.0" in drift.stdout
    status = dp.llmproxy(["status"])
    assert status.returncode == 2, status.stdout + status.stderr
    assert "1 to update" in status.stdout
    dp.sync(cfg)
    assert teams_by_alias(dp.gateway)["beta"]["max_budget"] == 10.0


def test_prune_removes_only_owned_teams_and_users(dp: DataPlane) -> None:
    cfg = access_config(dp)
    dp.sync(cfg)
    with dp.gateway.client() as c:  # made by hand: never llmproxy's to delete
        c.post("/team/new", json={"team_alias": "handmade", "max_budget": 3}).raise_for_status()
        c.post("/user/new", json={"user_email": "hand@example.com", "auto_create_key": False}).raise_for_status()
    smaller = copy.deepcopy(cfg)
    del smaller["teams"]["beta"]
    del smaller["users"]["bo@example.com"]
    smaller["users"]["cy@example.com"] = {}
    smaller["teams"]["alpha"]["members"] = ["ana@example.com"]
    dp.write(smaller)
    held = plan_json(dp)  # without --prune nothing is deleted
    assert {(c["kind"], c["key"]) for c in held["pending_prune"]} == {("teams", "beta"), ("users", "bo@example.com")}
    body = dp.sync_json(smaller, "--prune")
    assert body["applied"]["ok"], body
    deleted = {(o["kind"], o["key"]) for o in body["applied"]["outcomes"] if o["action"] == "delete"}
    assert deleted == {("teams", "beta"), ("users", "bo@example.com")}
    teams, users = teams_by_alias(dp.gateway), users_by_email(dp.gateway)
    assert set(teams) == {"alpha", "handmade"}
    assert set(users) == {"ana@example.com", "cy@example.com", "hand@example.com"}
    assert members(teams["alpha"]) == {"ana@example.com": "user"}  # the member llmproxy added, removed


def test_a_team_with_keys_is_never_pruned(dp: DataPlane) -> None:
    cfg = access_config(dp)
    dp.sync(cfg)
    dp.mint_key(team_id=teams_by_alias(dp.gateway)["beta"]["team_id"])  # /team/delete would take it along
    del cfg["teams"]["beta"]
    cfg["users"]["cy@example.com"] = {}
    dp.write(cfg)
    proc = dp.llmproxy(["sync", "--yes", "--prune"])
    assert proc.returncode != 0
    assert "the team still has 1 key(s)" in proc.stdout + proc.stderr
    assert "beta" in teams_by_alias(dp.gateway)


def test_export_of_hand_made_teams_and_users_round_trips_to_adopt_only(dp: DataPlane, tmp_path: Path) -> None:
    dp.sync(config({"up": provider(dp.upstream, {"m1": {"access_groups": ["General"]}})}))
    with dp.gateway.client() as c:
        c.post("/user/new", json={"user_email": "ana@example.com", "max_budget": 7, "user_role": "internal_user",
                                  "auto_create_key": False}).raise_for_status()
        team = c.post("/team/new", json={"team_alias": "ops", "models": ["General"], "max_budget": 20,
                                         "budget_duration": "7d", "metadata": {"owner": "it"}}).raise_for_status()
        c.post("/team/member_add", json={"team_id": team.json()["team_id"],
                                         "member": [{"user_email": "ana@example.com", "role": "user"},
                                                    {"user_email": "bo@example.com", "role": "user"}]}
               ).raise_for_status()
    out = tmp_path / "exported"
    exported = dp.llmproxy(["export", "--output", str(out)])
    assert exported.returncode == 0, exported.stderr
    doc = json.loads((out / "config.json").read_text())
    assert doc["teams"] == {"ops": {"models": ["General"], "max_budget": 20.0, "budget_duration": "7d",
                                    "members": ["ana@example.com", "bo@example.com"], "metadata": {"owner": "it"}}}
    assert doc["users"]["ana@example.com"] == {"role": "internal_user", "max_budget": 7.0}
    write_config(dp.workdir, doc, json.loads((out / "config.local.json").read_text()))
    # The export asks for the provider key it cannot read back: give it.
    env = {var: UPSTREAM_KEY for var in re.findall(r"^  ([A-Z][A-Z0-9_]+)  ", exported.stdout + exported.stderr, re.M)}
    assert env, exported.stdout + exported.stderr
    plan = plan_json(dp, env=env)
    assert plan["changes"] and {c["action"] for c in plan["changes"]} == {"adopt"}
    assert all("fields" not in c for c in plan["changes"]), plan["changes"]
    assert dp.llmproxy(["sync", "--yes"], env=env).returncode == 0
    assert dp.llmproxy(["plan", "--detailed-exitcode"], env=env).returncode == 0


def test_refused_references_and_enterprise_only_roles_are_explained(dp: DataPlane) -> None:
    cfg = access_config(dp)
    cfg["teams"]["alpha"]["models"] = ["Generl"]
    dp.write(cfg)
    plan = dp.llmproxy(["plan"])
    assert plan.returncode == 1
    assert ("teams.alpha.models[0]: 'Generl' is not a model name, alias or access group in the config or in "
            "LiteLLM (did you mean 'General'?)") in plan.stdout + plan.stderr
    cfg["teams"]["alpha"]["models"] = ["General"]
    cfg["teams"]["alpha"]["members"] = [{"email": "ana@example.com", "role": "admin"}]
    dp.write(cfg)
    proc = dp.llmproxy(["sync", "--yes"])
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "Traceback" not in text
    assert "'ana@example.com' with role \"admin\" needs LiteLLM Enterprise" in text


def test_a_teams_budget_from_the_config_stops_its_keys_once_spent(dp: DataPlane) -> None:
    cfg = access_config(dp)
    # A team of its own: team ids derive from owner and alias, and LiteLLM keeps a deleted team's
    # spend in its cache, so "alpha" would arrive here with what earlier tests spent on it.
    cfg["teams"]["frugal"] = {**cfg["teams"]["alpha"], "max_budget": 0.0000001}
    dp.sync(cfg)
    key = dp.mint_key(team_id=teams_by_alias(dp.gateway)["frugal"]["team_id"])
    assert ask_openai(dp, "openai/m1", key=key) == "hello from m1 via the"  # spends more than the budget
    with pytest.raises(openai.APIStatusError) as refused:
        ask_openai(dp, "openai/m1", key=key)
    assert "budget" in str(refused.value).lower(), refused.value
    plan = plan_json(dp)  # spend is state: shown, never planned away
    assert plan["changes"] == []
