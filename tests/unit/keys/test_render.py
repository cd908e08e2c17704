"""Tables, detail views and JSON views of keys: complete, aligned, and never a secret."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from llmproxy.keys import render

NOW = datetime(2026, 11, 22, tzinfo=UTC)
SECRET = "sk-e4uqRe8tNk8FHISc3-2VKA"
TOKEN = "c44e485e909a9af6ab78ddd21e31658cdb4bf6affd8cc20f4b6f8feb85ae2ad2"
ROW = {
    "token": TOKEN, "key_name": "sk-...2VKA", "key_alias": "ada", "spend": 1.5, "max_budget": 10.0,
    "expires": "2027-02-20T04:49:44.771000Z", "models": ["config-file-model", "gpt-4o"],
    "user_id": "u-1", "team_id": None, "metadata": {"team": "core", "api_key": "sk-should-not-show"},
    "rpm_limit": 5, "tpm_limit": None, "budget_duration": "30d", "budget_reset_at": "2026-12-01T00:00:00Z",
    "blocked": None, "user": {"user_id": "u-1", "user_email": "ada@example.com", "password": None},
    "api_key": None, "key": SECRET,
}


def test_table_has_every_column_and_no_secret() -> None:
    other = {"token": "f" * 64, "key_alias": None, "models": [], "spend": 0.0, "max_budget": None,
             "user_id": "bot", "blocked": True, "expires": "2026-01-01T00:00:00Z"}
    text = render.keys_table([ROW, other], now=NOW)
    lines = text.splitlines()
    assert lines[0].split() == ["ALIAS", "USER", "TEAM", "MODELS", "SPEND", "/", "BUDGET", "BUDGET", "RESET",
                                "RPM", "/", "TPM", "EXPIRES", "BLOCKED", "HASH"]
    assert "ada@example.com" in lines[1] and "config-file-model, gpt-4o" in lines[1]
    assert "$1.50 / $10.00" in lines[1] and "30d (next 2026-12-01 00:00)" in lines[1]
    assert "5 / -" in lines[1] and "2027-02-20 04:49 UTC" in lines[1] and TOKEN[:12] in lines[1]
    assert lines[2].startswith("-") and "bot" in lines[2] and " all " in lines[2]
    assert "$0.00 / unlimited" in lines[2] and "expired 2026-01-01" in lines[2] and " yes " in lines[2]
    # columns line up: every row has the HASH column at the same offset
    assert {line.index(h) for line, h in zip(lines, ["HASH", TOKEN[:12], "f" * 12], strict=True)} == {
        lines[0].index("HASH")}
    assert SECRET not in text and "2VKA" not in text and TOKEN not in text


def test_public_view_hides_the_secret_its_mask_and_the_full_hash() -> None:
    view = render.public_view(ROW, full=True)
    dumped = json.dumps(view)
    assert SECRET not in dumped and "2VKA" not in dumped and TOKEN not in dumped
    assert "sk-should-not-show" not in dumped
    assert view["token_prefix"] == TOKEN[:12] and view["user_email"] == "ada@example.com"
    assert view["metadata"]["team"] == "core" and "user" not in view and "key_name" not in view


def test_details_show_limits_and_unlimited() -> None:
    pairs = dict(render.details(ROW, now=NOW))
    assert pairs["user"] == "ada@example.com (u-1)"
    assert pairs["tpm limit"] == "unlimited" and pairs["rpm limit"] == "5"
    assert pairs["hash"] == f"{TOKEN[:12]}…" and pairs["models"] == "config-file-model, gpt-4o"
    assert "sk-should-not-show" not in pairs["metadata"] and "team=core" in pairs["metadata"]
    text = render.detail_text(render.details(ROW, now=NOW))
    assert SECRET not in text and "2VKA" not in text


def test_no_expiry_and_all_models() -> None:
    pairs = dict(render.details({"token": TOKEN, "models": [], "expires": None}, now=NOW))
    assert pairs["expires"] == "never" and pairs["models"] == "all"


def test_defaults_from_config_are_marked() -> None:
    pairs = [("models", "General"), ("rpm limit", "5"), ("metadata", "a=b")]
    marked = dict(render.annotate(pairs, {"models": "config", "rpm_limit": "flag", "metadata": "config + flags"}))
    assert marked == {"models": "General  (config default)", "rpm limit": "5",
                      "metadata": "a=b  (config defaults + flags)"}
