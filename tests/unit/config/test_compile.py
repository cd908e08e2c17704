"""Providers -> credentials and deployments; literal models; omitted vs empty; duplicates."""

from __future__ import annotations

from typing import Any

import pytest

from llmproxy.config.compile import join_api_base
from tests.unit.config.conftest import Workspace, provider


def _models(ws: Workspace, config: dict[str, Any], overlay: Any = None) -> list[dict[str, Any]]:
    return ws.load(config, overlay).desired.to_json(show_secrets=True)["models"]


@pytest.mark.parametrize("base, suffix, expected", [
    ("http://x:8045", "/v1", "http://x:8045/v1"),
    ("http://x:8045/", "/v1", "http://x:8045/v1"),
    ("http://x:8045/v1", "/v1", "http://x:8045/v1"),
    ("http://x:8045/v1/", "/v1", "http://x:8045/v1"),
    ("http://x:8045", "/v1beta", "http://x:8045/v1beta"),
    ("http://x:8045/v1beta", "/v1beta", "http://x:8045/v1beta"),
    ("http://x:8045/", "", "http://x:8045"),
    ("http://x:8045/v1", "", "http://x:8045/v1"),
])
def test_api_base_suffix_is_joined_exactly_once(base: str, suffix: str, expected: str) -> None:
    assert join_api_base(base, suffix) == expected


def test_one_credential_per_interface_in_file_order(ws: Workspace) -> None:
    config = {"providers": {"p": provider(api_base="http://gw:8045/v1",
                                          interfaces={"gemini": None, "openai": {}, "anthropic": {}})}}
    assert ws.load(config).desired.to_json(show_secrets=True)["credentials"] == [
        {"credential_name": "p-gemini", "credential_values": {"api_key": "sk-test-key-1234",
                                                              "api_base": "http://gw:8045/v1/v1beta"},
         "credential_info": {"custom_llm_provider": "Google_AI_Studio"}},
        {"credential_name": "p-openai", "credential_values": {"api_key": "sk-test-key-1234",
                                                              "api_base": "http://gw:8045/v1"},
         "credential_info": {"custom_llm_provider": "OpenAI_Compatible"}},
        {"credential_name": "p-anthropic", "credential_values": {"api_key": "sk-test-key-1234",
                                                                 "api_base": "http://gw:8045/v1"},
         "credential_info": {"custom_llm_provider": "Anthropic"}},
    ]


def test_deployment_shape_and_model_name_forms(ws: Workspace) -> None:
    config = {"providers": {"p": provider(models={
        "raw-id": None,
        "named": {"model_name": "exposed"},
        "multi": {"model_names": ["one", "two"], "litellm_params": {"max_tokens": 10}},
    })}}
    assert _models(ws, config) == [
        {"model_name": "anthropic/raw-id",
         "litellm_params": {"model": "anthropic/raw-id", "litellm_credential_name": "p-anthropic"},
         "model_info": {"base_model": "raw-id"}},
        {"model_name": "anthropic/exposed",
         "litellm_params": {"model": "anthropic/named", "litellm_credential_name": "p-anthropic"},
         "model_info": {"base_model": "exposed"}},
        {"model_name": "anthropic/one",
         "litellm_params": {"model": "anthropic/multi", "litellm_credential_name": "p-anthropic", "max_tokens": 10},
         "model_info": {"base_model": "one"}},
        {"model_name": "anthropic/two",
         "litellm_params": {"model": "anthropic/multi", "litellm_credential_name": "p-anthropic", "max_tokens": 10},
         "model_info": {"base_model": "two"}},
    ]


@pytest.mark.parametrize("prefix, expected", [(None, "openai/m"), ("", "m"), ("gw-", "gw-m"), ("x/", "x/m")])
def test_model_name_prefix(ws: Workspace, prefix: str | None, expected: str) -> None:
    iface = {} if prefix is None else {"model_name_prefix": prefix}
    config = {"providers": {"p": provider(interfaces={"openai": iface}, models={"m": None})}}
    assert [m["model_name"] for m in _models(ws, config)] == [expected]


def test_interface_models_add_to_and_override_provider_models(ws: Workspace) -> None:
    config = {"providers": {"p": provider(
        interfaces={"anthropic": {"models": {"b": {"model_name": "bee"}, "own": None, "a": {"ignored": True}}},
                    "openai": {}},
        models={"a": None, "b": {"model_info": {"k": 1}}},
    )}}
    assert [(m["model_name"], m["litellm_params"]["model"], m["model_info"]) for m in _models(ws, config)] == [
        ("anthropic/bee", "anthropic/b", {"k": 1, "base_model": "bee"}),
        ("anthropic/own", "anthropic/own", {"base_model": "own"}),
        ("openai/a", "openai/a", {"base_model": "a"}),
        ("openai/b", "openai/b", {"k": 1, "base_model": "b"}),
    ]


