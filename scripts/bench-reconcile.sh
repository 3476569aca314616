#!/usr/bin/env bash
# make bench-reconcile: reconcile 1,000,000 purchases and drain 1,000,000
# clicks with the real binary, against a COPY baseline in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

ensure_postgres
ensure_redis
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
# Durable settings (fsync on): the baseline and the reconciler pay the same.
pg_start "$pgdir" "$pgport"
redis_start "$tmp/redis" "$redisport" everysec

mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/reconcilebench ./scripts/bench/reconcilebench
bin/reconcilebench -bin bin/partnerka \
	-db "postgres://postgres@127.0.0.1:$pgport/postgres?sslmode=disable" \
	-redis "redis://127.0.0.1:$redisport/0" "$@"
