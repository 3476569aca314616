package tracker

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// burst sends n redirects at once and returns how many were answered
// without a recorded click.
func (f *fixture) burst(t *testing.T, n int) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	unrecorded, failed := 0, 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := httptest.NewRequest("GET", "/r/alpha", nil)
			req.Header.Set("User-Agent", browserUA)
			resp, err := f.app.Test(req, 5000)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil || resp.StatusCode != http.StatusFound:
				failed++
			case resp.Header.Get(HeaderReason) == "click_not_recorded":
				unrecorded++
			}
		}()
	}
	wg.Wait()
	if failed > 0 {
		t.Fatalf("%d of %d visitors not redirected", failed, n)
	}
	return unrecorded
}

// Issue 17: partnerka_click_stream_errors_total, which the README told
// operators to alert on, counted failed writes: 3 for 2,465 clicks lost.
// partnerka_clicks_unrecorded_total counts every click redirected
// without being recorded, by reason, as many as clicks_total says were
// not recorded.
func TestUnrecordedClicksAreCounted(t *testing.T) {
	m := func(f *fixture, reason string) int {
		return int(testutil.ToFloat64(f.srv.Metrics.Unrecorded.WithLabelValues(reason)))
	}
	t.Run("Redis gone", func(t *testing.T) {
		dead, err := storage.OpenRedis(context.Background(), storagetest.RedisURL(t), "dead:")
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, dead)
		dead.Close() // every write now fails at once
		const clicks = 300
		if got := f.burst(t, clicks); got != clicks {
			t.Fatalf("%d of %d clicks answered as not recorded", got, clicks)
		}
		failed, down := m(f, UnrecordedWriteFailed), m(f, UnrecordedRedisDown)
		lost := failed + down + m(f, UnrecordedTimeout) + m(f, UnrecordedOverload)
		notRecorded := int(testutil.ToFloat64(f.srv.Metrics.Clicks.WithLabelValues(OutcomeNotRecorded)))
		writes := int(testutil.ToFloat64(f.srv.Metrics.StreamErrors))
		t.Logf("%d clicks: %d in failed writes, %d while Redis was known down; %d failed writes", clicks, failed, down, writes)
		if lost != clicks || notRecorded != clicks || failed < 1 {
			t.Errorf("unrecorded %d (write_failed %d, redis_down %d), clicks_total not_recorded %d; want %d, at least one failed write",
				lost, failed, down, notRecorded, clicks)
		}
		if writes < 1 || writes >= clicks {
			t.Errorf("%d failed writes for %d clicks: a write carries a batch", writes, clicks)
		}
	})
	t.Run("Redis silent", func(t *testing.T) {
		f := newFixture(t, nil)
		f.srv.writer.rdb = silentRedis(t)
		const clicks = 50
		if got := f.burst(t, clicks); got != clicks {
			t.Fatalf("%d of %d clicks answered as not recorded", got, clicks)
		}
		timeout := m(f, UnrecordedTimeout)
		if lost := timeout + m(f, UnrecordedRedisDown); lost != clicks || timeout < 1 || m(f, UnrecordedWriteFailed) != 0 {
			t.Errorf("unrecorded: timeout %d, redis_down %d, write_failed %d; want %d timed out or skipped, at least one timed out",
				timeout, m(f, UnrecordedRedisDown), m(f, UnrecordedWriteFailed), clicks)
		}
	})
}
