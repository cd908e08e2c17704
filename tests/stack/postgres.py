"""A throwaway PostgreSQL cluster with LiteLLM's real schema, for testing db-cleanup.

The schema comes from the migrations shipped in `litellm-proxy-extras` (tests/stack/litellm_venv.py),
applied the way the e2e harness's `up` applies them: in order, each in one transaction except
the ones that create indexes CONCURRENTLY.

Nothing here skips: a missing PostgreSQL makes the tests fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_OS_USER = os.environ.get("LLMPROXY_PG_OS_USER", "postgres")


def pg_bin() -> Path:
    """The newest installed PostgreSQL server binaries (LLMPROXY_PG_BIN overrides)."""
    explicit = os.environ.get("LLMPROXY_PG_BIN")
    candidates = [explicit] if explicit else sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    for c in reversed(candidates):
        if c and (Path(c) / "initdb").exists():
            return Path(c)
    pytest.fail("PostgreSQL server binaries not found (apt-get install postgresql, or set "
                "LLMPROXY_PG_BIN): the db-cleanup tests run against a real PostgreSQL")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    """A running PostgreSQL cluster on 127.0.0.1:port, superuser `postgres`, trust auth."""

    bin: Path
    root: Path
    port: int

    def env(self, database: str = "postgres") -> dict[str, str]:
        return {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": str(self.port), "PGUSER": "postgres",
                "PGDATABASE": database, "PGOPTIONS": "-c client_min_messages=warning"}

    def psql(self, *args: str, database: str = "postgres", env: dict[str, str] | None = None,
             check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([str(self.bin / "psql"), "-X", "-v", "ON_ERROR_STOP=1", *args],
                              env={**self.env(database), **(env or {})}, input=stdin,
                              capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            raise AssertionError(f"psql {args} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def query(self, sql: str, database: str = "postgres") -> list[list[str]]:
        out = self.psql("-A", "-t", "-F", "\t", "-c", sql, database=database).stdout
        return [line.split("\t") for line in out.splitlines() if line]


def _as_pg(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", PG_OS_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def start_cluster() -> Cluster:
    """initdb + pg_ctl -w start in a fresh directory. As root, PostgreSQL runs as the postgres
    user, which cannot enter pytest's private (0700) temp root, hence a directory of our own."""
    bin_dir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="llmproxy-stack-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, user=PG_OS_USER)
    data = root / "data"
    def run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(_as_pg(cmd), cwd=root, capture_output=True, text=True, timeout=120)

    proc = run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
    if proc.returncode != 0:
        pytest.fail(f"initdb failed:\n{proc.stdout}\n{proc.stderr}")
    port = free_port()
    opts = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off")
    proc = run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "postgres.log"),
                "-w", "-t", "60", "-o", opts, "start"])
    if proc.returncode != 0:
        log = (root / "postgres.log").read_text() if (root / "postgres.log").exists() else ""
        pytest.fail(f"pg_ctl start failed:\n{proc.stdout}\n{proc.stderr}\n{log}")
    return Cluster(bin_dir, root, port)


def stop_cluster(cluster: Cluster) -> None:
    subprocess.run(_as_pg([str(cluster.bin / "pg_ctl"), "-D", str(cluster.root / "data"),
                           "-m", "immediate", "-w", "stop"]),
                   cwd=cluster.root, capture_output=True, timeout=60)
    shutil.rmtree(cluster.root, ignore_errors=True)


def apply_litellm_migrations(cluster: Cluster, database: str, extras: Path) -> int:
    """LiteLLM's migration.sql files, in order, as the harness's `up` applies them."""
    migrations = sorted((extras / "migrations").glob("*/migration.sql"))
    for f in migrations:
        one = [] if "CONCURRENTLY" in f.read_text().upper() else ["--single-transaction"]
        cluster.psql("-q", *one, "-f", str(f), database=database)
    return len(migrations)
