package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"partnerka/storage"
)

// mountOps adds the endpoints load balancers use: liveness and readiness
// (PostgreSQL and Redis reachable, schema current). Metrics are not among
// them: they tell how the program runs, and are served only on the
// metrics address (newMetricsApp).
func mountOps(app *fiber.App, db *storage.DB, rdb *storage.Redis) {
	app.Get("/healthz", func(c *fiber.Ctx) error {
		return c.SendString("ok\n")
	})
	app.Get("/readyz", func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
		defer cancel()
		checks := fiber.Map{"postgres": "ok", "redis": "ok", "schema": "ok"}
		ready := true
		if err := db.PingContext(ctx); err != nil {
			checks["postgres"], ready = "unreachable", false
		} else if err := db.CheckSchema(ctx); err != nil {
			checks["schema"], ready = err.Error(), false
		}
		if err := rdb.Ping(ctx).Err(); err != nil {
			checks["redis"], ready = "unreachable", false
		}
		if !ready {
			c.Status(fiber.StatusServiceUnavailable)
		}
		return c.JSON(checks)
	})
}

// newMetricsApp serves the registry's metrics at /metrics, for the
// operator's address (PARTNERKA_METRICS_ADDR) alone.
func newMetricsApp(logger *slog.Logger, reg *prometheus.Registry) *fiber.App {
	app := newApp("partnerka-metrics", logger, nil)
	app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{})))
	return app
}
