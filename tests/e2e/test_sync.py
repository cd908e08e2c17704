"""`llmproxy sync` against the real LiteLLM (issue scenarios 1-5 and 7)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import chat, live_models, llmproxy, sync_json, write_config
from tests.e2e.configs import ENV, PROVIDER_KEY, base_config, variant
from tests.e2e.harness import Harness


def _models_by_name(h: Harness) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for m in live_models(h):
        out.setdefault(m["model_name"], []).append(m)
    return out


def test_sync_from_empty_then_routes_and_converges(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    rc, body, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV)
    assert rc == 0, err
    assert body["applied"]["ok"] and not body["applied"]["verify_errors"]
    models = _models_by_name(litellm)
    assert set(models) == {"openai/gpt-a", "openai/gpt-b", "anthropic/claude-c", "team-*", "config-file-model"}
    gpt_b = models["openai/gpt-b"][0]
    assert gpt_b["litellm_params"]["rpm"] == 100
    assert gpt_b["litellm_params"]["litellm_credential_name"] == "upstream-openai"
    assert gpt_b["model_info"]["access_groups"] == ["General"]
    assert gpt_b["model_info"]["llmproxy"]["owner"] == "llmproxy"
    with litellm.client() as c:
        creds = {x["credential_name"] for x in c.get("/credentials").json()["credentials"]}
        router = c.get("/router/settings").json()["current_values"]
    assert {"upstream-openai", "backup-anthropic"} <= creds
    # The wildcard alias team-* is a pattern deployment, not a model_group_alias entry.
    assert router["model_group_alias"] == {"fast": "openai/gpt-a", "smart": "openai/gpt-b"}
    assert {"fast": ["anthropic/claude-c"]} in router["fallbacks"]
    assert router["num_retries"] == 1
    # A request through an alias reaches the right deployment.
    assert chat(litellm, "fast") == (200, "reply from gpt-a")
    assert chat(litellm, "smart") == (200, "reply from gpt-b")
    assert chat(litellm, "team-blue") == (200, "reply from gpt-a")  # through the wildcard alias
    # Converged: plan is clean, and a second sync makes zero writes.
    assert llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path, env=ENV).returncode == 0
    rc, body, err = sync_json(litellm, [], tmp_path, env=ENV)
    assert rc == 0 and body["applied"] is None and "no write requests" in err


def test_small_change_touches_exactly_those_objects(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    cfg = variant(base_config())
    cfg["providers"]["upstream"]["models"]["gpt-b"]["litellm_params"]["rpm"] = 250  # change one model
    cfg["aliases"]["quick"] = cfg["aliases"].pop("fast")  # rename an alias
    cfg["fallbacks"] = [{"quick,smart": ["anthropic/claude-c"]}, {"openai/gpt-a": ["openai/gpt-b"]}]
    write_config(tmp_path, cfg)
    rc, body, err = sync_json(litellm, ["--prune", "--yes"], tmp_path, env=ENV)
    assert rc == 0, err
    touched = {(o["kind"], o["action"], o["key"]) for o in body["applied"]["outcomes"]}
    assert touched == {
        ("models", "update", "openai/gpt-b (openai/gpt-b via upstream-openai)"),
        ("aliases", "create", "quick"), ("aliases", "delete", "fast"),
        ("fallbacks", "create", "quick"), ("fallbacks", "delete", "fast"),
        ("fallbacks", "create", "openai/gpt-a"),
    }
    # One PATCH for the model, one router write, one ledger write.
    assert body["applied"]["writes"] == 3
    assert _models_by_name(litellm)["openai/gpt-b"][0]["litellm_params"]["rpm"] == 250
    assert chat(litellm, "quick") == (200, "reply from gpt-a")
    assert llmproxy(litellm, ["plan", "--prune", "--detailed-exitcode"], cwd=tmp_path, env=ENV).returncode == 0


def test_removed_provider_is_pruned_only_with_prune(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    with litellm.client() as c:  # made by hand through the API: unmanaged
        c.post("/model/new", json={"model_name": "hand-made", "litellm_params": {
            "model": "openai/by-hand", "mock_response": "hand"}}).raise_for_status()
    cfg = variant(base_config())
    del cfg["providers"]["backup"]
    cfg["fallbacks"] = []
    write_config(tmp_path, cfg)

    rc, body, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV)
    assert rc == 0, err
    assert "anthropic/claude-c" in _models_by_name(litellm)  # nothing deleted without --prune
    assert [c["key"] for c in body["plan"]["pending_prune"] if c["kind"] == "models"]

    # Non-interactive deletion without --yes is refused, nothing applied.
    proc = llmproxy(litellm, ["sync", "--prune"], cwd=tmp_path, env=ENV)
    assert proc.returncode == 1 and "--yes" in proc.stderr
    assert "anthropic/claude-c" in _models_by_name(litellm)

    rc, body, err = sync_json(litellm, ["--prune", "--yes"], tmp_path, env=ENV)
    assert rc == 0, err
    deleted = [(o["kind"], o["key"]) for o in body["applied"]["outcomes"]
               if o["action"] == "delete" and o["kind"] in ("models", "credentials")]
    assert deleted[0][0] == "models" and deleted[-1] == ("credentials", "backup-anthropic")
    model_deletions = [k for kind, k in deleted if kind == "models"]
    assert len(model_deletions) == 1
    assert model_deletions[0].startswith("anthropic/claude-c (anthropic/claude-c via backup-anthropic)")
    names = _models_by_name(litellm)
    assert "anthropic/claude-c" not in names
    assert "hand-made" in names and "config-file-model" in names
    with litellm.client() as c:
        creds = {x["credential_name"] for x in c.get("/credentials").json()["credentials"]}
    assert "backup-anthropic" not in creds and "upstream-openai" in creds


def test_removing_a_param_replaces_create_first(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    old_id = _models_by_name(litellm)["openai/gpt-b"][0]["model_info"]["id"]
    cfg = variant(base_config())
    del cfg["providers"]["upstream"]["models"]["gpt-b"]["litellm_params"]["rpm"]
    write_config(tmp_path, cfg)
    plan = json.loads(llmproxy(litellm, ["plan", "--output", "json"], cwd=tmp_path, env=ENV).stdout)
    [change] = [c for c in plan["changes"] if c["kind"] == "models"]
    assert change["action"] == "replace" and "litellm_params.rpm" in change["reason"]
    rc, _body, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV)
    assert rc == 0, err
    [dep] = _models_by_name(litellm)["openai/gpt-b"]
    assert "rpm" not in dep["litellm_params"] and dep["model_info"]["id"] != old_id
    assert chat(litellm, "smart") == (200, "reply from gpt-b")
    assert llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path, env=ENV).returncode == 0


def test_two_owners_share_one_litellm(litellm: Harness, tmp_path: Path) -> None:
    team_a, team_b = tmp_path / "a", tmp_path / "b"
    write_config(team_a, base_config(owner="team-a"))
    cfg_b = {"owner": "team-b", "providers": {"other": {
        "api_base": "http://127.0.0.1:9", "api_key": "${E2E_PROVIDER_KEY}", "interfaces": {"openai": {}},
        "models": {"gpt-z": {"litellm_params": {"mock_response": "z"}}}}},
        "aliases": {"zed": "openai/gpt-z"}}
    write_config(team_b, cfg_b)
    assert sync_json(litellm, ["--yes"], team_a, env=ENV)[0] == 0
    assert sync_json(litellm, ["--yes"], team_b, env=ENV)[0] == 0
    # Team A empties its config and prunes: team B's objects are untouched.
    write_config(team_a, {"owner": "team-a", "providers": {}, "aliases": {}, "fallbacks": [],
                          "router_settings": {}})
    rc, _body, err = sync_json(litellm, ["--prune", "--yes"], team_a, env=ENV)
    assert rc == 0, err
    names = set(_models_by_name(litellm))
    assert "openai/gpt-z" in names and "openai/gpt-a" not in names
    with litellm.client() as c:
        router = c.get("/router/settings").json()["current_values"]
    assert router["model_group_alias"] == {"zed": "openai/gpt-z"}
    assert llmproxy(litellm, ["plan", "--prune", "--detailed-exitcode"], cwd=team_b, env=ENV).returncode == 0


def test_secrets_never_printed(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    outputs = []
    for args in (["plan"], ["plan", "--output", "json"], ["plan", "--output", "markdown"],
                 ["sync", "--yes"], ["sync", "--repush", "--yes", "--output", "json"], ["render"]):
        proc = llmproxy(litellm, args, cwd=tmp_path, env=ENV)
        outputs.append(proc.stdout + proc.stderr)
    text = "\n".join(outputs)
    assert PROVIDER_KEY not in text and litellm.master_key not in text
    assert "(sensitive" in text  # redaction markers are there instead
