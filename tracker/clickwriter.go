package tracker

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"partnerka/storage"
)

// batch is one group commit: every click that arrived while the previous
// write was in flight, written in one pipelined round trip.
type batch struct {
	lines    []byte // encoded clicks, storage.AppendClick format
	n        int
	deadline time.Time // the first click's arrival plus the timeout
	done     chan struct{}
	once     sync.Once
	err      error
}

// finish records the outcome and wakes every waiting request, once: the
// writer and the watchdog may race to it.
func (b *batch) finish(err error) {
	b.once.Do(func() {
		b.err = err
		close(b.done)
	})
}

// ClickWriter appends clicks to a Redis stream with group commit: requests
// join the open batch and wait; one writer appends the whole batch as one
// stream entry (see storage.ClickStream) and wakes them all. A request is
// answered only after Redis has acknowledged its click, or after the
// timeout without it.
//
// With several shards (storage.ClickShard) each batch goes to the next
// shard in turn, skipping shards whose last write failed until a probe
// finds them writable again; a batch whose shard refuses it is written to
// another one while its deadline allows (a click id is stored once,
// whichever shard delivers it).
type ClickWriter struct {
	rdb      redis.UniversalClient
	shards   []*clickShard
	timeout  time.Duration
	maxBatch int
	metrics  *Metrics
	logger   *slog.Logger

	// Linger is how long the writer lets a batch fill under load before it
	// writes it. Each write costs Redis and both kernels a round trip
	// whatever its size, so under load slightly larger batches buy
	// throughput for a fraction of a millisecond. At light load (the last
	// batch was small) the writer does not linger.
	Linger time.Duration

	mu       sync.Mutex
	open     *batch
	inflight map[*batch]struct{}
	kick     chan struct{}
	lastSize atomic.Int64

	// Writers is how many batches may be in flight at once.
	Writers int

	// WaitReplicas, when above 0, makes each batch wait (Redis WAIT, on
	// the connection that wrote it) until that many replicas hold it, or
	// until the batch's deadline: a visitor is answered once the click is
	// replicated, so a failover to a replica cannot lose it. Replication
	// stays asynchronous: a batch the replicas did not confirm in time is
	// still answered as recorded (the redirect never waits longer) and
	// counted in Unreplicated.
	WaitReplicas int

	// Register, when set, records the shards beyond the first as written
	// to (storage.Redis.RegisterClickShards), so the reconciler drains
	// them; until it has succeeded only the first shard is written.
	Register func(context.Context) error

	registered atomic.Bool
	next       atomic.Uint64 // the shard of the next batch, modulo the shards in use
	healthy    atomic.Int32  // shards whose last write succeeded
	lastLog    atomic.Int64  // unix nanos of the last failure log line
	suppressd  atomic.Int64  // failures not logged since
}

// clickShard is one stream the writer appends to.
type clickShard struct {
	key     string
	healthy atomic.Bool
}

// NewClickWriter returns a writer to the streams (full keys; the first is
// shard 0); call Run to start it.
func NewClickWriter(rdb redis.UniversalClient, streams []string, timeout time.Duration, m *Metrics, logger *slog.Logger) *ClickWriter {
	w := &ClickWriter{rdb: rdb, timeout: timeout, maxBatch: 2048, metrics: m, logger: logger,
		kick: make(chan struct{}, 1), inflight: map[*batch]struct{}{}}
	for _, key := range streams {
		s := &clickShard{key: key}
		s.healthy.Store(true)
		w.shards = append(w.shards, s)
	}
	w.healthy.Store(int32(len(w.shards)))
	w.registered.Store(len(w.shards) == 1)
	w.open = &batch{done: make(chan struct{})}
	w.Linger = 200 * time.Microsecond
	// A batch may wait on a shard that is failing (up to its deadline):
	// with several shards, one writer more than shards keeps the others
	// written meanwhile.
	w.Writers = max(2, len(w.shards)+1)
	return w
}

