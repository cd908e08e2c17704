"""Provider inheritance with $extend: chains, child wins, null removes, cycles and unknown targets."""

from __future__ import annotations

from llmproxy.desired.model import thaw
from tests.unit.config.conftest import Workspace, provider


def _bases(loaded) -> dict[str, str]:
    return {c.name: c.values["api_base"] for c in loaded.desired.credentials}


def test_chain_resolves_in_any_order_and_child_wins(ws: Workspace) -> None:
    base = {"providers": {
        "c": {"$extend": "b", "api_base": "http://c"},
        "b": {"$extend": "a", "access_groups": ["B"]},
        "a": provider(access_groups=["A"], models={"m": {"model_info": {"k": 1}}}),
    }}
    loaded = ws.load(base)
    assert _bases(loaded) == {"c-anthropic": "http://c", "b-anthropic": "http://gw:8045",
                              "a-anthropic": "http://gw:8045"}
    by_cred = {d.credential: d for d in loaded.desired.deployments}
    assert by_cred["c-anthropic"].model_info["access_groups"] == ("B",)
    assert by_cred["c-anthropic"].model_info["k"] == 1
    assert by_cred["a-anthropic"].model_info["access_groups"] == ("A",)


def test_inheritance_is_a_deep_merge(ws: Workspace) -> None:
    base = {"providers": {
        "a": provider(models={"m": {"model_info": {"base_model": "x", "mode": "chat"}}}),
        "b": {"$extend": "a", "models": {"m": {"model_info": {"mode": "embedding"}}, "n": None}},
    }}
    deployments = [d for d in ws.load(base).desired.deployments if d.credential == "b-anthropic"]
    assert [(d.model_name, thaw(d.model_info)) for d in deployments] == [
        ("anthropic/m", {"base_model": "x", "mode": "embedding"}),
        ("anthropic/n", {"base_model": "n"}),
    ]


def test_child_can_delete_inherited_keys(ws: Workspace) -> None:
    base = {"providers": {
        "a": provider(access_groups=["A"], models={"m": None}),
        "b": {"$extend": "a", "$delete": ["access_groups"]},
    }}
    by_cred = {d.credential: d for d in ws.load(base).desired.deployments}
    assert "access_groups" not in by_cred["b-anthropic"].model_info
    assert by_cred["a-anthropic"].model_info["access_groups"] == ("A",)


def test_extend_null_in_local_removes_inheritance(ws: Workspace) -> None:
    base = {"providers": {"a": provider(), "b": {"$extend": "a", "api_base": "http://b"}}}
    loaded = ws.load(base, {"providers": {"b": {"$extend": None, "api_key": "sk-own-key-5678"}}})
    # Without inheritance, b has no interfaces and so no credential.
    assert _bases(loaded) == {"a-anthropic": "http://gw:8045"}


def test_cycle_is_an_error_naming_the_chain(ws: Workspace) -> None:
    base = {"providers": {"a": {"$extend": "b"}, "b": {"$extend": "c"}, "c": {"$extend": "a"},
                          "d": {"$extend": "d"}}}
    issues = ws.issues(base)
    assert issues == [
        f"{ws.root / 'config.json'}:providers.a.$extend: $extend cycle: a -> b -> c -> a",
        f"{ws.root / 'config.json'}:providers.d.$extend: $extend cycle: d -> d",
    ]


def test_unknown_target_is_an_error_naming_the_chain(ws: Workspace) -> None:
    base = {"providers": {"a": {"$extend": "b"}, "b": {"$extend": "nope"}}}
    issues = ws.issues(base)
    assert issues == [
        f"{ws.root / 'config.json'}:providers.b.$extend: $extend target 'nope' is not a provider "
        f"(chain: a -> b -> nope)",
    ]


def test_extend_error_in_local_names_the_local_file(ws: Workspace) -> None:
    issues = ws.issues({"providers": {"a": provider()}}, {"providers": {"a": {"$extend": "ghost"}}})
    assert issues[0].startswith(f"{ws.root / 'config.local.json'}:providers.a.$extend:")
