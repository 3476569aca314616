package tracker

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"partnerka/commissions"
	"partnerka/storage"
)

// shardedTracker starts another tracker on the fixture's database and
// Redis spreading its clicks over shards; it stops when stop is called
// (or the test ends).
func (f *fixture) shardedTracker(t *testing.T, shards int) (*Server, *fiber.App, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := &Server{DB: f.db, Redis: f.rdb, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: NewMetrics(prometheus.NewRegistry()), Secret: []byte(testSecret),
		RedirectTimeout: 300 * time.Millisecond, SyncInterval: time.Second, Now: f.now, ClickShards: shards}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	srv.Mount(app)
	deadline := time.Now().Add(5 * time.Second)
	for !srv.writer.registered.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the tracker never registered its shards")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return srv, app, cancel
}

// redirectMany sends n redirects to app at once and returns how many were
// recorded (answered without the click_not_recorded reason).
func redirectMany(t *testing.T, app *fiber.App, n int) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	recorded := 0
	for range n {
		wg.Go(func() {
			resp, ok := visit(t, app)
			if ok && resp.Header.Get(HeaderReason) == "" {
				mu.Lock()
				recorded++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return recorded
}

// visit sends one visitor to /r/alpha on app; false (and the test
// failed) if the visitor was not redirected.
func visit(t *testing.T, app *fiber.App) (*http.Response, bool) {
	req := httptest.NewRequest("GET", "/r/alpha", nil)
	req.Header.Set("User-Agent", browserUA)
	resp, err := app.Test(req, 5000)
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Errorf("a visitor was not redirected: %v", err)
		return nil, false
	}
	return resp, true
}

func (f *fixture) shardLens(t *testing.T, n int) []int64 {
	t.Helper()
	out := make([]int64, n)
	for i := range n {
		out[i], _ = f.rdb.XLen(context.Background(), f.rdb.Key(storage.ClickShard(i))).Result()
	}
	return out
}

// Issue 21, point 1: the shard count grows (one tracker on one stream,
// then one on four, while the first still writes) and shrinks again (the
// four-shard tracker stops, one on two starts), with a reconciler
// draining in between: every recorded click is stored once, in the
// clicks and in the daily counts.
func TestClickShardsGrowAndShrink(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	drain := &commissions.ClickStep{DB: f.db, Redis: f.rdb, Consumer: "test"}
	drainAll := func() {
		t.Helper()
		for {
			n, err := drain.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	recorded := redirectMany(t, f.app, 150)
	drainAll()

	_, four, stopFour := f.shardedTracker(t, 4)
	var wg sync.WaitGroup
	var more [2]int
	wg.Go(func() { more[0] = redirectMany(t, four, 400) })
	wg.Go(func() { more[1] = redirectMany(t, f.app, 100) })
	wg.Wait()
	recorded += more[0] + more[1]
	lens := f.shardLens(t, 4)
	for i, n := range lens[1:] {
		if n == 0 {
			t.Errorf("shard %d got no batch of the four-shard tracker: %v", i+1, lens)
		}
	}
	// A reconciler mid-way, then the shrink: the four-shard tracker goes,
	// its shards 2 and 3 keep their undrained clicks, a two-shard one comes.
	if _, err := (&commissions.ClickStep{DB: f.db, Redis: f.rdb, Consumer: "test", MaxClicks: 100, Workers: 1}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	recorded += redirectMany(t, four, 100)
	stopFour()
	_, two, _ := f.shardedTracker(t, 2)
	recorded += redirectMany(t, two, 100)
	drainAll()

	var stored, distinct, counted int
	if err := f.db.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT click_id) FROM clicks`).Scan(&stored, &distinct); err != nil {
		t.Fatal(err)
	}
	if err := f.db.QueryRowContext(ctx, `SELECT coalesce(sum(clicks), 0) FROM click_stats_daily`).Scan(&counted); err != nil {
		t.Fatal(err)
	}
	// A click the tracker answered as unrecorded (its batch missed the
	// write deadline on a loaded machine) may still have landed: every
	// recorded click is stored, none twice, none beyond the 850 visits.
	if recorded < 800 || stored < recorded || stored > 850 || distinct != stored || counted != stored {
		t.Fatalf("%d clicks recorded by the trackers of 850 visits; %d stored (%d distinct), %d in the daily counts", recorded, stored, distinct, counted)
	}
	for i, n := range f.shardLens(t, 4) {
		if p, err := f.rdb.XPending(ctx, f.rdb.Key(storage.ClickShard(i)), storage.ReconcileGroup).Result(); err != nil || p.Count != 0 {
			t.Errorf("shard %d: %d entries, %v pending (%v)", i, n, p, err)
		}
	}
	t.Logf("%d clicks recorded and stored once; shard lengths after the four-shard tracker: %v", recorded, lens)
}

// A shard that refuses writes (here its key holds another type, as a
// master being failed over refuses them) is skipped: its batch goes to
// another shard, no visitor loses the click, and the others carry on.
func TestClickShardRefusingWritesIsSkipped(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	if err := f.rdb.Set(ctx, f.rdb.Key(storage.ClickShard(1)), "not a stream", 0).Err(); err != nil {
		t.Fatal(err)
	}
	srv, app, _ := f.shardedTracker(t, 3)
	recorded := 0
	for range 5 {
		recorded += redirectMany(t, app, 60)
	}
	if recorded != 300 {
		t.Errorf("%d of 300 clicks recorded with one shard of three refusing writes", recorded)
	}
	if errs := testutil.ToFloat64(srv.Metrics.StreamErrors); errs == 0 {
		t.Error("the refused writes were not counted")
	}
	lens := f.shardLens(t, 3)
	if lens[0] == 0 || lens[2] == 0 {
		t.Errorf("the writable shards did not share the batches: %v", lens)
	}
	var inStream int
	for _, i := range []int{0, 2} {
		msgs, _ := f.rdb.XRange(ctx, f.rdb.Key(storage.ClickShard(i)), "-", "+").Result()
		for _, m := range msgs {
			c, err := storage.DecodeClickBatch(m.Values)
			if err != nil {
				t.Fatal(err)
			}
			inStream += len(c)
		}
	}
	if inStream != recorded {
		t.Errorf("%d clicks in the writable shards, %d recorded", inStream, recorded)
	}
}
