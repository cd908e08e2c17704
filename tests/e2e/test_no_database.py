"""A LiteLLM without a database answers reads with empty inventories; llmproxy must refuse with a
clear message instead of planning to create everything (and then failing every write)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import llmproxy, write_config
from tests.e2e.configs import ENV, base_config
from tests.e2e.harness import Harness, start_without_database, stop_proxy, wait_until_live
from tests.harness.processes import free_port


def test_litellm_without_database_is_a_clear_error(harness: Harness, tmp_path: Path) -> None:
    port = free_port()
    proc = start_without_database(harness, port)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_live(url, proc)
        write_config(tmp_path, base_config())
        for args in (["plan"], ["sync", "--yes"]):
            result = llmproxy(harness, args, cwd=tmp_path, env=ENV, url=url)
            assert result.returncode == 1, result.stdout
            assert "no database connected" in result.stderr
            assert "DATABASE_URL" in result.stderr and "STORE_MODEL_IN_DB" in result.stderr
            assert "Traceback" not in result.stderr
    finally:
        stop_proxy(proc)
