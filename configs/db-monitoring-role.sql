-- db-monitoring-role.sql: the read-only role Netdata logs in to PostgreSQL with.
--
-- Netdata's postgres collector reads statistics (pg_stat_*, sizes, locks, replication, settings);
-- the predefined role pg_monitor grants exactly that. This role gets pg_monitor and nothing else:
-- no table of LiteLLM's (keys, spend, credentials) is readable by it, every transaction is
-- read-only, and it has at most 5 connections.
--
-- Run it as the database owner (DB_USER, a superuser in the postgres image), with the role's
-- password in the environment variable NETDATA_DB_PASSWORD, never on a command line:
--   export NETDATA_DB_PASSWORD=$(cat netdata-db-password)
--   docker exec -i -e NETDATA_DB_PASSWORD "$DB" psql -U litellm -d litellm < configs/db-monitoring-role.sql
-- Running it again changes the password and re-applies the settings (idempotent).
-- Optional: -v monitor_role=<name> for another role name than netdata.

\set ON_ERROR_STOP 1
\if :{?monitor_role}
\else
  \set monitor_role netdata
\endif
\getenv monitor_password NETDATA_DB_PASSWORD
\if :{?monitor_password}
\else
  DO $$ BEGIN RAISE EXCEPTION 'NETDATA_DB_PASSWORD is not set: export the monitoring role''s password first'; END $$;
\endif

BEGIN;
SELECT format('CREATE ROLE %I', :'monitor_role')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'monitor_role') \gexec
ALTER ROLE :"monitor_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  CONNECTION LIMIT 5 PASSWORD :'monitor_password';
ALTER ROLE :"monitor_role" SET default_transaction_read_only = on;
GRANT pg_monitor TO :"monitor_role";
-- in case someone granted more by hand: statistics only, no data
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"monitor_role";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM :"monitor_role";
REVOKE ALL ON SCHEMA public FROM :"monitor_role";
COMMIT;
\echo db-monitoring-role: role :monitor_role has pg_monitor and read-only transactions
