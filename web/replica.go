package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"partnerka"
	"partnerka/storage"
)

// A streaming replica for the pages that only read. The pages a route
// table wraps in ReadOnly read their figures through Site.Read, which is
// Site.Replica when
//
//   - the monitor's last look found the replica answering and following
//     the primary, with figures at most MaxReplicaLag old, and
//   - it has replayed the browser's own last write (WriteCookie).
//
// Everything else reads and writes on the primary: every form sent,
// sign-in, sessions, locks, exports. A read on the replica that fails
// because the replica went away (or replay cancelled it) marks the
// replica down and runs the page again on the primary, so a visitor never
// sees an error the replica caused; the monitor takes it back once it
// answers. A page read on a replica whose figures are older than
// StaleAfter says so above its content.
//
// The age of the figures: each ReplicaInterval the monitor reads the
// primary's WAL position (flushed: what a replica can have), then the
// replica's replay position. Once the replica has replayed a position the
// primary had reached at an instant, it holds everything committed before
// that instant; the age is the time since the latest such instant.
// Reading the primary first makes it an upper bound (but for commits
// made with synchronous_commit off, flushed up to a few hundred
// milliseconds after they answered).

// Defaults of the replica's settings on Site.
const (
	DefaultReplicaInterval = time.Second
	DefaultStaleAfter      = 5 * time.Second
	DefaultMaxReplicaLag   = 5 * time.Minute
)

// WriteCookie holds the primary's WAL position after the browser's last
// state-changing request: until the replica has replayed that far, the
// browser's pages read on the primary, whichever process behind the load
// balancer serves them. It carries no secret: a forged value can only
// send its own browser's reads to the primary, or show it figures older
// than its last write.
const WriteCookie = "pk_wal"

// replicaState is what the monitor knows of the replica.
type replicaState struct {
	probeMu sync.Mutex // one probe at a time: marks are appended in order
	sameDB  bool       // the replica's cluster was found to be the primary's

	mu      sync.Mutex
	up      bool         // answered the last probe, following the primary, and no read failed since
	probed  bool         // a probe has judged it (the first failure is logged too)
	lagging bool         // up, but its figures are older than MaxReplicaLag
	replay  storage.LSN  // its replay position at the last probe
	current time.Time    // the latest instant it was known to hold everything the primary had written
	marks   []walMark    // the primary's positions it had not replayed yet, oldest first
	logger  *slog.Logger // the monitor's (set before it starts)
	gen     context.Context
	cancel  context.CancelFunc // cancels gen: reads still on the replica when it is marked down give up
	stop    context.CancelFunc
	done    chan struct{}
}

// walMark is the primary's WAL position at an instant.
type walMark struct {
	at  time.Time
	lsn storage.LSN
}

// replicaRead is what a request reading on the replica keeps in its
// locals: the age of the figures when it started.
type replicaRead struct{ lag time.Duration }

const replicaReadKey = "pk_replica_read"

func (s *Site) replicaInterval() time.Duration {
	if s.ReplicaInterval > 0 {
		return s.ReplicaInterval
	}
	return DefaultReplicaInterval
}

func (s *Site) staleAfter() time.Duration {
	if s.StaleAfter > 0 {
		return s.StaleAfter
	}
	return DefaultStaleAfter
}

func (s *Site) maxReplicaLag() time.Duration {
	if s.MaxReplicaLag > 0 {
		return s.MaxReplicaLag
	}
	return DefaultMaxReplicaLag
}

// replicaLogger is the monitor's logger: the site's as it was when the
// monitor started.
func (s *Site) replicaLogger() *slog.Logger {
	if l := s.replica.logger; l != nil {
		return l
	}
	return s.Logger
}

