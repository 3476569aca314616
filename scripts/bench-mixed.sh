#!/usr/bin/env bash
# make bench-mixed: the data of make bench-cabinet, one serve, wrk on its
# tracker and concurrent users on the largest partner's cabinet pages, each
# alone and both together.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

command -v wrk >/dev/null || apt_install wrk
start_throwaway fast
mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/cabinetbench ./scripts/bench/cabinetbench
bin/cabinetbench -mixed -bin bin/partnerka -db "$TEST_PG_URL" -redis "$TEST_REDIS_URL" "$@"
