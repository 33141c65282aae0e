#!/usr/bin/env bash
# Installs and starts a real PostgreSQL (Debian's package) for the llmeter/postgres tests.
# Idempotent: safe to run again on a machine where it already ran. Run as root.
#
# The tests read LLMETER_TEST_DATABASE_URL and default to the URL printed at the end:
#   postgres://llmeter:llmeter@127.0.0.1:5432/llmeter_test
# Each test file creates its own schema in that database, so files can run concurrently.
# Set LLMETER_TEST_PG_PORT to use another port (the tests then need LLMETER_TEST_DATABASE_URL).
set -euo pipefail

PORT="${LLMETER_TEST_PG_PORT:-5432}"
ROLE=llmeter
PASSWORD=llmeter
DATABASE=llmeter_test

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y postgresql
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
CLUSTER=main

# A cluster may already exist (Debian's package creates `main`); make one if it does not.
if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "${VERSION}/${CLUSTER}"; then
  pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT"
fi

CONF_DIR="/etc/postgresql/${VERSION}/${CLUSTER}"
BEFORE="$(cat "$CONF_DIR/postgresql.conf" "$CONF_DIR/pg_hba.conf" | md5sum)"
# Loopback only, on a fixed port; password auth for TCP connections from loopback.
sed -i -E "s/^#?\s*listen_addresses\s*=.*/listen_addresses = '127.0.0.1'/" "$CONF_DIR/postgresql.conf"
sed -i -E "s/^#?\s*port\s*=.*/port = ${PORT}/" "$CONF_DIR/postgresql.conf"
# Several test files and benchmark writers connect at once.
sed -i -E "s/^#?\s*max_connections\s*=.*/max_connections = 200/" "$CONF_DIR/postgresql.conf"
if ! grep -q "llmeter-tests" "$CONF_DIR/pg_hba.conf"; then
  printf '%s\n' "host all ${ROLE} 127.0.0.1/32 scram-sha-256 # llmeter-tests" >>"$CONF_DIR/pg_hba.conf"
fi

AFTER="$(cat "$CONF_DIR/postgresql.conf" "$CONF_DIR/pg_hba.conf" | md5sum)"
STATUS="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [ "$STATUS" = "online" ]; then
  # listen_addresses, port and max_connections only change on a restart.
  if [ "$BEFORE" != "$AFTER" ]; then pg_ctlcluster "$VERSION" "$CLUSTER" restart; fi
else
  pg_ctlcluster "$VERSION" "$CLUSTER" start
fi

# Wait until the server accepts connections (start returns before that on slow machines).
for _ in $(seq 1 60); do
  if su postgres -c "psql -p ${PORT} -tAc 'SELECT 1'" >/dev/null 2>&1; then break; fi
  sleep 0.5
done

run_sql() { su postgres -c "psql -p ${PORT} -v ON_ERROR_STOP=1 -tAc \"$1\""; }

if [ "$(run_sql "SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}'")" != "1" ]; then
  run_sql "CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'"
else
  run_sql "ALTER ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'"
fi
if [ "$(run_sql "SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'")" != "1" ]; then
  run_sql "CREATE DATABASE ${DATABASE} OWNER ${ROLE}"
fi

URL="postgres://${ROLE}:${PASSWORD}@127.0.0.1:${PORT}/${DATABASE}"
echo "PostgreSQL ${VERSION} is ready for the llmeter tests: LLMETER_TEST_DATABASE_URL=${URL}"
