-- The role the MACE bot connects as in production (docs/data-protection.md).
--
-- Run as the database owner after `mace-bot migrate` (which the owner runs, at each
-- release): the bot then works with rows only. It can add to the audit trail but never
-- change or remove an entry, and it cannot lift the append-only triggers, because only
-- a table's owner may alter a table.
--
--   psql "$OWNER_URL" -v app_role=mace_app -f infra/postgres/app-role.sql
--   then set the role's password and put it in DATABASE_URL (Key Vault in Azure).

SELECT format('CREATE ROLE %I LOGIN', :'app_role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_role') \gexec

GRANT USAGE ON SCHEMA public TO :"app_role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM :"app_role";
REVOKE DELETE, TRUNCATE ON audit_head FROM :"app_role";
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM :"app_role";
