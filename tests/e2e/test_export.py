"""`llmproxy export` against the real LiteLLM: the round trip of issue 7.

Objects are created directly through LiteLLM's API (as a user of its UI would), exported, planned
(only adoptions), synced (markers stamped, nothing else changes), and planned again (no changes).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.cli import chat, live_models, llmproxy
from tests.e2e.configs import PROVIDER_KEY
from tests.e2e.harness import Harness
from tests.e2e.test_access_teams import reset_access

BASE = "http://127.0.0.1:9"
KEY_VAR = {"GATEWAY_API_KEY": PROVIDER_KEY}  # the variable export names for provider "gateway"


def _made_by_hand(h: Harness) -> None:
    """A gateway as the seed scripts / the UI left it: credentials, models, aliases, fallbacks."""
    creds = [("gateway-openai", f"{BASE}/v1", "OpenAI_Compatible"), ("gateway-anthropic", BASE, "Anthropic")]
    models = [
        ("openai/gpt-a", "openai/gpt-a", "gateway-openai", {"mock_response": "reply from gpt-a"},
         {"base_model": "gpt-a", "access_groups": ["General"]}),
        ("openai/gpt-b", "openai/gpt-b", "gateway-openai", {"mock_response": "reply from gpt-b", "rpm": 100},
         {"base_model": "gpt-b", "access_groups": ["General"], "tier": "paid"}),
        ("anthropic/claude-c", "anthropic/claude-c", "gateway-anthropic", {"mock_response": "reply from claude-c"},
         {"base_model": "claude-c", "access_groups": ["General", "Premium"]}),
        # Not in provider form: no base_model (the compiler always sets one), its own api_base and key.
        ("hand-made", "openai/by-hand", None, {"mock_response": "hand", "api_base": "http://127.0.0.1:9/v1",
                                               "api_key": "sk-hand-made-0000"}, {"description": "made by hand"}),
    ]
    with h.client() as c:
        for name, base, provider in creds:
            c.post("/credentials", json={"credential_name": name, "credential_info": {"custom_llm_provider": provider},
                                         "credential_values": {"api_key": PROVIDER_KEY, "api_base": base}}
                   ).raise_for_status()
        for name, model, cred, params, info in models:
            lp = {"model": model, **params, **({"litellm_credential_name": cred} if cred else {})}
            c.post("/model/new", json={"model_name": name, "litellm_params": lp, "model_info": info}).raise_for_status()
        c.post("/config/update", json={"router_settings": {
            "model_group_alias": {"fast": "openai/gpt-a", "smart": "openai/gpt-b", "file": "config-file-model"},
            "fallbacks": [{"fast": ["anthropic/claude-c"]}, {"smart": ["anthropic/claude-c"]}],
            "num_retries": 4}}).raise_for_status()


def _snapshot(h: Harness) -> dict[str, Any]:
    """Models, credentials (non-secret values; secrets as LiteLLM masks them) and router settings,
    without llmproxy's marker, ledger and replica witness."""
    def strip(info: dict[str, Any]) -> dict[str, Any]:
        # llmproxy's marker, and the audit fields it sets on every write (LiteLLM's UI shows them).
        return {k: v for k, v in info.items()
                if k not in ("llmproxy", "created_at", "created_by", "updated_at", "updated_by")}

    with h.client() as c:
        creds = c.get("/credentials").raise_for_status().json()["credentials"]
        router = c.get("/router/settings").raise_for_status().json()["current_values"]
    models = sorted(({**m, "model_info": strip(m["model_info"])} for m in live_models(h)),
                    key=lambda m: m["model_info"]["id"])
    credentials = sorted(({**x, "credential_info": strip(x["credential_info"])} for x in creds
                          if not x["credential_name"].startswith("llmproxy-state.")
                          and x["credential_name"] != "llmproxy-sync"),
                         key=lambda x: x["credential_name"])
    return {"models": models, "credentials": credentials, "router": router}