def test_ignored_model_can_be_re_enabled_by_the_local_file(ws: Workspace) -> None:
    config = {"providers": {"p": provider(models={"m": {"ignored": True}, "n": None})}}
    assert [m["model_name"] for m in _models(ws, config)] == ["anthropic/n"]
    assert [m["model_name"] for m in _models(ws, config, {"providers": {"p": {"models": {"m": {"ignored": False}}}}})] \
        == ["anthropic/m", "anthropic/n"]


def test_access_groups_precedence(ws: Workspace) -> None:
    config = {"providers": {
        "p": provider(access_groups=["General"], models={
            "inherits": None,
            "own": {"access_groups": ["Premium"]},
            "opt-out": {"access_groups": []},
            "in-info": {"model_info": {"access_groups": ["Info"]}},
        }),
        "q": provider(models={"none": None}),
        "r": provider(access_groups=[], models={"empty": None}),
    }}
    groups = {m["model_name"]: m["model_info"].get("access_groups") for m in _models(ws, config)}
    assert groups == {"anthropic/inherits": ["General"], "anthropic/own": ["Premium"], "anthropic/opt-out": None,
                      "anthropic/in-info": ["Info"], "anthropic/none": None, "anthropic/empty": None}


def test_base_model_precedence(ws: Workspace) -> None:
    config = {
        "model_name_base_model_map": {"mapped": "vendor/mapped-base", "explicit": "unused"},
        "providers": {"p": provider(models={
            "explicit": {"model_info": {"base_model": "vendor/explicit"}},
            "mapped": {"model_name": "exposed"},
            "plain": {"model_name": "exposed-plain"},
        })},
    }
    assert [m["model_info"]["base_model"] for m in _models(ws, config)] == \
        ["vendor/explicit", "vendor/mapped-base", "exposed-plain"]


def test_default_model_is_merged_under_every_model(ws: Workspace) -> None:
    config = {"providers": {"p": provider(
        default_model={"model_info": {"mode": "chat", "max_input_tokens": 1000}, "litellm_params": {"rpm": 10}},
        models={"a": None, "b": {"model_info": {"max_input_tokens": 5, "$delete": ["mode"]}}},
    )}}
    assert [(m["model_info"], m["litellm_params"].get("rpm")) for m in _models(ws, config)] == [
        ({"mode": "chat", "max_input_tokens": 1000, "base_model": "a"}, 10),
        ({"max_input_tokens": 5, "base_model": "b"}, 10),
    ]


def test_literal_models_pass_through(ws: Workspace) -> None:
    literal = {"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o", "api_key": "os.environ/OPENAI"},
               "model_info": {"base_model": "gpt-4o"}}
    loaded = ws.load({"models": [literal]})
    assert loaded.desired.credentials is None
    assert loaded.desired.to_json()["models"] == [literal]


def test_omitted_sections_are_none_and_empty_sections_are_empty(ws: Workspace) -> None:
    omitted = ws.load({}).desired
    assert (omitted.credentials, omitted.deployments, omitted.aliases, omitted.fallbacks,
            omitted.router_settings) == (None, None, None, None, None)
    empty = ws.load({"providers": {}, "aliases": {}, "fallbacks": [], "router_settings": {}}).desired
    assert (empty.credentials, empty.deployments, dict(empty.aliases), empty.fallbacks,
            dict(empty.router_settings)) == ((), (), {}, (), {})


def test_provider_without_interfaces_needs_no_key(ws: Workspace) -> None:
    loaded = ws.load({"providers": {"template": {"models": {"m": None}}}})
    assert loaded.desired.credentials == () and loaded.desired.deployments == ()


def test_provider_with_interfaces_but_no_api_key_is_an_error(ws: Workspace) -> None:
    config = {"providers": {"p": provider(api_key=None), "q": {"api_base": "http://q", "interfaces": {"openai": {}}}}}
    assert ws.issues(config) == [
        f"{ws.root / 'config.json'}:providers.{name}.api_key: provider '{name}' has interfaces but no api_key; "
        'set it in the local file, e.g. "api_key": "${VAR}" or "os.environ/VAR"'
        for name in ("p", "q")
    ]


