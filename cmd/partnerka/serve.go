package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"partnerka"
	"partnerka/backoffice"
	"partnerka/billing"
	"partnerka/cabinet"
	"partnerka/commissions"
	"partnerka/notify"
	"partnerka/storage"
	"partnerka/tracker"
	"partnerka/web"
)

func runServe(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	role := fs.String("role", m.Config.Role, "what to run: all, tracker (redirects, vendor API, billing webhooks) or web (cabinet and back office)")
	if err := fs.Parse(args); err != nil {
		return usagef("serve: %v", err)
	}
	if err := validRole(*role); err != nil {
		return usageError{"serve --role: " + strings.TrimPrefix(err.Error(), "PARTNERKA_ROLE ")}
	}
	tracks, servesWeb := *role != RoleWeb, *role != RoleTracker
	if err := m.Config.RequireSecret(); err != nil {
		return usageError{err.Error()}
	}
	db, err := m.openDB(ctx, true)
	if err != nil {
		return err
	}
	rdb, err := m.openRedis(ctx)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// The heap is small and allocation-heavy on the redirect path; half
		// as many collections cost little memory and measurable throughput.
		debug.SetGCPercent(200)
	}
	reg := newRegistry(db, rdb)

	proxies, _ := partnerka.ParseTrustedProxies(m.Config.TrustedProxies) // validated with the configuration
	trk := &tracker.Server{
		DB: db, Redis: rdb, Logger: m.Logger, Metrics: tracker.NewMetrics(reg), Proxies: proxies,
		Secret: []byte(m.Config.Secret), RedirectTimeout: m.Config.RedirectTimeout, WaitReplicas: m.Config.RedisWaitReplicas,
		ClickShards: m.Config.ClickShards, Secure: strings.HasPrefix(m.Config.TrackerURL, "https://"), Now: m.clock(),
		ViewMetrics: tracker.NewViewMetrics(reg),
	}
	bg, stopBackground := context.WithCancel(context.Background())
	defer stopBackground()
	// Started in every role: the back office records a billing event again
	// through the tracker's own recording, as the webhook does.
	if err := trk.Start(bg); err != nil {
		return err
	}
	trackerApp := newApp("partnerka-tracker", m.Logger, nil)
	mountOps(trackerApp, db, rdb)
	trk.Mount(trackerApp)
	receiver := &billing.Receiver{DB: db, Record: trackerRecorder{trk}, Connectors: connectors(), Logger: m.Logger, Now: m.clock()}
	receiver.Mount(trackerApp)
	if tracks { // the retries of the webhooks this process receives
		go receiver.Run(bg)
	}

	// One site, two surfaces: the back office is mounted before the
	// cabinet, whose partner guard answers every path mounted after it.
	site := &web.Site{DB: db, Redis: rdb, Logger: m.Logger, TrackerURL: m.Config.TrackerURL, CabinetURL: m.Config.CabinetURL,
		Secure: strings.HasPrefix(m.Config.CabinetURL, "https://"), Proxies: proxies, Now: m.clock(),
		Concurrency: m.Config.WebConcurrency}
	if servesWeb && m.Config.DatabaseReplicaURL != "" {
		// Read-only pages read on the replica while it keeps up. It follows
		// the primary, so it is never migrated; the site prepares its
		// queries once it answers (web/replica.go): a replica down at boot
		// does not keep the cabinet from starting.
		replica, err := storage.Dial(m.Config.DatabaseReplicaURL)
		if err != nil {
			return usageError{"PARTNERKA_DATABASE_REPLICA_URL: " + err.Error()}
		}
		defer replica.Close()
		replica.Now = m.clock()
		site.Replica = replica
		reg.MustRegister(site.ReplicaCollector())
	}
	cabinetApp := newApp("partnerka-cabinet", m.Logger, site.ErrorPage)
	mountOps(cabinetApp, db, rdb)
	if site.Mailer, err = m.mailer(); err != nil {
		return err
	}
	router, err := site.Mount(cabinetApp)
	if err != nil {
		return err
	}
	staff := &backoffice.Server{Site: site, PreviewPlan: commissions.PreviewPlan,
		AddManualEntry: commissions.ManualEntries(db), Billing: billingAdmin(receiver)}
	if err := staff.Mount(router); err != nil {
		return err
	}
	postbacks := commissions.PostbackClient(false)
	cab := &cabinet.Server{Site: site, RegisterLead: commissions.LeadRegistrar(db),
		SamplePostback: func(ctx context.Context, tmpl, currency string, now time.Time) error {
			return commissions.SendSamplePostback(ctx, postbacks, tmpl, currency, now)
		}}
	if err := cab.Mount(router); err != nil {
		return err
	}

	type listener struct {
		name, addr, setting string
		app                 *fiber.App
	}
	var listeners []listener
	if tracks {
		listeners = append(listeners, listener{"tracker", m.Config.TrackerAddr, "PARTNERKA_TRACKER_ADDR", trackerApp})
	}
	if servesWeb {
		listeners = append(listeners, listener{"cabinet", m.Config.CabinetAddr, "PARTNERKA_CABINET_ADDR", cabinetApp})
	}
	metricsURL := MetricsOff
	if m.Config.MetricsAddr != MetricsOff {
		listeners = append(listeners, listener{"metrics", m.Config.MetricsAddr, "PARTNERKA_METRICS_ADDR", newMetricsApp(m.Logger, reg)})
		metricsURL = "http://" + m.Config.MetricsAddr + "/metrics"
	}
	errc := make(chan error, len(listeners))
	for _, l := range listeners {
		ln, err := net.Listen("tcp", l.addr)
		if err != nil {
			return fmt.Errorf("%s cannot listen on %s (%s): %v", l.name, l.addr, l.setting, err)
		}
		go func() {
			if err := l.app.Listener(ln); err != nil {
				errc <- fmt.Errorf("%s: %w", l.name, err)
			}
		}()
	}
	if m.Config.DebugAddr != "" {
		go func() {
			// net/http/pprof registers on the default mux; it is served only here.
			m.Logger.Warn("pprof serving", "addr", m.Config.DebugAddr, "err", http.ListenAndServe(m.Config.DebugAddr, nil))
		}()
	}
	served := []any{"role", *role}
	if tracks {
		served = append(served, "tracker", m.Config.TrackerURL)
	}
	if servesWeb {
		served = append(served, "cabinet", m.Config.CabinetURL, "admin", m.Config.CabinetURL+"/admin")
	}
	m.Logger.Info("serving", append(served, "metrics", metricsURL)...)

	var wg sync.WaitGroup
	if m.Config.ReconcileInterval > 0 {
		rec := newReconciler(m, cab.Mailer)
		rec.Metrics = commissions.NewMetrics(reg)
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec.Loop(bg, m.Config.ReconcileInterval)
		}()
	}

	var runErr error
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down")
	case runErr = <-errc:
	}
	deadline := time.Now().Add(m.Config.ShutdownTimeout) // elapsed: the shutdown's budget
	for _, l := range listeners {
		if err := l.app.ShutdownWithTimeout(time.Until(deadline)); err != nil {
			m.Logger.Warn("shutdown", "surface", l.name, "err", err)
		}
	}
	closing, stopClosing := context.WithDeadline(context.Background(), deadline)
	if err := site.Close(closing); err != nil { // the emails the last requests handed over are sent
		m.Logger.Warn("shutdown", "surface", "cabinet", "err", err)
	}
	stopClosing()
	stopBackground() // the click writer flushes what it holds
	trk.Wait()       // and the view writer the views pk.js confirmed
	wg.Wait()
	return runErr
}

