#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium for the dashboard's end-to-end tests
# (test/dashboard/*.e2e.test.ts drive it with playwright-core; no browser is ever downloaded).
# Idempotent: does nothing when /usr/bin/chromium is already there. Run as root.
#
# The tests read LLMETER_TEST_CHROMIUM (default /usr/bin/chromium).
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends chromium fonts-dejavu-core
fi

echo "Chromium is ready for the llmeter dashboard tests: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
