package web

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Work a request hands over to be done after its answer: the emails of
// the anonymous forms (a password reset link, the answer to an
// application). The request does the same whatever the email is, and the
// looking up, the link and the mail server's time are spent here, so the
// answer's time says nothing of whether an address has an account.
//
// The queue is in memory: what is queued when the process stops without
// Close is lost (the person asks again); a full queue drops new work with
// a warning rather than holding the request.
const (
	laterQueue   = 1000
	laterWorkers = 4
	laterTimeout = 2 * time.Minute // one job's time, the mail server's included
)

type laterJob struct {
	name string
	run  func(ctx context.Context) error
}

type background struct {
	once   sync.Once
	mu     sync.Mutex
	closed bool
	jobs   chan laterJob
	wg     sync.WaitGroup // queued and running jobs
	ctx    context.Context
	cancel context.CancelFunc
}

func (s *Site) startLater() {
	b := &s.later
	b.jobs = make(chan laterJob, laterQueue)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	for range laterWorkers {
		go func() {
			for j := range b.jobs {
				s.runLater(j)
			}
		}()
	}
}

func (s *Site) runLater(j laterJob) {
	b := &s.later
	defer b.wg.Done()
	ctx, cancel := context.WithTimeout(b.ctx, laterTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			s.Logger.Error("background work panicked", "job", j.name, "panic", fmt.Sprint(r))
		}
	}()
	if err := j.run(ctx); err != nil {
		s.Logger.Error("background work failed", "job", j.name, "err", err)
	}
}

// Later queues job to run after the request's answer, with a context of
// its own (never the request's). Whatever job uses of the request must be
// copied first: fiber reuses the request's memory once it is answered.
func (s *Site) Later(name string, job func(ctx context.Context) error) {
	b := &s.later
	b.once.Do(s.startLater)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.Logger.Warn("background work refused: the site is closing", "job", name)
		return
	}
	b.wg.Add(1)
	select {
	case b.jobs <- laterJob{name, job}:
	default:
		b.wg.Done()
		s.Logger.Warn("background work dropped: the queue is full", "job", name, "queue", laterQueue)
	}
}

// WaitLater returns once the work queued so far is done (tests; Close).
func (s *Site) WaitLater() {
	s.later.once.Do(s.startLater)
	s.later.wg.Wait()
}

// Close stops the replica's monitor and taking background work, and
// waits for what is queued until ctx ends, then cancels what still runs.
func (s *Site) Close(ctx context.Context) error {
	s.stopReplica()
	b := &s.later
	b.once.Do(s.startLater)
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.jobs)
	}
	b.mu.Unlock()
	done := make(chan struct{})
	go func() {
		b.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		b.cancel()
		return nil
	case <-ctx.Done():
		b.cancel()
		return fmt.Errorf("background work still running at shutdown: %w", ctx.Err())
	}
}
