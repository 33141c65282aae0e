#!/usr/bin/env bash
# Installs Debian's Prometheus server for test/otel/prometheus-scrape.test.ts. Idempotent.
# The test starts its own `prometheus` process (temporary config and data directory, a free
# loopback port) and stops it; nothing is started here. The Debian package's own service is not
# needed: on machines with systemd it is stopped so that it does not hold port 9090.
# Tests find the binary on PATH, or at $LLMETER_PROMETHEUS_BIN.
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
  echo "prometheus already installed: $(prometheus --version 2>&1 | head -n 1)"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends prometheus
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  systemctl stop prometheus || true
fi
prometheus --version 2>&1 | head -n 1
