"""The config sections of guardrails and the public model hub (the seed scripts' form)."""

from __future__ import annotations

from tests.unit.config.conftest import Workspace

PARAMS = {"guardrail": "litellm_content_filter", "mode": "pre_call",
          "blocked_words": [{"keyword": "nope", "action": "BLOCK"}]}


def test_the_config_sections_load_in_the_seed_scripts_form(ws: Workspace) -> None:
    loaded = ws.load({"guardrails": {"g": {"litellm_params": {**PARAMS, "default_on": True},
                                           "guardrail_info": {"description": "d"}}},
                      "public_model_hub": ["a", "b", "a"]},
                     {"guardrails": {"g": {"litellm_params": {"api_key": "sk-local-guardrail-key"}}}})
    [g] = loaded.desired.guardrails or ()
    assert g.name == "g" and g.litellm_params["api_key"] == "sk-local-guardrail-key"
    assert g.info == {"description": "d"}
    assert loaded.desired.public_model_groups == ("a", "b")
    omitted = ws.load({"owner": "x"}, {}).desired
    assert omitted.guardrails is None and omitted.public_model_groups is None


def test_a_guardrail_without_type_or_mode_names_its_path(ws: Workspace) -> None:
    [issue] = ws.issues({"guardrails": {"g": {"litellm_params": {"guardrail": "presidio"}}}})
    assert "guardrails.g.litellm_params.mode" in issue and "config.json" in issue
