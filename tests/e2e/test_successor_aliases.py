"""The successor scripts' model_aliases clones, $models: aliases and $interface/ fallbacks, loaded
from two config layers, answer through the official SDKs on a real LiteLLM in front of the
stand-in upstream; a second sync changes nothing."""

from __future__ import annotations

import json

from tests.e2e.dataplane import DataPlane, ask_anthropic, ask_openai, config, provider


def test_clones_and_expanded_aliases_answer_from_their_target_models(dataplane: DataPlane) -> None:
    dp = dataplane
    cfg = config({"up": provider(dp.upstream, {"m-alpha": None, "m-beta": None}, interfaces=("openai", "anthropic"))},
                 include=["team.json"])
    # A committed layer in the successor's syntax, merged after config.json.
    (dp.workdir / "team.json").write_text(json.dumps({
        "model_aliases": {
            "$interface/secondary": {"$interface/m-alpha": {"model_info": {"tier": "free"}}},
            "claude-tier-*": {"anthropic/m-beta": {"access_groups": []}},
        },
        "aliases": {"$models:up/openai": ""},
        "fallbacks": [{"$interface/secondary": ["$interface/m-beta"]}],
    }))
    proc = dp.sync(cfg)
    assert "openai/secondary" in proc.stdout + proc.stderr

    assert ask_openai(dp, "openai/secondary") == "hello from m-alpha via the"
    assert ask_anthropic(dp, "anthropic/secondary", stream=True) == "hello from m-alpha via the"
    assert ask_openai(dp, "claude-tier-4-7") == "hello from m-beta via the"  # the wildcard clone
    assert ask_openai(dp, "m-alpha", stream=True) == "hello from m-alpha via the"  # $models:up/openai
    served = {m.id for m in dp.openai().models.list()}
    assert {"openai/secondary", "anthropic/secondary", "m-alpha", "m-beta"} <= served
    calls = [(c.api, c.model) for c in dp.upstream.calls if c.method == "POST"]
    assert calls == [("openai", "m-alpha"), ("anthropic", "m-alpha"), ("anthropic", "m-beta"), ("openai", "m-alpha")]

    again = dp.llmproxy(["plan", "--detailed-exitcode"])
    assert again.returncode == 0, again.stdout + again.stderr
    assert "No changes." in again.stdout
