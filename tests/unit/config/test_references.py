"""Aliases and fallbacks: targets resolve to model names or aliases, no cycles, comma sources."""

from __future__ import annotations

from typing import Any

from tests.unit.config.conftest import Workspace, provider

MODELS = {"providers": {"p": provider(models={"opus": None, "sonnet": None, "gemini": None})}}


def _with(**sections: Any) -> dict[str, Any]:
    return {**MODELS, **sections}


def test_aliases_to_models_and_other_aliases_including_wildcards(ws: Workspace) -> None:
    aliases = {"claude-opus-*": "anthropic/opus", "best": "claude-opus-*", "sonnet": "anthropic/sonnet",
               "fast": "sonnet"}
    desired = ws.load(_with(aliases=aliases)).desired
    # What LiteLLM gets: chains resolved to the model group, the wildcard as pattern deployments.
    pushed = {"best": "anthropic/opus", "sonnet": "anthropic/sonnet", "fast": "anthropic/sonnet"}
    assert dict(desired.aliases) == pushed
    assert desired.to_json()["aliases"] == pushed
    assert [d.model_name for d in desired.deployments if "*" in d.model_name] == ["claude-opus-*"]


def test_alias_target_unknown_with_did_you_mean(ws: Workspace) -> None:
    issues = ws.issues(_with(aliases={"opus": "anthropic/opsu"}))
    assert issues == [f"{ws.root / 'config.json'}:aliases.opus: alias 'opus' points to 'anthropic/opsu', "
                      "which is not a model name or an alias (did you mean 'anthropic/opus'?)"]


def test_alias_cycle(ws: Workspace) -> None:
    issues = ws.issues(_with(aliases={"a": "b", "b": "c", "c": "a", "self": "self", "ok": "anthropic/opus"}))
    file = ws.root / "config.json"
    assert issues == [f"{file}:aliases.a: alias cycle: a -> b -> c -> a",
                      f"{file}:aliases.self: alias cycle: self -> self"]


def test_alias_may_not_hide_a_model(ws: Workspace) -> None:
    issues = ws.issues(_with(aliases={"anthropic/opus": "anthropic/sonnet"}))
    assert "alias 'anthropic/opus' has the name of a model; it would hide that model" in issues[0]


def test_alias_targets_are_not_checked_when_models_are_left_alone(ws: Workspace) -> None:
    assert dict(ws.load({"aliases": {"a": "whatever-litellm-has"}}).desired.aliases) == {"a": "whatever-litellm-has"}
    assert "alias cycle: a -> a" in ws.issues({"aliases": {"a": "a"}})[0]


def test_fallbacks_comma_key_makes_one_rule_per_source(ws: Workspace) -> None:
    fallbacks = [{"anthropic/opus, anthropic/sonnet": ["anthropic/gemini"]}, {"fast": ["anthropic/opus"]}]
    desired = ws.load(_with(aliases={"fast": "anthropic/sonnet"}, fallbacks=fallbacks)).desired
    assert [(f.source, f.targets) for f in desired.fallbacks] == [
        ("anthropic/opus", ("anthropic/gemini",)),
        ("anthropic/sonnet", ("anthropic/gemini",)),
        ("fast", ("anthropic/opus",)),
    ]
    assert desired.to_json()["fallbacks"] == [{"anthropic/opus": ["anthropic/gemini"]},
                                              {"anthropic/sonnet": ["anthropic/gemini"]},
                                              {"fast": ["anthropic/opus"]}]


def test_fallback_reference_unknown(ws: Workspace) -> None:
    issues = ws.issues(_with(fallbacks=[{"anthropic/opus,nope": ["anthropic/gemni"]}]))
    file = ws.root / "config.json"
    assert issues == [
        f'{file}:fallbacks[0]["anthropic/opus,nope"]: fallback source \'nope\' is not a model name or an alias',
        f'{file}:fallbacks[0]["anthropic/opus,nope"][0]: fallback target \'anthropic/gemni\' is not a model '
        "name or an alias (did you mean 'anthropic/gemini'?)",
    ]


def test_fallback_rule_mistakes(ws: Workspace) -> None:
    fallbacks = [{"anthropic/opus": ["anthropic/opus"]}, {"anthropic/opus": ["anthropic/sonnet"]},
                 {"anthropic/sonnet,": ["anthropic/opus"]}, {"anthropic/gemini": []}, {}]
    issues = [i.split(": ", 1)[1] for i in ws.issues(_with(fallbacks=fallbacks))]
    assert issues == [
        "'anthropic/opus' falls back to itself",
        "fallback for 'anthropic/opus' is defined twice (first at fallbacks[0].anthropic/opus)",
        "empty model name in fallback source 'anthropic/sonnet,'",
        "fallback for 'anthropic/gemini' has no targets",
        "empty fallback rule",
    ]


def test_router_fallback_lists_are_checked_too(ws: Workspace) -> None:
    issues = ws.issues(_with(router_settings={"context_window_fallbacks": [{"anthropic/opus": ["big"]}]}))
    assert "router_settings.context_window_fallbacks[0].anthropic/opus[0]: fallback target 'big'" in issues[0]
