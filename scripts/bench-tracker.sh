#!/usr/bin/env bash
# make bench-tracker: PostgreSQL, Redis with AOF everysec, the partnerka
# tracker and a bare fasthttp baseline in one run; wrk loads both.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

command -v wrk >/dev/null || apt_install wrk
start_throwaway fast
if [ "${1:-}" = -cluster ]; then
	# make bench-tracker-cluster: the tracker on a Redis Cluster of three
	# primaries with a replica each, beside the tracker on the single Redis.
	shift
	cluster=$(mktemp -d /tmp/partnerka-cluster.XXXXXX)
	trap 'redis_cluster_stop "$cluster"; stop_throwaway' EXIT
	redis_cluster_start "$cluster"
	set -- -cluster "$TEST_REDIS_CLUSTER_URL" "$@"
fi

mkdir -p bin
go build -o bin/partnerka ./cmd/partnerka
go build -o bin/bare ./scripts/bench/bare
go build -o bin/trackerbench ./scripts/bench/trackerbench

if [ "${1:-}" != -cluster ]; then
	# The heap a 1,000,000-link cache holds, with 20 landing pages among the
	# links and with a page per link (goal: under 300 MB each).
	echo "link cache memory:"
	go test -run '^$' -bench BenchmarkLinkCacheMemory -benchtime 1x ./tracker/ | grep '^link cache:' || true
fi

bin/trackerbench -bin bin -db "$TEST_PG_URL" -redis "$TEST_REDIS_URL" "$@"
