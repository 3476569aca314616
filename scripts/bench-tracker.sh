#!/usr/bin/env bash
# make bench-tracker: PostgreSQL, Redis with AOF everysec, the partnerka
# tracker and a bare fasthttp baseline in one run; wrk loads both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

ensure_postgres
ensure_redis
command -v wrk >/dev/null || apt_install wrk

tmp=$(mktemp -d /tmp/partnerka-bench.XXXXXX)
pgdir=$(pg_datadir "$tmp/pg")
pgport=$(free_port)
redisport=$(free_port)
cleanup() {
	pg_stop "$pgdir"
	redis_stop "$tmp/redis" "$redisport"
	rm -rf "$tmp" "$pgdir"
}
trap cleanup EXIT
pg_start "$pgdir" "$pgport" fast
redis_start "$tmp/redis" "$redisport" everysec

mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/bare ./scripts/bench/bare
go build -o bin/trackerbench ./scripts/bench/trackerbench

echo "link cache memory:"
go test -run '^$' -bench BenchmarkLinkCacheMemory -benchtime 1x ./tracker/ | grep -E 'MB|links' || true

bin/trackerbench -bin bin \
	-db "postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable" \
	-redis "redis://127.0.0.1:$redisport/0" "$@"
