"""LiteLLM's database schema, applied as ``prisma migrate deploy`` would apply it.

There is no Prisma schema engine here (see README.md), so the ``migration.sql`` files shipped in
``litellm-proxy-extras`` are run with ``psql`` in order, each in one transaction except those
that create indexes CONCURRENTLY, and recorded in ``_prisma_migrations`` (name, sha256) so that
only new ones run next time and LiteLLM sees its migrations as applied.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from tests.harness.postgres import Cluster

_LEDGER = '''CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL, "checksum" VARCHAR(64) NOT NULL, "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), "applied_steps_count" INTEGER NOT NULL DEFAULT 0)'''
_BUILD_INDEXES = """import sys
from litellm_proxy_extras.utils import ProxyExtrasDBManager as M
sys.exit(0 if M.build_request_log_indexes() else 1)"""


def migration_files(extras: Path) -> list[Path]:
    return sorted((extras / "migrations").glob("*/migration.sql"))


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def apply_migrations(cluster: Cluster, database: str, extras: Path, *, record: bool = True) -> int:
    """Apply the migrations not yet recorded in ``database``; return how many ran. All of them
    go through one ``psql`` session (one process, not one per file)."""
    applied: set[str] = set()
    if record:
        cluster.psql("-q", "-c", _LEDGER, database=database)
        applied = {row[0] for row in cluster.query(
            'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL '
            "AND rolled_back_at IS NULL", database)}
    script: list[str] = []
    count = 0
    for f in migration_files(extras):
        name = f.parent.name
        if name in applied:
            continue
        atomic = "CONCURRENTLY" not in f.read_text().upper()
        script += ["BEGIN;"] if atomic else []
        script.append(f"\\i {_quoted(f)}")
        if record:
            checksum = hashlib.sha256(f.read_bytes()).hexdigest()
            script.append('INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, '
                          f"applied_steps_count) VALUES (gen_random_uuid()::text, '{checksum}', now(), '{name}', 1);")
        script += ["COMMIT;"] if atomic else []
        count += 1
    if count:
        cluster.psql("-q", database=database, stdin="\n".join(script) + "\n")
    return count


def build_request_log_indexes(cluster: Cluster, database: str, python: Path, env: dict[str, str], log: Path) -> None:
    """The spend-log indexes LiteLLM builds itself after ``prisma migrate deploy``, with its own
    helper from ``litellm-proxy-extras``."""
    with log.open("ab") as out:
        proc = subprocess.run([str(python), "-c", _BUILD_INDEXES], stdout=out, stderr=subprocess.STDOUT,
                              env={**os.environ, **env, "DATABASE_URL": cluster.url(database)}, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"LiteLLM's request-log index build failed (see {log})")
