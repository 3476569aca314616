package tracker

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"partnerka/storage/storagetest"
)

// Issue 17, F10: with PostgreSQL down the vendor API answered 500
// internal instead of the documented 503 unavailable, and an integration
// that retries only 503 dropped the purchase.
func TestAPIWhenTheDatabaseIsDown(t *testing.T) {
	db, proxy := storagetest.NewDBBehindProxy(t)
	ctx := context.Background()
	if _, err := db.LoadSeed(ctx, trackerSeed()); err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, rdb: storagetest.NewRedis(t)}
	f.setClock(testNow)
	f.srv = &Server{DB: db, Redis: f.rdb, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: NewMetrics(prometheus.NewRegistry()), Secret: []byte(testSecret), RedirectTimeout: 300 * time.Millisecond,
		SyncInterval: time.Hour, Now: f.now}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := f.srv.Start(sctx); err != nil {
		t.Fatal(err)
	}
	f.app = fiber.New()
	f.srv.Mount(f.app)
	f.withKey(t)
	if status, out := f.api(t, "POST", "/api/v1/purchases", "application/json", `{"id":"up","customer_id":"c1","amount":"1.00","currency":"USD"}`); status != 201 {
		t.Fatalf("with the database up: %d %v", status, out)
	}
	proxy.Cut()
	for _, body := range []string{
		`{"id":"down","customer_id":"c1","amount":"1.00","currency":"USD"}`,
		`{"id":"down","customer_id":"c1","amount":"1.00","currency":"USD"}`, // again, on a fresh connection
	} {
		status, out := f.api(t, "POST", "/api/v1/purchases", "application/json", body)
		if code, _ := errField(out); status != 503 || code != "unavailable" {
			t.Errorf("with the database down: %d %v, want 503 unavailable", status, out)
		}
	}
	if status, _ := f.api(t, "GET", "/api/v1/customers/c1", "", ""); status != 503 {
		t.Errorf("customer lookup with the database down: %d, want 503", status)
	}
}
