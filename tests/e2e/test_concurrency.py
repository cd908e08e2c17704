"""Safe when llmproxy is not alone: lost ledger writes, concurrent writers, interrupted replaces,
against the real LiteLLM (with the fault-injecting proxy where a fault is needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.cli import llmproxy, sync_json, write_config
from tests.e2e.configs import ENV, base_config, variant
from tests.e2e.harness import Harness
from tests.faultproxy import Fault, FaultProxy


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
    write_config(tmp_path, cfg)
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    assert "team-*" in ledger_of(litellm, "llmproxy")["aliases"]

    smaller = variant(cfg)
    del smaller["aliases"]["team-*"]
    write_config(tmp_path, smaller)
    with FaultProxy(litellm.url, always_fail={r"^PATCH /credentials/llmproxy-state": Fault.ERROR_500}) as fp:
        rc, body, err = sync_json(litellm, ["--prune", "--yes"], tmp_path, env=ENV, url=fp.url)
        assert fp.injected[Fault.ERROR_500] > 0
    assert rc == 1 and "could not record managed router entries" in err + str(body)
    assert "team-*" not in router_values(litellm)["model_group_alias"]
    assert "team-*" in ledger_of(litellm, "llmproxy")["aliases"]  # the stale claim

    # the retry is not "nothing to do": it repairs the ledger
    plan = llmproxy(litellm, ["plan", "--detailed-exitcode"], cwd=tmp_path, env=ENV)
    assert plan.returncode == 2 and "ledger repair" in plan.stdout, plan.stdout + plan.stderr
    assert sync_json(litellm, ["--yes"], tmp_path, env=ENV)[0] == 0
    assert "team-*" not in ledger_of(litellm, "llmproxy")["aliases"]

    # a hand-made alias under the stale name survives a prune
    aliases = router_values(litellm)["model_group_alias"]
    set_aliases_by_hand(litellm, {**aliases, "team-*": "openai/gpt-b"})
    rc, _, err = sync_json(litellm, ["--prune", "--yes"], tmp_path, env=ENV)
    assert rc == 0, err
    assert router_values(litellm)["model_group_alias"]["team-*"] == "openai/gpt-b"
    assert llmproxy(litellm, ["plan", "--detailed-exitcode", "--prune"], cwd=tmp_path, env=ENV).returncode == 0
