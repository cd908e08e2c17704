"""The successor scripts' model_aliases (clones of provider models) and $models: alias keys."""

from __future__ import annotations

import json
from typing import Any

from tests.unit.config.conftest import REPO, Workspace, provider


def _by_name(ws: Workspace, config: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for model in ws.load(config).desired.to_json(show_secrets=True)["models"]:
        out.setdefault(model["model_name"], []).append(model)
    return out


def _svc(**overrides: Any) -> dict[str, Any]:
    return provider(**{"interfaces": {"anthropic": {}, "openai": {}}, **overrides})


def test_a_clone_is_the_target_deployment_under_the_group_name_with_its_overrides(ws: Workspace) -> None:
    config = {
        "providers": {"svc": _svc(
            access_groups=["General"],
            default_model={"model_info": {"max_input_tokens": 272000}, "litellm_params": {"timeout": 600}},
            models={"gpt-5.5": {"model_name": "gpt", "model_info": {"mode": "chat"}}})},
        "model_aliases": {"primary": {"openai/gpt-5.5": {
            "litellm_params": {"max_tokens": 100}, "model_info": {"supports_vision": True}}}},
    }
    assert _by_name(ws, config)["primary"] == [{
        "model_name": "primary",
        "litellm_params": {"model": "openai/gpt-5.5", "litellm_credential_name": "svc-openai",
                           "timeout": 600, "max_tokens": 100},
        # base_model defaults to the upstream id for a clone (its name is no model LiteLLM knows).
        "model_info": {"max_input_tokens": 272000, "mode": "chat", "supports_vision": True,
                       "access_groups": ["General"], "base_model": "gpt-5.5"},
    }]


def test_clone_access_groups_override_and_base_model_map(ws: Workspace) -> None:
    config = {
        "providers": {"svc": _svc(access_groups=["General"], models={"m": {"access_groups": ["Team"]}})},
        "model_name_base_model_map": {"m": "openrouter/example/m"},
        "model_aliases": {"vip": {"anthropic/m": {"access_groups": ["VIP"]}},
                          "same": {"anthropic/m": None}},
    }
    models = _by_name(ws, config)
    assert models["vip"][0]["model_info"] == {"access_groups": ["VIP"], "base_model": "openrouter/example/m"}
    assert models["same"][0]["model_info"] == {"access_groups": ["Team"], "base_model": "openrouter/example/m"}


def test_wildcard_clones_from_several_providers_are_pattern_deployments(ws: Workspace) -> None:
    config = {
        "providers": {
            "cli": provider(models={"gpt-5.5": None}),
            "example": provider(interfaces={"anthropic": {"models": {"example-model-pro": None}}}),
        },
        "model_aliases": {"claude-opus-*": {"anthropic/gpt-5.5": {"access_groups": []},
                                            "anthropic/example-model-pro": {"access_groups": []}}},
    }
    clones = _by_name(ws, config)["claude-opus-*"]
    assert [(c["litellm_params"]["model"], c["litellm_params"]["litellm_credential_name"]) for c in clones] == [
        ("anthropic/gpt-5.5", "cli-anthropic"), ("anthropic/example-model-pro", "example-anthropic")]
    assert [c["model_info"] for c in clones] == [{"base_model": "gpt-5.5"}, {"base_model": "example-model-pro"}]


def test_extends_inherits_targets_recursively_and_own_targets_win(ws: Workspace) -> None:
    config = {
        "providers": {"svc": _svc(models={"a": None, "b": None, "c": None})},
        "model_aliases": {
            "base": {"anthropic/a": {"model_info": {"tier": "free"}}},
            "mid": {"$extends": "base", "anthropic/b": None},
            "top": {"$extends": ["mid"], "anthropic/c": None, "anthropic/a": {"model_info": {"tier": "paid"}}},
        },
    }
    models = _by_name(ws, config)
    assert [m["litellm_params"]["model"] for m in models["top"]] == ["anthropic/a", "anthropic/b", "anthropic/c"]
    assert models["top"][0]["model_info"]["tier"] == "paid"
    assert [m["litellm_params"]["model"] for m in models["mid"]] == ["anthropic/a", "anthropic/b"]


def test_interface_keys_expand_per_interface_of_the_config(ws: Workspace) -> None:
    config = {
        "providers": {"svc": _svc(models={"qwen3.6-plus": None, "example-model-pro": None})},
        "model_aliases": {
            "$interface/primary": {"$interface/qwen3.6-plus": {"access_groups": ["General"]}},
            "$interface/secondary": {"$extends": "$interface/primary", "$interface/example-model-pro": None},
            "anthropic/tertiary": {"$interface/example-model-pro": None},
        },
    }
    models = _by_name(ws, config)
    for iface in ("anthropic", "openai"):
        assert [m["litellm_params"]["model"] for m in models[f"{iface}/secondary"]] == \
            [f"{iface}/qwen3.6-plus", f"{iface}/example-model-pro"]
        assert models[f"{iface}/primary"][0]["model_info"]["access_groups"] == ["General"]
    assert [m["litellm_params"]["model"] for m in models["anthropic/tertiary"]] == ["anthropic/example-model-pro"]


def test_a_clone_carries_the_providers_proxy_side_key(ws: Workspace) -> None:
    config = {"providers": {"svc": provider(api_key="os.environ/SVC_KEY", models={"m": None})},
              "model_aliases": {"x": {"anthropic/m": None}}}
    assert _by_name(ws, config)["x"][0]["litellm_params"]["api_key"] == "os.environ/SVC_KEY"


def test_clones_can_be_alias_and_fallback_targets(ws: Workspace) -> None:
    config = {"providers": {"svc": provider(models={"m": None, "n": None})},
              "model_aliases": {"primary": {"anthropic/m": None}},
              "aliases": {"best": "primary"}, "fallbacks": [{"primary": ["anthropic/n"]}]}
    desired = ws.load(config).desired
    assert desired.aliases == {"best": "primary"}


def test_ambiguous_and_unsafe_clones_are_refused(ws: Workspace) -> None:
    config = {
        "providers": {"a": provider(models={"m": None}, access_groups=["General"]),
                      "b": {"$extend": "a", "api_base": "http://other:8045"}},
        "model_aliases": {
            "twice": {"anthropic/m": None},
            "nothing": {"anthropic/missing": None},
            "loop": {"$extends": "loop2"}, "loop2": {"$extends": "loop"},
            "orphan": {"$extends": "nope"},
            "claude-*": {"$interface/m": None},
            "empty": {},
        },
    }
    issues = ws.issues(config)
    file = str(ws.root / "config.json")
    assert f"{file}:model_aliases.twice.anthropic/m: model_aliases 'twice': 'anthropic/m' is a model of " \
           "several providers (a, b); the successor would clone the first one. To serve the name from all of " \
           "them, make it an alias of their model group (\"aliases\": {\"twice\": \"<model name>\"})" in issues
    assert any("model_aliases 'nothing' clones 'anthropic/missing', which is no provider model" in i
               for i in issues)
    assert any("model_aliases $extends cycle: loop -> loop2 -> loop" in i for i in issues)
    assert any("model_aliases 'orphan' extends 'nope', which is not a model_aliases group" in i for i in issues)
    assert any("'$interface/m' takes its interface from the group's name, but 'claude-*' names no interface"
               in i for i in issues)
    assert any("model_aliases 'empty' has no targets" in i for i in issues)
    config["model_aliases"] = {"bad": {"anthropic/m": {"ignored": True}}}
    assert ws.issues(config) == [f"{file}:model_aliases.bad.anthropic/m: 'ignored' has no effect on a "
                                 "model_aliases clone (the successor scripts clone it anyway); remove the target "
                                 "instead"]


def test_a_wildcard_clone_with_access_groups_is_refused(ws: Workspace) -> None:
    config = {"providers": {"svc": provider(models={"m": None}, access_groups=["General"])},
              "model_aliases": {"claude-*": {"anthropic/m": None}}}
    assert ws.issues(config) == [
        f"{ws.root / 'config.json'}:model_aliases.claude-*.anthropic/m: model_aliases 'claude-*' is a "
        "pattern deployment with access groups ['General']: open-source LiteLLM then refuses to mint keys for "
        'those groups; give it "access_groups": [] (keys reach it by listing the pattern)']


def test_a_clone_that_duplicates_a_deployment_is_refused(ws: Workspace) -> None:
    config = {"providers": {"svc": provider(models={"m": None})},
              "model_aliases": {"anthropic/m": {"anthropic/m": None}}}
    assert any("duplicate deployment" in i for i in ws.issues(config))


def test_models_ref_aliases_map_each_upstream_id_to_its_exposed_name(ws: Workspace) -> None:
    config = {
        "providers": {"svc": _svc(models={"a": None, "b": {"model_name": "bee"}})},
        "model_aliases": {"cloned": {"anthropic/a": None}},
        "aliases": {"$models:svc/openai": "openai/bee", "keep": "anthropic/a"},
    }
    # a clone of a model is not a second exposed name of it: "a" stays unambiguous.
    assert ws.load(config).desired.aliases == {"a": "openai/bee", "b": "openai/bee", "keep": "anthropic/a"}
    config["aliases"] = {"$models:svc/anthropic": ""}
    assert ws.load(config).desired.aliases == {"a": "anthropic/a", "b": "anthropic/bee"}


def test_models_ref_problems_are_refused(ws: Workspace) -> None:
    config = {
        "providers": {"svc": provider(models={"m": {"model_names": ["one", "two"]}}),
                      "flat": provider(interfaces={"anthropic": {"model_name_prefix": "", "models": {"x": None}}})},
        "aliases": {"$models:none/anthropic": "", "$models:svc/anthropic": "", "$models:bad": "x",
                    "$models:flat/anthropic": ""},
    }
    issues = ws.issues(config)
    assert not any("flat" in i for i in issues)  # prefix "": ids are the names, no alias is made
    assert any("'$models:none/anthropic' matches no model (no deployment uses the credential 'none-anthropic')"
               in i for i in issues)
    assert any("'$models:svc/anthropic': model 'm' is exposed as anthropic/one, anthropic/two" in i for i in issues)
    assert any("'$models:bad': write '$models:<provider>/<interface>'" in i for i in issues)
    config["aliases"] = {"plain": ""}
    assert any("alias 'plain' has an empty target" in i for i in ws.issues(config))
    config["aliases"] = {"$models:svc/anthropic": "", "$models:svc/openai": ""}
    config["providers"] = {"svc": _svc(models={"a": None})}
    assert any("'$models:svc/openai' and '$models:svc/anthropic' both make the alias 'a', to different models"
               in i for i in ws.issues(config))


def test_the_readme_example_loads_as_described(ws: Workspace) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("**model_aliases, `$models:` and fallback shorthands**"):]
    start = section.index("```json\n") + 8
    example = json.loads(section[start:section.index("```", start)])
    example["providers"] = {"cli-proxy": _svc(models={
        "qwen3.6-plus": {"model_name": "qwen"}, "claude-opus-4-6-thinking": {"model_name": "claude-opus-4-6"}},
        interfaces={"anthropic": {}, "openai": {"models": {"gpt-image-2": None}}})}
    desired = ws.load(example).desired
    clones = [(d.model_name, d.litellm_params["model"]) for d in desired.deployments or ()
              if d.model_name in ("anthropic/secondary", "openai/secondary", "openai/tertiary", "claude-opus-*")]
    assert clones == [("anthropic/secondary", "anthropic/qwen3.6-plus"), ("openai/secondary", "openai/qwen3.6-plus"),
                      ("openai/tertiary", "openai/qwen3.6-plus"), ("openai/tertiary", "openai/gpt-image-2"),
                      ("claude-opus-*", "anthropic/claude-opus-4-6-thinking")]
    assert desired.aliases == {"qwen3.6-plus": "anthropic/qwen",
                               "claude-opus-4-6-thinking": "anthropic/claude-opus-4-6"}
    assert [(r.source, r.targets) for r in desired.fallbacks or ()] == [
        ("anthropic/secondary", ("anthropic/qwen",)), ("openai/secondary", ("openai/qwen",))]