// shard returns the next shard in use that is writable, other than not
// (nil: any), or nil if there is none.
func (w *ClickWriter) shard(not *clickShard) *clickShard {
	n := uint64(1)
	if w.registered.Load() {
		n = uint64(len(w.shards))
	}
	start := w.next.Add(1)
	for k := range n {
		if s := w.shards[(start+k)%n]; s != not && s.healthy.Load() {
			return s
		}
	}
	return nil
}

// setHealthy records the outcome of a write to (or probe of) s.
func (w *ClickWriter) setHealthy(s *clickShard, ok bool) {
	if s.healthy.Swap(ok) != ok {
		if ok {
			w.healthy.Add(1)
		} else {
			w.healthy.Add(-1)
		}
	}
}

var (
	errNotRecorded = errors.New("click not recorded")
	errStreamDown  = errors.New("no shard of the click stream is writable")
)

// Write records c and waits until Redis acknowledged it or the timeout
// passed. While Redis is known to be down it returns at once, so visitors
// are not held during an outage; a probe restores the path when Redis is
// back.
func (w *ClickWriter) Write(c *storage.StreamClick) error {
	if w.healthy.Load() == 0 {
		w.metrics.lost(UnrecordedRedisDown)
		return errNotRecorded
	}
	w.mu.Lock()
	b := w.open
	if b.n >= w.maxBatch {
		w.mu.Unlock()
		w.metrics.lost(UnrecordedOverload)
		return errNotRecorded // the writer is far behind: shed, never queue without bound
	}
	if b.n == 0 {
		b.deadline = time.Now().Add(w.timeout) // elapsed: a write's deadline
	}
	b.lines = storage.AppendClick(b.lines, c)
	b.n++
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
	// No timer per request: the watchdog in Run fails a batch past its
	// deadline, so this wait ends within the timeout plus one tick.
	<-b.done
	if b.err != nil {
		w.metrics.lost(unrecordedReason(b.err))
	}
	return b.err
}

// unrecordedReason tells a batch that Redis did not acknowledge in time
// (the watchdog failed it, or the write ran out of time) from one whose
// write failed.
func unrecordedReason(err error) string {
	var ne net.Error
	if err == errStreamDown {
		return UnrecordedRedisDown
	}
	if err == errNotRecorded || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return UnrecordedTimeout
	}
	return UnrecordedWriteFailed
}

// Run writes batches until ctx ends, then flushes what is open. Writers
// goroutines take turns, so a batch can be sent while the previous one
// still waits for its reply.
func (w *ClickWriter) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 0; i < w.Writers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case <-w.kick:
					if w.Linger > 0 && w.lastSize.Load() >= 4 {
						time.Sleep(w.Linger)
					}
					w.flush(ctx)
				}
			}
		}()
	}
	watchdog := time.NewTicker(watchdogTick)
	defer watchdog.Stop()
	probe := time.NewTicker(500 * time.Millisecond)
	defer probe.Stop()
	w.register(ctx)
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			w.flush(context.Background())
			return
		case now := <-watchdog.C:
			w.expire(now)
		case <-probe.C:
			w.register(ctx)
			w.probe(ctx)
		}
	}
}

// register runs Register until it succeeds.
func (w *ClickWriter) register(ctx context.Context) {
	if w.registered.Load() || w.Register == nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	if err := w.Register(rctx); err != nil {
		w.logger.Warn("click stream shards not registered yet; writing to the first only", "err", err)
		return
	}
	w.registered.Store(true)
}

// probe asks each shard whose last write failed whether it is writable
// again (a command on its key reaches the node that serves it).
func (w *ClickWriter) probe(ctx context.Context) {
	for _, s := range w.shards {
		if s.healthy.Load() {
			continue
		}
		if cc, ok := w.rdb.(*redis.ClusterClient); ok {
			cc.ReloadState(ctx) // the shard's slot may have moved to a promoted replica
		}
		pctx, cancel := context.WithTimeout(ctx, w.timeout)
		if w.rdb.Exists(pctx, s.key).Err() == nil {
			w.setHealthy(s, true)
			w.logger.Info("click stream writable again", "stream", s.key)
		}
		cancel()
	}
}

