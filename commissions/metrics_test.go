package commissions

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// A pass counts what each step handled and when it completed; the backlog
// collector reports the unacknowledged stream entries and the outbox
// messages not delivered yet.
func TestReconcilerMetrics(t *testing.T) {
	db, alpha, rec, _ := engineWorld(t)
	ctx := context.Background()
	m := NewMetrics(prometheus.NewRegistry())
	rec.Metrics = m
	if err := db.SetPostbackURL(ctx, alpha, "https://partner.example/pb?c={commission_id}", storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	purchase(t, db, "inv 1", "100", t0.Add(time.Hour))
	purchase(t, db, "inv 2", "50", t0.Add(2*time.Hour))
	before := time.Now()
	if _, err := rec.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(m.Items.WithLabelValues("purchases")); got != 2 {
		t.Errorf("purchases counted %v, want 2", got)
	}
	if got := testutil.CollectAndCount(m.StepSeconds); got != len(rec.Steps) {
		t.Errorf("%d steps timed, want %d", got, len(rec.Steps))
	}
	if last := testutil.ToFloat64(m.LastPass); last < float64(before.Unix()) {
		t.Errorf("last pass at %v, want after %v", last, before.Unix())
	}

	rdb := storagetest.NewRedis(t)
	if err := rdb.EnsureGroup(ctx, storage.ClickStream); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		rdb.XAdd(ctx, &redis.XAddArgs{Stream: rdb.Key(storage.ClickStream), Values: []any{"k", "v"}})
	}
	want := `
# HELP partnerka_outbox_messages Outbox messages not delivered yet, by kind and state (waiting, given_up).
# TYPE partnerka_outbox_messages gauge
partnerka_outbox_messages{kind="notice",state="given_up"} 0
partnerka_outbox_messages{kind="notice",state="waiting"} 0
partnerka_outbox_messages{kind="postback",state="given_up"} 0
partnerka_outbox_messages{kind="postback",state="waiting"} 2
# HELP partnerka_stream_backlog Stream entries the reconciler has not acknowledged yet.
# TYPE partnerka_stream_backlog gauge
partnerka_stream_backlog{stream="clicks"} 3
`
	if err := testutil.CollectAndCompare(&BacklogCollector{DB: db, Redis: rdb}, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
}
