"""configs/db-cleanup.sql against a real PostgreSQL holding LiteLLM's real schema.

The cleanup runs with exactly the command the llmproxy stack gives the db-cleanup job (rendered
by `docker stack config`), only pointed at the test cluster and at the repo's SQL file.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness.postgres import Cluster
from tests.stack.stacks import REPO, STACKS, example_env, render

SQL_FILE = REPO / "configs" / "db-cleanup.sql"
DAYS = 200            # spend logs span 200 days ...
PER_DAY = 3           # ... three requests a day, each 12 hours past a whole day
RETENTION = 90
BATCH = 7             # small, so a run takes many batches
# A session time zone far from UTC: the time columns hold UTC without a time zone, and a cutoff
# computed in local time would be 14 hours off and misjudge the rows 5 minutes from it.
FAR_TIME_ZONE = "Pacific/Kiritimati"

SEED = f"""
CREATE TEMP TABLE t0 AS SELECT (now() AT TIME ZONE 'UTC') AS t0;
INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, "startTime", "endTime", model, spend)
SELECT format('req-d%s-%s', d, i), 'acompletion',
       t0 - make_interval(days => d, hours => 12),
       t0 - make_interval(days => d, hours => 12) + interval '2 seconds', 'gpt-test', 0.001
FROM t0, generate_series(0, {DAYS - 1}) AS d, generate_series(1, {PER_DAY}) AS i;
INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, "startTime", "endTime")
SELECT id, 'acompletion', t0 + shift, t0 + shift FROM t0, (VALUES
  ('edge-newer', interval '-{RETENTION} days' + interval '5 minutes'),
  ('edge-older', interval '-{RETENTION} days' - interval '5 minutes')) AS e(id, shift);
INSERT INTO "LiteLLM_SpendLogToolIndex" (request_id, tool_name, start_time)
SELECT request_id, 'web_search', "startTime" FROM "LiteLLM_SpendLogs" WHERE request_id LIKE 'req-%-1';
INSERT INTO "LiteLLM_SpendLogGuardrailIndex" (request_id, guardrail_id, start_time)
SELECT request_id, 'pii-mask', "startTime" FROM "LiteLLM_SpendLogs" WHERE request_id LIKE 'req-%-2';
INSERT INTO "LiteLLM_ErrorLogs" (request_id, "startTime", "endTime", exception_type)
SELECT format('err-d%s', d), t0 - make_interval(days => d, hours => 12),
       t0 - make_interval(days => d, hours => 12), 'RateLimitError'
