#!/bin/sh
# Creates Temporal's schema on first start and upgrades it to this admin-tools image's version
# afterwards; both steps are idempotent, so the job runs on every `docker compose up`. The
# databases already exist, owned by the "temporal" role (deploy/postgres-init.sh).
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${POSTGRES_PWD:?}"
export SQL_PASSWORD="$POSTGRES_PWD"
schema=/etc/temporal/schema/postgresql/v12
sql() { temporal-sql-tool --plugin "${DB:-postgres12}" --ep "$POSTGRES_SEEDS" -p "${DB_PORT:-5432}" -u "$POSTGRES_USER" "$@"; }

sql --db "${DBNAME:-temporal}" setup-schema -v 0.0
sql --db "${DBNAME:-temporal}" update-schema -d "$schema/temporal/versioned"
sql --db "${VISIBILITY_DBNAME:-temporal_visibility}" setup-schema -v 0.0
sql --db "${VISIBILITY_DBNAME:-temporal_visibility}" update-schema -d "$schema/visibility/versioned"
echo "Temporal schema is up to date"
