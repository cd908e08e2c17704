"""``keys create`` applies the config's whole ``key_policy`` — defaults and the overrides matching the
key's alias, user and team, with their multipliers — exactly as ``sync`` resolves it for a declared
key; flags win and are never multiplied."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llmproxy.config import load_config
from tests.unit.keys.conftest import Result
from tests.unit.keys.fake import FakeLiteLLM

Cli = Callable[..., Result]

POLICY = {
    "defaults": {"max_budget": 10, "budget_duration": "30d", "rpm_limit": 60, "metadata": {"tier": "base"}},
    "overrides": [
        {"match": {"team": "research"}, "set": {"max_budget": 50, "metadata": {"tier": "research"}},
         "multiply": {"rpm_limit": 2}},
        {"match": {"alias": "*-ci"}, "set": {"budget_duration": "7d"}, "multiply": {"max_budget": 3}},
        {"match": {"user": "*@vip.example.com"}, "set": {"tpm_limit": 9000}},
    ],
}


def write_policy(tmp_path: Path, policy: dict[str, Any] = POLICY, **extra: Any) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"key_policy": policy, **extra}))


def row_of(fake: FakeLiteLLM, alias: str) -> dict[str, Any]:
    (row,) = fake.by_alias(alias)
    return row


def test_a_key_of_a_team_an_override_matches_gets_the_overrides_limits(cli: Cli, fake: FakeLiteLLM,
                                                                       tmp_path: Path) -> None:
    write_policy(tmp_path)
    fake.teams.add("t-1")
    fake.team_aliases["t-1"] = "research"
    r = cli("create", "ada@example.com", "--alias", "ada", "--team-id", "t-1")
    assert r.code == 0, r.err
    row = row_of(fake, "ada")
    assert (row["max_budget"], row["rpm_limit"], row["budget_duration"]) == (50.0, 120, "30d")
    assert row["metadata"] == {"tier": "research"} and row["team_id"] == "t-1" and row["tpm_limit"] is None
    assert "$50.00  (key_policy.overrides[0])" in r.err and "120  (key_policy.defaults * 2)" in r.err
    assert "30d  (config default)" in r.err


def test_a_key_no_override_matches_gets_only_the_defaults(cli: Cli, fake: FakeLiteLLM, tmp_path: Path) -> None:
    write_policy(tmp_path)
    fake.teams.add("t-2")
    fake.team_aliases["t-2"] = "support"
    assert cli("create", "bo@example.com", "--team-id", "t-2").code == 0
    row = row_of(fake, "bo")
    assert (row["max_budget"], row["rpm_limit"], row["budget_duration"]) == (10.0, 60, "30d")
    assert row["metadata"] == {"tier": "base"}


def test_overrides_by_alias_multiply_the_policys_value_but_never_a_flag(cli: Cli, fake: FakeLiteLLM,
                                                                       tmp_path: Path) -> None:
    write_policy(tmp_path)
    r = cli("create", "ada@example.com", "--alias", "ada-ci", "--output", "json")
    assert r.code == 0, r.err
    row = row_of(fake, "ada-ci")
    assert (row["max_budget"], row["budget_duration"]) == (30.0, "7d")
    assert json.loads(r.out)["from_config"] == ["budget_duration", "max_budget", "metadata", "rpm_limit"]
    r = cli("create", "bo@example.com", "--alias", "bo-ci", "--max-budget", "7", "--rpm-limit", "none")
    assert r.code == 0, r.err
    row = row_of(fake, "bo-ci")
    assert (row["max_budget"], row["rpm_limit"], row["budget_duration"]) == (7.0, None, "7d")


def test_an_override_by_user_matches_the_email_also_of_a_user_given_by_id(cli: Cli, fake: FakeLiteLLM,
                                                                         tmp_path: Path) -> None:
    write_policy(tmp_path)
    assert cli("create", "ana@vip.example.com").code == 0
    assert row_of(fake, "ana")["tpm_limit"] == 9000
    fake.add_user("cy@VIP.example.com", user_id="cy-bot")
    assert cli("create", "--user-id", "cy-bot", "--alias", "cy").code == 0
    assert row_of(fake, "cy")["tpm_limit"] == 9000  # the email LiteLLM has for the user (case-insensitive)
    assert cli("create", "--user-id", "new-bot", "--alias", "nb").code == 0
    assert row_of(fake, "nb")["tpm_limit"] is None  # a new user has no email to match


def test_keys_create_gives_the_limits_sync_gives_a_declared_key(cli: Cli, fake: FakeLiteLLM, tmp_path: Path) -> None:
    declared = {"lab-ci": {"user": "ana@vip.example.com", "team": "research"}}
    write_policy(tmp_path, keys=declared)
    (want,) = load_config(tmp_path / "config.json", discover=False).desired.keys or ()
    fake.teams.add("t-1")
    fake.team_aliases["t-1"] = "research"
    r = cli("create", "ana@vip.example.com", "--alias", "lab-ci", "--team-id", "t-1")
    assert r.code == 0, r.err
    row = row_of(fake, "lab-ci")
    assert want.limits() == {"max_budget": 150.0, "budget_duration": "7d", "rpm_limit": 120, "tpm_limit": 9000,
                             "metadata": {"tier": "research"}}
    assert {k: row[k] for k in want.limits()} == want.limits()


def test_no_defaults_ignores_the_overrides_too(cli: Cli, fake: FakeLiteLLM, tmp_path: Path) -> None:
    write_policy(tmp_path)
    assert cli("create", "ana@vip.example.com", "--alias", "x-ci", "--no-defaults").code == 0
    row = row_of(fake, "x-ci")
    assert (row["max_budget"], row["tpm_limit"], row["budget_duration"], row["metadata"]) == (None, None, None, {})


def test_an_override_value_keys_create_cannot_use_is_refused_before_any_request(cli: Cli, fake: FakeLiteLLM,
                                                                                tmp_path: Path) -> None:
    write_policy(tmp_path, {"overrides": [{"match": {"team": "x"}, "set": {"duration": "99999999d"}}]})
    r = cli("create", "ada@example.com")
    assert r.code == 1 and "key_policy.overrides[0].set.duration" in r.err and "100 years" in r.err
    assert fake.calls == []


def test_the_readme_keys_example_gives_what_the_readme_says(cli: Cli, fake: FakeLiteLLM, tmp_path: Path) -> None:
    from tests.harness.run import REPO

    text = (REPO / "README.md").read_text()
    section = text[text.index("\n### Keys\n"):]
    example = json.loads(re.findall(r"```json\n(.*?)```", section, re.S)[0])
    (tmp_path / "config.json").write_text(json.dumps({"key_policy": example["key_policy"]}))
    assert cli("create", "ana@example.com", "--alias", "ana-ci").code == 0
    row = row_of(fake, "ana-ci")
    assert (row["max_budget"], row["budget_duration"], row["rpm_limit"]) == (30.0, "7d", 60)
    fake.teams.add("t-support")
    fake.team_aliases["t-support"] = "support"
    assert cli("create", "bo@example.com", "--team-id", "t-support").code == 0
    assert row_of(fake, "bo")["tpm_limit"] == 50000
