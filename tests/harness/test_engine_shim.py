"""The query-engine shim under LiteLLM's generated Prisma client: engine/selftest.py (create,
find, update, upsert, group_by, raw queries, batches, transactions, error mapping)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.harness.install import HERE, Installed
from tests.harness.run import harness_run

SELFTEST = HERE / "engine" / "selftest.py"


def run_selftest(installed: Installed, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **installed.env(), "DATABASE_URL": database_url}
    return subprocess.run([str(installed.python), str(SELFTEST)], env=env, capture_output=True, text=True,
                          timeout=300, cwd=Path(installed.state))


def test_prisma_client_works_through_the_shim() -> None:
    run = harness_run()
    proc = run_selftest(run.installed, run.fresh_database("shim_selftest"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "selftest passed" in proc.stdout
    assert "ok   interactive transaction commit / rollback" in proc.stdout
