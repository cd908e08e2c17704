"""`llmproxy plan` against the real LiteLLM: classification, outputs, exit codes, and no writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.configs import ENV, PROVIDER_KEY, base_config
from tests.e2e.harness import Harness

MANAGED_TABLES = ('"LiteLLM_ProxyModelTable"', '"LiteLLM_CredentialsTable"', '"LiteLLM_Config"')


def dump_tables(h: Harness) -> str:
    """Every row of the tables llmproxy could write to, as text, in a stable order."""
    out = []
    for table in MANAGED_TABLES:
        sql = f"COPY (SELECT * FROM {table} ORDER BY 1) TO STDOUT"
        out.append(subprocess.run([str(h.psql), "-X", "-h", "127.0.0.1", "-p", h.env["LITELLM_PG_PORT"],
                                   "-U", "postgres", "-d", "litellm", "-c", sql],
                                  check=True, capture_output=True, text=True).stdout)
    return "\n".join(out)


def test_plan_on_empty_proxy_lists_everything_as_create(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    proc = llmproxy(litellm, ["plan", "--output", "json", "--detailed-exitcode"], cwd=tmp_path, env=ENV)
    assert proc.returncode == 2, proc.stderr
    plan = json.loads(proc.stdout)
    by_kind: dict[str, set[str]] = {}
    for c in plan["changes"]:
        # router keys always hold a value (LiteLLM's default), so setting one is an update
        assert c["action"] == ("update" if c["kind"] == "router_settings" else "create")
        by_kind.setdefault(c["kind"], set()).add(c["key"])
    assert by_kind["credentials"] == {"upstream-openai", "backup-anthropic"}
    assert len(by_kind["models"]) == 4  # with the pattern deployment team-* (a wildcard alias)
    assert by_kind["aliases"] == {"fast", "smart"}
    assert by_kind["fallbacks"] == {"fast", "smart"}
    assert plan["counts"]["models"]["read_only"] == 1  # the config-file model
    assert PROVIDER_KEY not in proc.stdout + proc.stderr


def test_plan_classifies_objects_made_outside_llmproxy(litellm: Harness, tmp_path: Path) -> None:
    with litellm.client() as c:
        # Same identity as a desired deployment (as the old seed scripts made it): adoptable.
        c.post("/model/new", json={"model_name": "openai/gpt-a", "litellm_params": {
            "model": "openai/gpt-a", "litellm_credential_name": "upstream-openai",
            "mock_response": "reply from gpt-a"}, "model_info": {"access_groups": ["General"],
                                                                  "base_model": "gpt-a"}}).raise_for_status()
        # Made by hand in the UI, not in the config: unmanaged.
        c.post("/model/new", json={"model_name": "hand-made", "litellm_params": {
            "model": "openai/whatever", "api_key": "sk-hand-made-0000"}}).raise_for_status()
    write_config(tmp_path, base_config())
    proc = llmproxy(litellm, ["plan", "--output", "json"], cwd=tmp_path, env=ENV)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    models = {c["key"]: c["action"] for c in plan["changes"] if c["kind"] == "models"}
    assert models["openai/gpt-a (openai/gpt-a via upstream-openai)"] == "adopt"
    assert list(models.values()).count("create") == 3  # gpt-b, claude-c, team-*
    counts = plan["counts"]["models"]
    assert (counts["adoptable"], counts["unmanaged"], counts["read_only"], counts["managed"]) == (1, 1, 1, 0)
    # Unmanaged / read-only objects are never deletions, even with --prune.
    pruned = json.loads(llmproxy(litellm, ["plan", "--output", "json", "--prune"], cwd=tmp_path,
                                 env=ENV).stdout)
    assert not [c for c in pruned["changes"] if c["action"] == "delete"]


def test_plan_never_writes(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    assert llmproxy(litellm, ["sync", "--yes"], cwd=tmp_path, env=ENV).returncode == 0
    changed = base_config()
    del changed["providers"]["backup"]
    changed["fallbacks"] = []
    changed["aliases"]["fast"] = "openai/gpt-b"
    write_config(tmp_path, changed)
    before = dump_tables(litellm)
    for fmt in ("text", "json", "markdown"):
        proc = llmproxy(litellm, ["plan", "--prune", "--output", fmt], cwd=tmp_path, env=ENV)
        assert proc.returncode == 0, proc.stderr
    assert dump_tables(litellm) == before


def test_plan_text_and_markdown_outputs(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    text = llmproxy(litellm, ["plan"], cwd=tmp_path, env=ENV)
    assert "+ create  upstream-openai" in text.stdout
    assert "credential_values.api_key: (sensitive value changed)" in text.stdout
    assert "Plan: 10 to create, 1 to update, 0 to delete." in text.stdout
    md = llmproxy(litellm, ["plan", "--output", "markdown"], cwd=tmp_path, env=ENV)
    assert md.stdout.startswith("### llmproxy plan") and "```diff" in md.stdout
    assert "Plan checksum: `" in md.stdout


def test_connection_errors_are_one_clear_message(litellm: Harness, tmp_path: Path) -> None:
    write_config(tmp_path, base_config())
    bad_key = llmproxy(litellm, ["plan"], cwd=tmp_path, env={**ENV, "LITELLM_API_KEY": "sk-wrong-key-123456"})
    assert bad_key.returncode == 1
    assert "rejected the key" in bad_key.stderr and "master key" in bad_key.stderr
    assert "Traceback" not in bad_key.stderr and "sk-wrong-key-123456" not in bad_key.stderr
    down = llmproxy(litellm, ["plan"], cwd=tmp_path, env=ENV, url="http://127.0.0.1:9")
    assert down.returncode == 1 and "cannot reach LiteLLM at http://127.0.0.1:9" in down.stderr
    assert "Traceback" not in down.stderr
