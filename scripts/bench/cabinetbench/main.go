// Command cabinetbench drives make bench-cabinet: it loads 1,000 partners,
// 10,000,000 clicks, 200,000 customers and 2,000,000 commissions (a tenth
// of everything belongs to the largest partner), runs the real serve, and
// measures the server-side time (Server-Timing) of the largest partner's
// dashboard, earnings and customers pages against a static file of the
// same server. With -mixed (make bench-mixed) it loads the tracker with
// wrk and the same pages with concurrent users instead, each alone and
// both together, in the same run (mixed.go).
package main

import (
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"partnerka/scripts/bench/benchdb"
)

func main() {
	adminURL := flag.String("db", "", "PostgreSQL admin URL")
	redisURL := flag.String("redis", "", "Redis URL")
	bin := flag.String("bin", "bin/partnerka", "partnerka binary")
	clicks := flag.Int("clicks", 10000000, "clicks")
	customers := flag.Int("customers", 200000, "customers")
	commissions := flag.Int("commissions", 2000000, "commissions")
	n := flag.Int("n", 200, "requests per page")
	mixed := flag.Bool("mixed", false, "make bench-mixed: load the tracker with wrk and the largest partner's pages with concurrent users, alone and together")
	var mc mixedConfig
	flag.IntVar(&mc.users, "users", 50, "-mixed: concurrent cabinet users")
	flag.IntVar(&mc.conns, "c", 64, "-mixed: wrk connections on the tracker")
	flag.DurationVar(&mc.dur, "d", 10*time.Second, "-mixed: duration of each phase")
	flag.IntVar(&mc.reps, "reps", 3, "-mixed: rounds")
	flag.Parse()
	if !*mixed {
		mc = mixedConfig{}
	}
	if err := run(*adminURL, *redisURL, *bin, *clicks, *customers, *commissions, *n, mc); err != nil {
		fmt.Fprintln(os.Stderr, "bench-cabinet:", err)
		os.Exit(1)
	}
}

