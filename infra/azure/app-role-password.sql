-- Sets the password of the bot's PostgreSQL role (after infra/postgres/app-role.sql) from
-- the environment variable MACE_APP_DB_PASSWORD, so that it never appears on a command
-- line or in a file. Run by db-setup.sh:
--   psql -v app_role=mace_app -f app-role-password.sql
\getenv app_password MACE_APP_DB_PASSWORD
\if :{?app_password}
\else
  \warn 'MACE_APP_DB_PASSWORD is not set'
  SELECT 1/0 AS missing_password;
\endif
ALTER ROLE :"app_role" WITH LOGIN PASSWORD :'app_password';