const watchdogTick = 10 * time.Millisecond

// expire fails every batch whose deadline has passed: its requests are
// redirected without a recorded click rather than held.
func (w *ClickWriter) expire(now time.Time) {
	var late []*batch
	w.mu.Lock()
	if b := w.open; b.n > 0 && now.After(b.deadline) {
		late = append(late, b)
		w.open = &batch{done: make(chan struct{})}
	}
	for b := range w.inflight {
		if now.After(b.deadline) {
			late = append(late, b)
		}
	}
	w.mu.Unlock()
	for _, b := range late {
		b.finish(errNotRecorded)
	}
}

func (w *ClickWriter) flush(ctx context.Context) {
	w.mu.Lock()
	b := w.open
	if b.n == 0 {
		w.mu.Unlock()
		return
	}
	w.open = &batch{done: make(chan struct{}), lines: make([]byte, 0, cap(b.lines))}
	w.inflight[b] = struct{}{}
	w.mu.Unlock()

	wctx, cancel := context.WithDeadline(ctx, b.deadline)
	err := errStreamDown
	// A shard that fails gives the batch to another while time is left
	// (with one shard: the batch fails, as before).
	for s := w.shard(nil); s != nil; s = w.shard(s) {
		if err = w.write(wctx, s, b); err == nil {
			break
		}
		w.metrics.StreamErrors.Inc()
		w.setHealthy(s, false)
		w.logFailure(s, err)
		if wctx.Err() != nil {
			break
		}
	}
	cancel()
	w.mu.Lock()
	delete(w.inflight, b)
	w.mu.Unlock()
	w.metrics.BatchSize.Observe(float64(b.n))
	w.lastSize.Store(int64(b.n))
	b.finish(err)
}

// write appends b to shard s as one stream entry and, with WaitReplicas,
// waits in the same pipeline (one connection: WAIT counts that
// connection's writes) until the replicas hold it, at most until b's
// deadline.
func (w *ClickWriter) write(ctx context.Context, s *clickShard, b *batch) error {
	add := &redis.XAddArgs{Stream: s.key, Values: storage.ClickBatchFields(b.n, b.lines)}
	if w.WaitReplicas <= 0 {
		return w.rdb.XAdd(ctx, add).Err()
	}
	// In a cluster, WAIT (which names no key) must go to the master that
	// took the XADD: pipeline on that node's own client.
	var pipe redis.Cmdable = w.rdb
	if cc, ok := w.rdb.(*redis.ClusterClient); ok {
		node, err := cc.MasterForKey(ctx, s.key)
		if err != nil {
			return err
		}
		pipe = node
	}
	// WAIT's timeout is whole milliseconds, 0 meaning forever: at least 1;
	// four fifths of what is left of the batch's deadline, so Redis
	// answers (with the count so far) before the client gives up on it.
	timeout := max(time.Until(b.deadline)*4/5, time.Millisecond) // elapsed: what is left of the batch's deadline
	// (Pipeliner has no Wait: the command goes as it is.)
	var acked *redis.Cmd
	_, err := pipe.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, add)
		acked = p.Do(ctx, "wait", w.WaitReplicas, timeout.Milliseconds())
		return nil
	})
	if err != nil {
		return err
	}
	if n, err := acked.Int64(); err != nil || n < int64(w.WaitReplicas) {
		w.metrics.Unreplicated.Inc()
	}
	return nil
}

// logFailure logs the first failure and then at most one line per 10
// seconds with the count of failures in between.
func (w *ClickWriter) logFailure(s *clickShard, err error) {
	now := time.Now().UnixNano() // elapsed: spacing of log lines
	last := w.lastLog.Load()
	if now-last < int64(10*time.Second) || !w.lastLog.CompareAndSwap(last, now) {
		w.suppressd.Add(1)
		return
	}
	w.logger.Error("click stream write failed; visitors are redirected without recording",
		"stream", s.key, "err", err, "failures_since_last_log", w.suppressd.Swap(0))
}
