package tracker

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"partnerka"
)

// Outcomes of a landing page view pk.js confirmed, the label of
// partnerka_click_views_total.
const (
	ViewStored      = "stored"       // written to click_views (a repeat adds no row)
	ViewInvalid     = "invalid"      // not a click id: answered, not recorded
	ViewOverload    = "overload"     // the writer's buffer was full: dropped
	ViewWriteFailed = "write_failed" // the batch carrying it failed: dropped
)

// ViewMetrics are the Prometheus metrics of confirmed views.
type ViewMetrics struct {
	// Views counts views by outcome: one dropped is lost evidence, never
	// a lost click or a held page.
	Views    *prometheus.CounterVec
	outcomes map[string]prometheus.Counter
}

// NewViewMetrics registers the view metrics with reg.
func NewViewMetrics(reg prometheus.Registerer) *ViewMetrics {
	m := &ViewMetrics{
		Views: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "partnerka_click_views_total", Help: "Landing page views confirmed by pk.js, by outcome.",
		}, []string{"outcome"}),
		outcomes: map[string]prometheus.Counter{},
	}
	for _, o := range []string{ViewStored, ViewInvalid, ViewOverload, ViewWriteFailed} {
		m.outcomes[o] = m.Views.WithLabelValues(o)
	}
	reg.MustRegister(m.Views)
	return m
}

func (m *ViewMetrics) count(outcome string, n int) { m.outcomes[outcome].Add(float64(n)) }

// view is one confirmed view: the click and the tracker's clock when the
// confirmation arrived.
type view struct {
	id partnerka.ClickID
	at time.Time
}

// ViewWriter records views into click_views in batches. A view is
// advisory evidence (the cookie stuffing rule's), so nothing waits for it:
// Add never blocks, and a view that finds the buffer full, or whose batch
// PostgreSQL refuses, is dropped and counted.
type ViewWriter struct {
	// Interval and MaxBatch: a batch is written every Interval, or as soon
	// as it holds MaxBatch views.
	Interval time.Duration
	MaxBatch int
	// Timeout bounds one batch's write, the last one's at shutdown too.
	Timeout time.Duration

	insert  func(ctx context.Context, ids []partnerka.ClickID, at []time.Time) error
	views   chan view
	done    chan struct{}
	metrics *ViewMetrics
	logger  *slog.Logger

	lastLog    atomic.Int64 // unix nanos of the last drop log line
	suppressed atomic.Int64 // views dropped and not logged since
}

// NewViewWriter returns a writer that holds at most buffer views waiting
// for their batch and writes them with insert (storage.DB.InsertClickViews);
// call Run to start it.
func NewViewWriter(insert func(context.Context, []partnerka.ClickID, []time.Time) error, buffer int,
	m *ViewMetrics, logger *slog.Logger) *ViewWriter {
	return &ViewWriter{Interval: 200 * time.Millisecond, MaxBatch: 1000, Timeout: 5 * time.Second,
		insert: insert, views: make(chan view, buffer), done: make(chan struct{}), metrics: m, logger: logger}
}

// Add queues a view of id at at, or drops it when the buffer is full; it
// reports whether the view was queued.
func (w *ViewWriter) Add(id partnerka.ClickID, at time.Time) bool {
	select {
	case w.views <- view{id, at}:
		return true
	default:
		w.metrics.count(ViewOverload, 1)
		w.logDrop(ViewOverload, 1, nil)
		return false
	}
}

// Run writes batches until ctx ends, then writes what is queued and
// returns (Done is closed then).
func (w *ViewWriter) Run(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(w.Interval)
	defer tick.Stop()
	ids := make([]partnerka.ClickID, 0, w.MaxBatch)
	at := make([]time.Time, 0, w.MaxBatch)
	flush := func() {
		if len(ids) == 0 {
			return
		}
		// Not ctx: the last batch is written after it ended.
		wctx, cancel := context.WithTimeout(context.Background(), w.Timeout)
		err := w.insert(wctx, ids, at)
		cancel()
		if err != nil {
			w.metrics.count(ViewWriteFailed, len(ids))
			w.logDrop(ViewWriteFailed, len(ids), err)
		} else {
			w.metrics.count(ViewStored, len(ids))
		}
		ids, at = ids[:0], at[:0]
	}
	for {
		select {
		case <-ctx.Done():
			for {
				select {
				case v := <-w.views:
					ids, at = append(ids, v.id), append(at, v.at)
					if len(ids) >= w.MaxBatch {
						flush()
					}
				default:
					flush()
					return
				}
			}
		case v := <-w.views:
			ids, at = append(ids, v.id), append(at, v.at)
			if len(ids) >= w.MaxBatch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// Done is closed when Run has written its last batch.
func (w *ViewWriter) Done() <-chan struct{} { return w.done }

// logDrop logs the first drop and then at most one line per 10 seconds,
// with the count of views dropped in between.
func (w *ViewWriter) logDrop(reason string, n int, err error) {
	now := time.Now().UnixNano() // elapsed: spacing of log lines
	last := w.lastLog.Load()
	if now-last < int64(10*time.Second) || !w.lastLog.CompareAndSwap(last, now) {
		w.suppressed.Add(int64(n))
		return
	}
	w.logger.Warn("click views dropped; the cookie stuffing rule sees these clicks as unseen",
		"reason", reason, "views", n, "err", err, "dropped_since_last_log", w.suppressed.Swap(0))
}

// seen answers GET and POST /pk/seen?c=<click id>: pk.js confirming that a
// person saw the landing page of a click. It always answers 204 at once;
// the view is queued, never waited for.
func (s *Server) seen(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderAccessControlAllowOrigin, "*")
	// The parameter views fasthttp's buffer: ParseClickID copies what it
	// needs into the id before the handler returns.
	id, err := partnerka.ParseClickID(c.Query("c"))
	if err != nil {
		s.views.metrics.count(ViewInvalid, 1)
	} else {
		s.views.Add(id, s.Now())
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// Wait returns once the view writer has written the views it held when
// Start's context ended (within its Timeout). The click writer needs no
// wait: every click's request waits for its own batch.
func (s *Server) Wait() { <-s.views.Done() }