FROM t0, generate_series(0, {DAYS - 1}) AS d;
-- kept on purpose, however old
INSERT INTO "LiteLLM_AuditLog" (id, updated_at, action, table_name, object_id)
SELECT 'audit-old', t0 - interval '300 days', 'created', 'LiteLLM_VerificationToken', 'key-1' FROM t0;
INSERT INTO "LiteLLM_DailyUserSpend" (id, user_id, date, api_key, updated_at)
SELECT 'daily-old', 'u1', to_char(t0 - interval '300 days', 'YYYY-MM-DD'), 'hashed-key', t0 FROM t0;
"""

TABLE_IDS = {
    "LiteLLM_SpendLogs": 'SELECT request_id FROM "LiteLLM_SpendLogs"',
    "LiteLLM_SpendLogToolIndex": 'SELECT request_id FROM "LiteLLM_SpendLogToolIndex"',
    "LiteLLM_SpendLogGuardrailIndex": 'SELECT request_id FROM "LiteLLM_SpendLogGuardrailIndex"',
    "LiteLLM_ErrorLogs": 'SELECT request_id FROM "LiteLLM_ErrorLogs"',
}


def _day(request_id: str) -> int:
    return int(re.match(r"(?:req|err)-d(\d+)", request_id).group(1))


def expected_survivors() -> dict[str, set[str]]:
    """What must be left after pruning everything older than RETENTION days."""
    spend = {f"req-d{d}-{i}" for d in range(RETENTION) for i in range(1, PER_DAY + 1)} | {"edge-newer"}
    return {
        "LiteLLM_SpendLogs": spend,
        "LiteLLM_SpendLogToolIndex": {f"req-d{d}-1" for d in range(RETENTION)},
        "LiteLLM_SpendLogGuardrailIndex": {f"req-d{d}-2" for d in range(RETENTION)},
        "LiteLLM_ErrorLogs": {f"err-d{d}" for d in range(RETENTION)},
    }


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str

    def tables(self) -> dict[str, tuple[int, int, str]]:
        """table -> (rows deleted, batches, status) from the per-table report lines."""
        found = re.findall(r"^db-cleanup: (\w+): deleted (\d+) rows in (\d+) batches \((.*)\)$",
                           self.stdout, re.M)
        return {t: (int(n), int(b), s) for t, n, b, s in found}

    def removed(self) -> tuple[int, int]:
        """(total rows removed, retention days) from the summary line."""
        m = re.search(r"^db-cleanup: removed (\d+) rows older than (\d+) days", self.stdout, re.M)
        assert m, f"no summary line in the output:\n{self.stdout}\n{self.stderr}"
        return int(m.group(1)), int(m.group(2))


@pytest.fixture(scope="module")
def job() -> dict:
    """The db-cleanup service as the llmproxy stack renders it (batch size lowered)."""
    env = {**example_env(STACKS["llmproxy"]), "DB_CLEANUP_BATCH_SIZE": str(BATCH)}
    return render(STACKS["llmproxy"], env)["services"]["db-cleanup"]


@dataclass
class Seeded:
    """A LiteLLM database holding the SEED rows, and the job's command to clean it."""

    pg: Cluster
    database: str
    command: list[str]

    def cleanup(self, *extra: str) -> Run:
        """Run the job's command (plus `extra` psql options) with the repo's SQL file."""
        assert self.command[0] == "psql"
        args = [a for a in self.command[1:] if not a.startswith("--file=")]
        (target,) = [a.removeprefix("--file=") for a in self.command if a.startswith("--file=")]
        assert target == "/etc/llmproxy/db-cleanup.sql"
        proc = subprocess.run([str(self.pg.bin / "psql"), *args, *extra, f"--file={SQL_FILE}"],
                              env={**self.pg.env(self.database), "PGTZ": FAR_TIME_ZONE},
                              capture_output=True, text=True, timeout=120)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def ids(self) -> dict[str, set[str]]:
        return {t: {row[0] for row in self.pg.query(sql, self.database)} for t, sql in TABLE_IDS.items()}


@pytest.fixture()
def db(pg: Cluster, litellm_db: str, job: dict) -> Seeded:
    pg.psql("-q", "-c", SEED, database=litellm_db)
    return Seeded(pg, litellm_db, job["command"])


def test_the_job_mounts_the_sql_and_uses_the_retention_setting(job: dict) -> None:
    command = job["command"]
    assert f"--set=retention_days={RETENTION}" in command
    assert f"--set=batch_size={BATCH}" in command
    assert "--set=ON_ERROR_STOP=1" in command
    assert [c["target"] for c in job["configs"]] == ["/etc/llmproxy/db-cleanup.sql", "/usr/local/bin/secret-env.sh"]
    thirty = render(STACKS["llmproxy"], {**example_env(STACKS["llmproxy"]), "DB_CLEANUP_RETENTION_DAYS": "30"})
    assert "--set=retention_days=30" in thirty["services"]["db-cleanup"]["command"]


