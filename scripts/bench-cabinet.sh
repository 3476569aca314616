#!/usr/bin/env bash
# make bench-cabinet: the largest partner's pages over a big program, against
# a static file of the same server.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

start_throwaway fast
mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/cabinetbench ./scripts/bench/cabinetbench
bin/cabinetbench -bin bin/partnerka -db "$TEST_PG_URL" -redis "$TEST_REDIS_URL" "$@"
