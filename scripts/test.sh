#!/usr/bin/env bash
# make test: install what the tests need (PostgreSQL, Redis, Chromium), start
# throwaway PostgreSQL and Redis on free ports, run every test against them
# with the race detector, and stop them again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

ensure_chromium # the browser tests drive it
start_throwaway fast
export PARTNERKA_TEST_DATABASE_URL=$TEST_PG_URL
export PARTNERKA_TEST_REDIS_URL=$TEST_REDIS_URL

go test -race -count=1 -timeout 15m "${@:-./...}"
