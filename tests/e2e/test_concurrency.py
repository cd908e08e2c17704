"""Safe when llmproxy is not alone: lost ledger writes, concurrent writers, interrupted replaces,
against the real LiteLLM (with the fault-injecting proxy where a fault is needed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.cli import live_models, llmproxy, sync_json, write_config
from tests.e2e.configs import ENV, base_config, variant
from tests.e2e.dataplane import start_gateway
from tests.e2e.harness import Harness, stop_proxy
from tests.faultproxy import Fault, FaultProxy
from tests.harness.processes import free_port


def router_values(h: Harness) -> dict[str, Any]:
    with h.client() as c:
        values: dict[str, Any] = c.get("/router/settings").raise_for_status().json()["current_values"]
        return values


def set_aliases_by_hand(h: Harness, aliases: dict[str, Any]) -> None:
    with h.client() as c:
        c.post("/config/update", json={"router_settings": {"model_group_alias": aliases}}).raise_for_status()


def ledger_of(h: Harness, owner: str) -> dict[str, Any]:
    with h.client() as c:
        body = c.get(f"/credentials/by_name/llmproxy-state.{owner}").raise_for_status().json()
        state: dict[str, Any] = body["credential_info"]["llmproxy_state"]
        return state


def test_lost_ledger_write_is_repaired_and_prune_spares_a_hand_made_alias_under_the_stale_name(
        litellm: Harness, tmp_path: Path) -> None:
    cfg = base_config()
    cfg["aliases"]["extra"] = "openai/gpt-a"
    write_config(tmp_path, cfg)
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    assert "extra" in ledger_of(litellm, "llmproxy")["aliases"]

    smaller = variant(cfg)
    del smaller["aliases"]["extra"]
    write_config(tmp_path, smaller)
    with FaultProxy(litellm.url, always_fail={r"^PATCH /credentials/llmproxy-state": Fault.ERROR_500}) as fp:
        rc, body, err = sync_json(litellm, ["--prune", "--yes"], tmp_path, env=ENV, url=fp.url)
        assert fp.injected[Fault.ERROR_500] > 0
    assert rc == 1 and "could not record managed router entries" in err + str(body)
    assert "extra" not in router_values(litellm)["model_group_alias"]
    assert "extra" in ledger_of(litellm, "llmproxy")["aliases"]  # the stale claim

    # the retry is not "nothing to do": it repairs the ledger
    plan = llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path, env=ENV)
    assert plan.returncode == 2 and "ledger repair" in plan.stdout, plan.stdout + plan.stderr
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    assert "extra" not in ledger_of(litellm, "llmproxy")["aliases"]

    # a hand-made alias under the stale name survives a prune
    aliases = router_values(litellm)["model_group_alias"]
    set_aliases_by_hand(litellm, {**aliases, "extra": "openai/gpt-b"})
    rc, _, err = sync_json(litellm, ["--prune", "--yes"], tmp_path, env=ENV)
    assert rc == 0, err
    assert router_values(litellm)["model_group_alias"]["extra"] == "openai/gpt-b"
    assert llmproxy(litellm, ["plan", "--detailed-exitcode", "--prune"], cwd=tmp_path, env=ENV).returncode == 0


def _start_sync(h: Harness, cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LITELLM_", "LLMPROXY_"))}
    env.update({"LITELLM_BASE_URL": h.url, "LITELLM_API_KEY": h.master_key, "CI": "true", "NO_COLOR": "1",
                **ENV})
    return subprocess.Popen([sys.executable, "-m", "llmproxy", "sync", "--yes"], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)


def test_two_owners_syncing_at_once_never_lose_each_others_entries(litellm: Harness, tmp_path: Path) -> None:
    a_cfg = base_config()
    b_cfg = base_config("team-b")
    del b_cfg["router_settings"], b_cfg["fallbacks"]  # shared keys would be a plan conflict
    b_cfg["providers"] = {f"b-{name}": p for name, p in b_cfg["providers"].items()}  # credential names
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    for rnd in range(5):
        a_cfg["aliases"].update({f"a{rnd}-{i}": "openai/gpt-a" for i in range(3)})
        b_cfg["aliases"] = {f"b{r}-{i}": "openai/gpt-b" for r in range(rnd + 1) for i in range(3)}
        write_config(a_dir, a_cfg)
        write_config(b_dir, b_cfg)
        procs = [_start_sync(litellm, a_dir), _start_sync(litellm, b_dir)]
        results = [(p.wait(timeout=240), *p.communicate()) for p in procs]
        for rc, out, err in results:
            assert "Traceback" not in err
            # each either applied, or refused clearly because the other held the lease
            assert rc == 0 or "the lease is held by owner" in err, (rc, out, err)
        aliases = router_values(litellm)["model_group_alias"]
        missing = [k for k in (*a_cfg["aliases"], *b_cfg["aliases"])
                   if "*" not in k and k not in aliases]  # a wildcard alias is a pattern deployment
        refused = [rc for rc, _, _ in results if rc != 0]
        assert not missing or refused, f"round {rnd}: lost {missing}"
    assert llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=a_dir, env=ENV).returncode == 0
    assert llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=b_dir, env=ENV).returncode == 0


def test_an_interrupted_replace_is_finished_by_the_next_sync(litellm: Harness, tmp_path: Path) -> None:
    cfg = base_config()
    write_config(tmp_path, cfg)
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    without_rpm = variant(cfg)
    del without_rpm["providers"]["upstream"]["models"]["gpt-b"]["litellm_params"]["rpm"]  # a replace
    write_config(tmp_path, without_rpm)
    with FaultProxy(litellm.url, always_fail={r"^POST /model/delete$": Fault.ERROR_500}) as fp:
        rc, _, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV, url=fp.url)
        assert fp.injected[Fault.ERROR_500] > 0
    assert rc == 1, err
    assert len(deployments_of(litellm, "openai/gpt-b")) == 2  # the run stopped between create and delete

    plan = llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path, env=ENV)
    assert plan.returncode == 2 and "interrupted replace" in plan.stdout, plan.stdout + plan.stderr
    rc, _, err = sync_json(litellm, ["--yes"], tmp_path, env=ENV)  # no --prune
    assert rc == 0, err
    left = deployments_of(litellm, "openai/gpt-b")
    assert len(left) == 1 and "rpm" not in left[0]["litellm_params"]
    assert llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path, env=ENV).returncode == 0


def deployments_of(h: Harness, model_name: str) -> list[dict[str, Any]]:
    return [m for m in live_models(h) if m["model_name"] == model_name and m["model_info"].get("db_model")]


CONFIG_FILE_ROUTER = """\
model_list:
  - model_name: openai/cfg-model
    litellm_params:
      model: openai/cfg-model
      api_key: sk-config-file-not-a-real-key
      mock_response: "hello from the config file"
    model_info:
      id: cfg-model-1
