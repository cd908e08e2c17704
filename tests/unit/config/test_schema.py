"""The file format: unknown keys with did-you-mean, wrong types, router_settings, owner, keys."""

from __future__ import annotations

import ast
import glob
import typing
from pathlib import Path

import pytest

from llmproxy.config.schema import RoutingStrategy
from tests.harness.run import harness_run
from tests.unit.config.conftest import Workspace, provider


def test_unknown_keys_at_every_level_with_did_you_mean(ws: Workspace) -> None:
    base = {
        "providrs": {},
        "providers": {"p": provider(api_bas="x", interfaces={"opanai": {}},
                                    models={"m": {"model_nme": "x", "model_info": {"free": "form"}}})},
        "router_settings": {"num_retires": 2},
    }
    file = ws.root / "config.json"
    assert sorted(ws.issues(base)) == sorted([
        f"{file}:providrs: unknown key 'providrs' (did you mean 'providers'?)",
        f"{file}:providers.p.api_bas: unknown key 'api_bas' (did you mean 'api_base'?)",
        f"{file}:providers.p.interfaces.opanai: unknown key 'opanai' (did you mean 'openai'?)",
        f"{file}:providers.p.models.m.model_nme: unknown key 'model_nme' (did you mean 'model_name'?)",
        f"{file}:router_settings.num_retires: unknown key 'num_retires' (did you mean 'num_retries'?)",
    ])


def test_unknown_key_without_a_close_match(ws: Workspace) -> None:
    assert ws.issues({"zzzz": 1}) == [f"{ws.root / 'config.json'}:zzzz: unknown key 'zzzz'"]


def test_unknown_key_in_local_names_the_local_file(ws: Workspace) -> None:
    issues = ws.issues({"owner": "x"}, {"providers": {"p": {"api_kye": "x"}}})
    assert issues == [f"{ws.root / 'config.local.json'}:providers.p.api_kye: unknown key 'api_kye' "
                      "(did you mean 'api_key'?)"]


def test_wrong_types_say_what_was_expected(ws: Workspace) -> None:
    base = {"owner": 5, "providers": {"p": provider(access_groups="General", interfaces=[])},
            "aliases": {"a": 1}, "fallbacks": {"a": ["b"]}, "router_settings": {"num_retries": "3", "timeout": True}}
    file = ws.root / "config.json"
    assert sorted(ws.issues(base)) == sorted([
        f"{file}:owner: expected a string, got an integer",
        f"{file}:providers.p.access_groups: expected an array, got a string",
        f"{file}:providers.p.interfaces: expected an object, got an array",
        f"{file}:aliases.a: expected a string or an object",
        f"{file}:fallbacks: expected an array, got an object",
        f"{file}:router_settings.num_retries: expected an integer, got a string",
        f"{file}:router_settings.timeout: expected a number, got a boolean",
    ])


def test_keys_with_dots_and_commas_are_quoted_in_paths(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(models={"gemini-2.5": {"ignored": "yes"}})},
                        "fallbacks": [{"a,b": "c"}]})
    assert any(':providers.p.models["gemini-2.5"].ignored: expected true or false, got a string' in i for i in issues)
    assert any(':fallbacks[0]["a,b"]: expected an array, got a string' in i for i in issues)


@pytest.mark.parametrize("key, section", [("model_group_alias", "aliases"), ("fallbacks", "fallbacks")])
def test_router_settings_may_not_hold_aliases_or_fallbacks(ws: Workspace, key: str, section: str) -> None:
    issues = ws.issues({"router_settings": {key: {}}})
    assert issues == [f"{ws.root / 'config.json'}:router_settings.{key}: '{key}' is not allowed here: "
                      f"{section} have their own top-level section: \"{section}\""]


def test_routing_strategy_is_limited_with_did_you_mean(ws: Workspace) -> None:
    issues = ws.issues({"router_settings": {"routing_strategy": "least_busy"}})
    assert "router_settings.routing_strategy: 'least_busy' is not one of" in issues[0]
    assert "(did you mean 'least-busy'?)" in issues[0]