def test_delete_in_a_clone_override_is_refused(ws: Workspace) -> None:
    config = {"providers": {"svc": provider(models={"m": {"model_info": {"tier": "free"}}})},
              "model_aliases": {"x": {"anthropic/m": {"model_info": {"$delete": ["tier"]}}}}}
    assert ws.issues(config) == [f"{ws.root / 'config.json'}:model_aliases.x.anthropic/m.model_info: '$delete' is "
                                 "not supported in a model_aliases override: set the values the clone needs instead"]


def test_long_and_diamond_extends_resolve_once_each(ws: Workspace) -> None:
    """Thousands of groups in a chain, and every group extending the two before it (exponential
    without memoization), resolve without recursion limits."""
    groups: dict[str, Any] = {"g0": {"anthropic/m": None}, "g1": {"$extends": "g0"}}
    groups.update({f"g{i}": {"$extends": [f"g{i - 1}", f"g{i - 2}"]} for i in range(2, 60)})
    groups.update({f"c{i}": {"$extends": f"c{i - 1}" if i else "g59"} for i in range(3000)})
    config = {"providers": {"svc": provider(models={"m": None})}, "model_aliases": groups}
    deployments = ws.load(config).desired.deployments or ()
    assert len(deployments) == 1 + 60 + 3000
    assert {d.litellm_params["model"] for d in deployments} == {"anthropic/m"}