// startReplica starts the monitor (Mount does, when Replica is set).
func (s *Site) startReplica() {
	r := &s.replica
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.done != nil {
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	r.stop, r.done = stop, make(chan struct{})
	r.logger = s.Logger // the monitor's, kept: the site's may be replaced while it runs
	go func() {
		defer close(r.done)
		t := time.NewTicker(s.replicaInterval())
		defer t.Stop()
		for {
			s.CheckReplica(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// stopReplica stops the monitor (Close does); pages then read on the primary.
func (s *Site) stopReplica() {
	r := &s.replica
	r.mu.Lock()
	stop, done := r.stop, r.done
	r.up = false
	r.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// CheckReplica looks at the replica now, as the monitor does each
// ReplicaInterval: where the primary's WAL stands, how far the replica
// has replayed it, and so whether pages may read on it and how old its
// figures are. It prepares the replica's queries the first time the
// replica answers (the process starts without it when it is down). The
// error says why the replica is not used; nil when it is.
func (s *Site) CheckReplica(ctx context.Context) error {
	r := &s.replica
	r.probeMu.Lock()
	defer r.probeMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, max(2*s.replicaInterval(), 2*time.Second))
	defer cancel()
	at := time.Now() // elapsed: the instant the primary's position is read, against which the replica's figures are aged
	primary, err := s.DB.WALFlushLSN(ctx)
	if err != nil {
		// Without the primary's position the replica cannot be judged;
		// the primary's own outage is the pages' error, not the replica's.
		return fmt.Errorf("the primary's WAL position: %w", err)
	}
	replay, err := s.Replica.ReplayLSN(ctx)
	if err == nil {
		err = s.prepareReplica(ctx)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		s.replicaDown(err)
		return err
	}
	r.marks = append(r.marks, walMark{at, primary})
	for len(r.marks) > 0 && r.marks[0].lsn <= replay {
		r.current, r.marks = r.marks[0].at, r.marks[1:]
	}
	// Marks older than MaxReplicaLag can only say the replica is too far
	// behind to use, which the oldest one kept says as well.
	if keep := int(s.maxReplicaLag()/s.replicaInterval()) + 2; len(r.marks) > keep {
		r.marks = r.marks[len(r.marks)-keep:]
	}
	r.replay = replay
	lag, lagging := s.replicaLag()
	switch used := !lagging; {
	case used && (!r.up || r.lagging):
		s.replicaLogger().Info("read replica in use: read-only pages read on it", "lag", lag.Round(time.Millisecond))
	case !used && r.up && !r.lagging:
		s.replicaLogger().Warn("read replica lags: read-only pages read on the primary until it catches up", "lag", lag.Round(time.Second), "max", s.maxReplicaLag())
	}
	if r.gen == nil {
		r.gen, r.cancel = context.WithCancel(context.Background())
	}
	r.up, r.lagging, r.probed = true, lagging, true
	if lagging {
		return fmt.Errorf("the replica's figures are older than %s", s.maxReplicaLag())
	}
	return nil
}

// prepareReplica prepares the replica's queries the first time it
// answers, once it is found to replicate the primary's cluster (a
// replica of another cluster would show another program's figures).
func (s *Site) prepareReplica(ctx context.Context) error {
	r := &s.replica
	if !r.sameDB {
		a, err := s.DB.SystemIdentifier(ctx)
		if err != nil {
			return err
		}
		b, err := s.Replica.SystemIdentifier(ctx)
		if err != nil {
			return err
		}
		if a != b {
			return fmt.Errorf("the replica belongs to another database cluster (system identifier %s, the primary's %s)", b, a)
		}
		r.sameDB = true
	}
	if s.Replica.Q == nil {
		// Published to the pages under r.mu, with up: a page reads Q only
		// after it has seen up set.
		return s.Replica.Prepare(ctx)
	}
	return nil
}

// replicaLag is the age of the replica's figures, and whether it is past
// MaxReplicaLag; r.mu held.
func (s *Site) replicaLag() (time.Duration, bool) {
	r := &s.replica
	if r.current.IsZero() {
		return time.Duration(math.MaxInt64), true
	}
	lag := time.Since(r.current)
	return lag, lag > s.maxReplicaLag()
}

// replicaDown stops pages reading on the replica until the monitor finds
// it answering again, and makes the reads still on it give up; r.mu held.
func (s *Site) replicaDown(err error) {
	r := &s.replica
	if r.up && !r.lagging || !r.probed {
		s.replicaLogger().Warn("read replica not used: read-only pages read on the primary", "err", err)
	}
	if r.up {
		r.cancel()
		r.gen, r.cancel = context.WithCancel(context.Background())
	}
	r.up, r.probed = false, true
}

// replicaFor says whether this request may read on the replica, and with
// what: the age of its figures and the context that ends when the
// replica is marked down.
func (s *Site) replicaFor(c *fiber.Ctx) (read *replicaRead, gen context.Context, ok bool) {
	if s.Replica == nil || (c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead) {
		return nil, nil, false
	}
	r := &s.replica
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.up || r.lagging {
		return nil, nil, false
	}
	if v := c.Cookies(WriteCookie); v != "" {
		wrote, err := storage.ParseLSN(v)
		if err != nil || r.replay < wrote {
			return nil, nil, false // the browser's own last write is not on the replica yet
		}
	}
	lag, lagging := s.replicaLag()
	if lagging {
		return nil, nil, false
	}
	return &replicaRead{lag: lag}, r.gen, true
}

// ReadOnly marks a page that only reads: its handler's reads through
// Read may go to the replica (see above). Should one fail because the
// replica went away, because replaying the primary's changes cancelled
// it, or find nothing (what a page of the primary linked to may not be
// on the replica yet), the page is answered again from the primary, from
// the response as it stood before the handler.
func (s *Site) ReadOnly(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		read, gen, ok := s.replicaFor(c)
		if !ok {
			return h(c)
		}
		var before fasthttp.ResponseHeader
		c.Response().Header.CopyTo(&before)
		userCtx := c.UserContext()
		ctx, cancel := context.WithCancel(userCtx)
		stop := context.AfterFunc(gen, cancel)
		c.SetUserContext(ctx)
		c.Locals(replicaReadKey, read)
		err := h(c)
		stop()
		cancel()
		c.SetUserContext(userCtx)
		if err == nil || userCtx.Err() != nil {
			return err
		}
		gone := gen.Err() != nil || storage.IsUnavailable(err)
		if !gone && !storage.IsRecoveryConflict(err) && !notFound(err) {
			return err
		}
		if gone {
			r := &s.replica
			r.mu.Lock()
			s.replicaDown(err)
			r.mu.Unlock()
		}
		level := slog.LevelInfo
		if !gone && notFound(err) {
			level = slog.LevelDebug // mostly a wrong address, as it will be on the primary too
		}
		s.Logger.Log(c.UserContext(), level, "page read again on the primary", "path", c.Path(), "err", firstLine(err))
		c.Locals(replicaReadKey, nil)
		before.CopyTo(&c.Response().Header)
		c.Response().ResetBody()
		return h(c)
	}
}

func notFound(err error) bool {
	var fe *fiber.Error
	return partnerka.ErrorCode(err) == partnerka.ENOTFOUND || errors.As(err, &fe) && fe.Code == fiber.StatusNotFound
}

// Read is the database this request reads its figures from: the replica
// for a ReadOnly page that may use it, else the primary.
func (s *Site) Read(c *fiber.Ctx) *storage.DB {
	if readsReplica(c) {
		return s.Replica
	}
	return s.DB
}

func readsReplica(c *fiber.Ctx) bool {
	r, _ := c.Locals(replicaReadKey).(*replicaRead)
	return r != nil
}

// staleNotice is the sentence above a page read on a replica whose
// figures are older than StaleAfter, or "".
func (s *Site) staleNotice(c *fiber.Ctx, locale string) string {
	r, _ := c.Locals(replicaReadKey).(*replicaRead)
	if r == nil || r.lag <= s.staleAfter() {
		return ""
	}
	return StaleText(r.lag, locale)
}

// StaleText says how old a page's figures may be, rounded up: in seconds
// under two minutes, then in minutes.
func StaleText(lag time.Duration, locale string) string {
	if secs := int64(math.Ceil(lag.Seconds())); secs < 120 {
		return fmt.Sprintf(T(locale, "replica_stale_s"), FormatInt(secs, locale))
	}
	return fmt.Sprintf(T(locale, "replica_stale_min"), FormatInt(int64(math.Ceil(lag.Minutes())), locale))
}

// noteWrites sets WriteCookie after every state-changing request that did
// not fail (a refused form may have written too: a sign-in attempt, a
// throttle), to the primary's WAL position once the handler is done.
func (s *Site) noteWrites(c *fiber.Ctx) error {
	if s.Replica == nil || c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Next()
	}
	if err := c.Next(); err != nil || c.Response().StatusCode() >= 500 {
		return err
	}
	lsn, err := s.DB.WALInsertLSN(c.UserContext())
	if err != nil {
		// Without the mark the browser's next pages may read on a replica
		// that has not replayed this write yet: say so, the write stands.
		s.Logger.Warn("write not marked for the read replica", "path", c.Path(), "err", err)
		return nil
	}
	// Past MaxReplicaLag the replica holds the write or is not read.
	s.SetCookie(c, WriteCookie, lsn.String(), s.maxReplicaLag()+time.Minute)
	return nil
}

// ReplicaCollector reports the replica to Prometheus:
// partnerka_db_replica_lag_seconds, the age of its figures (+Inf before
// it was ever seen caught up), and partnerka_db_replica_up, 1 while
// read-only pages read on it.
func (s *Site) ReplicaCollector() prometheus.Collector {
	return replicaCollector{s: s,
		lag: prometheus.NewDesc("partnerka_db_replica_lag_seconds", "Age of the read replica's figures: time since it last held everything the primary had written.", nil, nil),
		up:  prometheus.NewDesc("partnerka_db_replica_up", "1 while the cabinet's and back office's read-only pages read on the replica, 0 while they read on the primary.", nil, nil),
	}
}

type replicaCollector struct {
	s       *Site
	lag, up *prometheus.Desc
}

func (rc replicaCollector) Describe(ch chan<- *prometheus.Desc) { ch <- rc.lag; ch <- rc.up }

func (rc replicaCollector) Collect(ch chan<- prometheus.Metric) {
	r := &rc.s.replica
	r.mu.Lock()
	lag, lagging := rc.s.replicaLag()
	used := r.up && !lagging
	r.mu.Unlock()
	secs := math.Inf(1)
	if lag != time.Duration(math.MaxInt64) {
		secs = lag.Seconds()
	}
	up := 0.0
	if used {
		up = 1
	}
	ch <- prometheus.MustNewConstMetric(rc.lag, prometheus.GaugeValue, secs)
	ch <- prometheus.MustNewConstMetric(rc.up, prometheus.GaugeValue, up)
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

var _ = AddMessages(map[string]string{
	"replica_stale_s":   "Figures on this page may be up to %s\u00a0s old; the latest changes will show shortly.",
	"replica_stale_min": "Figures on this page may be up to %s\u00a0min old; the latest changes will show shortly.",
}, map[string]string{
	"replica_stale_s":   "Цифры на странице могут отставать до %s\u00a0с — последние изменения появятся чуть позже.",
	"replica_stale_min": "Цифры на странице могут отставать до %s\u00a0мин — последние изменения появятся чуть позже.",
})
