#!/usr/bin/env bash
# make test: install what the tests need (PostgreSQL, Redis, Chromium), start
# throwaway PostgreSQL (with a streaming replica) and Redis on free ports,
# and a Redis Cluster of three primaries with a replica each, run every
# test against them with the race detector, run the tracker, reconciler
# and cabinet suites again on the cluster, and stop everything again.
#
# make test-clock (scripts/test.sh --clock): the suite but the language walk with the
# PostgreSQL server's clock moved 400 days ahead (libfaketime in the server
# process only), without the race detector. It passes only if no instant
# the program compares comes from the database's now(): every one is the
# program's clock, passed in.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/services.sh

if [ "${1:-}" = --clock ]; then
	shift
	export PG_FAKETIME=${PARTNERKA_TEST_PG_FAKETIME:-+400d}
	faketime_lib >/dev/null # install it before the server starts
fi

ensure_chromium # the browser tests drive it
# Screenshots and reports the browser tests leave, kept after the run.
export PARTNERKA_TEST_ARTIFACTS=${PARTNERKA_TEST_ARTIFACTS:-$PWD/.artifacts}
mkdir -p "$PARTNERKA_TEST_ARTIFACTS"
start_throwaway fast replica
export PARTNERKA_TEST_DATABASE_URL=$TEST_PG_URL
export PARTNERKA_TEST_REPLICA_URL=$TEST_PG_REPLICA_URL # the cabinet's and back office's pages read through it
export PARTNERKA_TEST_REDIS_URL=$TEST_REDIS_URL

if [ -n "${PG_FAKETIME:-}" ]; then
	# Prove the server's clock is moved, or the run proves nothing.
	skew=$(pg_psql "$THROWAWAY_PGPORT" "SELECT round(extract(epoch FROM now()) - $(date +%s))")
	say "PostgreSQL's clock is ${skew}s ahead of this machine's (FAKETIME=$PG_FAKETIME)"
	[ "${skew#-}" -gt 86400 ] || die "libfaketime did not move PostgreSQL's clock"
fi

# make test (the whole suite, not make test-clock): a Redis Cluster of
# three primaries with a replica each, for the suites that use Redis.
cluster=
if [ $# = 0 ] && [ -z "${PG_FAKETIME:-}" ]; then
	cluster=$(mktemp -d /tmp/partnerka-cluster.XXXXXX)
	trap 'redis_cluster_stop "$cluster"; stop_throwaway' EXIT
	redis_cluster_start "$cluster"
	say "Redis Cluster on 127.0.0.1 ports $CLUSTER_PORTS"
fi

# make test-clock runs without the race detector: the code is the same as
# under make test, which races it; the database's clock is what changes,
# and without -race the second run takes half the time.
# It also leaves out TestOneLanguagePerPage, the real-browser walk of every
# page in both languages (two thirds of the suite's time): it judges the
# words on the pages, which no clock changes, and the pages' figures are
# checked by the tests that do run.
flags=(-race)
[ -z "${PG_FAKETIME:-}" ] || flags=(-skip '^TestOneLanguagePerPage$')
go test "${flags[@]}" -count=1 -timeout 15m "${@:-./...}"

if [ -n "$cluster" ]; then
	# The tracker, reconciler and cabinet suites again with the Redis
	# Cluster as their Redis (tests of one server's own behaviour, such as
	# its replicas, keep the single server). Without the race detector:
	# the code is the same as in the run above, the topology is what
	# changes.
	say "the tracker, reconciler and cabinet suites again, on the Redis Cluster"
	PARTNERKA_TEST_REDIS_SINGLE_URL=$TEST_REDIS_URL PARTNERKA_TEST_REDIS_URL=$TEST_REDIS_CLUSTER_URL \
		go test -count=1 -timeout 15m ./tracker ./commissions ./cabinet
fi
