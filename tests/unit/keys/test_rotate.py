"""``keys rotate``: LiteLLM's regenerate when licensed, else the create/delete/rename fallback,
including what happens when it is interrupted at each step."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest

from llmproxy.errors import LLMProxyError
from llmproxy.keys.rotate import replacement_body
from tests.unit.keys.conftest import Result
from tests.unit.keys.fake import FakeLiteLLM, error, sha

Cli = Callable[..., Result]
SETTINGS = {"models": ["m1", "m2"], "max_budget": 10.0, "budget_duration": "30d", "rpm_limit": 5,
            "tpm_limit": 1000, "metadata": {"team": "core"}, "spend": 1.25, "team_id": "core"}


@pytest.fixture()
def old(fake: FakeLiteLLM) -> str:
    uid = fake.add_user("ada@example.com")
    return fake.add_key("ada", user_id=uid, **SETTINGS)


def test_fallback_replaces_the_key_with_the_same_alias_and_settings(cli: Cli, fake: FakeLiteLLM, old: str) -> None:
    r = cli("rotate", "ada")
    assert r.code == 0, r.err
    new = r.out[:-1]
    assert r.out == new + "\n" and new.startswith("sk-") and new != old
    assert sha(old) not in fake.keys
    (row,) = fake.by_alias("ada")
    assert row["token"] == sha(new)
    assert {k: row[k] for k in SETTINGS} == SETTINGS
    assert row["user_id"] == next(iter(fake.users))
    posts = [c for c in fake.calls if c.startswith("POST")]
    assert posts == [f"POST /key/{sha(old)}/regenerate", "POST /key/generate", "POST /key/delete",
                     "POST /key/update"]
    assert "Enterprise-only" in r.err and new not in r.err


def test_licensed_proxy_regenerates_in_place(cli: Cli, fake: FakeLiteLLM, old: str) -> None:
    fake.enterprise = True
    r = cli("rotate", "ada", "--output", "json")
    assert r.code == 0, r.err
    body = json.loads(r.out)
    assert body["rotation"] == "regenerate" and fake.by_alias("ada")[0]["token"] == sha(body["key"])
    assert "POST /key/generate" not in fake.calls and sha(old) not in fake.keys


def test_failure_to_mint_changes_nothing(cli: Cli, fake: FakeLiteLLM, old: str) -> None:
    fake.fail["POST /key/generate"] = [error(500, "database is on fire")]
    r = cli("rotate", "ada")
    assert r.code == 1 and r.out == ""
    assert "failed before anything changed" in r.err and "database is on fire" in r.err
    assert list(fake.keys) == [sha(old)]


def test_failure_to_delete_the_old_key_deletes_the_new_one_again(cli: Cli, fake: FakeLiteLLM, old: str) -> None:
    fake.fail["POST /key/delete"] = [error(500, "delete failed")]
    r = cli("rotate", "ada")
    assert r.code == 1 and r.out == ""
    assert "the new key was deleted again and the old key still works" in r.err
    assert list(fake.keys) == [sha(old)] and fake.keys[sha(old)]["key_alias"] == "ada"


def test_lost_answer_to_the_delete_is_not_mistaken_for_a_failure(cli: Cli, fake: FakeLiteLLM, old: str) -> None:
    def deleted_but_answer_lost(body: dict[str, object]) -> httpx.Response:
        fake.post_key_delete = original  # type: ignore[method-assign]
        original(body)
        return error(502, "bad gateway")

    original = fake.post_key_delete
    fake.post_key_delete = deleted_but_answer_lost  # type: ignore[method-assign]
    r = cli("rotate", "ada")
    assert r.code == 0, r.err
    assert [row["token"] for row in fake.by_alias("ada")] == [sha(r.out.strip())]


def test_when_neither_key_can_be_deleted_both_are_reported_and_the_new_one_shown(
        cli: Cli, fake: FakeLiteLLM, old: str) -> None:
    fake.fail["POST /key/delete"] = [error(500, "delete failed"), error(500, "delete failed")]
    r = cli("rotate", "ada")
    assert r.code == 1
    new = r.out.strip()
    assert sha(new) in fake.keys and sha(old) in fake.keys
    assert "both work" in r.err and f"keys delete {sha(old)[:12]} --yes" in r.err and new not in r.err


def test_failure_to_rename_prints_the_working_key_and_how_to_finish(cli: Cli, fake: FakeLiteLLM, old: str) -> None:
    fake.fail["POST /key/update"] = [error(400, "rename failed")]  # a 500 would be retried
    r = cli("rotate", "ada")
    assert r.code == 1
    new = r.out.strip()
    assert r.out == new + "\n" and sha(new) in fake.keys and sha(old) not in fake.keys
    temp = fake.keys[sha(new)]["key_alias"]
    assert temp.startswith("ada.rotating-")
    assert f"llmproxy keys update {temp} --alias ada" in r.err and new not in r.err
    # the alias is gone for now; commands that look for it point at the leftover
    r = cli("info", "ada")
    assert r.code == 1 and f"keys update {temp} --alias ada" in r.err
    assert cli("update", temp, "--alias", "ada").code == 0
    assert fake.by_alias("ada")[0]["token"] == sha(new)


def test_key_without_alias_is_rotated_by_hash(cli: Cli, fake: FakeLiteLLM) -> None:
    old = fake.add_key(None, rpm_limit=3)
    r = cli("rotate", sha(old)[:12])
    assert r.code == 0, r.err
    (row,) = fake.keys.values()
    assert row["token"] == sha(r.out.strip()) and row["rpm_limit"] == 3 and row.get("key_alias") is None


def test_replacement_keeps_expiry_and_refuses_expired_keys() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    info = {"token": "a" * 64, "key_alias": "ada", "expires": "2026-01-02T00:00:00Z", "models": [],
            "metadata": {}, "max_budget": None, "budget_limits": [{"budget_duration": "1d", "max_budget": 1.0,
                                                                   "reset_at": "2026-01-02T00:00:00Z"}],
            "object_permission": {"object_permission_id": "x", "mcp_servers": ["github"], "vector_stores": None}}
    body = replacement_body(info, now)
    assert body == {"duration": "86400s", "budget_limits": [{"budget_duration": "1d", "max_budget": 1.0}],
                    "object_permission": {"mcp_servers": ["github"]}}
    with pytest.raises(LLMProxyError, match="expired"):
        replacement_body({**info, "expires": "2025-12-31T00:00:00Z"}, now)
