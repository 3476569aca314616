#!/usr/bin/env bash
# make test: start throwaway PostgreSQL and Redis on free ports, run every
# test against them with the race detector, and stop them again.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

ensure_postgres
ensure_redis

tmp=$(mktemp -d /tmp/partnerka-test.XXXXXX)
pgdir=$(pg_datadir "$tmp/pg")
pgport=$(free_port)
redisport=$(free_port)
cleanup() {
	pg_stop "$pgdir"
	redis_stop "$tmp/redis" "$redisport"
	rm -rf "$tmp" "$pgdir"
}
trap cleanup EXIT

say "starting PostgreSQL on 127.0.0.1:$pgport and Redis on 127.0.0.1:$redisport"
pg_start "$pgdir" "$pgport" fast
redis_start "$tmp/redis" "$redisport"

export PARTNERKA_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable"
export PARTNERKA_TEST_REDIS_URL="redis://127.0.0.1:$redisport/0"

go test -race -count=1 -timeout 15m "${@:-./...}"
