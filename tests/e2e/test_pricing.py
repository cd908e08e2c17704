"""Pricing against the real LiteLLM: what ``plan`` flags as unpriced (from the proxy's own cost
map) is exactly what costs $0 through the gateway, and an explicit price in litellm_params is
what a response costs."""

from __future__ import annotations

import json

import pytest

from tests.e2e.dataplane import DataPlane, config, provider

MESSAGES = [{"role": "user", "content": "one two three"}]


def _cost(dp: DataPlane, model: str) -> float:
    raw = dp.openai().chat.completions.with_raw_response.create(model=model, messages=MESSAGES, max_tokens=4)
    raw.parse()
    return float(raw.headers.get("x-litellm-response-cost") or 0)


def test_plan_flags_exactly_what_litellm_would_cost_at_zero(dataplane: DataPlane) -> None:
    up = dataplane.upstream
    gemini_on_anthropic = provider(up, {
        "gem": {"model_info": {"base_model": "gemini/gemini-2.5-flash"}},
        "gem-priced": {"model_info": {"base_model": "gemini/gemini-2.5-flash"},
                       "litellm_params": {"input_cost_per_token": 0.000001, "output_cost_per_token": 0.000002}},
    }, interfaces=("anthropic",))
    gemini_on_anthropic["interfaces"] = {"anthropic": {"model_name_prefix": "g/"}}
    cfg = config({
        # anthropic + a name the map prices for anthropic: priced
        "a": provider(up, {"claude-sonnet-4-5": None}, interfaces=("anthropic",)),
        # openai + an anthropic name: LiteLLM only accepts openai entries -> $0
        "o": provider(up, {"claude-sonnet-4-5": None}, interfaces=("openai",)),
        # anthropic + a gemini base_model -> $0, unless priced in litellm_params
        "g": gemini_on_anthropic,
    })
    dataplane.write(cfg)
    plan = dataplane.llmproxy(["plan", "--output", "json"])
    assert plan.returncode == 0, plan.stderr
    notes = "\n".join(n for n in json.loads(plan.stdout)["notes"] if n.startswith("unpriced:"))
    assert "openai/claude-sonnet-4-5" in notes and "g/gem " in notes
    assert "anthropic/claude-sonnet-4-5" not in notes and "g/gem-priced" not in notes

    validate = dataplane.llmproxy(["validate"])
    assert validate.returncode == 0 and "g/gem " in validate.stderr  # the mismatch needs no map
    assert "openai/claude-sonnet-4-5" not in validate.stderr  # this one needs the map: plan only

    dataplane.sync(cfg)
    assert _cost(dataplane, "anthropic/claude-sonnet-4-5") > 0
    assert _cost(dataplane, "openai/claude-sonnet-4-5") == 0
    assert _cost(dataplane, "g/gem") == 0
    assert _cost(dataplane, "g/gem-priced") == pytest.approx(3 * 0.000001 + 4 * 0.000002)
