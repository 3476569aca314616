#!/usr/bin/env bash
# make bench-ingest: 100,000 purchases through the vendor API and 100,000
# signed Stripe invoice.paid events through the connector, 64 connections,
# against the same server's no-op GET /healthz in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

# Durable PostgreSQL (fsync on): an acknowledged event is on disk.
start_throwaway durable

mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/ingestbench ./scripts/bench/ingestbench
bin/ingestbench -bin bin -db "$TEST_PG_URL" -redis "$TEST_REDIS_URL" "$@"
