"""``is_public_model_hub`` (the successor scripts' flag): which model groups it makes public."""

from __future__ import annotations

from typing import Any

from tests.unit.config.conftest import Workspace, provider


def _public(ws: Workspace, config: dict[str, Any]) -> tuple[str, ...] | None:
    return ws.load(config, {}).desired.public_model_groups


def test_a_provider_flag_makes_every_exposed_name_public_unless_a_model_or_name_says_false(ws: Workspace) -> None:
    gw = provider(is_public_model_hub=True, models={
        "a": None,
        "b": {"is_public_model_hub": False},
        "c": {"model_names": {"$self": {}, "c-hidden": {"is_public_model_hub": False}}},
    })
    assert _public(ws, {"providers": {"gw": gw}}) == ("anthropic/a", "anthropic/c")


def test_a_model_or_name_flag_works_without_a_provider_flag_and_default_model_passes_it_on(ws: Workspace) -> None:
    gw = provider(models={"a": None, "b": {"model_names": {"b1": {"is_public_model_hub": True}, "b2": {}}}})
    assert _public(ws, {"providers": {"gw": gw}}) == ("anthropic/b1",)
    gw = provider(default_model={"is_public_model_hub": True}, models={"a": None, "b": {"is_public_model_hub": False}})
    assert _public(ws, {"providers": {"gw": gw}}) == ("anthropic/a",)


def test_an_interface_flag_sits_between_its_provider_and_its_models(ws: Workspace) -> None:
    gw = provider(is_public_model_hub=True, models={"a": None},
                  interfaces={"anthropic": {"is_public_model_hub": False},
                              "openai": {"models": {"b": {"is_public_model_hub": False}}}})
    assert _public(ws, {"providers": {"gw": gw}}) == ("openai/a",)


def test_extend_inherits_the_flag_and_each_name_is_listed_once_before_the_aliases(ws: Workspace) -> None:
    config = {"providers": {"gw": provider(is_public_model_hub=True, models={"a": {"model_name_prefix": ""}}),
                            "eu": {"$extend": "gw", "api_base": "http://eu:1"}},
              "aliases": {"fast": "a"}, "public_model_hub_aliases_autofill_enabled": True}
    assert _public(ws, config) == ("a", "fast")


def test_the_successors_switches_decide_over_the_flags(ws: Workspace) -> None:
    gw = provider(is_public_model_hub=True, models={"a": None})
    assert _public(ws, {"providers": {"gw": gw}, "public_model_hub_autofill_disabled": True}) is None
    assert _public(ws, {"providers": {"gw": gw}, "public_model_hub": ["other"], "models": [
        {"model_name": "other", "litellm_params": {"model": "openai/x"}}]}) == ("other",)


def test_the_flag_reaches_neither_litellm_params_nor_model_info(ws: Workspace) -> None:
    gw = provider(is_public_model_hub=True, default_model={"is_public_model_hub": True},
                  models={"a": {"model_names": {"x": {"is_public_model_hub": True}}}})
    [deployment] = ws.load({"providers": {"gw": gw}}, {}).desired.deployments or ()
    assert "is_public_model_hub" not in deployment.litellm_params
    assert "is_public_model_hub" not in deployment.model_info


def test_a_flag_on_a_model_aliases_clone_is_refused_with_its_path(ws: Workspace) -> None:
    config = {"providers": {"gw": provider(models={"a": None})},
              "model_aliases": {"clone": {"anthropic/a": {"is_public_model_hub": True}}}}
    [issue] = ws.issues(config, {})
    assert "model_aliases.clone.anthropic/a" in issue and "is_public_model_hub" in issue


def test_a_flag_that_is_not_a_boolean_is_refused_with_its_path(ws: Workspace) -> None:
    [issue] = ws.issues({"providers": {"gw": provider(is_public_model_hub="yes")}}, {})
    assert "providers.gw.is_public_model_hub" in issue
