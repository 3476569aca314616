// Package commissions decides what things are worth: attribution rules,
// plans, commission math over decimal, holds, reversals, tiers and the
// ledger rules, and the reconciler that drives them in batches.
package commissions

import (
	"context"
	"fmt"
	"log/slog"
	"time"
)

// Step is one idempotent, crash-safe stage of reconciliation. Run does a
// bounded amount of work and reports how many items it handled; running it
// again after a crash at any point must give the same end result.
type Step interface {
	Name() string
	Run(ctx context.Context) (int, error)
}

// Reconciler runs its steps in order, repeatedly.
type Reconciler struct {
	Steps   []Step
	Logger  *slog.Logger
	Metrics *Metrics // nil: none
}

// RunOnce runs every step once, in order, and stops at the first error: a
// later step may depend on an earlier one having finished.
func (r *Reconciler) RunOnce(ctx context.Context) (map[string]int, error) {
	done := make(map[string]int, len(r.Steps))
	for _, s := range r.Steps {
		start := time.Now() // elapsed: the step's duration, for metrics and logs
		n, err := s.Run(ctx)
		r.Metrics.step(s.Name(), n, time.Since(start), err)
		done[s.Name()] = n
		if err != nil {
			return done, fmt.Errorf("reconcile step %s: %w", s.Name(), err)
		}
		if n > 0 && r.Logger != nil {
			r.Logger.Debug("reconcile step", "step", s.Name(), "items", n, "took", time.Since(start))
		}
	}
	r.Metrics.passed(time.Now()) // wall: a scrape's timestamp, judged by the monitoring system's clock
	return done, nil
}

// Loop runs RunOnce every interval until ctx ends, logging errors and
// carrying on: a failed pass is retried on the next tick.
func (r *Reconciler) Loop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.Logger.Error("reconcile", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
