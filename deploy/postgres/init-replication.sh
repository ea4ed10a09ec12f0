#!/bin/bash
# Runs once, when the primary's data directory is created: a role the standby
# (postgres-replica, `--profile replica`) copies and streams with. Without
# REPLICATION_PASSWORD no such role is made and the profile cannot start.
set -euo pipefail
if [ -z "${REPLICATION_PASSWORD:-}" ]; then
  exit 0
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v pw="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
