#!/usr/bin/env bash
# make test: install what the tests need (PostgreSQL, Redis, Chromium), start
# throwaway PostgreSQL and Redis on free ports, run every test against them
# with the race detector, and stop them again.
#
# make test-clock (scripts/test.sh --clock): the same suite with the
# PostgreSQL server's clock moved 400 days ahead (libfaketime in the server
# process only). It passes only if no instant the program compares comes
# from the database's now(): every one is the program's clock, passed in.
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
start_throwaway fast
export PARTNERKA_TEST_DATABASE_URL=$TEST_PG_URL
export PARTNERKA_TEST_REDIS_URL=$TEST_REDIS_URL

if [ -n "${PG_FAKETIME:-}" ]; then
	# Prove the server's clock is moved, or the run proves nothing.
	skew=$(pg_psql "$THROWAWAY_PGPORT" "SELECT round(extract(epoch FROM now()) - $(date +%s))")
	say "PostgreSQL's clock is ${skew}s ahead of this machine's (FAKETIME=$PG_FAKETIME)"
	[ "${skew#-}" -gt 86400 ] || die "libfaketime did not move PostgreSQL's clock"
fi

go test -race -count=1 -timeout 15m "${@:-./...}"
