"""``keys create`` through the CLI against the fake LiteLLM: output discipline, user lookup, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.unit.keys.conftest import Result
from tests.unit.keys.fake import FakeLiteLLM, error, sha

Cli = Callable[..., Result]


def test_stdout_is_exactly_the_key_and_everything_else_goes_to_stderr(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "ada@example.com", "--models", "m1,m2", "--max-budget", "10", "--budget-duration", "30d",
            "--rpm-limit", "5", "--tpm-limit", "1000", "--duration", "90d", "--metadata", "team=core",
            "--allow-unknown-models")
    assert r.code == 0, r.err
    key = r.out[:-1]
    assert r.out == key + "\n" and key.startswith("sk-") and "\n" not in key
    (row,) = fake.keys.values()
    assert row["token"] == sha(key) and row["key_alias"] == "ada"
    assert row["models"] == ["m1", "m2"] and row["max_budget"] == 10.0 and row["budget_duration"] == "30d"
    assert row["rpm_limit"] == 5 and row["tpm_limit"] == 1000 and row["metadata"] == {"team": "core"}
    user = fake.users[row["user_id"]]
    assert user["user_email"] == "ada@example.com"
    assert "Created key 'ada' for ada@example.com" in r.err and "new user" in r.err
    assert key not in r.err


def test_existing_user_is_reused(cli: Cli, fake: FakeLiteLLM) -> None:
    uid = fake.add_user("ada@example.com")
    r = cli("create", "ada@example.com", "--alias", "ada-laptop")
    assert r.code == 0, r.err
    assert "POST /user/new" not in fake.calls
    assert fake.by_alias("ada-laptop")[0]["user_id"] == uid
    assert "new user" not in r.err


def test_user_new_is_asked_not_to_mint_a_key_of_its_own(cli: Cli, fake: FakeLiteLLM) -> None:
    seen: list[dict[str, object]] = []
    original = fake.post_user_new
    fake.post_user_new = lambda body: (seen.append(body), original(body))[1]  # type: ignore[method-assign]
    assert cli("create", "ada@example.com").code == 0
    assert seen == [{"auto_create_key": False, "user_email": "ada@example.com"}]


def test_email_lookup_is_exact_not_litellms_substring_match(cli: Cli, fake: FakeLiteLLM) -> None:
    evil = fake.add_user("bob@example.com.evil.io")
    r = cli("create", "bob@example.com")
    assert r.code == 0, r.err
    (row,) = fake.keys.values()
    assert row["user_id"] != evil and fake.users[row["user_id"]]["user_email"] == "bob@example.com"


def test_email_differing_only_in_case_is_the_same_user(cli: Cli, fake: FakeLiteLLM) -> None:
    uid = fake.add_user("Ada@Example.com")
    assert cli("create", "ada@example.com").code == 0
    assert next(iter(fake.keys.values()))["user_id"] == uid


def test_two_users_with_the_email_is_an_error_and_creates_nothing(cli: Cli, fake: FakeLiteLLM) -> None:
    a, b = fake.add_user("ada@example.com"), fake.add_user("ada@example.com")
    r = cli("create", "ada@example.com")
    assert r.code == 1 and r.out == ""
    assert "2 LiteLLM users have the email ada@example.com" in r.err and a in r.err and b in r.err
    assert "--user-id" in r.err and "Traceback" not in r.err
    assert not fake.keys and "POST /key/generate" not in fake.calls


def test_user_lookup_reads_every_page(cli: Cli, fake: FakeLiteLLM) -> None:
    for n in range(150):
        fake.add_user(f"x{n}.ada@example.com")  # substring matches, on page 1 and 2
    target = fake.add_user("ada@example.com")
    assert cli("create", "ada@example.com").code == 0
    assert next(iter(fake.keys.values()))["user_id"] == target
    assert fake.calls.count("GET /user/list") == 2


def test_by_user_id_existing_and_missing(cli: Cli, fake: FakeLiteLLM) -> None:
    fake.add_user(None, "ci-bot")
    r = cli("create", "--user-id", "ci-bot")
    assert r.code == 0, r.err
    assert fake.by_alias("ci-bot")[0]["user_id"] == "ci-bot" and "POST /user/new" not in fake.calls
    r = cli("create", "--user-id", "new-bot", "--alias", "nb")
    assert r.code == 0, r.err
    assert fake.users["new-bot"]["user_email"] is None and fake.by_alias("nb")[0]["user_id"] == "new-bot"


@pytest.mark.parametrize("args", [(), ("ada@example.com", "--user-id", "u1")])
def test_email_or_user_id_exactly_one(cli: Cli, fake: FakeLiteLLM, args: tuple[str, ...]) -> None:
    r = cli("create", *args)
    assert r.code == 1 and "EMAIL or --user-id" in r.err and fake.calls == []


def test_duplicate_alias_is_refused_before_anything_is_created(cli: Cli, fake: FakeLiteLLM) -> None:
    fake.add_key("ada")
    r = cli("create", "ada@example.com")
    assert r.code == 1 and r.out == ""
    assert "a key with alias 'ada' already exists" in r.err
    assert "llmproxy keys rotate ada" in r.err and "llmproxy keys update ada" in r.err
    assert "POST /key/generate" not in fake.calls and "POST /user/new" not in fake.calls
    assert len(fake.by_alias("ada")) == 1


def test_duplicate_alias_reported_by_litellm_gives_the_same_message(cli: Cli, fake: FakeLiteLLM) -> None:
    fake.fail["POST /key/generate"] = [error(400, "Key with alias 'ada' already exists. Unique key aliases "
                                                  "across all keys are required.")]
    r = cli("create", "ada@example.com")
    assert r.code == 1 and r.out == ""
    assert "a key with alias 'ada' already exists" in r.err and "keys rotate ada" in r.err


def test_a_200_without_a_key_is_not_success(cli: Cli, fake: FakeLiteLLM) -> None:
    fake.fail["POST /key/generate"] = [httpx.Response(200, json={"key_alias": "ada"})]
    r = cli("create", "ada@example.com")
    assert r.code == 1 and r.out == "" and "without a new key" in r.err


@pytest.mark.parametrize(("args", "message"), [
    (("--budget-duration", "30x"), "invalid budget duration '30x'"),
    (("--budget-duration", "0d"), "greater than zero"),
    (("--duration", "1 month"), "invalid duration '1 month'"),
    (("--max-budget", "-1"), "invalid max budget '-1'"),
    (("--max-budget", "ten"), "invalid max budget 'ten'"),
    (("--rpm-limit", "fast"), "invalid rpm limit 'fast'"),
    (("--tpm-limit", "1.5"), "invalid tpm limit '1.5'"),
    (("--metadata", "oops"), "expected key=value"),
    (("--alias", "../x"), "invalid alias"),
])
def test_invalid_values_are_refused_before_any_request(cli: Cli, fake: FakeLiteLLM, args: tuple[str, ...],
                                                       message: str) -> None:
    r = cli("create", "ada@example.com", *args)
    assert r.code == 1 and r.out == ""
    assert message in r.err and "Traceback" not in r.err and len(r.err.strip().splitlines()) <= 2
    assert fake.calls == []


def test_invalid_email(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "not-an-email")
    assert r.code == 1 and "invalid email" in r.err and fake.calls == []


def test_unknown_team_is_refused(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "ada@example.com", "--team-id", "nope")
    assert r.code == 1 and "no LiteLLM team with id 'nope'" in r.err
    assert not fake.keys and not fake.users
    fake.teams.add("core")
    assert cli("create", "ada@example.com", "--team-id", "core").code == 0
    assert fake.by_alias("ada")[0]["team_id"] == "core"


def test_custom_key_is_used_and_never_echoed_when_invalid(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "ada@example.com", "--key", "not-a-litellm-key-123")
    assert r.code == 1 and "invalid --key" in r.err and "not-a-litellm-key-123" not in r.err
    custom = "sk-my-own-custom-key-0001"
    r = cli("create", "ada@example.com", "--key", custom)
    assert r.code == 0 and r.out == custom + "\n"


def test_rejected_admin_key_is_one_clean_message_without_the_key(cli: Cli, fake: FakeLiteLLM,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITELLM_API_KEY", "sk-wrong-admin-key-987654")
    r = cli("create", "ada@example.com")
    assert r.code == 1 and r.out == ""
    assert "LiteLLM rejected the key (HTTP 401)" in r.err and "Traceback" not in r.err
    assert "sk-wrong-admin-key-987654" not in r.err
    assert not fake.keys


def test_json_output_is_one_object_with_the_key(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "ada@example.com", "--output", "json", "--rpm-limit", "5")
    assert r.code == 0
    body = json.loads(r.out)
    assert body["key"].startswith("sk-") and sha(body["key"]) == next(iter(fake.keys))
    assert body["key_alias"] == "ada" and body["user_email"] == "ada@example.com" and body["user_created"] is True
    assert body["rpm_limit"] == 5 and "key_name" not in body and "token" not in body
    assert r.err == ""


def test_defaults_come_from_the_config_keys_section(cli: Cli, fake: FakeLiteLLM, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"keys": {
        "models": ["General"], "max_budget": 100, "budget_duration": "30d", "rpm_limit": 60,
        "metadata": {"src": "config"}}}))
    r = cli("create", "ada@example.com", "--rpm-limit", "5", "--max-budget", "none")
    assert r.code == 0, r.err
    (row,) = fake.keys.values()
    assert row["models"] == ["General"] and row["budget_duration"] == "30d" and row["rpm_limit"] == 5
    assert row["max_budget"] is None and row["metadata"] == {"src": "config"}
    assert "General  (config default)" in r.err and "30d  (config default)" in r.err


def test_invalid_config_default_is_reported_with_its_place(cli: Cli, fake: FakeLiteLLM, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"keys": {"budget_duration": "30 days"}}))
    r = cli("create", "ada@example.com")
    assert r.code == 1 and "keys.budget_duration" in r.err and fake.calls == []


def test_explicit_missing_config_is_an_error(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "ada@example.com", "--config", "nope.json")
    assert r.code == 1 and "nope.json" in r.err and fake.calls == []


def test_a_config_that_does_not_load_can_be_bypassed(cli: Cli, fake: FakeLiteLLM, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({
        "providers": {"p": {"api_base": "http://x", "api_key": "${UNSET_VAR_FOR_KEYS_TEST}", "models": {"m": None}}},
        "keys": {"rpm_limit": 3}}))
    r = cli("create", "ada@example.com")
    assert r.code == 1 and "UNSET_VAR_FOR_KEYS_TEST" in r.err and "--no-defaults" in r.err and fake.calls == []
    r = cli("create", "ada@example.com", "--no-defaults")
    assert r.code == 0, r.err
    assert next(iter(fake.keys.values()))["rpm_limit"] is None


def test_lost_answer_to_generate_says_how_to_recover(cli: Cli, fake: FakeLiteLLM) -> None:
    fake.fail["POST /key/generate"] = [httpx.ReadTimeout("timed out")]
    r = cli("create", "ada@example.com")
    assert r.code == 1 and r.out == ""
    assert "may have been applied" in r.err and "llmproxy keys rotate ada" in r.err
    assert fake.calls.count("POST /key/generate") == 1  # never repeated: it could mint a second key


def test_a_models_name_litellm_does_not_have_is_refused_before_anything_is_created(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "ada@example.com", "--models", "Generl")
    assert r.code == 1 and r.out == ""
    assert "'Generl' is no model, alias or access group in LiteLLM" in r.err and "--allow-unknown-models" in r.err
    assert "POST /key/generate" not in fake.calls and not fake.keys
