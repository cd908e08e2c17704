"""Aliases compiled into what stock LiteLLM routes: chains resolved, wildcards as pattern deployments."""

from __future__ import annotations

from typing import Any

from llmproxy.desired.patterns import first_match, pattern_matches
from tests.unit.config.conftest import Workspace, provider


def _two_instances(**sections: Any) -> dict[str, Any]:
    return {"providers": {
        "a": provider(api_key="os.environ/A_KEY", access_groups=["Premium"],
                      models={"opus-thinking": {"model_name": "opus"}, "sonnet": None}),
        "b": provider(api_base="http://b:8045", models={"opus-thinking": {"model_name": "opus"}}),
    }, **sections}


def test_a_chain_is_pushed_pointing_at_the_final_model_group(ws: Workspace) -> None:
    aliases = {"sonnet-dated": "sonnet-short", "sonnet-short": "anthropic/sonnet"}
    desired = ws.load(_two_instances(aliases=aliases)).desired
    assert dict(desired.aliases) == {"sonnet-dated": "anthropic/sonnet", "sonnet-short": "anthropic/sonnet"}


def test_a_wildcard_alias_mirrors_every_deployment_of_its_target_group(ws: Workspace) -> None:
    desired = ws.load(_two_instances(aliases={"opus-*": "best", "best": "anthropic/opus"})).desired
    group = [d for d in desired.deployments if d.model_name == "anthropic/opus"]
    mirrors = [d for d in desired.deployments if d.model_name == "opus-*"]
    assert len(group) == len(mirrors) == 2
    for original, mirror in zip(group, mirrors, strict=True):
        # Same upstream model, credential, proxy-side key and pricing model.
        assert mirror.litellm_params == original.litellm_params
        assert dict(mirror.model_info) == {k: v for k, v in original.model_info.items() if k != "access_groups"}
        assert mirror.source == "aliases.opus-*"
    assert mirrors[0].litellm_params["api_key"] == "os.environ/A_KEY"
    assert group[0].model_info["access_groups"] == ("Premium",)
    # No access groups: LiteLLM OSS refuses keys for a group that holds a pattern deployment.
    assert "access_groups" not in mirrors[0].model_info
    assert dict(desired.aliases) == {"best": "anthropic/opus"}  # the wildcard is not in model_group_alias


def test_a_wildcard_alias_needs_the_deployments_section(ws: Workspace) -> None:
    issues = ws.issues({"aliases": {"opus-*": "anthropic/opus"}})
    assert len(issues) == 1 and "aliases.opus-*: wildcard alias 'opus-*' needs the config's deployments" in issues[0]


def test_a_wildcard_that_loops_through_itself_is_refused(ws: Workspace) -> None:
    issues = ws.issues(_two_instances(aliases={"opus-*": "opus-latest"}))
    assert any("aliases.opus-*: alias 'opus-*' → 'opus-latest' never reaches a model" in i for i in issues)


def test_a_wildcard_must_reach_a_group_with_deployments_of_its_own(ws: Workspace) -> None:
    config = _two_instances(models=[{"model_name": "openai/*", "litellm_params": {"model": "openai/*"}}],
                            aliases={"gpt-*": "openai/gpt-5"})
    issues = ws.issues(config)
    assert any("wildcard alias 'gpt-*' → 'openai/gpt-5' reaches 'openai/gpt-5' only through the pattern "
               "deployment" in i for i in issues)
    # An exact alias to such a name is fine: LiteLLM routes it through the pattern deployment.
    config["aliases"] = {"gpt": "openai/gpt-5"}
    assert dict(ws.load(config).desired.aliases) == {"gpt": "openai/gpt-5"}


def test_a_pattern_deployment_the_config_also_writes_out_is_a_duplicate(ws: Workspace) -> None:
    config = _two_instances(aliases={"son-*": "anthropic/sonnet"}, models=[{
        "model_name": "son-*",
        "litellm_params": {"model": "anthropic/sonnet", "litellm_credential_name": "a-anthropic"}}])
    issues = ws.issues(config)
    assert any("aliases.son-*: wildcard alias 'son-*' makes the deployment son-* (anthropic/sonnet via "
               "a-anthropic), which models[0] defines too" in i for i in issues)


def test_patterns_match_as_litellm_matches_them() -> None:
    # re.match of the escaped pattern with * as (.*): anchored at the start only.
    assert pattern_matches("claude-opus-*", "claude-opus-4-5-20251101")
    assert not pattern_matches("claude-opus-*", "anthropic/claude-opus-4-6")
    assert pattern_matches("*-latest", "smart-latest") and pattern_matches("*-latest", "smart-latest-2")
    assert not pattern_matches("a.b*", "axb")
    assert first_match(["claude-*", "claude-opus-*"], "claude-opus-4") == "claude-opus-*"
    assert first_match(["claude-*"], "gpt-4o") is None


def test_fallback_sources_are_exact_names_or_the_generic_star(ws: Workspace) -> None:
    issues = ws.issues(_two_instances(aliases={"opus-*": "anthropic/opus"},
                                      fallbacks=[{"opus-*": ["anthropic/sonnet"]}]))
    assert any("fallback source 'opus-*' is a wildcard: LiteLLM looks fallback rules up by the exact" in i
               for i in issues)
    ok = ws.load(_two_instances(aliases={"opus-*": "anthropic/opus"},
                                fallbacks=[{"opus-4-7,*": ["anthropic/sonnet"]}])).desired
    assert [r.source for r in ok.fallbacks] == ["opus-4-7", "*"]
