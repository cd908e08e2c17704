"""``keys list | info | update | delete`` and how keys are addressed, against the fake LiteLLM."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import typer

from llmproxy.cli import keys_cmds
from tests.unit.keys.conftest import Result
from tests.unit.keys.fake import FakeLiteLLM, sha

Cli = Callable[..., Result]


def test_list_reads_every_page_and_shows_no_secret(cli: Cli, fake: FakeLiteLLM) -> None:
    uid = fake.add_user("ada@example.com")
    secrets = [fake.add_key(f"k{n:03}", user_id=uid, max_budget=5.0) for n in range(150)]
    r = cli("list")
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert len(lines) == 151 and lines[0].startswith("ALIAS")
    assert [line.split()[0] for line in lines[1:]] == [f"k{n:03}" for n in range(150)]
    assert fake.calls.count("GET /key/list") == 2
    for secret in secrets[:5]:
        assert secret not in r.out and secret[-4:] not in r.out and sha(secret) not in r.out
    body = json.loads(cli("list", "--output", "json").out)
    assert body["count"] == 150 and body["keys"][0]["user_email"] == "ada@example.com"
    assert all(set(k) & {"token", "key", "key_name"} == set() for k in body["keys"])


def test_list_filters_by_exact_user_email_or_id_and_team(cli: Cli, fake: FakeLiteLLM) -> None:
    ada, evil = fake.add_user("ada@example.com"), fake.add_user("ada@example.com.evil.io")
    fake.add_key("ada-1", user_id=ada, team_id="core")
    fake.add_key("evil-1", user_id=evil)
    assert [line.split()[0] for line in cli("list", "--user", "ada@example.com").out.splitlines()[1:]] == ["ada-1"]
    assert [line.split()[0] for line in cli("list", "--user", evil).out.splitlines()[1:]] == ["evil-1"]
    assert [line.split()[0] for line in cli("list", "--team", "core").out.splitlines()[1:]] == ["ada-1"]
    r = cli("list", "--user", "nobody@example.com")
    assert r.code == 1 and "no LiteLLM user with email nobody@example.com" in r.err


def test_empty_list_says_so_on_stderr(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("list")
    assert r.code == 0 and r.out == "" and "no keys" in r.err


def test_info_by_alias_token_hash_and_prefix(cli: Cli, fake: FakeLiteLLM) -> None:
    uid = fake.add_user("ada@example.com")
    secret = fake.add_key("ada", user_id=uid, models=["m1"], rpm_limit=7)
    for ref in ("ada", secret, sha(secret), sha(secret)[:12]):
        r = cli("info", ref)
        assert r.code == 0, (ref, r.err)
        assert "alias:" in r.out and "ada" in r.out and "ada@example.com (" in r.out and "rpm limit:" in r.out
        assert secret not in r.out and secret[-4:] not in r.out
    assert not any(secret in url for url in fake.urls), "the token must never travel in a URL"
    body = json.loads(cli("info", "ada", "-o", "json").out)
    assert body["key_alias"] == "ada" and body["models"] == ["m1"] and body["token_prefix"] == sha(secret)[:12]
    assert secret not in json.dumps(body) and sha(secret) not in json.dumps(body)


def test_unknown_alias_is_a_clear_error(cli: Cli, fake: FakeLiteLLM) -> None:
    for command in (("info", "nope"), ("update", "nope", "--rpm-limit", "1"), ("rotate", "nope"),
                    ("delete", "nope", "--yes")):
        r = cli(*command)
        assert r.code == 1 and r.out == "", command
        assert "no key with alias 'nope'" in r.err and "keys list" in r.err and "Traceback" not in r.err


def test_unknown_token_is_not_echoed(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("info", "sk-unknown-secret-value-1234")
    assert r.code == 1 and "no key with the given key" in r.err and "sk-unknown-secret-value-1234" not in r.err


def test_alias_shared_by_two_keys_is_ambiguous(cli: Cli, fake: FakeLiteLLM) -> None:
    a, b = fake.add_key("dup"), fake.add_key("dup")
    r = cli("info", "dup")
    assert r.code == 1 and "2 keys match alias 'dup'" in r.err
    assert sha(a)[:12] in r.err and sha(b)[:12] in r.err and "hash prefix" in r.err
    assert cli("info", sha(a)[:12]).code == 0


def test_update_changes_limits_in_place(cli: Cli, fake: FakeLiteLLM) -> None:
    secret = fake.add_key("ada", max_budget=10.0, rpm_limit=5, models=["m1"], metadata={"team": "core"})
    r = cli("update", "ada", "--max-budget", "none", "--tpm-limit", "1000", "--models", "", "--metadata", "app=x",
            "--budget-duration", "7d")
    assert r.code == 0, r.err
    row = fake.keys[sha(secret)]
    assert row["max_budget"] is None and row["tpm_limit"] == 1000 and row["rpm_limit"] == 5
    assert row["models"] == [] and row["metadata"] == {"team": "core", "app": "x"} and row["budget_duration"] == "7d"
    assert r.out == "" and "Updated key 'ada'" in r.err and "tpm limit:" in r.err


def test_update_renames_and_blocks(cli: Cli, fake: FakeLiteLLM) -> None:
    secret = fake.add_key("ada")
    fake.add_key("taken")
    r = cli("update", "ada", "--alias", "taken")
    assert r.code == 1 and "a key with alias 'taken' already exists" in r.err
    assert cli("update", "ada", "--alias", "ada2", "--block").code == 0
    assert fake.keys[sha(secret)]["key_alias"] == "ada2" and fake.keys[sha(secret)]["blocked"] is True


def test_update_without_changes_is_an_error(cli: Cli, fake: FakeLiteLLM) -> None:
    fake.add_key("ada")
    r = cli("update", "ada")
    assert r.code == 1 and "nothing to update" in r.err and "POST /key/update" not in fake.calls


def test_delete_needs_yes_without_a_terminal(cli: Cli, fake: FakeLiteLLM) -> None:
    secret = fake.add_key("ada")
    r = cli("delete", "ada")
    assert r.code == 1 and "without confirmation" in r.err and "--yes" in r.err
    assert sha(secret) in fake.keys and "POST /key/delete" not in fake.calls
    r = cli("delete", "ada", "--yes")
    assert r.code == 0 and sha(secret) not in fake.keys and "Deleted key 'ada'" in r.err


@pytest.mark.parametrize(("answer", "deleted"), [(False, False), (True, True)])
def test_delete_asks_on_a_terminal(cli: Cli, fake: FakeLiteLLM, monkeypatch: pytest.MonkeyPatch,
                                   answer: bool, deleted: bool) -> None:
    secret = fake.add_key("ada")
    asked: list[str] = []
    monkeypatch.setattr(keys_cmds, "interactive", lambda: True)
    monkeypatch.setattr(typer, "confirm", lambda text, **kw: (asked.append(text), answer)[1])
    r = cli("delete", "ada")
    assert asked and "Delete key 'ada'" in asked[0]
    assert (sha(secret) not in fake.keys) is deleted and r.code == (0 if deleted else 1)


def test_delete_removes_only_the_addressed_key(cli: Cli, fake: FakeLiteLLM) -> None:
    keep = fake.add_key("keep")
    gone = fake.add_key("gone")
    assert cli("delete", "gone", "-y", "-o", "json").code == 0
    assert sha(keep) in fake.keys and sha(gone) not in fake.keys
