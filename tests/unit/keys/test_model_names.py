"""Which --models names LiteLLM can route for a key."""

from __future__ import annotations

from llmproxy.keys.model_names import KnownNames

KNOWN = KnownNames(models=frozenset({"anthropic/opus", "claude-opus-*"}), aliases=frozenset({"fast"}),
                   access_groups=frozenset({"General", "Premium"}))


def test_models_aliases_groups_and_special_names_are_known() -> None:
    for name in ("anthropic/opus", "fast", "General", "all-proxy-models", "*"):
        assert KNOWN.problem(name) is None, name


def test_names_a_pattern_deployment_serves_and_wildcards_that_match_are_known() -> None:
    assert KNOWN.problem("claude-opus-4-7") is None
    assert KNOWN.problem("anthropic/*") is None
    assert KNOWN.problem("openai/*") is not None


def test_an_unknown_name_says_so_with_a_suggestion() -> None:
    assert KNOWN.problem("Generl") == "'Generl' is no model, alias or access group in LiteLLM (did you mean 'General'?)"
    assert KNOWN.problem("general") is not None  # LiteLLM compares names exactly