def test_provider_with_interfaces_but_no_api_base_is_an_error(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(api_base=None)}})
    assert "providers.p.api_base: provider 'p' has interfaces but no api_base" in issues[0]


def test_proxy_side_api_base_cannot_take_a_suffix(ws: Workspace) -> None:
    desired = ws.load({"providers": {"p": provider(api_base="os.environ/BASE", models={"m": None})}}).desired
    assert "api_base" not in desired.credentials[0].values
    assert desired.deployments[0].litellm_params["api_base"] == "os.environ/BASE"
    issues = ws.issues({"providers": {"p": provider(api_base="os.environ/BASE", interfaces={"openai": {}})}})
    assert "cannot append /v1 for the openai interface to a proxy-side reference" in issues[0]


def test_duplicate_deployment_is_an_error(ws: Workspace) -> None:
    config = {"providers": {"p": provider(models={"m": {"model_names": ["x", "x"]}, "n": None})},
              "models": [{"model_name": "anthropic/n",
                          "litellm_params": {"model": "anthropic/n", "litellm_credential_name": "p-anthropic"}}]}
    issues = ws.issues(config)
    file = ws.root / "config.json"
    assert issues == [
        f"{file}:providers.p.models.m: duplicate deployment anthropic/x (anthropic/m via p-anthropic) "
        "(first defined at providers.p.models.m)",
        f"{file}:models[0]: duplicate deployment anthropic/n (anthropic/n via p-anthropic) "
        "(first defined at providers.p.models.n)",
    ]


def test_same_model_name_on_two_credentials_is_load_balancing(ws: Workspace) -> None:
    config = {"providers": {"a": provider(models={"m": None}), "b": {"$extend": "a", "api_base": "http://b"}}}
    deployments = ws.load(config).desired.deployments
    assert [(d.model_name, d.credential) for d in deployments] == [("anthropic/m", "a-anthropic"),
                                                                   ("anthropic/m", "b-anthropic")]


def test_models_api_base_without_discovery_is_refused_not_ignored(ws: Workspace) -> None:
    assert ws.issues({"providers": {"p": provider(models={"m": None}, models_api_base="http://gw:9")}}) == [
        f"{ws.root / 'config.json'}:providers.p.models_api_base: models_api_base is only read by model "
        'discovery, which is off: add "discover": true to deploy the models the upstream lists (llmproxy '
        "discovers only when asked; the successor scripts did by default), or remove models_api_base"]


def test_models_api_base_with_discovery_off_on_purpose_is_accepted(ws: Workspace) -> None:
    plain = ws.load({"providers": {"p": provider(models={"m": None})}}).desired.to_json(show_secrets=True)
    for off in ({"discover": False}, {"models_autofill_disabled": True}):
        with_it = ws.load({"providers": {"p": provider(models={"m": None}, models_api_base="http://gw:9", **off)}})
        assert with_it.desired.to_json(show_secrets=True) == plain


def test_proxy_side_key_goes_on_every_deployment_and_the_credential_keeps_the_rest(ws: Workspace) -> None:
    """LiteLLM resolves os.environ/ in a deployment's litellm_params (proxy_server
    _resolve_db_litellm_param) but copies a stored credential's values as they are."""
    config = {"providers": {"p": provider(api_key="os.environ/P_KEY", interfaces={"openai": {}, "anthropic": {}},
                                          models={"m": None, "n": {"litellm_params": {"rpm": 5}}})}}
    desired = ws.load(config).desired
    assert [dict(c.values) for c in desired.credentials] == [{"api_base": "http://gw:8045/v1"},
                                                              {"api_base": "http://gw:8045"}]
    assert {d.litellm_params["api_key"] for d in desired.deployments} == {"os.environ/P_KEY"}
    assert len(desired.deployments) == 4


def test_resolved_key_stays_in_the_credential(ws: Workspace) -> None:
    desired = ws.load({"providers": {"p": provider(models={"m": None})}}).desired
    assert desired.credentials[0].values["api_key"] == "sk-test-key-1234"
    assert "api_key" not in desired.deployments[0].litellm_params


def test_a_models_own_api_key_wins_over_the_providers_reference(ws: Workspace) -> None:
    config = {"providers": {"p": provider(api_key="os.environ/P_KEY",
                                          models={"m": {"litellm_params": {"api_key": "os.environ/M_KEY"}}})}}
    assert ws.load(config).desired.deployments[0].litellm_params["api_key"] == "os.environ/M_KEY"
