#!/bin/sh
# The db-setup job (infra/azure/modules/app.bicep), inside the VNet, at install and at
# every upgrade, before the bot's new image takes traffic:
#   1. as the schema owner, `mace-bot migrate`;
#   2. infra/postgres/app-role.sql: the bot's role, with rights on rows only (it can add
#      to the audit trail but never change it), re-granted on any new table;
#   3. that role's password, from Key Vault (MACE_APP_DB_PASSWORD), never on a command line.
# Connection: PGHOST, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT (read by
# both psql and asyncpg). MACE_DATA_KEYS must be the bot's keys: a migration may
# re-encrypt records.
set -eu

: "${PGHOST:?PGHOST is not set}"
: "${PGDATABASE:?PGDATABASE is not set}"
: "${PGUSER:?PGUSER is not set}"
: "${PGPASSWORD:?PGPASSWORD is not set}"
: "${MACE_DATA_KEYS:?MACE_DATA_KEYS is not set: the bot's data keys are needed to migrate}"
: "${MACE_APP_DB_PASSWORD:?MACE_APP_DB_PASSWORD is not set}"
APP_ROLE="${MACE_APP_ROLE:-mace_app}"
SHARE="$(dirname "$0")"

# No password in the URL: asyncpg takes PGPASSWORD from the environment.
DATABASE_URL="postgresql+asyncpg://${PGUSER}@${PGHOST}:${PGPORT:-5432}/${PGDATABASE}"
export DATABASE_URL

mace-bot migrate
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -v app_role="$APP_ROLE" -f "$SHARE/app-role.sql"
psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -v app_role="$APP_ROLE" -f "$SHARE/app-role-password.sql"
echo "Database ready: schema up to date; role $APP_ROLE granted rows-only rights."
