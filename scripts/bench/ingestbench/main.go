// Command ingestbench is make bench-ingest: the real server takes
// purchases through the vendor API and signed Stripe invoice.paid events
// through the connector, from 64 connections at once, against the same
// server's no-op GET /healthz in the same run; then it counts that every
// acknowledged purchase and event is stored exactly once.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"partnerka"
	"partnerka/scripts/bench/benchdb"
	"partnerka/storage"
)

const (
	apiKey = "pk_bench_ingest_0123456789abcdef"
	whsec  = "whsec_bench_ingest"
)

func main() {
	adminURL := flag.String("db", os.Getenv("PARTNERKA_BENCH_DATABASE_URL"), "PostgreSQL admin URL")
	redisURL := flag.String("redis", os.Getenv("PARTNERKA_BENCH_REDIS_URL"), "Redis URL")
	bin := flag.String("bin", "bin", "folder with the partnerka binary")
	n := flag.Int("n", 100000, "purchases and events of each kind")
	conns := flag.Int("c", 64, "connections")
	flag.Parse()
	if err := run(*adminURL, *redisURL, *bin, *n, *conns); err != nil {
		fmt.Fprintln(os.Stderr, "bench-ingest:", err)
		os.Exit(1)
	}
}

// phase is one kind of request sent n times from conns connections.
type phase struct {
	name    string
	request func(i int) *http.Request
}

type result struct {
	perSec        float64
	p99           float64 // ms
	acked, failed int64
}

