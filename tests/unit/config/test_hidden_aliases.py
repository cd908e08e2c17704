"""Alias objects ``{"model": ..., "hidden": bool}`` (LiteLLM's form, accepted by the successor's syntax)."""

from __future__ import annotations

from tests.unit.config.conftest import Workspace, provider

MODELS = {"providers": {"gw": provider(models={"a": {"model_name_prefix": ""}, "b": {"model_name_prefix": ""}})}}


def test_a_hidden_alias_is_pushed_in_litellms_hidden_form_pointing_at_the_final_group(ws: Workspace) -> None:
    config = {**MODELS, "aliases": {"fast": "a", "quiet": {"model": "fast", "hidden": True},
                                    "shown": {"model": "b", "hidden": False}}}
    assert ws.load(config, {}).desired.aliases == {"fast": "a", "quiet": {"model": "a", "hidden": True},
                                                   "shown": "b"}


def test_a_hidden_alias_is_checked_like_any_alias(ws: Workspace) -> None:
    [issue] = ws.issues({**MODELS, "aliases": {"quiet": {"model": "nope", "hidden": True}}}, {})
    assert "aliases.quiet" in issue and "'nope'" in issue


def test_a_hidden_wildcard_alias_is_refused_since_its_pattern_deployments_are_listed(ws: Workspace) -> None:
    [issue] = ws.issues({**MODELS, "aliases": {"a-*": {"model": "a", "hidden": True}}}, {})
    assert ":aliases:" in issue and "'a-*' cannot be hidden" in issue


def test_an_alias_object_needs_model_and_hidden_and_nothing_else(ws: Workspace) -> None:
    assert any("aliases.quiet.hidden" in i for i in ws.issues({**MODELS, "aliases": {"quiet": {"model": "a"}}}, {}))
    assert any("aliases.quiet.extra" in i
               for i in ws.issues({**MODELS, "aliases": {"quiet": {"model": "a", "hidden": True, "extra": 1}}}, {}))


def test_a_models_reference_takes_a_string_target_only(ws: Workspace) -> None:
    issues = ws.issues({**MODELS, "aliases": {"$models:gw/anthropic": {"model": "a", "hidden": True}}}, {})
    assert any("$models:gw/anthropic" in i and "string target" in i for i in issues)


def test_a_hidden_alias_can_be_made_public_like_any_alias(ws: Workspace) -> None:
    config = {**MODELS, "aliases": {"quiet": {"model": "a", "hidden": True}}, "public_model_hub": ["quiet"]}
    assert ws.load(config, {}).desired.public_model_groups == ("quiet",)
