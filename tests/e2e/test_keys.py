"""``llmproxy keys`` against the real LiteLLM: minted keys authenticate, respect their model list
and limits, rotate and delete for real, and no secret is ever printed except the new key."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.cli import chat, llmproxy
from tests.e2e.harness import Harness

MODEL = "config-file-model"  # mock_response model from tests/e2e/litellm-config.yaml
REPLY = "hello from the config file"


def email() -> str:
    return f"e2e-{uuid.uuid4().hex[:10]}@example.com"  # users survive the reset: never reuse one


def create(h: Harness, cwd: Path, *args: str) -> str:
    proc = llmproxy(h, ["keys", "create", *args], cwd=cwd)
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"sk-[A-Za-z0-9_\-]{16,}\n", proc.stdout), "stdout must be exactly the key + newline"
    return proc.stdout.strip()


def key_info(h: Harness, key: str) -> dict[str, Any]:
    with h.client() as c:
        r = c.get("/key/info", params={"key": key})
        r.raise_for_status()
        return r.json()["info"]


def users_with_email(h: Harness, address: str) -> list[dict[str, Any]]:
    with h.client() as c:
        found = c.get("/user/list", params={"user_email": address, "page_size": 100}).raise_for_status().json()
    return [u for u in found["users"] if u["user_email"] == address]


def keys_with_alias(h: Harness, alias: str) -> list[dict[str, Any]]:
    with h.client() as c:
        body = c.get("/key/list", params={"key_alias": alias, "return_full_object": "true"}).raise_for_status()
    return body.json()["keys"]


def test_create_for_a_new_user_mints_a_working_key_limited_to_its_models(litellm: Harness, tmp_path: Path) -> None:
    address = email()
    proc = llmproxy(litellm, ["keys", "create", address, "--alias", "ada", "--models", MODEL, "--max-budget", "5",
                              "--budget-duration", "30d", "--rpm-limit", "1000", "--duration", "90d",
                              "--metadata", "team=core"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    key = proc.stdout[:-1]
    assert proc.stdout == key + "\n" and key.startswith("sk-")
    assert "Created key 'ada'" in proc.stderr and "new user" in proc.stderr and key not in proc.stderr

    (user,) = users_with_email(litellm, address)
    info = key_info(litellm, key)
    assert info["user_id"] == user["user_id"] and info["key_alias"] == "ada"
    assert info["models"] == [MODEL] and info["max_budget"] == 5.0 and info["budget_duration"] == "30d"
    assert info["rpm_limit"] == 1000 and info["metadata"] == {"team": "core"} and info["expires"]

    assert chat(litellm, MODEL, key) == (200, REPLY)
    status, body = chat(litellm, "gpt-4o", key)
    assert status in (401, 403) and "not available for this API key" in body


def test_create_for_an_existing_user_reuses_it(litellm: Harness, tmp_path: Path) -> None:
    address = email()
    with litellm.client() as c:
        existing = c.post("/user/new", json={"user_email": address, "auto_create_key": False}).raise_for_status()
    key = create(litellm, tmp_path, address)
    assert key_info(litellm, key)["user_id"] == existing.json()["user_id"]
    assert len(users_with_email(litellm, address)) == 1
    assert keys_with_alias(litellm, address.split("@")[0])[0]["token"]  # alias = the email's local part
    assert chat(litellm, MODEL, key) == (200, REPLY)  # no model list: every model


def test_list_and_info_show_the_key_without_its_secret(litellm: Harness, tmp_path: Path) -> None:
    address = email()
    key = create(litellm, tmp_path, address, "--alias", "ada", "--models", MODEL, "--max-budget", "5")
    masked = key_info(litellm, key)["key_name"]  # LiteLLM's "sk-...last4"
    outputs = []
    for args in (["list"], ["list", "-o", "json"], ["list", "--user", address], ["info", "ada"],
                 ["info", "ada", "-o", "json"]):
        proc = llmproxy(litellm, ["keys", *args], cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout + proc.stderr)
        assert key not in proc.stdout + proc.stderr and masked not in proc.stdout + proc.stderr
    table = outputs[0].splitlines()
    assert table[0].split()[:2] == ["ALIAS", "USER"]
    assert table[1].split()[:4] == ["ada", address, "-", MODEL] and "$0.00 / $5.00" in table[1]
    listed = json.loads(outputs[1].strip())
    assert listed["count"] == 1 and listed["keys"][0]["user_email"] == address
    info = json.loads(outputs[4].strip())
    assert info["key_alias"] == "ada" and info["status"] == "active" and info["max_budget"] == 5.0


def test_update_changes_limits_in_place(litellm: Harness, tmp_path: Path) -> None:
    key = create(litellm, tmp_path, email(), "--alias", "ada", "--max-budget", "5", "--rpm-limit", "1000",
                 "--metadata", "team=core")
    proc = llmproxy(litellm, ["keys", "update", "ada", "--max-budget", "20", "--tpm-limit", "50000",
                              "--rpm-limit", "none", "--budget-duration", "7d", "--metadata", "app=x"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    info = key_info(litellm, key)
    assert info["max_budget"] == 20.0 and info["tpm_limit"] == 50000 and info["rpm_limit"] is None
    assert info["budget_duration"] == "7d" and info["metadata"] == {"team": "core", "app": "x"}
    assert chat(litellm, MODEL, key) == (200, REPLY)  # same secret still works

    assert llmproxy(litellm, ["keys", "update", "ada", "--models", "some-other-model", "--allow-unknown-models"],
                    cwd=tmp_path).returncode == 0
    assert chat(litellm, MODEL, key)[0] in (401, 403)  # the new model list is enforced


def test_rotate_rejects_the_old_key_and_the_new_one_works(litellm: Harness, tmp_path: Path) -> None:
    address = email()
    old = create(litellm, tmp_path, address, "--alias", "ada", "--models", MODEL, "--max-budget", "5",
                 "--rpm-limit", "1000", "--duration", "30d", "--metadata", "team=core")
    before = key_info(litellm, old)
    assert chat(litellm, MODEL, old) == (200, REPLY)

    proc = llmproxy(litellm, ["keys", "rotate", "ada"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    new = proc.stdout[:-1]
    assert proc.stdout == new + "\n" and new.startswith("sk-") and new != old
    assert "Enterprise-only" in proc.stderr and new not in proc.stderr and old not in proc.stderr

    assert chat(litellm, MODEL, old)[0] == 401
    assert chat(litellm, MODEL, new) == (200, REPLY)
    assert len(keys_with_alias(litellm, "ada")) == 1
    after = key_info(litellm, new)
    same = ("user_id", "models", "max_budget", "budget_duration", "rpm_limit", "metadata", "key_alias")
    assert {k: after[k] for k in same} == {k: before[k] for k in same}
    assert abs(_ts(after["expires"]) - _ts(before["expires"])) < 5
    assert not keys_with_alias(litellm, "ada.rotating-")  # no temporary alias left behind


def test_delete_needs_yes_and_then_the_key_is_refused(litellm: Harness, tmp_path: Path) -> None:
    key = create(litellm, tmp_path, email(), "--alias", "ada")
    proc = llmproxy(litellm, ["keys", "delete", "ada"], cwd=tmp_path)
    assert proc.returncode == 1 and "--yes" in proc.stderr and "Traceback" not in proc.stderr
    assert chat(litellm, MODEL, key) == (200, REPLY)

    proc = llmproxy(litellm, ["keys", "delete", "ada", "--yes"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert chat(litellm, MODEL, key)[0] == 401
    proc = llmproxy(litellm, ["keys", "info", "ada"], cwd=tmp_path)
    assert proc.returncode == 1 and "no key with alias 'ada'" in proc.stderr


def test_duplicate_alias_is_refused_and_creates_nothing(litellm: Harness, tmp_path: Path) -> None:
    create(litellm, tmp_path, email(), "--alias", "ada")
    other = email()
    proc = llmproxy(litellm, ["keys", "create", other, "--alias", "ada"], cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == ""
    assert "a key with alias 'ada' already exists" in proc.stderr and "keys rotate ada" in proc.stderr
    assert len(keys_with_alias(litellm, "ada")) == 1
    assert users_with_email(litellm, other) == []  # refused before the user was created


@pytest.mark.parametrize(("args", "message"), [
    (["--budget-duration", "30x"], "invalid budget duration '30x'"),
    (["--max-budget", "-3"], "invalid max budget '-3'"),
])
def test_invalid_values_are_refused_before_anything_is_created(litellm: Harness, tmp_path: Path,
                                                               args: list[str], message: str) -> None:
    proc = llmproxy(litellm, ["keys", "create", email(), "--alias", "bad", *args], cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout == "" and message in proc.stderr
    assert keys_with_alias(litellm, "bad") == []


def test_wrong_admin_key_is_a_clean_error_without_the_key(litellm: Harness, tmp_path: Path) -> None:
    wrong = "sk-not-the-master-key-42424242"
    proc = llmproxy(litellm, ["keys", "list"], cwd=tmp_path, env={"LITELLM_API_KEY": wrong})
    assert proc.returncode == 1 and proc.stdout == ""
    assert "rejected the key (HTTP 401)" in proc.stderr and wrong not in proc.stderr
    assert "Traceback" not in proc.stderr


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def test_team_keys_need_an_existing_team_and_keep_it_on_rotation(litellm: Harness, tmp_path: Path) -> None:
    team = f"e2e-team-{uuid.uuid4().hex[:8]}"
    proc = llmproxy(litellm, ["keys", "create", "--user-id", f"bot-{team}", "--alias", "bot", "--team-id", team],
                    cwd=tmp_path)
    assert proc.returncode == 1 and f"no LiteLLM team with id '{team}'" in proc.stderr
    assert keys_with_alias(litellm, "bot") == []
    with litellm.client() as c:
        c.post("/team/new", json={"team_id": team, "team_alias": team}).raise_for_status()
    try:
        create(litellm, tmp_path, "--user-id", f"bot-{team}", "--alias", "bot", "--team-id", team, "--models", MODEL)
        proc = llmproxy(litellm, ["keys", "rotate", "bot"], cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        info = key_info(litellm, proc.stdout.strip())
        assert info["team_id"] == team and info["user_id"] == f"bot-{team}" and info["key_alias"] == "bot"
        assert chat(litellm, MODEL, proc.stdout.strip()) == (200, REPLY)
    finally:
        with litellm.client() as c:
            c.post("/key/delete", json={"key_aliases": ["bot"]})
            c.post("/team/delete", json={"team_ids": [team]}).raise_for_status()
