"""A gateway as the seed scripts left it (their rendered output, as LiteLLM would return it)
exports to the compact provider form and round-trips to adoptions only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.export.livedata import credential, model, sources, state

SEED = Path(__file__).resolve().parents[2] / "fixtures" / "seeds" / "litellm_scripts-rendered.json"


def test_seed_gateway_round_trip(round_trip) -> None:
    if not SEED.is_file():
        pytest.fail(f"seed fixture missing: {SEED}")
    seed = json.loads(SEED.read_text())
    creds = [credential(c["credential_name"], c["credential_values"]["api_base"],
                        c["credential_info"]["custom_llm_provider"], key=c["credential_values"]["api_key"])
             for c in seed["credentials"]]
    models = [model(m["model_name"], m["litellm_params"]["model"], m["litellm_params"]["litellm_credential_name"],
                    {k: v for k, v in m["litellm_params"].items() if k not in ("model", "litellm_credential_name")},
                    m["model_info"]) for m in seed["models"]]
    live = state(creds, models, aliases=seed["aliases"], fallbacks=seed["fallbacks"], router={"num_retries": 2})
    result, desired, plan = round_trip(live, sources({"num_retries": 2}))

    assert set(result.config["providers"]) == {"antigravity-manager", "antigravity-manager-2"}
    assert "models" not in result.config  # every deployment in provider form
    assert result.counts["compact"] == len(seed["models"])
    assert result.config["aliases"] == seed["aliases"]
    assert {r.source for r in desired.fallbacks} == {s for rule in seed["fallbacks"] for s in rule}
    assert result.config["router_settings"] == {"num_retries": 2}
    assert sum(c.action.value == "adopt" for c in plan.changes) == len(plan.changes) > len(seed["models"])
    # The seed scripts pushed dated names as aliases of aliases, which LiteLLM never resolved.
    chained = {a for a, t in seed["aliases"].items() if t in seed["aliases"]}
    assert chained == {"claude-haiku-4-5-20251001", "claude-opus-4-5-20251101", "claude-sonnet-4-5-20250929"}
    assert len(result.notes) == len(chained) and all("points to the alias" in n for n in result.notes)
    repaired = {c.key: c.fields[0].after for c in plan.changes if c.kind == "aliases" and c.fields}
    assert repaired == {a: seed["aliases"][seed["aliases"][a]] for a in chained}