router_settings:
  model_group_alias:
    cfg-alias: openai/cfg-model
  num_retries: 3
"""


def test_config_file_router_entries_are_read_only_and_plan_converges(litellm: Harness, tmp_path: Path) -> None:
    config = tmp_path / "litellm.yaml"
    config.write_text(CONFIG_FILE_ROUTER)
    proxy, proc = start_gateway(litellm, free_port(), config=config)
    try:
        cfg = base_config()
        cfg["providers"]["cfgfile"] = {"api_base": "http://127.0.0.1:9", "api_key": "${E2E_PROVIDER_KEY}",
                                       "interfaces": {"openai": {}},
                                       "models": {"cfg-model": {"litellm_params": {}}}}
        del cfg["aliases"], cfg["fallbacks"]  # model_group_alias belongs to the config file
        cfg["router_settings"] = {"num_retries": 3}  # identical to the config file's
        work = tmp_path / "work"
        write_config(work, cfg)
        rc, body, err = sync_json(proxy, ["--yes"], work, env=ENV)
        assert rc == 0, err
        assert "HTTP 400" not in err + json.dumps(body)
        assert llmproxy(proxy, ["plan", "--detailed-exitcode", "--prune"], cwd=work, env=ENV).returncode == 0
        # the config-file model is reported, not duplicated; the config-file alias untouched
        notes = " ".join(body["plan"]["notes"])
        assert "already defined in LiteLLM's own config file" in notes and "num_retries" in notes
        with proxy.client() as c:
            models = c.get("/v2/model/info", params={"size": 500}).raise_for_status().json()["data"]
        assert [m["model_info"]["id"] for m in models if m["model_name"] == "openai/cfg-model"] == ["cfg-model-1"]
        assert router_values(proxy)["model_group_alias"] == {"cfg-alias": "openai/cfg-model"}
        # a desired alias colliding with the config file's alias map: refused at plan time, no 400
        cfg["aliases"] = {"fast": "openai/gpt-a"}
        write_config(work, cfg)
        plan = llmproxy(proxy, ["plan"], cwd=work, env=ENV)
        assert plan.returncode == 1 and "collides with LiteLLM's config file" in plan.stdout, plan.stdout
        rc, _, err = sync_json(proxy, ["--yes"], work, env=ENV)
        assert rc == 1 and "HTTP 400" not in err and "collides with LiteLLM's config file" in err
    finally:
        stop_proxy(proc)
