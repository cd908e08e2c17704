"""Guardrails, the public model hub, audit fields and coexistence with other tools, against the
real LiteLLM (issue 17, items 6-9): sync, re-sync with zero writes, prune only what this owner
made, export round trip; another tool's metadata survives adoption."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from tests.e2e.cli import live_models, llmproxy, sync_json, write_config
from tests.e2e.configs import ENV, PROVIDER_KEY, base_config
from tests.e2e.dataplane import DataPlane, ask_openai, config, provider
from tests.e2e.harness import Harness

BLOCK = {"guardrail": "litellm_content_filter", "mode": "pre_call",
         "blocked_words": [{"keyword": "forbiddenword", "action": "BLOCK"}]}
SUCCESSOR_FP = "_llmproxy_config_fingerprint"  # what the seed scripts' successor keeps in credential_info


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _guardrails(h: Harness) -> dict[str, dict[str, Any]]:
    with h.client() as c:
        listed = c.get("/v2/guardrails/list").raise_for_status().json()["guardrails"]
    return {g["guardrail_name"]: g for g in listed}


def _hub(h: Harness) -> list[str]:
    with h.client() as c:
        return [g["model_group"] for g in c.get("/public/model_hub").raise_for_status().json()]


def _hand_made_guardrail(h: Harness, name: str, **params: Any) -> str:
    body = {"guardrail_name": name, "litellm_params": {**BLOCK, **params}, "guardrail_info": {"by": "hand"}}
    with h.client() as c:
        return str(c.post("/guardrails", json={"guardrail": body}).raise_for_status().json()["guardrail_id"])


def _sync(h: Harness, tmp: Path, cfg: dict[str, Any], *args: str) -> dict[str, Any]:
    write_config(tmp, cfg)
    rc, body, err = sync_json(h, ["--yes", *args], tmp, env=ENV)
    assert rc == 0, err
    return body


def _no_changes(h: Harness, tmp: Path) -> None:
    proc = llmproxy(h, ["plan", "--detailed-exitcode"], cwd=tmp, env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rc, body, err = sync_json(h, [], tmp, env=ENV)
    assert rc == 0 and body["applied"] is None and "no write requests" in err, err


def test_guardrails_sync_converge_update_and_prune_only_their_own(litellm: Harness, tmp_path: Path) -> None:
    _hand_made_guardrail(litellm, "hand-made")
    cfg = base_config()
    cfg["guardrails"] = {
        "no-forbidden": {"litellm_params": BLOCK, "guardrail_info": {"description": "blocks a word"}},
        "with-key": {"litellm_params": {**BLOCK, "api_key": "${E2E_PROVIDER_KEY}"}},
    }
    body = _sync(litellm, tmp_path, cfg)
    assert body["applied"]["ok"] and not body["applied"]["verify_errors"]
    live = _guardrails(litellm)
    assert set(live) == {"hand-made", "no-forbidden", "with-key"}
    assert live["no-forbidden"]["guardrail_info"]["description"] == "blocks a word"
    assert live["no-forbidden"]["guardrail_info"]["llmproxy"]["owner"] == "llmproxy"
    assert live["with-key"]["litellm_params"]["api_key"] != PROVIDER_KEY  # masked on read
    assert "llmproxy" not in live["hand-made"]["guardrail_info"]
    _no_changes(litellm, tmp_path)  # the masked key compares through its fingerprint

    cfg["guardrails"]["no-forbidden"]["litellm_params"] = {
        **BLOCK, "blocked_words": [{"keyword": "otherword", "action": "BLOCK"}]}
    del cfg["guardrails"]["with-key"]
    body = _sync(litellm, tmp_path, cfg, "--prune")
    done = {(o["kind"], o["action"], o["key"]) for o in body["applied"]["outcomes"]}
    assert done == {("guardrails", "update", "no-forbidden"), ("guardrails", "delete", "with-key")}
    live = _guardrails(litellm)
    assert set(live) == {"hand-made", "no-forbidden"}  # the hand-made one is not ours: kept
    assert [w["keyword"] for w in live["no-forbidden"]["litellm_params"]["blocked_words"]] == ["otherword"]
    _no_changes(litellm, tmp_path)

    del cfg["guardrails"]
    write_config(tmp_path, cfg)  # the section left out: guardrails are left alone, even with --prune
    rc, body, err = sync_json(litellm, ["--yes", "--prune"], tmp_path, env=ENV)
    assert rc == 0 and body["applied"] is None, err
    assert set(_guardrails(litellm)) == {"hand-made", "no-forbidden"}


def test_adopting_a_guardrail_keeps_fields_and_info_others_set(litellm: Harness, tmp_path: Path) -> None:
    _hand_made_guardrail(litellm, "shared", default_on=False, skip_system_message_in_guardrail=True)
    cfg = {"guardrails": {"shared": {"litellm_params": {**BLOCK, "blocked_words": [
        {"keyword": "forbiddenword", "action": "BLOCK"}, {"keyword": "another", "action": "BLOCK"}]}}}}
    body = _sync(litellm, tmp_path, cfg)
    assert [(o["action"], o["key"]) for o in body["applied"]["outcomes"]] == [("adopt", "shared")]
    g = _guardrails(litellm)["shared"]
    assert g["guardrail_info"]["by"] == "hand" and g["guardrail_info"]["llmproxy"]["owner"] == "llmproxy"
    assert g["litellm_params"]["skip_system_message_in_guardrail"] is True  # set by hand: kept
    assert len(g["litellm_params"]["blocked_words"]) == 2
    _no_changes(litellm, tmp_path)


def test_a_guardrail_secret_llmproxy_cannot_keep_is_a_conflict(litellm: Harness, tmp_path: Path) -> None:
    _hand_made_guardrail(litellm, "keyed", api_key="sk-hand-made-guardrail-key-0000")
    write_config(tmp_path, {"guardrails": {"keyed": {"litellm_params": BLOCK}}})
    proc = llmproxy(litellm, ["sync", "--yes"], cwd=tmp_path, env=ENV)
    assert proc.returncode != 0 and "litellm_params.api_key" in proc.stdout + proc.stderr
    assert "llmproxy" not in _guardrails(litellm)["keyed"]["guardrail_info"]  # nothing written


def test_public_model_hub_sync_converge_and_prune_only_their_own(litellm: Harness, tmp_path: Path) -> None:
    with litellm.client() as c:
        c.post("/model_group/make_public", json={"model_groups": ["made-public-by-hand"]}).raise_for_status()
    cfg = base_config()
    cfg["public_model_hub"] = ["openai/gpt-a", "fast"]
    body = _sync(litellm, tmp_path, cfg)
    assert body["applied"]["ok"] and not body["applied"]["verify_errors"]
    assert _hub(litellm) == ["made-public-by-hand", "openai/gpt-a", "fast"]
    _no_changes(litellm, tmp_path)

    cfg["public_model_hub"] = ["openai/gpt-a"]
    body = _sync(litellm, tmp_path, cfg)  # without --prune: only planned
    assert _hub(litellm) == ["made-public-by-hand", "openai/gpt-a", "fast"]
    body = _sync(litellm, tmp_path, cfg, "--prune")
    assert {(o["kind"], o["action"], o["key"]) for o in body["applied"]["outcomes"]} == {
        ("public_model_hub", "delete", "fast")}
    assert _hub(litellm) == ["made-public-by-hand", "openai/gpt-a"]
    _no_changes(litellm, tmp_path)

    cfg["public_model_hub"] = []
    _sync(litellm, tmp_path, cfg, "--prune")
    assert _hub(litellm) == ["made-public-by-hand"]  # another writer's entry stays


def test_export_round_trips_guardrails_and_the_public_hub(litellm: Harness, tmp_path: Path) -> None:
    _hand_made_guardrail(litellm, "exported", api_key="sk-hand-made-guardrail-key-0000",
                         skip_system_message_in_guardrail=True)
    with litellm.client() as c:
        c.post("/model_group/make_public", json={"model_groups": ["config-file-model"]}).raise_for_status()
    out = tmp_path / "exported"
    proc = llmproxy(litellm, ["export", "-o", str(out)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    config = json.loads((out / "config.json").read_text())
    params = config["guardrails"]["exported"]["litellm_params"]
    assert params == {**BLOCK, "skip_system_message_in_guardrail": True,
                      "api_key": "${GUARDRAIL_EXPORTED_API_KEY}"}  # no server default, no secret
    assert config["public_model_hub"] == ["config-file-model"]
    assert "sk-hand-made-guardrail-key-0000" not in proc.stdout + proc.stderr

    env = {"GUARDRAIL_EXPORTED_API_KEY": "sk-hand-made-guardrail-key-0000"}
    cfg = ["--config", str(out / "config.json")]
    plan = llmproxy(litellm, ["plan", *cfg, "--output", "json"], cwd=tmp_path, env=env)
    assert plan.returncode == 0, plan.stderr
    actions = {(c["kind"], c["action"]) for c in json.loads(plan.stdout)["changes"]}
    # Only adoptions (the reset router settings are exported too).
    assert {("guardrails", "adopt"), ("public_model_hub", "adopt")} <= actions
    assert {action for _, action in actions} == {"adopt"}
    assert llmproxy(litellm, ["sync", *cfg, "--yes"], cwd=tmp_path, env=env).returncode == 0
    assert llmproxy(litellm, ["plan", *cfg, "--detailed-exitcode"], cwd=tmp_path, env=env).returncode == 0
    g = _guardrails(litellm)["exported"]
    assert g["guardrail_info"]["llmproxy"]["owner"] == "llmproxy"
    assert g["litellm_params"]["skip_system_message_in_guardrail"] is True
    assert _hub(litellm) == ["config-file-model"]


def test_adoption_keeps_other_tools_metadata_and_sets_audit_fields(litellm: Harness, tmp_path: Path) -> None:
    """The successor of the seed scripts marks credentials with a keyed fingerprint in
    credential_info and its own fields in model_info: adopting them keeps both."""
    with litellm.client() as c:
        c.post("/credentials", json={"credential_name": "upstream-openai", "credential_values": {
            "api_key": PROVIDER_KEY, "api_base": "http://127.0.0.1:9/v1"}, "credential_info": {
            "custom_llm_provider": "OpenAI_Compatible", SUCCESSOR_FP: "f" * 64}}).raise_for_status()
        c.post("/model/new", json={"model_name": "openai/gpt-a", "litellm_params": {
            "model": "openai/gpt-a", "litellm_credential_name": "upstream-openai",
            "mock_response": "reply from gpt-a"}, "model_info": {
            "access_groups": ["General"], "base_model": "gpt-a", "other_tool": {"rev": 7},
            "created_at": "2025-01-01T00:00:00.000Z", "created_by": "successor"}}).raise_for_status()
        # Adopted with a replace: llmproxy's config does not have its extra litellm_params.
        c.post("/model/new", json={"model_name": "openai/gpt-b", "litellm_params": {
            "model": "openai/gpt-b", "litellm_credential_name": "upstream-openai",
            "mock_response": "reply from gpt-b", "rpm": 100, "tpm": 5}, "model_info": {
            "access_groups": ["General"], "base_model": "gpt-b", "other_tool": {"rev": 8},
            "created_at": "2025-02-02T00:00:00.000Z", "created_by": "successor"}}).raise_for_status()
    body = _sync(litellm, tmp_path, base_config(), "--prune")
    actions = {(o["kind"], o["key"]): o["action"] for o in body["applied"]["outcomes"]}
    assert actions[("credentials", "upstream-openai")] == "adopt"
    assert actions[("models", "openai/gpt-b (openai/gpt-b via upstream-openai)")] == "replace"

    with litellm.client() as c:
        creds = {x["credential_name"]: x for x in c.get("/credentials").json()["credentials"]}
    info = creds["upstream-openai"]["credential_info"]
    assert info[SUCCESSOR_FP] == "f" * 64 and info["llmproxy"]["owner"] == "llmproxy"
    models = {m["model_name"]: m for m in live_models(litellm) if m["model_info"].get("db_model")}
    for name, rev, created in (("openai/gpt-a", 7, "2025-01-01T00:00:00.000Z"),
                               ("openai/gpt-b", 8, "2025-02-02T00:00:00.000Z")):
        mi = models[name]["model_info"]
        assert mi["other_tool"] == {"rev": rev}, name
        # LiteLLM parses the timestamps (it answers "+00:00" for the seed scripts' "Z").
        assert (_when(mi["created_at"]), mi["created_by"]) == (_when(created), "successor"), name
        assert mi["updated_by"].startswith("llmproxy:") and _when(mi["updated_at"]) > _when(created), name
    new = models["anthropic/claude-c"]["model_info"]  # created by this sync
    assert new["created_at"] == new["updated_at"] and new["created_by"] == new["updated_by"]
    _no_changes(litellm, tmp_path)  # the audit fields are never a diff


# -- what clients see (the official SDK through the gateway, in front of the stand-in upstream) --


def test_a_synced_guardrail_is_applied_to_client_requests(dataplane: DataPlane) -> None:
    cfg = config({"up": provider(dataplane.upstream, {"m1": {}})})
    cfg["guardrails"] = {
        "on-request": {"litellm_params": BLOCK},
        "always": {"litellm_params": {**BLOCK, "default_on": True,
                                      "blocked_words": [{"keyword": "neverword", "action": "BLOCK"}]}},
    }
    dataplane.sync(cfg)
    client = dataplane.openai()

    def ask(text: str, guardrails: list[str] | None = None) -> str:
        extra = {"guardrails": guardrails} if guardrails is not None else None
        r = client.chat.completions.create(model="openai/m1", messages=[{"role": "user", "content": text}],
                                           max_tokens=5, extra_body=extra)
        return str(r.choices[0].message.content)

    assert ask("hello", ["on-request"]) == "hello from m1 via the"
    with pytest.raises(openai.BadRequestError, match="forbiddenword"):
        ask("say forbiddenword", ["on-request"])
    assert ask("say forbiddenword") == "hello from m1 via the"  # not requested, not default_on
    with pytest.raises(openai.BadRequestError, match="neverword"):
        ask("say neverword")  # default_on: every request
    assert len(dataplane.upstream.calls) == 2  # the blocked requests never reached the upstream

    del cfg["guardrails"]["always"]
    dataplane.sync(cfg, "--prune")
    assert ask("say neverword") == "hello from m1 via the"  # pruned: no longer applied


def test_a_public_model_group_is_listed_in_the_hub_and_answers(dataplane: DataPlane) -> None:
    cfg = config({"up": provider(dataplane.upstream, {"m1": {}, "m2": {}})}, aliases={"fast": "openai/m1"})
    cfg["public_model_hub"] = ["openai/m1", "fast"]
    dataplane.sync(cfg)
    with httpx.Client(base_url=dataplane.gateway.url, timeout=30) as anonymous:  # the hub needs no key
        hub = {g["model_group"]: g for g in anonymous.get("/public/model_hub").raise_for_status().json()}
    assert set(hub) == {"openai/m1", "fast"}  # openai/m2 is not public
    assert hub["openai/m1"]["providers"] == ["openai"] and hub["openai/m1"]["is_public_model_group"] is True
    assert ask_openai(dataplane, "openai/m1") == "hello from m1 via the"


def test_plan_checks_every_declared_base_model_against_the_proxys_cost_map(litellm: Harness,
                                                                            tmp_path: Path) -> None:
    """Parity with the seed scripts' successor (issue 17, item 10): a base_model LiteLLM's own map
    lacks is reported, also for a deployment litellm_params prices."""
    cfg = base_config()
    priced = {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}
    cfg["providers"]["upstream"]["models"] = {
        "gpt-a": {"litellm_params": {**priced, "mock_response": "a"}, "model_info": {"base_model": "gpt-4o"}},
        "gpt-b": {"litellm_params": {**priced, "mock_response": "b"}, "model_info": {"base_model": "gpt-4o-typo"}},
    }
    write_config(tmp_path, cfg)
    proc = llmproxy(litellm, ["plan", "--output", "json"], cwd=tmp_path, env=ENV)
    assert proc.returncode == 0, proc.stderr
    notes = [n for n in json.loads(proc.stdout)["notes"] if n.startswith("unknown base_model:")]
    assert len(notes) == 1 and "openai/gpt-b" in notes[0] and "'gpt-4o-typo'" in notes[0], notes
