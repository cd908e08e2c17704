"""Validation of durations, budgets, limits, models and metadata — before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from llmproxy.errors import LLMProxyError
from llmproxy.keys.durations import parse_duration, parse_timestamp, remaining, seconds
from llmproxy.keys.values import (
    CLEAR,
    KeySettings,
    parse_alias,
    parse_budget,
    parse_budget_duration,
    parse_expiry,
    parse_limit,
    parse_metadata,
    parse_models,
)


@pytest.mark.parametrize("value", ["30s", "15m", "1h", "24h", "7d", "2w", "1mo", "12mo", "90d"])
def test_durations_litellm_accepts(value: str) -> None:
    assert parse_duration(value) == value


@pytest.mark.parametrize(("value", "canonical"), [("monthly", "monthly"), (" Daily ", "daily"),
                                                  (" 30d ", "30d")])
def test_duration_words_and_whitespace(value: str, canonical: str) -> None:
    assert parse_duration(value) == canonical


@pytest.mark.parametrize("value", ["30", "30D", "30dx", "d30", "1 mo", "1month", "-1d", "1.5h", "", "abc",
                                   "1y", "30days"])
def test_durations_litellm_would_misread_or_reject(value: str) -> None:
    with pytest.raises(LLMProxyError, match="invalid duration"):
        parse_duration(value)


@pytest.mark.parametrize("value", ["0d", "0s", "0mo"])
def test_zero_durations_are_refused(value: str) -> None:
    with pytest.raises(LLMProxyError, match="greater than zero"):
        parse_duration(value)


def test_absurd_durations_are_refused() -> None:
    with pytest.raises(LLMProxyError, match="100 years"):
        parse_duration("99999999999d")


def test_duration_error_names_the_setting() -> None:
    with pytest.raises(LLMProxyError, match="invalid budget duration '30x'"):
        parse_budget_duration("30x")


def test_seconds_and_remaining() -> None:
    assert seconds("2w") == 14 * 86400
    assert seconds("weekly") == 7 * 86400
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert remaining(now + timedelta(hours=1, seconds=5), now) == "3605s"
    assert remaining(now - timedelta(seconds=1), now) is None
    assert remaining(now, now) is None


def test_timestamps_in_both_litellm_forms() -> None:
    a = parse_timestamp("2026-12-22T04:15:51.771000+00:00")
    b = parse_timestamp("2026-12-22T04:15:51.771000Z")
    assert a == b and a is not None and a.tzinfo is not None
    assert parse_timestamp(None) is None and parse_timestamp("soon") is None


@pytest.mark.parametrize(("value", "expected"), [("10", 10.0), ("$2.50", 2.5), ("0", 0.0), (5, 5.0),
                                                 (7.25, 7.25)])
def test_budgets(value: object, expected: float) -> None:
    assert parse_budget(value) == expected


@pytest.mark.parametrize("value", ["none", "Unlimited", None])
def test_budget_can_be_removed(value: object) -> None:
    assert parse_budget(value) is CLEAR


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "ten", "", True, "1e400"])
def test_invalid_budgets(value: object) -> None:
    with pytest.raises(LLMProxyError, match="invalid max budget"):
        parse_budget(value)


@pytest.mark.parametrize(("value", "expected"), [("100", 100), (60, 60), ("1_000", 1000), ("0", 0), (30.0, 30)])
def test_limits(value: object, expected: int) -> None:
    assert parse_limit(value, "rpm limit") == expected


@pytest.mark.parametrize("value", ["-5", "1.5", 2.5, "many", True])
def test_invalid_limits(value: object) -> None:
    with pytest.raises(LLMProxyError, match="invalid rpm limit"):
        parse_limit(value, "rpm limit")


def test_expiry_never_and_budget_duration_none() -> None:
    assert parse_expiry("never") is CLEAR
    assert parse_budget_duration("none") is CLEAR
    assert parse_expiry("90d") == "90d"


def test_models_comma_separated_repeated_and_deduplicated() -> None:
    assert parse_models(["a,b", " c ", "a"]) == ("a", "b", "c")
    assert parse_models([""]) == ()  # all models
    assert parse_models("x, y") == ("x", "y")


def test_metadata_pairs() -> None:
    assert parse_metadata(["team=core", "note=a=b", "empty="]) == {"team": "core", "note": "a=b", "empty": ""}
    with pytest.raises(LLMProxyError, match="key=value"):
        parse_metadata(["novalue"])
    with pytest.raises(LLMProxyError, match="key=value"):
        parse_metadata(["=x"])


@pytest.mark.parametrize("alias", ["", "  ", "../etc", "..", "a\nb", "x" * 256])
def test_invalid_aliases(alias: str) -> None:
    with pytest.raises(LLMProxyError, match="invalid alias"):
        parse_alias(alias)


def test_settings_from_config_defaults_name_the_config_field() -> None:
    with pytest.raises(LLMProxyError, match=r"invalid config keys\.budget duration '30 days'"):
        KeySettings.from_defaults({"budget_duration": "30 days"})
    with pytest.raises(LLMProxyError, match="unknown field"):
        KeySettings.from_defaults({"max_budgett": 5})


def test_flags_override_defaults_and_metadata_merges() -> None:
    defaults = KeySettings.from_defaults({"models": ["General"], "max_budget": 100, "budget_duration": "30d",
                                          "rpm_limit": 60, "metadata": {"src": "cfg", "team": "x"}})
    flags = KeySettings.parse(max_budget="none", rpm_limit="5", metadata=["team=core"])
    merged, sources = flags.over(defaults)
    assert merged.generate_body() == {"models": ["General"], "budget_duration": "30d", "rpm_limit": 5,
                                      "metadata": {"src": "cfg", "team": "core"}}
    assert sources == {"models": "config", "max_budget": "flag", "budget_duration": "config",
                       "rpm_limit": "flag", "metadata": "config + flags"}


def test_no_defaults_means_no_limits() -> None:
    merged, sources = KeySettings().over(KeySettings())
    assert merged.generate_body() == {} and sources == {}


def test_update_body_is_a_merge_patch() -> None:
    settings = KeySettings.parse(models=[""], max_budget="none", tpm_limit="1000", duration="never",
                                 metadata=["app=x"])
    assert settings.update_body({"team": "core", "app": "old"}) == {
        "models": [], "max_budget": None, "tpm_limit": 1000, "duration": None,
        "metadata": {"team": "core", "app": "x"}}
    assert KeySettings().is_empty() and not settings.is_empty()