def test_router_settings_are_passed_through(ws: Workspace) -> None:
    settings = {"routing_strategy": "latency-based-routing", "routing_strategy_args": {"ttl": 10},
                "num_retries": 3, "timeout": 30, "cooldown_time": 0, "retry_policy": {"RateLimitErrorRetries": 5},
                "routing_groups": [{"group_name": "g", "models": ["m"], "routing_strategy": "least-busy"}]}
    loaded = ws.load({"router_settings": settings})
    assert loaded.desired.to_json()["router_settings"] == {
        **settings, "timeout": 30.0, "cooldown_time": 0.0,
        "routing_groups": [{"group_name": "g", "models": ["m"], "routing_strategy": "least-busy"}],
    }


def _litellm_routing_strategies() -> set[str]:
    """VALID_ROUTING_STRATEGIES from the LiteLLM the test harness installs (tests/harness/, installed
    on first use), read from its source."""
    venv = harness_run().installed.venv
    [package] = [Path(p) for p in glob.glob(f"{venv}/lib/python3*/site-packages/litellm")]
    groups = (package / "router_utils" / "routing_groups.py").read_text()
    assert 'VALID_ROUTING_STRATEGIES: Final = ("simple-shuffle", "lar1", *(s.value for s in RoutingStrategy))' in groups
    tree = ast.parse((package / "types" / "router.py").read_text())
    enum = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "RoutingStrategy")
    values = {s.value.value for s in enum.body if isinstance(s, ast.Assign)}
    return {"simple-shuffle", "lar1", *values}


def test_routing_strategies_match_litellm() -> None:
    assert set(typing.get_args(RoutingStrategy)) == _litellm_routing_strategies()


@pytest.mark.parametrize("owner", ["", "a b", "x" * 65, "ünï"])
def test_owner_is_restricted(ws: Workspace, owner: str) -> None:
    issues = ws.issues({"owner": owner})
    assert f"owner: {owner!r} is not valid: expected 1 to 64 letters, digits, '.', '_' or '-'" in issues[0]


def test_owner_defaults_to_llmproxy(ws: Workspace) -> None:
    assert ws.load({}).desired.owner == "llmproxy"
    assert ws.load({"owner": "team-a.prod_1"}).desired.owner == "team-a.prod_1"


def test_key_defaults(ws: Workspace) -> None:
    keys = {"models": ["General"], "max_budget": 10, "budget_duration": "30d", "rpm_limit": 5, "tpm_limit": 1000,
            "duration": "1mo", "metadata": {"team": "x"}, "team_id": "t1"}
    assert ws.load({"keys": keys}).key_defaults == {**keys, "max_budget": 10.0}
    assert ws.load({}).key_defaults == {}


def test_key_defaults_are_checked(ws: Workspace) -> None:
    issues = ws.issues({"keys": {"duration": "3 days", "rpm_limit": -1, "modles": []}})
    assert any("keys.duration: '3 days' is not valid: expected a LiteLLM duration" in i for i in issues)
    assert any("keys.rpm_limit: Input should be greater than or equal to 0" in i for i in issues)
    assert any("keys.modles: unknown key 'modles' (did you mean 'models'?)" in i for i in issues)


def test_invalid_provider_name(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"a/b": provider()}})
    assert issues == [f"{ws.root / 'config.json'}:providers: invalid provider name 'a/b': "
                      "use letters, digits, '.', '_' and '-'"]


def test_default_model_cannot_name_models(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(default_model={"model_name": "x"})}})
    assert "default_model.model_name: 'model_name' is not allowed here: default_model cannot name models" in issues[0]


def test_model_name_and_model_names_are_exclusive_across_files(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(models={"m": {"model_name": "a"}})}},
                       {"providers": {"p": {"models": {"m": {"model_names": ["b"]}}}}})
    assert "set model_name or model_names, not both" in issues[0]


def test_derived_litellm_params_are_rejected(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"p": provider(models={"m": {"litellm_params": {"model": "x"}}})}})
    assert "litellm_params.model is derived from the provider, interface and model id" in issues[0]


def test_literal_models_need_a_model(ws: Workspace) -> None:
    issues = ws.issues({"models": [{"model_name": "x", "litellm_params": {}}]})
    assert issues == [f"{ws.root / 'config.json'}:models[0].litellm_params.model: missing required key 'model'"]
