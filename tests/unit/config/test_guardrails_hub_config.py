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


def test_the_successors_alias_switch_makes_aliases_public_unless_a_list_is_given(ws: Workspace) -> None:
    models = {"models": [{"model_name": "m1", "litellm_params": {"model": "openai/m1"}}],
              "aliases": {"fast": "m1", "quick": "m1"}}
    switched = {**models, "public_model_hub_aliases_autofill_enabled": True}
    assert ws.load(switched, {}).desired.public_model_groups == ("fast", "quick")
    assert ws.load({**switched, "public_model_hub": ["m1"]}, {}).desired.public_model_groups == ("m1",)
    assert ws.load(models, {}).desired.public_model_groups is None  # opt-in, as in the successor
    assert ws.load({**models, "public_model_hub_autofill_disabled": True}, {}).desired.public_model_groups is None


def test_the_readme_guardrails_example_loads(ws: Workspace) -> None:
    import json
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text()
    section = readme.split("### Guardrails and the public model hub", 1)[1].split("\n### ", 1)[0]
    example = json.loads(section.split("```json\n")[1].split("```", 1)[0])
    desired = ws.load(example, {}).desired
    assert [g.name for g in desired.guardrails or ()] == ["no-secrets-out"]
    assert desired.public_model_groups == ("anthropic/claude-opus-4-6", "claude-opus-4-6")
