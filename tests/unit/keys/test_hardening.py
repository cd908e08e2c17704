"""keys with a non-admin key, range checks before any write, parallel creates (issue 15, item 11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.unit.keys.conftest import Result
from tests.unit.keys.fake import FakeLiteLLM

Cli = Callable[..., Result]


def test_an_out_of_range_tpm_limit_is_refused_before_anything_is_created(cli: Cli, fake: FakeLiteLLM) -> None:
    r = cli("create", "new@example.com", "--tpm-limit", "99999999999999999999")
    assert r.code == 1 and "at most 9223372036854775807" in r.err
    assert fake.users == {} and fake.keys == {}


def test_a_user_created_concurrently_is_read_again_not_a_409(cli: Cli, fake: FakeLiteLLM,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    real = fake.post_user_new

    def racing(body: dict[str, Any]) -> httpx.Response:
        real(body)  # another `keys create` got there first
        return real(body)  # ours: 409 already exists

    monkeypatch.setattr(fake, "post_user_new", racing)
    r = cli("create", "ada@example.com")
    assert r.code == 0, r.err
    assert len(fake.users) == 1 and len(fake.keys) == 1


def _as_internal_user(fake: FakeLiteLLM, monkeypatch: pytest.MonkeyPatch) -> None:
    uid = fake.add_user("bob@example.com")
    fake.users[uid]["user_role"] = "internal_user"
    original = fake.get_key_info

    def key_info(q: dict[str, str]) -> httpx.Response:
        if "key" not in q:
            return httpx.Response(200, json={"key": "x", "info": {"user_id": uid}})
        return original(q)

    monkeypatch.setattr(fake, "get_key_info", key_info)


def test_keys_list_with_a_non_admin_key_says_what_it_cannot_see(cli: Cli, fake: FakeLiteLLM,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _as_internal_user(fake, monkeypatch)
    r = cli("list")
    assert r.code == 0
    assert "role internal_user" in r.err and "only the keys it can see" in r.err


def test_a_missing_key_with_a_non_admin_key_is_not_called_nonexistent(cli: Cli, fake: FakeLiteLLM,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    _as_internal_user(fake, monkeypatch)
    r = cli("delete", "someone-elses", "--yes")
    assert r.code != 0 and "that the key in use can see" in r.err and "proxy_admin" in r.err


def test_with_the_master_key_list_prints_no_scope_note(cli: Cli, fake: FakeLiteLLM) -> None:
    assert "note:" not in cli("list").err
