#!/bin/sh
# The app's own PostgreSQL role and database, made once when the database volume is first created (the postgres
# image runs the scripts of /docker-entrypoint-initdb.d as its superuser; deploy/compose.yaml mounts this one).
# The role is neither superuser nor BYPASSRLS: such roles skip row-level security, which keeps the organizations'
# leads and events apart (docs/SECURITY.md). It owns its database, so the app can run the migrations.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="${LOVEDCRM_DB_USER:-lovedcrm}" -v database="${LOVEDCRM_DB_NAME:-lovedcrm}" \
    -v password="$LOVEDCRM_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD :'password';
CREATE DATABASE :"database" OWNER :"role";
SQL
