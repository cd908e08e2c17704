"""`llmproxy status` against the real LiteLLM: 0 healthy and in sync, 2 drifting, 1 a failed check."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.configs import ENV, PROVIDER_KEY, base_config, variant
from tests.e2e.harness import Harness
from tests.e2e.test_plan import dump_tables


def _status(h: Harness, cwd: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any], str]:
    proc = llmproxy(h, ["status", "--output", "json", *args], cwd=cwd, env={**ENV, **(env or {})})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stdout + proc.stderr


def _checks(body: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["status"] for c in body["checks"]}


def test_healthy_and_in_sync_then_drifting(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    assert llmproxy(litellm, ["sync", "--yes"], cwd=tmp_path, env=ENV).returncode == 0

    rc, body, _ = _status(litellm, tmp_path)
    assert rc == 0, body
    assert _checks(body) == {"reachable": "ok", "admin key": "ok", "database": "ok", "replicas": "ok",
                             "store_model_in_db": "ok", "config": "ok", "in sync": "ok"}
    assert body["url"] == litellm.url and body["litellm_version"].startswith("1.")
    assert body["in_sync"] is True and body["plan"]["summary"].startswith("No changes")
    assert body["counts"]["models"] == {"managed": 4, "adoptable": 0, "foreign": 0, "unmanaged": 0, "read_only": 1}
    assert body["counts"]["credentials"]["managed"] == 2 and body["counts"]["aliases"]["managed"] == 2

    text = llmproxy(litellm, ["status"], cwd=tmp_path, env=ENV)
    assert text.returncode == 0 and "Healthy and in sync." in text.stdout
    assert "1.106" in text.stdout and "master key" in text.stdout

    # Drift: someone edits the gateway by hand, and the config gains a model.
    with litellm.client() as c:
        c.post("/config/update", json={"router_settings": {"num_retries": 5}}).raise_for_status()
    cfg = variant(base_config())
    cfg["providers"]["upstream"]["models"]["gpt-new"] = {"litellm_params": {"mock_response": "new"}}
    write_config(tmp_path, cfg)
    before = dump_tables(litellm)
    rc, body, output = _status(litellm, tmp_path)
    assert rc == 2, body
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["in sync"]["status"] == "drift" and "llmproxy sync" in checks["in sync"]["fix"]
    assert body["plan"]["summary"] == "Plan: 1 to create, 1 to update, 0 to delete."
    assert body["plan"]["checksum"] in checks["in sync"]["detail"]
    assert dump_tables(litellm) == before  # status never writes
    assert PROVIDER_KEY not in output and litellm.master_key not in output


def test_failing_checks_exit_1_and_say_how_to_fix(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    rc, body, output = _status(litellm, tmp_path, env={"LITELLM_API_KEY": "sk-wrong-key-4f1a2b3c"})
    assert rc == 1
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["admin key"]["status"] == "fail" and "master key" in checks["admin key"]["fix"]
    assert checks["database"]["status"] == "ok"  # the public readiness probe still answers
    assert checks["in sync"]["status"] == "skipped" and body["healthy"] is False
    assert "sk-wrong-key-4f1a2b3c" not in output

    # A real virtual key of a user who is not a proxy admin.
    with litellm.client() as c:
        user = f"status-viewer-{uuid.uuid4().hex[:8]}"  # users survive the harness reset
        key = c.post("/user/new", json={"user_id": user, "user_role": "internal_user"}).raise_for_status().json()["key"]
    rc, body, output = _status(litellm, tmp_path, env={"LITELLM_API_KEY": key})
    checks = {c["name"]: c for c in body["checks"]}
    assert rc == 1 and "internal_user" in checks["admin key"]["detail"] and key not in output

    # Unreachable LiteLLM and a broken config: both reported, each with its fix.
    (tmp_path / "config.json").write_text("{ not json")
    rc, body, _ = _status(litellm, tmp_path, env={"LITELLM_BASE_URL": "http://127.0.0.1:9"})
    checks = {c["name"]: c for c in body["checks"]}
    assert rc == 1 and checks["reachable"]["status"] == "fail" and "LITELLM_BASE_URL" in checks["reachable"]["fix"]
    assert checks["config"]["status"] == "fail" and "line 1" in checks["config"]["detail"]


def test_counts_without_a_valid_config_and_adoptable_objects(litellm: Harness, tmp_path: Path) -> None:
    with litellm.client() as c:  # the same identity as a desired deployment: adoptable
        c.post("/model/new", json={"model_name": "openai/gpt-a", "litellm_params": {
            "model": "openai/gpt-a", "litellm_credential_name": "upstream-openai"}}).raise_for_status()
    write_config(tmp_path, base_config())
    rc, body, _ = _status(litellm, tmp_path)
    assert rc == 2 and body["counts"]["models"]["adoptable"] == 1
    (tmp_path / "config.json").write_text(json.dumps({"providers": {"x": {"interfaces": {"openai": {}}}}}))
    rc, body, _ = _status(litellm, tmp_path)
    assert rc == 1 and _checks(body)["config"] == "fail" and _checks(body)["in sync"] == "skipped"
    assert body["counts"]["models"]["unmanaged"] == 1  # counted even so


def test_a_proxy_admin_virtual_key_is_an_admin_key(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    with litellm.client() as c:
        user = f"status-admin-{uuid.uuid4().hex[:8]}"
        key = c.post("/user/new", json={"user_id": user, "user_role": "proxy_admin"}).raise_for_status().json()["key"]
    rc, body, output = _status(litellm, tmp_path, env={"LITELLM_API_KEY": key})
    checks = {c["name"]: c for c in body["checks"]}
    assert checks["admin key"]["status"] == "ok" and user in checks["admin key"]["detail"]
    assert rc == 2 and checks["in sync"]["status"] == "drift"  # nothing synced yet
    assert key not in output
