"""Aliases through the real gateway: chains and wildcard names reach the target group; fallback
rules are looked up by the exact requested name, so a wildcard key never fires (and is refused)."""

from __future__ import annotations

import openai
import pytest

from tests.e2e.dataplane import DataPlane, ask_anthropic, ask_openai, config, provider

PRICED = {"litellm_params": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}}


def _config(dp: DataPlane) -> dict[str, object]:
    return config({"up": provider(dp.upstream, {"opus": PRICED, "backup": PRICED})},
                  aliases={"opus-*": "opus-latest", "opus-latest": "openai/opus", "fast": "opus-latest"},
                  fallbacks=[{"opus-4-7": ["openai/backup"]}, {"fast": ["openai/backup"]}])


def test_chains_and_wildcards_reach_the_target(dataplane: DataPlane) -> None:
    dataplane.sync(_config(dataplane))
    for name in ("opus-latest", "fast", "opus-4-7", "opus-4-5-20251101"):
        assert ask_openai(dataplane, name) == "hello from opus via the", name
        assert ask_anthropic(dataplane, name, stream=True) == "hello from opus via the", name
    assert {c.model for c in dataplane.upstream.calls} == {"opus"}


def test_fallbacks_fire_for_the_exact_name_requested(dataplane: DataPlane) -> None:
    dataplane.sync(_config(dataplane))
    dataplane.upstream.fail("opus", 500)
    assert ask_openai(dataplane, "fast") == "hello from backup via the"  # keyed by the alias
    assert ask_anthropic(dataplane, "opus-4-7") == "hello from backup via the"  # a name opus-* serves
    with pytest.raises(openai.InternalServerError) as info:  # another name opus-* serves: no rule
        ask_openai(dataplane, "opus-4-8")
    assert "no fallback model group was found" in str(info.value)


def test_a_fallback_keyed_by_a_wildcard_is_refused(dataplane: DataPlane) -> None:
    """What LiteLLM does with it (the rule never fires) is why validate refuses it."""
    cfg = _config(dataplane)
    cfg["fallbacks"] = [{"opus-*": ["openai/backup"]}]
    dataplane.write(cfg)
    proc = dataplane.llmproxy(["validate"])
    assert proc.returncode == 1 and "fallback source 'opus-*' is a wildcard" in proc.stderr
