"""configs/db-monitoring-role.sql against a real PostgreSQL holding LiteLLM's real schema: the role
Netdata logs in with reads statistics and nothing of LiteLLM's data."""

from __future__ import annotations

import subprocess

import pytest

from tests.harness.postgres import Cluster
from tests.stack.stacks import REPO

SQL_FILE = REPO / "configs" / "db-monitoring-role.sql"
ROLE = "netdata_t"
PASSWORD = "m0nitor-Pw'x"  # a quote: the script must pass it as a literal, not splice it


def run_script(pg: Cluster, database: str, password: str | None) -> subprocess.CompletedProcess[str]:
    env = {"NETDATA_DB_PASSWORD": password} if password is not None else {}
    proc = pg.psql("-q", "-v", f"monitor_role={ROLE}", database=database, env=env, check=False,
                   stdin=SQL_FILE.read_text())
    return proc


def as_monitor(pg: Cluster, database: str, sql: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
    return pg.psql("-h", "127.0.0.1", "-U", ROLE, "-A", "-t", "-c", sql, database=database,
                   env={"PGPASSWORD": password}, check=False)


@pytest.fixture()
def monitored(pg: Cluster, litellm_db: str) -> str:
    hba = pg.root / "data" / "pg_hba.conf"
    line = f"host all {ROLE} 127.0.0.1/32 scram-sha-256\n"
    if line not in hba.read_text():
        hba.write_text(line + hba.read_text())
        pg.psql("-c", "SELECT pg_reload_conf()")
    return litellm_db


def test_without_a_password_it_fails_and_creates_nothing(pg: Cluster, monitored: str) -> None:
    pg.psql("-c", f"DROP ROLE IF EXISTS {ROLE}")
    proc = run_script(pg, monitored, None)
    assert proc.returncode != 0
    assert "NETDATA_DB_PASSWORD is not set" in proc.stderr
    assert pg.query(f"SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}'") == []


def test_the_role_reads_statistics_and_no_data(pg: Cluster, monitored: str) -> None:
    pg.psql("-c", f"DROP OWNED BY {ROLE}", check=False, database=monitored)
    pg.psql("-c", f"DROP ROLE IF EXISTS {ROLE}")
    first = run_script(pg, monitored, "first-password")
    assert first.returncode == 0, first.stderr
    again = run_script(pg, monitored, PASSWORD)  # idempotent; changes the password
    assert again.returncode == 0, again.stderr
    assert PASSWORD not in again.stdout + again.stderr

    assert as_monitor(pg, monitored, "SELECT 1", password="first-password").returncode != 0
    # what Netdata's postgres collector reads
    for sql in ("SELECT count(*) FROM pg_stat_database",
                f"SELECT pg_database_size('{monitored}')",
                "SELECT count(*) FROM pg_stat_user_tables",
                "SELECT count(*) FROM pg_stat_activity WHERE query IS NOT NULL",
                "SELECT setting FROM pg_settings WHERE name = 'max_connections'"):
        proc = as_monitor(pg, monitored, sql)
        assert proc.returncode == 0, (sql, proc.stderr)
    # LiteLLM's data is out of reach, and nothing can be written
    for sql in ('SELECT count(*) FROM "LiteLLM_VerificationToken"',
                'SELECT count(*) FROM "LiteLLM_CredentialsTable"',
                'SELECT count(*) FROM "LiteLLM_SpendLogs"'):
        proc = as_monitor(pg, monitored, sql)
        assert proc.returncode != 0 and "permission denied" in proc.stderr, (sql, proc.stderr)
    proc = as_monitor(pg, monitored, "CREATE TEMP TABLE t (x int)")
    assert proc.returncode != 0 and "read-only transaction" in proc.stderr, proc.stderr
    attrs = pg.query(f"SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit "
                     f"FROM pg_roles WHERE rolname = '{ROLE}'")
    assert attrs == [["f", "f", "f", "f", "f", "5"]]
    members = pg.query(f"SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                       f"JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = '{ROLE}'")
    assert members == [["pg_monitor"]]
