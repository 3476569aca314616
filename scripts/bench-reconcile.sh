#!/usr/bin/env bash
# make bench-reconcile: reconcile 1,000,000 purchases and drain 1,000,000
# clicks with the real binary, against a COPY baseline in the same run; the
# purchases with every fraud rule off and with every rule on (rules_ratio).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

# Durable PostgreSQL (fsync on): the baseline and the reconciler pay the same.
start_throwaway durable

mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/reconcilebench ./scripts/bench/reconcilebench
bin/reconcilebench -bin bin/partnerka -db "$TEST_PG_URL" -redis "$TEST_REDIS_URL" "$@"
