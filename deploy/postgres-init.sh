#!/bin/sh
# Runs once, when the PostgreSQL volume is empty (the image's /docker-entrypoint-initdb.d): gives
# the application and Temporal each their own login role, owning only their own databases, so
# neither runs as the superuser nor can read the other's data. Passwords come from the
# environment and reach SQL as psql variables (quoted by psql, never spliced into the text).
set -eu
: "${APP_DB_PASSWORD:?set APP_DB_PASSWORD}"
: "${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v app_password="$APP_DB_PASSWORD" -v temporal_password="$TEMPORAL_DB_PASSWORD" <<'SQL'
CREATE ROLE bots LOGIN PASSWORD :'app_password';
CREATE DATABASE bots OWNER bots;
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
-- temporal-sql-tool only sets up the schema (deploy/temporal-schema.sh); the databases exist.
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
-- Only the owners may connect (PUBLIC has CONNECT by default).
REVOKE CONNECT ON DATABASE bots FROM PUBLIC;
REVOKE CONNECT ON DATABASE temporal FROM PUBLIC;
REVOKE CONNECT ON DATABASE temporal_visibility FROM PUBLIC;
SQL
