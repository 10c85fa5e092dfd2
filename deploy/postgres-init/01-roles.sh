#!/usr/bin/env bash
# Runs once, when the postgres container initialises an empty data volume (the official
# image runs /docker-entrypoint-initdb.d/*.sh as the superuser). Same result as
# scripts/db_setup.py:
#
# - the owner role: owns the database and the public schema, runs migrations
#   (DATABASE_OWNER_URL); CREATEDB so it can create test databases; never superuser,
#   never BYPASSRLS;
# - the runtime role: what the app connects as (DATABASE_URL); owns nothing, never
#   superuser, never BYPASSRLS, so row-level security applies to every query. Migrations
#   grant it its table privileges.
#
# Passwords and names come from the container's environment (docker-compose.yml).
# To change them later, ALTER ROLE by hand: this script does not run again.
set -euo pipefail

: "${INCLUSION_POOL_DB:=inclusion_pool}"
: "${INCLUSION_POOL_OWNER_USER:=inclusion_pool_owner}"
: "${INCLUSION_POOL_APP_USER:=inclusion_pool_app}"
: "${INCLUSION_POOL_OWNER_PASSWORD:?INCLUSION_POOL_OWNER_PASSWORD must be set}"
: "${INCLUSION_POOL_APP_PASSWORD:?INCLUSION_POOL_APP_PASSWORD must be set}"

if [[ "$INCLUSION_POOL_OWNER_USER" == "$INCLUSION_POOL_APP_USER" ]]; then
    echo "01-roles.sh: the runtime role must differ from the owner role (row-level security)." >&2
    exit 1
fi

# psql variables (:"name" quotes an identifier, :'name' a literal) keep the values out of
# the SQL text.
psql --no-psqlrc -v ON_ERROR_STOP=1 \
    --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
    -v db="$INCLUSION_POOL_DB" \
    -v owner="$INCLUSION_POOL_OWNER_USER" -v owner_password="$INCLUSION_POOL_OWNER_PASSWORD" \
    -v app="$INCLUSION_POOL_APP_USER" -v app_password="$INCLUSION_POOL_APP_PASSWORD" <<'SQL'
CREATE ROLE :"owner" WITH LOGIN NOSUPERUSER CREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'owner_password';
CREATE ROLE :"app" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE :"db" OWNER :"owner";
\connect :"db"
ALTER SCHEMA public OWNER TO :"owner";
SQL

echo "01-roles.sh: created roles ${INCLUSION_POOL_OWNER_USER} (owner) and ${INCLUSION_POOL_APP_USER} (runtime), database ${INCLUSION_POOL_DB}."
