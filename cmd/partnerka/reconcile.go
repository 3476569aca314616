package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"partnerka/commissions"
)

func runReconcile(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("reconcile", flag.ContinueOnError)
	once := fs.Bool("once", false, "run every step once and exit")
	if err := fs.Parse(args); err != nil {
		return usagef("reconcile: %v", err)
	}
	if _, err := m.openDB(ctx, true); err != nil {
		return err
	}
	if _, err := m.openRedis(ctx); err != nil {
		return err
	}
	mailer, err := m.mailer()
	if err != nil {
		return err
	}
	rec := newReconciler(m, mailer)
	if !*once {
		interval := m.Config.ReconcileInterval
		if interval <= 0 {
			return usagef("reconcile: PARTNERKA_RECONCILE_INTERVAL must be positive for a loop; use --once for a single pass")
		}
		if m.Config.DebugAddr != "" {
			reg := newRegistry(m.db, m.redis)
			rec.Metrics = commissions.NewMetrics(reg)
			http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
			go func() {
				m.Logger.Warn("metrics and pprof serving", "addr", m.Config.DebugAddr, "err", http.ListenAndServe(m.Config.DebugAddr, nil))
			}()
		}
		rec.Loop(ctx, interval)
		return nil
	}
	for _, s := range rec.Steps {
		start := time.Now() // elapsed: the step's duration
		n, err := s.Run(ctx)
		fmt.Fprintf(m.Stdout, "%s: %d in %.3fs\n", s.Name(), n, time.Since(start).Seconds())
		if err != nil {
			return fmt.Errorf("reconcile step %s: %w", s.Name(), err)
		}
	}
	return nil
}
