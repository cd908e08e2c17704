-- db-cleanup.sql: prune LiteLLM's request logs older than the retention period, in batches.
--
-- The llmproxy stack mounts this file into its `db-cleanup` job as a Swarm config and
-- swarm-cronjob runs it every Sunday at 03:00:
--
--   psql -X -v ON_ERROR_STOP=1 -v retention_days=90 -f db-cleanup.sql
--
-- psql variables (-v NAME=VALUE), all optional:
--   retention_days       rows whose start time is more than this many days old are deleted
--                        (default 90, at least 1: a retention of 0 would empty the tables)
--   batch_size           rows per DELETE; every batch is its own transaction, so locks are
--                        short and a cancelled run keeps what it already did (default 5000)
--   max_runtime_seconds  no batch starts after this many seconds; what is left is reported and
--                        the next run continues from there (default 1800). Every statement is
--                        also cancelled by statement_timeout = max_runtime_seconds + 600 s.
--   lock_timeout         longest wait for a row or table lock before the table is given up for
--                        this run (default 5s)
--
-- What is pruned (LiteLLM's schema, from the migrations shipped in litellm-proxy-extras):
--   "LiteLLM_SpendLogs"              "startTime"  one row per request; the table that grows
--   "LiteLLM_SpendLogToolIndex"      start_time   derived from spend logs (tool calls)
--   "LiteLLM_SpendLogGuardrailIndex" start_time   derived from spend logs (guardrail runs)
--   "LiteLLM_ErrorLogs"              "startTime"  one row per failed request, request body included
-- Kept on purpose: the LiteLLM_Daily*Spend tables (one row per day and key/team/model: small,
-- and what LiteLLM's usage pages read) and LiteLLM_AuditLog (who changed keys, teams and
-- models: an audit trail should outlive request logs). A table missing from the database
-- (older or newer LiteLLM) is reported as absent and skipped.
--
-- The time columns are TIMESTAMP(3) WITHOUT TIME ZONE holding UTC (Prisma writes UTC), so the
-- cutoff is computed in UTC, whatever the session's TimeZone.
--
-- Output (stdout), one line per table and a total the job's log can be grepped for:
--   db-cleanup: LiteLLM_SpendLogs: deleted 120000 rows in 24 batches (done)
--   db-cleanup: removed 120500 rows older than 90 days (startTime before 2025-03-02 03:00:00 UTC)
-- Do not run it with --single-transaction: it commits after every batch.

\set ON_ERROR_STOP on
\set QUIET on
\pset format unaligned
\pset tuples_only on

\if :{?retention_days}
\else
  \set retention_days 90
\endif
\if :{?batch_size}
\else
  \set batch_size 5000
\endif
\if :{?max_runtime_seconds}
\else
  \set max_runtime_seconds 1800
\endif
\if :{?lock_timeout}
\else
  \set lock_timeout 5s
\endif

SET client_min_messages = warning;
SET application_name = 'llmproxy-db-cleanup';

-- psql does not substitute variables inside dollar-quoted blocks: hand them over as settings.
SELECT set_config('llmproxy_cleanup.retention_days', :'retention_days', false) AS retention_days,
       set_config('llmproxy_cleanup.batch_size', :'batch_size', false) AS batch_size,
       set_config('llmproxy_cleanup.max_runtime_seconds', :'max_runtime_seconds', false) AS max_runtime,
       set_config('lock_timeout', :'lock_timeout', false) AS lock_timeout
\gset cleanup_setting_

DO $validate$
DECLARE
  name text;
BEGIN
  FOREACH name IN ARRAY ARRAY['retention_days', 'batch_size', 'max_runtime_seconds'] LOOP
    IF current_setting('llmproxy_cleanup.' || name) !~ '^[0-9]{1,9}$' THEN
      RAISE EXCEPTION 'db-cleanup: % must be a whole number, got "%"',
        name, current_setting('llmproxy_cleanup.' || name);
    END IF;
  END LOOP;
  IF current_setting('llmproxy_cleanup.retention_days')::int < 1 THEN
    RAISE EXCEPTION 'db-cleanup: retention_days must be at least 1 (0 would delete every log)';
  END IF;
  IF current_setting('llmproxy_cleanup.batch_size')::int < 1 THEN
    RAISE EXCEPTION 'db-cleanup: batch_size must be at least 1';
  END IF;
END
$validate$;

-- Hard bound on every statement below (the batching loop is one statement), on top of the
-- soft max_runtime_seconds checked between batches.
SELECT set_config('statement_timeout',
                  ((current_setting('llmproxy_cleanup.max_runtime_seconds')::int + 600) * 1000)::text,
                  false) AS statement_timeout,
       to_char((now() AT TIME ZONE 'UTC')
               - make_interval(days => current_setting('llmproxy_cleanup.retention_days')::int),
               'YYYY-MM-DD HH24:MI:SS') AS cutoff
\gset cleanup_

CREATE TEMP TABLE cleanup_report (
  ord          int PRIMARY KEY,
  table_name   text NOT NULL,
  rows_deleted bigint NOT NULL,
  batches      int NOT NULL,
  status       text NOT NULL
);

DO $cleanup$
DECLARE
  retention  constant int := current_setting('llmproxy_cleanup.retention_days')::int;
  batch      constant int := current_setting('llmproxy_cleanup.batch_size')::int;
  deadline   constant timestamptz := clock_timestamp()
               + make_interval(secs => current_setting('llmproxy_cleanup.max_runtime_seconds')::int);
  -- computed once: now() moves with every COMMIT below
  cutoff     constant timestamp := (now() AT TIME ZONE 'UTC') - make_interval(days => retention);
  t          record;
  keys       text;
  deleted    bigint;
  batches    int;
  n          bigint;
  status     text;
BEGIN
  FOR t IN
    SELECT * FROM (VALUES
      (1, 'LiteLLM_SpendLogs',              'startTime',  ARRAY['request_id', 'startTime']),
      (2, 'LiteLLM_SpendLogToolIndex',      'start_time', ARRAY['request_id', 'tool_name']),
      (3, 'LiteLLM_SpendLogGuardrailIndex', 'start_time', ARRAY['request_id', 'guardrail_id']),
      (4, 'LiteLLM_ErrorLogs',              'startTime',  ARRAY['request_id'])
    ) AS v(ord, tbl, time_column, key_columns)
    ORDER BY ord
  LOOP
    deleted := 0;
    batches := 0;
    status := 'done';
    IF to_regclass(quote_ident(t.tbl)) IS NULL THEN
      status := 'absent';
    ELSE
      SELECT string_agg(quote_ident(k), ', ') INTO keys FROM unnest(t.key_columns) AS k;
      LOOP
        IF clock_timestamp() >= deadline THEN
          status := 'stopped: time limit reached, the rest is left for the next run';
          EXIT;
        END IF;
        BEGIN
          -- the inner SELECT walks the time index; the key columns find the rows again
          -- (request_id and startTime together also work on a partitioned spend-log table)
          EXECUTE format(
            'DELETE FROM %1$I WHERE (%2$s) IN (SELECT %2$s FROM %1$I WHERE %3$I < $1 LIMIT $2)',
            t.tbl, keys, t.time_column)
          USING cutoff, batch;
          GET DIAGNOSTICS n = ROW_COUNT;
        EXCEPTION WHEN lock_not_available THEN
          status := 'stopped: lock timeout, the rest is left for the next run';
          n := -1;
        END;
        EXIT WHEN n < 0;
        COMMIT;
        IF n > 0 THEN
          deleted := deleted + n;
          batches := batches + 1;
        END IF;
        EXIT WHEN n < batch;
      END LOOP;
    END IF;
    INSERT INTO pg_temp.cleanup_report VALUES (t.ord, t.tbl, deleted, batches, status);
    COMMIT;
  END LOOP;
END
$cleanup$;

SELECT format('db-cleanup: %s: deleted %s rows in %s batches (%s)',
              table_name, rows_deleted, batches, status)
FROM pg_temp.cleanup_report ORDER BY ord;

SELECT coalesce(sum(rows_deleted), 0) AS total FROM pg_temp.cleanup_report
\gset cleanup_removed_
\echo db-cleanup: removed :cleanup_removed_total rows older than :retention_days days (startTime before :cleanup_cutoff UTC)

-- Plain VACUUM does not give disk space back to the OS: it makes the freed space reusable by
-- new rows, which stops the table from growing, and ANALYZE refreshes the planner statistics.
-- SKIP_LOCKED: a table someone else holds a conflicting lock on is left to autovacuum.
SELECT format('VACUUM (ANALYZE, SKIP_LOCKED) %I', table_name)
FROM pg_temp.cleanup_report WHERE status <> 'absent' ORDER BY ord
\gexec
\echo db-cleanup: VACUUM ANALYZE done
