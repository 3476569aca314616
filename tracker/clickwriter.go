package tracker

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Click flags, as stored in the stream and in clicks.flags.
const (
	FlagBot      = 1
	FlagPrefetch = 2
	FlagHead     = 4
)

// Click is one recorded click. Strings must not alias fiber's buffers: the
// writer keeps them after the handler returns.
type Click struct {
	ID        ClickID
	LinkID    int64
	PartnerID int64
	SubID     string
	At        time.Time
	IP        string
	UserAgent string
	Referer   string
	Landing   string
	Flags     int
	PrevClick string // the click of a valid earlier cookie, if any
}

// Attributable reports whether the click may bind a customer.
func (c *Click) Attributable() bool { return c.Flags == 0 }

// streamValues is the flat field list of a click's stream entry.
func (c *Click) streamValues() []any {
	return []any{
		"id", c.ID.String(),
		"link", strconv.FormatInt(c.LinkID, 10),
		"partner", strconv.FormatInt(c.PartnerID, 10),
		"sub", c.SubID,
		"t", strconv.FormatInt(c.At.UnixMilli(), 10),
		"ip", c.IP,
		"ua", c.UserAgent,
		"ref", c.Referer,
		"url", c.Landing,
		"flags", strconv.Itoa(c.Flags),
		"prev", c.PrevClick,
	}
}

// batch is one group commit: every click that arrived while the previous
// write was in flight, written in one pipelined round trip.
type batch struct {
	args [][]any
	done chan struct{}
	err  error
}

// ClickWriter appends clicks to a Redis stream with group commit: requests
// join the open batch and wait; one writer sends the whole batch as one
// pipeline and wakes them all. A request is answered only after Redis has
// acknowledged its click, or after the timeout without it.
type ClickWriter struct {
	rdb      *redis.Client
	stream   string
	timeout  time.Duration
	maxBatch int
	metrics  *Metrics
	logger   *slog.Logger

	mu   sync.Mutex
	open *batch
	kick chan struct{}

	healthy   atomic.Bool
	lastLog   atomic.Int64 // unix nanos of the last failure log line
	suppressd atomic.Int64 // failures not logged since
	timers    sync.Pool
}

// NewClickWriter returns a writer to stream; call Run to start it.
func NewClickWriter(rdb *redis.Client, stream string, timeout time.Duration, m *Metrics, logger *slog.Logger) *ClickWriter {
	w := &ClickWriter{rdb: rdb, stream: stream, timeout: timeout, maxBatch: 4096, metrics: m, logger: logger,
		kick: make(chan struct{}, 1)}
	w.open = &batch{done: make(chan struct{})}
	w.healthy.Store(true)
	return w
}

var errNotRecorded = errors.New("click not recorded")

// Write records c and waits until Redis acknowledged it or the timeout
// passed. While Redis is known to be down it returns at once, so visitors
// are not held during an outage; a probe restores the path when Redis is
// back.
func (w *ClickWriter) Write(c *Click) error {
	if !w.healthy.Load() {
		return errNotRecorded
	}
	vals := c.streamValues()
	w.mu.Lock()
	b := w.open
	if len(b.args) >= w.maxBatch {
		w.mu.Unlock()
		return errNotRecorded // the writer is far behind: shed, never queue without bound
	}
	b.args = append(b.args, vals)
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	t, _ := w.timers.Get().(*time.Timer)
	if t == nil {
		t = time.NewTimer(w.timeout)
	} else {
		t.Reset(w.timeout)
	}
	defer func() { t.Stop(); w.timers.Put(t) }()
	select {
	case <-b.done:
		return b.err
	case <-t.C:
		return errNotRecorded
	}
}

// Run writes batches until ctx ends, then flushes what is open.
func (w *ClickWriter) Run(ctx context.Context) {
	probe := time.NewTicker(500 * time.Millisecond)
	defer probe.Stop()
	for {
		select {
		case <-ctx.Done():
			w.flush(context.Background())
			return
		case <-w.kick:
			w.flush(ctx)
		case <-probe.C:
			if !w.healthy.Load() {
				pctx, cancel := context.WithTimeout(ctx, w.timeout)
				if w.rdb.Ping(pctx).Err() == nil {
					w.healthy.Store(true)
					w.logger.Info("click stream writable again", "stream", w.stream)
				}
				cancel()
			}
		}
	}
}

func (w *ClickWriter) flush(ctx context.Context) {
	w.mu.Lock()
	b := w.open
	if len(b.args) == 0 {
		w.mu.Unlock()
		return
	}
	w.open = &batch{done: make(chan struct{}), args: make([][]any, 0, cap(b.args))}
	w.mu.Unlock()

	wctx, cancel := context.WithTimeout(ctx, w.timeout)
	pipe := w.rdb.Pipeline()
	for _, vals := range b.args {
		pipe.XAdd(wctx, &redis.XAddArgs{Stream: w.stream, Values: vals})
	}
	_, err := pipe.Exec(wctx)
	cancel()
	w.metrics.BatchSize.Observe(float64(len(b.args)))
	if err != nil {
		b.err = err
		w.metrics.StreamErrors.Inc()
		w.healthy.Store(false)
		w.logFailure(err)
	}
	close(b.done)
}

// logFailure logs the first failure and then at most one line per 10
// seconds with the count of failures in between.
func (w *ClickWriter) logFailure(err error) {
	now := time.Now().UnixNano()
	last := w.lastLog.Load()
	if now-last < int64(10*time.Second) || !w.lastLog.CompareAndSwap(last, now) {
		w.suppressd.Add(1)
		return
	}
	w.logger.Error("click stream write failed; visitors are redirected without recording",
		"stream", w.stream, "err", err, "failures_since_last_log", w.suppressd.Swap(0))
}
