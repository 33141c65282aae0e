#!/usr/bin/env bash
# Provisions what the service tests need, by running every .ci/setup/*.sh script (Chromium,
# openssl, PostgreSQL, Prometheus; each idempotent, each a no-op once its service is there).
# First step of `npm run test:all`, the one command that runs the whole suite with nothing skipped.
#
# The scripts install with apt-get and so need root on a Debian-like machine. Elsewhere this says
# what to install (or which LLMETER_TEST_* variable points at your own copy) and carries on: the
# tests then fail under CI=true, or skip with the same advice outside CI.
set -uo pipefail
cd "$(dirname "$0")/../.."

advice() {
  cat >&2 <<'ADVICE'
!! llmeter: cannot provision the service tests here (needs root and apt-get). Install them yourself:
!!   Debian/Ubuntu (as root): apt-get install chromium openssl postgresql prometheus
!!     then: sudo bash .ci/setup/postgres.sh   (role, database, loopback access)
!!   or point the tests at your own:
!!     LLMETER_TEST_DATABASE_URL=postgres://user:password@127.0.0.1:5432/database
!!     LLMETER_PROMETHEUS_BIN=/path/to/prometheus
!!     LLMETER_TEST_CHROMIUM=/path/to/chromium
!!     openssl on PATH
ADVICE
}

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  advice
  exit 0
fi

failed=0
for setup in .ci/setup/*.sh; do
  [ -e "$setup" ] || continue
  echo "== setup: $setup"
  if ! bash "$setup"; then
    echo "!! llmeter: $setup failed; the tests that need it will say what is missing" >&2
    failed=1
  fi
done
if [ "$failed" != "0" ]; then advice; fi
exit 0