// newApp returns a fiber app with the settings every surface shares: no
// banner, a body limit (large enough for CSV imports; JSON endpoints
// enforce their own), and errors rendered through the domain error table:
// the vendor API's as its JSON errors, the others by errorPage (the web
// site's error page) or, when it is nil, as a line of text.
func newApp(name string, logger *slog.Logger, errorPage fiber.ErrorHandler) *fiber.App {
	return fiber.New(fiber.Config{
		AppName:               name,
		DisableStartupMessage: true,
		BodyLimit:             32 << 20,
		// Headers up to 16 KB: a tracker on the vendor's subdomain gets the
		// vendor's analytics and ad cookies, which often pass fasthttp's
		// default of 4 KB (a 431 there would fail the visitor).
		ReadBufferSize: 16 << 10,
		ReadTimeout:    30 * time.Second,
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    120 * time.Second,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			if strings.HasPrefix(c.Path(), "/api/") {
				return tracker.WriteAPIError(c, logger, err)
			}
			if errorPage != nil {
				return errorPage(c, err)
			}
			var fe *fiber.Error
			if errors.As(err, &fe) {
				return c.Status(fe.Code).SendString(fe.Message)
			}
			if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
				logger.Error("internal error", "path", c.Path(), "err", err)
			}
			return c.Status(partnerka.StatusOf(err)).SendString(partnerka.ErrorMessage(err))
		},
	})
}

// newReconciler wires the reconciler's steps in the order DESIGN.md gives.
func newReconciler(m *Main, mailer web.Mailer) *commissions.Reconciler {
	now := m.clock()
	host, _ := os.Hostname()
	consumer := fmt.Sprintf("%s-%d", host, os.Getpid())
	clicks := &commissions.ClickStep{DB: m.db, Redis: m.redis, Consumer: consumer, ReclaimAfter: m.Config.ReclaimAfter}
	return &commissions.Reconciler{
		Logger: m.Logger,
		Steps: []commissions.Step{
			&commissions.PartitionStep{DB: m.db, Now: now},
			clicks,
			// A lead naming a click that came in after this pass's click
			// step drains the stream again before it is decided.
			&commissions.LeadStep{DB: m.db, Redis: m.redis, Consumer: consumer, ReclaimAfter: m.Config.ReclaimAfter, Clicks: clicks, Now: now},
			&commissions.PurchaseStep{DB: m.db, Batch: m.Config.ReconcileBatch},
			&commissions.LeadRuleStep{DB: m.db},
			&commissions.RefundStep{DB: m.db},
			&commissions.RerateStep{DB: m.db},
			&commissions.ReviewStep{DB: m.db, Now: now},
			&commissions.ReleaseStep{DB: m.db, Now: now},
			&commissions.PostbackStep{DB: m.db, Now: now},
			&notify.NoticeStep{DB: m.db, Mailer: mailer, CabinetURL: m.Config.CabinetURL, Now: now},
		},
	}
}

// newRegistry holds the process's metrics and the reconciler's backlog
// (read at each scrape, wherever the reconciler runs).
func newRegistry(db *storage.DB, rdb *storage.Redis) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&commissions.BacklogCollector{DB: db, Redis: rdb})
	return reg
}

// mailer sends through PARTNERKA_SMTP_URL, or logs each email when it is
// not set (development and the demo).
func (m *Main) mailer() (web.Mailer, error) {
	if m.Config.SMTPURL == "" {
		return web.LogMailer{Logger: m.Logger}, nil
	}
	mailer, err := notify.NewSMTPMailer(m.Config.SMTPURL, m.Config.MailFrom)
	if err != nil {
		return nil, usageError{"PARTNERKA_SMTP_URL: " + err.Error()}
	}
	mailer.Now = m.clock()
	return mailer, nil
}
