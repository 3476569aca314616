# partnerka: two commands from a fresh clone.
#   make run    start local PostgreSQL and Redis, migrate, load the demo, serve
#   make test   the same on throwaway ports, then every test with -race
#   make test-clock  every test but the language walk again, without -race, PostgreSQL's clock 400 days ahead

GO ?= go

.PHONY: run test test-clock build vet clean bench-tracker bench-tracker-cluster bench-reconcile bench-cabinet bench-ingest bench-mixed

run:
	@scripts/run.sh

test:
	@scripts/test.sh

# The suite (but the browser's language walk, and without -race) with the
# test PostgreSQL server's clock moved 400 days ahead (libfaketime, server
# process only): the program's clock is the only one, so nothing may change.
test-clock:
	@scripts/test.sh --clock

# Tracker throughput and latency against a bare fasthttp 302 in the same
# run, clicks in the stream against redirects answered, link cache memory.
bench-tracker:
	@scripts/bench-tracker.sh

# The tracker on a Redis Cluster of three primaries with a replica each, its
# click stream in three shards, beside the tracker on one Redis, in the
# same run (make bench-tracker-cluster ARGS="-shards 6" for more shards).
bench-tracker-cluster:
	@scripts/bench-tracker.sh -cluster $(ARGS)

# Reconcile 1,000,000 purchases and drain 1,000,000 clicks with the real
# binary, against a COPY of as many rows in the same run.
bench-reconcile:
	@scripts/bench-reconcile.sh

# The largest partner's dashboard, earnings and customers pages over
# 10,000,000 clicks and 2,000,000 commissions, against a static file.
bench-cabinet:
	@scripts/bench-cabinet.sh

# The tracker under wrk and 50 users refreshing the largest partner's
# cabinet pages at once, each against itself alone in the same run.
bench-mixed:
	@scripts/bench-mixed.sh $(ARGS)

# 100,000 purchases through the vendor API and 100,000 signed Stripe
# events through the connector, against the server's no-op in the same run.
bench-ingest:
	@scripts/bench-ingest.sh

build:
	$(GO) build -o bin/partnerka ./cmd/partnerka

vet:
	$(GO) vet ./...

clean:
	rm -rf bin
