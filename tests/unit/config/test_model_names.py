"""The successor scripts' naming forms: model_names as a comma-separated string or as
{name: overrides}, model_name_prefix on a model or on one name, and api_base per interface."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.config.conftest import Workspace, provider


def _deployments(ws: Workspace, models: dict[str, Any], **settings: Any) -> list[dict[str, Any]]:
    return ws.load({"providers": {"p": provider(models=models, **settings)}}).desired.to_json(show_secrets=True)[
        "models"]


def _names(ws: Workspace, models: dict[str, Any], **settings: Any) -> list[str]:
    return [d["model_name"] for d in _deployments(ws, models, **settings)]


@pytest.mark.parametrize("names, expected", [
    ("a", ["anthropic/a"]),
    ("a, b", ["anthropic/a", "anthropic/b"]),
    (",a", ["anthropic/m", "anthropic/a"]),
    ("a,,b,", ["anthropic/a", "anthropic/b"]),
    ("", ["anthropic/m"]),
    (" , ", ["anthropic/m"]),
])
def test_a_comma_separated_string_names_one_deployment_per_name(ws: Workspace, names: str,
                                                                 expected: list[str]) -> None:
    assert _names(ws, {"m": {"model_names": names}}) == expected


def test_a_repeated_name_is_a_duplicate_deployment(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(models={"m": {"model_names": "a,a"}})}})
    assert len(issues) == 1 and "duplicate deployment anthropic/a" in issues[0]


def test_the_object_form_merges_each_names_overrides_over_the_model(ws: Workspace) -> None:
    models = {"m": {
        "litellm_params": {"timeout": 60, "extra_headers": {"x-a": "1"}},
        "model_info": {"mode": "chat", "max_tokens": 10},
        "access_groups": ["Model"],
        "model_names": {
            "$self": None,
            "big": {"litellm_params": {"extra_headers": {"x-b": "2"}}, "model_info": {"max_tokens": 99},
                    "access_groups": []},
            "priced": {"model_info": {"base_model": "claude-x"}, "access_groups": ["Vip"]},
        },
    }}
    assert _deployments(ws, models, access_groups=["Provider"]) == [
        {"model_name": "anthropic/m",
         "litellm_params": {"model": "anthropic/m", "litellm_credential_name": "p-anthropic", "timeout": 60,
                            "extra_headers": {"x-a": "1"}},
         "model_info": {"mode": "chat", "max_tokens": 10, "access_groups": ["Model"], "base_model": "m"}},
        {"model_name": "anthropic/big",
         "litellm_params": {"model": "anthropic/m", "litellm_credential_name": "p-anthropic", "timeout": 60,
                            "extra_headers": {"x-a": "1", "x-b": "2"}},
         "model_info": {"mode": "chat", "max_tokens": 99, "base_model": "big"}},
        {"model_name": "anthropic/priced",
         "litellm_params": {"model": "anthropic/m", "litellm_credential_name": "p-anthropic", "timeout": 60,
                            "extra_headers": {"x-a": "1"}},
         "model_info": {"mode": "chat", "max_tokens": 10, "base_model": "claude-x", "access_groups": ["Vip"]}},
    ]


def test_an_empty_object_exposes_the_model_id(ws: Workspace) -> None:
    assert _names(ws, {"m": {"model_names": {}}}) == ["anthropic/m"]


def test_model_name_prefix_of_a_model_wins_over_the_interfaces(ws: Workspace) -> None:
    models = {"m": {"model_name_prefix": "", "model_names": {"$self": {}, "primary": {}}},
              "n": {"model_name_prefix": "gw/", "model_name": "nice"},
              "o": None}
    assert _names(ws, models) == ["m", "primary", "gw/nice", "anthropic/o"]


def test_model_name_prefix_of_one_name_wins_over_the_models(ws: Workspace) -> None:
    models = {"m": {"model_name_prefix": "", "model_names": {
        "$self": {}, "claude-opus-*": {"model_name_prefix": "x/", "access_groups": ["A"]}}}}
    deployments = _deployments(ws, models)
    assert [d["model_name"] for d in deployments] == ["m", "x/claude-opus-*"]
    assert all("model_name_prefix" not in d["model_info"] and "model_name_prefix" not in d["litellm_params"]
               for d in deployments)


def test_default_model_can_set_the_prefix_of_every_model(ws: Workspace) -> None:
    assert _names(ws, {"m": None, "n": {"model_name_prefix": "n/"}},
                  default_model={"model_name_prefix": "gw-"}) == ["gw-m", "n/n"]


@pytest.mark.parametrize("names, message", [
    (5, "expected an array of names, a comma-separated string or an object"),
    ({"a": {"ignored": True}}, "'ignored' is not allowed here: a name of model_names cannot be ignored; drop it "
                               "from model_names"),
    ({"a": {"litellm_params": {"model": "x"}}}, "litellm_params.model is derived from the provider, interface "
                                                "and model id; use the top-level \"models\" list for a literal "
                                                "deployment"),
    ([], "model_names is empty: name at least one, or leave it out"),
])
def test_malformed_model_names_are_one_clear_error(ws: Workspace, names: Any, message: str) -> None:
    issues = ws.issues({"providers": {"p": provider(models={"m": {"model_names": names}})}})
    assert len(issues) == 1 and issues[0].endswith(message), issues


def test_an_interface_api_base_replaces_the_providers_for_its_credential(ws: Workspace) -> None:
    config = {"providers": {"p": provider(interfaces={"openai": {"api_base": "http://other:9/"}, "anthropic": {}},
                                          models={"m": None})}}
    credentials = ws.load(config).desired.to_json(show_secrets=True)["credentials"]
    assert [(c["credential_name"], c["credential_values"]["api_base"]) for c in credentials] == [
        ("p-openai", "http://other:9/v1"), ("p-anthropic", "http://gw:8045")]


def test_an_interface_api_base_is_enough_without_a_providers(ws: Workspace) -> None:
    config = {"providers": {"p": provider(api_base=None, interfaces={"openai": {"api_base": "http://o:1"}},
                                          models={"m": None})}}
    del config["providers"]["p"]["api_base"]
    credentials = ws.load(config).desired.to_json(show_secrets=True)["credentials"]
    assert credentials[0]["credential_values"]["api_base"] == "http://o:1/v1"


def test_delete_in_one_names_overrides_removes_what_it_inherits_from_the_model(ws: Workspace) -> None:
    models = {"m": {"litellm_params": {"timeout": 60, "rpm": 5}, "model_info": {"mode": "chat", "x": 1},
                    "model_names": {"$self": {}, "lean": {"litellm_params": {"$delete": ["rpm"]},
                                                         "model_info": {"$delete": ["x"], "y": 2}}}}}
    full, lean = _deployments(ws, models)
    assert (full["litellm_params"]["rpm"], full["model_info"]["x"]) == (5, 1)
    assert "rpm" not in lean["litellm_params"] and lean["litellm_params"]["timeout"] == 60
    assert lean["model_info"] == {"mode": "chat", "y": 2, "base_model": "lean"}


def test_a_names_overrides_layer_over_the_provider_and_interface_model(ws: Workspace) -> None:
    config = {"providers": {"p": provider(
        models={"m": {"model_info": {"mode": "chat"}, "model_names": {"a": {"model_info": {"tier": "paid"}}}}},
        interfaces={"anthropic": {"models": {"m": {"model_info": {"max_tokens": 7}}}}})}}
    [a] = ws.load(config).desired.to_json(show_secrets=True)["models"]
    assert a["model_info"] == {"mode": "chat", "max_tokens": 7, "tier": "paid", "base_model": "a"}