func run(adminURL, redisURL, bin string, n, conns int) error {
	ctx := context.Background()
	db, dsn, err := benchdb.Migrated(ctx, adminURL, "bench_ingest")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.LoadSeed(ctx, storage.Seed{Settings: &partnerka.Settings{Name: "Bench", DefaultCurrency: "RUB",
		DefaultLandingURL: "https://example.com/", AllowedDomains: []string{"example.com"}, AttributionWindowDays: 90,
		AttributionModel: "last_click", HoldDays: 30, RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click"}}); err != nil {
		return err
	}
	h := sha256.Sum256([]byte(apiKey))
	if _, err := db.CreateAPIKey(ctx, "bench", "pk_bench", h[:]); err != nil {
		return err
	}
	if err := db.SaveBillingConnector(ctx, storage.BillingConnector{Provider: "stripe", Enabled: true,
		Settings: map[string]string{"webhook_secret": whsec}}, []string{"webhook_secret"}, storage.Actor{}); err != nil {
		return err
	}
	trackerAddr, cabinetAddr, metricsAddr := benchdb.FreeAddr(), benchdb.FreeAddr(), benchdb.FreeAddr()
	srv := exec.Command(filepath.Join(bin, "partnerka"), "serve")
	srv.Env = append(os.Environ(), "PARTNERKA_DATABASE_URL="+dsn, "PARTNERKA_REDIS_URL="+redisURL,
		"PARTNERKA_REDIS_PREFIX="+fmt.Sprintf("ingest%d:", time.Now().Unix()), "PARTNERKA_SECRET=bench-secret-0123456789abcdef0123456789",
		"PARTNERKA_TRACKER_ADDR="+trackerAddr, "PARTNERKA_CABINET_ADDR="+cabinetAddr, "PARTNERKA_METRICS_ADDR="+metricsAddr,
		"PARTNERKA_RECONCILE_INTERVAL=0", "PARTNERKA_LOG_LEVEL=warn")
	srv.Stdout, srv.Stderr = os.Stderr, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()
	base := "http://" + trackerAddr
	if err := waitReady(base + "/readyz"); err != nil {
		return err
	}
	// The events are signed before the clock starts: the phase measures
	// the server, not the signing.
	now := time.Now()
	events := make([][2]string, n)
	for i := range events {
		obj, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("in_bench_%d", i), "object": "invoice", "customer": fmt.Sprintf("cus_%d", i%5000),
			"currency": "rub", "amount_paid": 199000 + i%1000, "created": now.Unix(), "status_transitions": map[string]any{"paid_at": now.Unix()}})
		env, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("evt_bench_%d", i), "object": "event", "type": "invoice.paid",
			"api_version": "2024-06-20", "created": now.Unix(), "data": map[string]json.RawMessage{"object": obj}})
		p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: env, Secret: whsec, Timestamp: now})
		events[i] = [2]string{string(p.Payload), p.Header}
	}
	phases := []phase{
		{"noop", func(int) *http.Request { r, _ := http.NewRequest("GET", base+"/healthz", nil); return r }},
		{"api", func(i int) *http.Request {
			body := fmt.Sprintf(`{"id":"api_bench_%d","customer_id":"cust_%d","amount":"%d.00","currency":"RUB"}`, i, i%5000, 1990+i%1000)
			r, _ := http.NewRequest("POST", base+"/api/v1/purchases", strings.NewReader(body))
			r.Header.Set("Authorization", "Bearer "+apiKey)
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{"stripe", func(i int) *http.Request {
			r, _ := http.NewRequest("POST", base+"/webhooks/stripe", strings.NewReader(events[i][0]))
			r.Header.Set("Stripe-Signature", events[i][1])
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
	}
	fmt.Printf("ingest bench: %d requests of each kind from %d connections, the load generator on the same machine\n", n, conns)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}, Timeout: 30 * time.Second}
	// Warm up the server's caches and connections.
	measure(client, phases[0], 2000, conns)
	res := map[string]result{}
	for _, p := range phases {
		r := measure(client, p, n, conns)
		res[p.name] = r
		fmt.Printf("%-6s %8.0f req/s  p99 %6.2f ms  acknowledged %d  failed %d\n", p.name, r.perSec, r.p99, r.acked, r.failed)
	}
	var purchasesAPI, purchasesStripe, eventRows, distinctEvents int64
	db.QueryRowxContext(ctx, `SELECT count(*) FROM purchases WHERE external_id LIKE 'api\_bench\_%'`).Scan(&purchasesAPI)
	db.QueryRowxContext(ctx, `SELECT count(*) FROM purchases WHERE external_id LIKE 'in\_bench\_%'`).Scan(&purchasesStripe)
	db.QueryRowxContext(ctx, `SELECT count(*), count(DISTINCT event_id) FROM billing_events WHERE provider = 'stripe' AND status = 'recorded'`).Scan(&eventRows, &distinctEvents)
	lost := max(0, res["api"].acked-purchasesAPI) + max(0, res["stripe"].acked-purchasesStripe) + max(0, res["stripe"].acked-eventRows)
	duplicates := max(0, purchasesAPI-res["api"].acked) + max(0, purchasesStripe-res["stripe"].acked) + (eventRows - distinctEvents)
	fmt.Printf("stored: %d API purchases, %d Stripe purchases, %d Stripe events recorded (%d distinct)\n",
		purchasesAPI, purchasesStripe, eventRows, distinctEvents)
	noop := res["noop"].perSec
	fmt.Printf("bench-ingest: api_per_s=%.0f stripe_per_s=%.0f noop_per_s=%.0f api_ratio=%.3f stripe_ratio=%.3f p99_ms=%.2f lost=%d duplicates=%d\n",
		res["api"].perSec, res["stripe"].perSec, noop, res["api"].perSec/noop, res["stripe"].perSec/noop,
		max(res["api"].p99, res["stripe"].p99), lost, duplicates)
	return nil
}

// measure sends n requests of p from conns goroutines and times them.
func measure(client *http.Client, p phase, n, conns int) result {
	var next, acked, failed atomic.Int64
	lat := make([][]float64, conns)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				t := time.Now()
				resp, err := client.Do(p.request(i))
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[w] = append(lat[w], float64(time.Since(t).Microseconds())/1000)
				if resp.StatusCode < 300 {
					acked.Add(1)
				} else {
					failed.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	took := time.Since(start)
	var all []float64
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Float64s(all)
	p99 := 0.0
	if len(all) > 0 {
		p99 = all[len(all)*99/100]
	}
	return result{perSec: float64(n) / took.Seconds(), p99: p99, acked: acked.Load(), failed: failed.Load()}
}

func waitReady(u string) error {
	for i := 0; i < 300; i++ {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready", u)
}
