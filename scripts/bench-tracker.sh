#!/usr/bin/env bash
# make bench-tracker: PostgreSQL, Redis with AOF everysec, the partnerka
# tracker and a bare fasthttp baseline in one run; wrk loads both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

command -v wrk >/dev/null || apt_install wrk
start_throwaway fast

mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/bare ./scripts/bench/bare
go build -o bin/trackerbench ./scripts/bench/trackerbench

# The heap a 1,000,000-link cache holds, with 20 landing pages among the
# links and with a page per link (goal: under 300 MB each).
echo "link cache memory:"
go test -run '^$' -bench BenchmarkLinkCacheMemory -benchtime 1x ./tracker/ | grep '^link cache:' || true

bin/trackerbench -bin bin -db "$TEST_PG_URL" -redis "$TEST_REDIS_URL" "$@"