func run(adminURL, redisURL, bin string, nClicks, nCustomers, nCommissions, n int, mixed mixedConfig) error {
	ctx := context.Background()
	db, dsn, err := benchdb.Migrated(ctx, adminURL, "bench_cabinet")
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	// Set-based generation in SQL: partner 1 (the largest) gets a tenth of
	// everything, the rest spread over 999 partners.
	steps := []string{
		`UPDATE program_settings SET allowed_domains = '{example.com}', default_currency = 'RUB'`,
		`INSERT INTO plans (name, created_at) VALUES ('Bench', $1)`,
		`INSERT INTO plan_versions (plan_id, version, created_at) SELECT id, 1, $1 FROM plans`,
		`INSERT INTO plan_rules (plan_version_id, position, event, level, kind, percent) SELECT id, 0, 'sale', 1, 'percent', 20 FROM plan_versions`,
		`UPDATE plan_versions SET status = 'published', published_at = $1`,
		`INSERT INTO partners (ref, name, status, created_at, updated_at) SELECT 'p' || i, 'Partner ' || i, 'active', $1, $1 FROM generate_series(1, 1000) i`,
		`INSERT INTO contracts (partner_id, plan_version_id, starts_at, created_at) SELECT id, (SELECT id FROM plan_versions), $1::timestamptz - interval '2 years', $1 FROM partners`,
		`INSERT INTO users (email, password_hash, role, partner_id, created_at) VALUES ('largest@bench.test', 'x', 'owner', 1, $1)`,
		`INSERT INTO links (partner_id, code, destination_url, is_default, created_at, updated_at) SELECT id, 'link' || id, 'https://example.com/', true, $1, $1 FROM partners`,
		`SELECT ensure_click_partitions($1::timestamptz - interval '12 months', 13)`,
		fmt.Sprintf(`INSERT INTO clicks (click_id, clicked_at, link_id, partner_id, ip, user_agent, flags, attributable)
			SELECT gen_random_uuid(), $1::timestamptz - (i %% 31536000) * interval '1 second', p, p,
			       ('10.' || (i %% 250) || '.' || (i / 250 %% 250) || '.1')::inet, 'Mozilla/5.0', 0, true
			  FROM generate_series(1, %d) i, LATERAL (SELECT CASE WHEN i %% 10 = 0 THEN 1 ELSE 2 + i %% 999 END AS p) x`, nClicks),
		`INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks)
			SELECT (clicked_at AT TIME ZONE 'UTC')::date, partner_id, link_id, sub_id, count(*), count(DISTINCT ip) FROM clicks GROUP BY 1, 2, 3, 4`,
		fmt.Sprintf(`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, lead_paid_at, created_at)
			SELECT 'c' || i, CASE WHEN i %% 10 = 0 THEN 1 ELSE 2 + i %% 999 END, 'click', 'attributed',
			       $1::timestamptz - (i %% 365) * interval '1 day', $1::timestamptz - (i %% 365) * interval '1 day', $1, $1
			  FROM generate_series(1, %d) i`, nCustomers),
		fmt.Sprintf(`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at)
			SELECT 'inv' || i, 'c' || (1 + i %% %d), 1000 + i %% 9000, 'RUB', $1::timestamptz - (i %% 300) * interval '1 day', '\x00', $1
			  FROM generate_series(1, %d) i`, nCustomers, nCommissions),
		`INSERT INTO purchase_earners (purchase_id, partner_id, customer_external_id, occurred_at, amount, currency)
			SELECT p.id, c.partner_id, p.customer_external_id, p.occurred_at, p.amount, p.currency
			  FROM purchases p JOIN customers c ON c.external_id = p.customer_external_id`,
		`TRUNCATE purchases_waiting`, // reconciled, as far as these pages can tell
		`INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id, rule_id,
			base_amount, percent, amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
			SELECT c.partner_id, c.id, p.id, 'sale', 1, k.id, k.plan_version_id, (SELECT id FROM plan_rules), p.amount, 20,
			       p.amount * 0.2, p.amount * 0.2, 'RUB',
			       p.occurred_at, p.occurred_at + interval '30 days', '20% of ' || p.amount || ' RUB, plan Bench v1', $1
			  FROM purchases p JOIN customers c ON c.external_id = p.customer_external_id JOIN contracts k ON k.partner_id = c.partner_id`,
		`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
			SELECT partner_id, currency, 'pending', 'commission', amount, id, hold_until, $1 FROM commissions`,
		`SELECT release_holds($1)`,
		`VACUUM ANALYZE`,
	}
	at := time.Now().UTC() // wall: the data is dated as the served binary's system clock sees it
	for _, q := range steps {
		var args []any
		if strings.Contains(q, "$1") {
			args = append(args, at) // the steps that date rows take the benchmark's clock
		}
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("%.60s...: %w", q, err)
		}
	}
	var largest struct{ Clicks, Customers, Commissions int }
	db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM clicks WHERE partner_id = 1), (SELECT count(*) FROM customers WHERE partner_id = 1),
		(SELECT count(*) FROM commissions WHERE partner_id = 1)`).Scan(&largest.Clicks, &largest.Customers, &largest.Commissions)
	fmt.Printf("loaded %d clicks, %d customers, %d commissions in %.0fs; the largest partner has %d clicks, %d customers, %d commissions\n",
		nClicks, nCustomers, nCommissions, time.Since(start).Seconds(), largest.Clicks, largest.Customers, largest.Commissions)

	if os.Getenv("BENCH_EXPLAIN") != "" {
		rows, err := db.QueryContext(ctx, "EXPLAIN ANALYZE "+os.Getenv("BENCH_EXPLAIN"))
		if err == nil {
			for rows.Next() {
				var line string
				rows.Scan(&line)
				fmt.Println(line)
			}
			rows.Close()
		}
	}
	token := "bench-session-token"
	sum := sha256.Sum256([]byte(token))
	if _, err := db.ExecContext(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, created_at, last_seen_at)
		SELECT $1, id, 'x', $2::timestamptz + interval '1 day', $2, $2 FROM users WHERE email = 'largest@bench.test'`, sum[:], at); err != nil {
		return err
	}
	addr, taddr := benchdb.FreeAddr(), benchdb.FreeAddr()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "PARTNERKA_DATABASE_URL="+dsn, "PARTNERKA_REDIS_URL="+redisURL, "PARTNERKA_REDIS_PREFIX=benchcab:",
		"PARTNERKA_SECRET=bench-secret-0123456789abcdef0123456789", "PARTNERKA_CABINET_ADDR="+addr, "PARTNERKA_TRACKER_ADDR="+taddr,
		"PARTNERKA_RECONCILE_INTERVAL=0", "PARTNERKA_LOG_LEVEL=warn", "PARTNERKA_METRICS_ADDR=off")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if i > 200 {
			return fmt.Errorf("serve did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if mixed.users > 0 {
		return runMixed(ctx, db.DB, mixed, redisURL, "benchcab:", "http://"+taddr, base, at)
	}
	measure := func(path string) (float64, error) {
		var ds []float64
		for i := 0; i < n+10; i++ {
			req, _ := http.NewRequest("GET", base+path, nil)
			req.AddCookie(&http.Cookie{Name: "pk_session", Value: token})
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return 0, err
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return 0, fmt.Errorf("%s: %d", path, resp.StatusCode)
			}
			v := strings.TrimPrefix(resp.Header.Get("Server-Timing"), "app;dur=")
			d, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: no Server-Timing", path)
			}
			if i >= 10 { // the first ten warm caches
				ds = append(ds, d)
			}
		}
		return p95(ds), nil
	}
	baseline, err := measure("/static/app.css")
	if err != nil {
		return err
	}
	worst := 0.0
	pages := []string{"/dashboard?period=30d", "/dashboard?period=this_month", "/earnings?period=30d", "/customers"}
	for _, p := range pages {
		p95, err := measure(p)
		if err != nil {
			return err
		}
		fmt.Printf("%-30s p95 %7.3f ms (static file p95 %.3f ms)\n", p, p95, baseline)
		worst = max(worst, p95)
	}
	fmt.Printf("bench-cabinet: p95_ms=%.3f baseline_p95_ms=%.3f pages=%d\n", worst, baseline, len(pages))
	return nil
}