def test_export_round_trip_adopts_without_changing_anything(litellm: Harness, tmp_path: Path) -> None:
    reset_access(litellm)  # users and teams survive the reset: other tests' would be exported (and adopted) too
    _made_by_hand(litellm)
    out = tmp_path / "exported"
    proc = llmproxy(litellm, ["export", "-o", str(out)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out / "config.json").read_text())
    local = json.loads((out / "config.local.json").read_text())

    # The compact form: one provider, two interfaces; the hand-made model literally.
    provider = config["providers"]["gateway"]
    assert provider["api_base"] == BASE and set(provider["interfaces"]) == {"openai", "anthropic"}
    assert provider["access_groups"] == ["General"]
    assert [m["model_name"] for m in config["models"]] == ["hand-made"]
    assert "api_key" not in json.dumps(config["models"])  # LiteLLM never returns it
    assert config["aliases"] == {"fast": "openai/gpt-a", "smart": "openai/gpt-b"}
    assert config["fallbacks"] == [{"fast,smart": ["anthropic/claude-c"]}]
    assert config["router_settings"]["num_retries"] == 4
    assert local == {"providers": {"gateway": {"api_key": "${GATEWAY_API_KEY}"}}}
    # Secrets never exported; the variables to set are listed; what was left out is said.
    assert PROVIDER_KEY not in proc.stdout + proc.stderr + json.dumps([config, local])
    assert "GATEWAY_API_KEY" in proc.stderr and "config-file-model" in proc.stderr

    # plan shows only adoptions.
    cfg = ["--config", str(out / "config.json")]
    proc = llmproxy(litellm, ["plan", *cfg, "--output", "json", "--detailed-exitcode"], cwd=tmp_path, env=KEY_VAR)
    assert proc.returncode == 2, proc.stderr
    plan = json.loads(proc.stdout)
    assert plan["changes"] and {c["action"] for c in plan["changes"]} == {"adopt"}
    assert all(f.get("change") == "(sensitive value changed)" for c in plan["changes"] for f in c.get("fields", []))
    assert {c["kind"] for c in plan["changes"]} == {"credentials", "models", "aliases", "fallbacks", "router_settings"}
    assert not plan["pending_prune"] and not plan["conflicts"]

    before = _snapshot(litellm)
    rc_proc = llmproxy(litellm, ["sync", *cfg, "--yes", "--output", "json"], cwd=tmp_path, env=KEY_VAR)
    assert rc_proc.returncode == 0, rc_proc.stderr
    applied = json.loads(rc_proc.stdout)["applied"]
    assert applied["ok"] and {o["action"] for o in applied["outcomes"]} == {"adopt"}
    after = _snapshot(litellm)
    assert after == before  # no effective change: same objects, same ids, same values

    with litellm.client() as c:
        marked = {x["credential_name"]: x["credential_info"].get("llmproxy", {}).get("owner")
                  for x in c.get("/credentials").json()["credentials"]}
    assert marked["gateway-openai"] == marked["gateway-anthropic"] == "llmproxy"
    db_models = [m for m in live_models(litellm) if m["model_info"]["db_model"]]
    assert len(db_models) == 4 and all(m["model_info"]["llmproxy"]["owner"] == "llmproxy" for m in db_models)
    assert chat(litellm, "fast") == (200, "reply from gpt-a")
    assert chat(litellm, "hand-made") == (200, "hand")

    proc = llmproxy(litellm, ["plan", *cfg, "--detailed-exitcode"], cwd=tmp_path, env=KEY_VAR)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_export_to_stdout_and_refusals(litellm: Harness, tmp_path: Path) -> None:
    _made_by_hand(litellm)
    proc = llmproxy(litellm, ["export", "-o", "-"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = json.loads(proc.stdout)  # stdout holds config.json only; messages go to stderr
    assert set(config["providers"]) == {"gateway"}
    assert "${GATEWAY_API_KEY}" in proc.stderr and not list(tmp_path.iterdir())

    out = tmp_path / "out"
    assert llmproxy(litellm, ["export", "-o", str(out)], cwd=tmp_path).returncode == 0
    again = llmproxy(litellm, ["export", "-o", str(out)], cwd=tmp_path)
    assert again.returncode == 1 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert llmproxy(litellm, ["export", "-o", str(out), "--force"], cwd=tmp_path).returncode == 0

    bad = llmproxy(litellm, ["export"], cwd=tmp_path, env={"LITELLM_API_KEY": "sk-not-the-master-key"})
    assert bad.returncode == 1 and "rejected" in bad.stderr and "Traceback" not in bad.stderr
    assert "sk-not-the-master-key" not in bad.stdout + bad.stderr


def test_export_leaves_other_owners_out(litellm: Harness, tmp_path: Path) -> None:
    team_b = tmp_path / "b"
    team_b.mkdir()
    (team_b / "config.json").write_text(json.dumps({"owner": "team-b", "providers": {"other": {
        "api_base": BASE, "api_key": "${E2E_PROVIDER_KEY}", "interfaces": {"openai": {}},
        "models": {"gpt-z": {"litellm_params": {"mock_response": "z"}}}}}, "aliases": {"zed": "openai/gpt-z"}}))
    assert llmproxy(litellm, ["sync", "--yes"], cwd=team_b, env={"E2E_PROVIDER_KEY": PROVIDER_KEY}).returncode == 0
    _made_by_hand(litellm)

    proc = llmproxy(litellm, ["export", "-o", "-", "--owner", "team-a"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = json.loads(proc.stdout)
    assert config["owner"] == "team-a" and set(config["providers"]) == {"gateway"}
    assert "zed" not in config["aliases"] and "team-b" in proc.stderr
    mine = llmproxy(litellm, ["export", "-o", "-", "--owner", "team-b"], cwd=tmp_path)
    assert "other" in json.loads(mine.stdout)["providers"]
