#!/usr/bin/env bash
# make run: start local PostgreSQL and Redis in .run/ (unless
# PARTNERKA_DATABASE_URL / PARTNERKA_REDIS_URL point elsewhere), migrate,
# load the demo program and serve. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

state=$PWD/.run
mkdir -p "$state"
pgport=54320
redisport=63790
started_pg= started_redis=

stop_all() {
	[ -n "$started_pg" ] && { say "stopping PostgreSQL"; pg_stop "$pgdir"; }
	[ -n "$started_redis" ] && { say "stopping Redis"; redis_stop "$state/redis" "$redisport"; }
	return 0
}
trap stop_all EXIT

if [ -z "${PARTNERKA_DATABASE_URL:-}" ]; then
	ensure_postgres
	pgdir=$(pg_datadir "$state/pg")
	if pg_running "$pgdir"; then
		say "PostgreSQL already running in $pgdir"
	else
		say "starting PostgreSQL on 127.0.0.1:$pgport (data: $pgdir)"
		pg_start "$pgdir" "$pgport"
		started_pg=1
	fi
	pg_ensure_app_db "$pgport"
	export PARTNERKA_DATABASE_URL="postgres://partnerka@127.0.0.1:$pgport/partnerka?sslmode=disable"
fi

if [ -z "${PARTNERKA_REDIS_URL:-}" ]; then
	ensure_redis
	if redis-cli -p "$redisport" ping >/dev/null 2>&1; then
		say "Redis already running on 127.0.0.1:$redisport"
	else
		say "starting Redis on 127.0.0.1:$redisport (data: $state/redis)"
		redis_start "$state/redis" "$redisport"
		started_redis=1
	fi
	export PARTNERKA_REDIS_URL="redis://127.0.0.1:$redisport/0"
fi

if [ -z "${PARTNERKA_SECRET:-}${PARTNERKA_SECRET_FILE:-}" ]; then
	[ -s "$state/secret" ] || { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$state/secret"; chmod 600 "$state/secret"; }
	export PARTNERKA_SECRET_FILE=$state/secret
fi

say "building partnerka"
go build -o "$state/partnerka" ./cmd/partnerka
"$state/partnerka" migrate
"$state/partnerka" demo

"$state/partnerka" serve