def test_cleanup_deletes_exactly_the_rows_older_than_the_retention(db: Seeded) -> None:
    before = db.ids()
    assert len(before["LiteLLM_SpendLogs"]) == DAYS * PER_DAY + 2

    run = db.cleanup()
    assert run.returncode == 0, run.stderr

    after = db.ids()
    survivors = expected_survivors()
    assert after == survivors
    deleted = {t: len(before[t]) - len(after[t]) for t in TABLE_IDS}
    assert deleted == {"LiteLLM_SpendLogs": (DAYS - RETENTION) * PER_DAY + 1,
                       "LiteLLM_SpendLogToolIndex": DAYS - RETENTION,
                       "LiteLLM_SpendLogGuardrailIndex": DAYS - RETENTION,
                       "LiteLLM_ErrorLogs": DAYS - RETENTION}

    report = run.tables()
    assert {t: r[0] for t, r in report.items()} == deleted
    assert all(status == "done" for _, _, status in report.values())
    # batched: 331 spend-log rows in batches of 7 is 48 DELETEs, each committed on its own
    assert report["LiteLLM_SpendLogs"][1] == -(-deleted["LiteLLM_SpendLogs"] // BATCH)
    assert run.removed() == (sum(deleted.values()), RETENTION)
    assert "VACUUM ANALYZE done" in run.stdout

    # what the cleanup must never touch
    assert db.pg.query('SELECT id FROM "LiteLLM_AuditLog"', db.database) == [["audit-old"]]
    assert db.pg.query('SELECT id FROM "LiteLLM_DailyUserSpend"', db.database) == [["daily-old"]]

    second = db.cleanup()
    assert second.returncode == 0, second.stderr
    assert second.removed() == (0, RETENTION)
    assert db.ids() == survivors


def test_cleanup_stops_at_the_time_limit_and_leaves_the_rest_for_next_time(db: Seeded) -> None:
    before = db.ids()
    run = db.cleanup("--set=max_runtime_seconds=0")
    assert run.returncode == 0, run.stderr
    assert run.removed() == (0, RETENTION)
    assert all(status.startswith("stopped: time limit") for _, _, status in run.tables().values())
    assert db.ids() == before


def test_a_locked_row_makes_the_cleanup_give_up_that_table_not_hang(db: Seeded) -> None:
    locker = subprocess.Popen(
        [str(db.pg.bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"],
        env={**db.pg.env(db.database), "PGAPPNAME": "test-locker"},
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        locker.stdin.write('BEGIN;\nSELECT 1 FROM "LiteLLM_SpendLogs" WHERE request_id = \'req-d150-1\' FOR UPDATE;\n')
        locker.stdin.flush()
        wait_for(db, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'test-locker' "
                     "AND state = 'idle in transaction'")

        run = db.cleanup("--set=lock_timeout=200ms")
        assert run.returncode == 0, run.stderr
        report = run.tables()
        assert report["LiteLLM_SpendLogs"][2].startswith("stopped: lock timeout")
        assert "req-d150-1" in db.ids()["LiteLLM_SpendLogs"]
        # the other tables are still pruned
        assert report["LiteLLM_ErrorLogs"] == (DAYS - RETENTION, -(-(DAYS - RETENTION) // BATCH), "done")
    finally:
        locker.stdin.close()  # psql exits, its transaction rolls back
        locker.wait(timeout=30)

    again = db.cleanup()
    assert again.returncode == 0, again.stderr
    assert db.ids() == expected_survivors()


@pytest.mark.parametrize("setting", ["retention_days=0", "retention_days=-5", "retention_days=90;DROP TABLE x",
                                     "batch_size=0", "max_runtime_seconds=soon"])
def test_invalid_settings_are_refused_before_anything_is_deleted(db: Seeded, setting: str) -> None:
    before = db.ids()
    run = db.cleanup(f"--set={setting}")
    assert run.returncode != 0
    assert "db-cleanup:" in run.stderr and setting.split("=")[0] in run.stderr
    assert db.ids() == before


def test_the_sql_only_names_tables_and_columns_of_litellms_schema(litellm_extras: Path) -> None:
    """The pruned tables and their time and key columns exist in schema.prisma."""
    schema = (litellm_extras / "schema.prisma").read_text()
    sql = SQL_FILE.read_text()
    rows = re.findall(r"\(\d+, '(\w+)',\s+'(\w+)',\s+ARRAY\[([^\]]+)\]\)", sql)
    assert {r[0] for r in rows} == set(TABLE_IDS)
    for table, time_column, keys in rows:
        model = re.search(rf"^model {table} \{{(.*?)^\}}", schema, re.M | re.S)
        assert model, f"{table} is not a model in LiteLLM's schema.prisma"
        fields = set(re.findall(r"^\s+(\w+)\s", model.group(1), re.M))
        for column in [time_column, *re.findall(r"'(\w+)'", keys)]:
            assert column in fields, f"{table}.{column} is not in LiteLLM's schema"


def wait_for(db: Seeded, sql: str, timeout: float = 30) -> None:
    """Poll until `sql` returns 1 (the lock holder has taken its lock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.pg.query(sql, db.database) == [["1"]]:
            return
    raise AssertionError(f"timed out waiting for: {sql}")
