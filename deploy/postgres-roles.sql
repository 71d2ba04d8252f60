-- kpi-suite on PostgreSQL: three roles, least privilege.
--
--   kpi_owner   owns the database and its schema: runs `kpi db upgrade` (migrations) and `kpi demo`
--   kpi_writer  ingestion and the portal: SELECT, INSERT, UPDATE, DELETE on the data tables;
--               no DDL, never UPDATE or DELETE on the audit log, only SELECT and UPDATE on
--               its chain head (audit_chain_head), nothing on alembic_version
--   kpi_reader  dashboards (`kpi serve`) and the report batch: SELECT only
--
-- Run it as a superuser, connected to the kpi-suite database (create that first), e.g.
--   createdb kpi
--   psql -v ON_ERROR_STOP=1 -d kpi -f deploy/postgres-roles.sql
-- then give each role a password (none is stored here), e.g. in psql: \password kpi_writer
-- It is idempotent: run it again after `kpi db upgrade` has added tables (the default
-- privileges below already cover tables that kpi_owner creates, this is a second belt).
-- Roles are cluster-wide; everything else applies to the current database only.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpi_owner') THEN
        CREATE ROLE kpi_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpi_writer') THEN
        CREATE ROLE kpi_writer LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kpi_reader') THEN
        CREATE ROLE kpi_reader LOGIN;
    END IF;
    -- The database belongs to kpi_owner; only the three roles may connect.
    EXECUTE format('ALTER DATABASE %I OWNER TO kpi_owner', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO kpi_owner, kpi_writer, kpi_reader',
                   current_database());
    -- Readers never write, whatever their session says.
    EXECUTE format('ALTER ROLE kpi_reader IN DATABASE %I SET default_transaction_read_only = on',
                   current_database());
END
$roles$;

-- Only kpi_owner creates objects (PostgreSQL 15 already revokes CREATE from PUBLIC).
ALTER SCHEMA public OWNER TO kpi_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO kpi_writer, kpi_reader;

-- Tables and sequences that kpi_owner creates from now on (migrations).
ALTER DEFAULT PRIVILEGES FOR ROLE kpi_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO kpi_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE kpi_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO kpi_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE kpi_owner IN SCHEMA public
    GRANT SELECT ON TABLES TO kpi_reader;

-- Tables that exist already.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO kpi_writer;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO kpi_writer;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO kpi_reader;

-- The audit log is append-only (triggers refuse UPDATE and DELETE too); its chain head has one
-- row, which every append updates (and so locks) but nobody adds or removes; the schema version
-- is the owner's.
DO $tables$
BEGIN
    IF to_regclass('public.audit_log') IS NOT NULL THEN
        REVOKE UPDATE, DELETE ON public.audit_log FROM kpi_writer;
    END IF;
    IF to_regclass('public.audit_chain_head') IS NOT NULL THEN
        REVOKE INSERT, DELETE ON public.audit_chain_head FROM kpi_writer;
    END IF;
    IF to_regclass('public.alembic_version') IS NOT NULL THEN
        REVOKE INSERT, UPDATE, DELETE ON public.alembic_version FROM kpi_writer;
    END IF;
END
$tables$;
