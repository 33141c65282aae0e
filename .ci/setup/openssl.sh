#!/usr/bin/env bash
# Installs the openssl command line tool: test/otel/otlp-grpc.test.ts makes a throwaway
# self-signed certificate with it to check OTLP over gRPC with TLS (https:// endpoints).
# Idempotent: does nothing when openssl is already there. Run as root.
set -euo pipefail

if ! command -v openssl >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends openssl
fi

echo "openssl is ready for the llmeter OTLP/gRPC TLS test: $(openssl version)"
