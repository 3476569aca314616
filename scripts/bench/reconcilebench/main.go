// Command reconcilebench drives make bench-reconcile: it generates
// 1,000,000 purchases of 100,000 customers bound to 1,000 partners (half
// recruited by another, so level 2 earns; tiers on), times a COPY of as
// many rows of the same width into a plain table as the baseline, runs the
// real `partnerka reconcile --once` over them, then drains 1,000,000 clicks
// the same way, and checks a sample of commissions against an independent
// computation.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/scripts/bench/benchdb"
	"partnerka/storage"
)

var year = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

type purchase struct {
	customer int
	cents    int64 // RUB kopecks
	at       time.Time
}

func main() {
	adminURL := flag.String("db", os.Getenv("PARTNERKA_BENCH_DATABASE_URL"), "PostgreSQL admin URL")
	redisURL := flag.String("redis", os.Getenv("PARTNERKA_BENCH_REDIS_URL"), "Redis URL")
	bin := flag.String("bin", "bin/partnerka", "partnerka binary")
	nPurchases := flag.Int("purchases", 1000000, "purchases")
	nCustomers := flag.Int("customers", 100000, "customers")
	nPartners := flag.Int("partners", 1000, "partners")
	nClicks := flag.Int("clicks", 1000000, "clicks")
	flag.BoolVar(&statements, "statements", false, "print the statements PostgreSQL spent most time on while reconciling (needs PARTNERKA_BENCH_PG_OPTS='-c shared_preload_libraries=pg_stat_statements')")
	flag.Parse()
	if err := run(*adminURL, *redisURL, *bin, *nPurchases, *nCustomers, *nPartners, *nClicks); err != nil {
		fmt.Fprintln(os.Stderr, "bench-reconcile:", err)
		os.Exit(1)
	}
}

func run(adminURL, redisURL, bin string, nPurchases, nCustomers, nPartners, nClicks int) error {
	ctx := context.Background()
	db, dsn, err := benchdb.Migrated(ctx, adminURL, "bench_reconcile")
	if err != nil {
		return err
	}
	defer db.Close()
	if os.Getenv("XNOFK") != "" {
		for _, c := range strings.Split(os.Getenv("XNOFK"), ",") {
			parts := strings.SplitN(c, ".", 2)
			if _, err := db.Exec(`ALTER TABLE ` + parts[0] + ` DROP CONSTRAINT ` + parts[1]); err != nil {
				return err
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	fmt.Printf("reconcile bench: %d purchases, %d customers, %d partners (two levels, tiers on), %d clicks\n",
		nPurchases, nCustomers, nPartners, nClicks)

	// The program: one plan, 20% with tiers at 25% from 200,000 and 30% from
	// 1,000,000 RUB of last month's volume; 5% at level 2.
	pct := decimal.RequireFromString
	rub := func(s string) partnerka.Money { return partnerka.Money{Amount: pct(s), Currency: "RUB"} }
	seed := storage.Seed{
		Settings: &partnerka.Settings{Name: "Bench", DefaultCurrency: "RUB", DefaultLandingURL: "https://example.com/",
			AllowedDomains: []string{"example.com"}, AttributionWindowDays: 90, AttributionModel: "last_click", HoldDays: 30,
			RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click"},
		Plans: []storage.SeedPlan{{Name: "Referral", Version: 1, Rules: []partnerka.Rule{
			{Event: "sale", Level: 1, Kind: "percent", Percent: pct("20"), Payments: "all",
				Tiers: []partnerka.Tier{{MinVolume: rub("200000"), Percent: pct("25")}, {MinVolume: rub("1000000"), Percent: pct("30")}}},
			{Event: "sale", Level: 2, Kind: "percent", Percent: pct("5"), Payments: "all"},
		}}},
	}
	recruiter := make([]int, nPartners)
	for i := 0; i < nPartners; i++ {
		sp := storage.SeedPartner{Partner: partnerka.Partner{Ref: fmt.Sprintf("p%04d", i), Name: fmt.Sprintf("Partner %d", i),
			Kind: "company", Status: "active"}, Plan: "Referral", ContractStart: year.AddDate(-1, 0, 0)}
		recruiter[i] = -1
		if i >= nPartners/2 {
			recruiter[i] = r.IntN(nPartners / 2)
			sp.RecruiterRef = fmt.Sprintf("p%04d", recruiter[i])
		}
		seed.Partners = append(seed.Partners, sp)
	}
	res, err := db.LoadSeed(ctx, seed)
	if err != nil {
		return err
	}
	partnerID := make([]int64, nPartners)
	for i := range partnerID {
		partnerID[i] = res.Partners[fmt.Sprintf("p%04d", i)]
	}
	// Customers are bound directly (attribution has its own tests): a
	// customer's partner, bound at a random time in the first half year.
	custPartner := make([]int, nCustomers)
	custBound := make([]time.Time, nCustomers)
	if err := copyRows(db.DB, "customers", []string{"external_id", "partner_id", "source", "reason", "bound_at", "first_seen_at", "lead_paid_at", "created_at"},
		nCustomers, func(i int) []any {
			custPartner[i] = r.IntN(nPartners)
			custBound[i] = year.Add(time.Duration(r.Int64N(int64(180 * 24 * time.Hour)))).Truncate(time.Second)
			return []any{fmt.Sprintf("c%06d", i), partnerID[custPartner[i]], "partner_ref", "attributed", custBound[i], custBound[i], custBound[i], custBound[i]}
		}); err != nil {
		return err
	}
	ps := make([]purchase, nPurchases)
	for i := range ps {
		c := r.IntN(nCustomers)
		at := custBound[c].Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Second)
		ps[i] = purchase{customer: c, cents: 10000 + r.Int64N(1000000), at: at}
	}
	row := func(i int) []any {
		p := ps[i]
		return []any{fmt.Sprintf("inv%07d", i), fmt.Sprintf("c%06d", p.customer), fmt.Sprintf("%d.%02d", p.cents/100, p.cents%100),
			"RUB", "crm", "", p.at, []byte("0123456789abcdef0123456789abcdef"), p.at}
	}
	cols := []string{"external_id", "customer_external_id", "amount", "currency", "product", "promo_code", "occurred_at", "body_hash", "received_at"}
	if _, err := db.Exec(`CREATE TABLE copy_baseline (LIKE purchases INCLUDING DEFAULTS)`); err != nil {
		return err
	}
	start := time.Now()
	if err := copyRows(db.DB, "copy_baseline", cols, nPurchases, row); err != nil {
		return err
	}
	baseline := time.Since(start)
	start = time.Now()
	if err := copyRows(db.DB, "purchases", cols, nPurchases, row); err != nil {
		return err
	}
	// Not timed as reconciliation, but shown: recording a purchase also
	// queues it and copies its customer's partner (triggers), work the
	// reconciler then does not do.
	recorded := time.Since(start)
	// What loading left to do (vacuuming and writing out a million fresh
	// rows) is not reconciliation: it is done before the clock starts.
	for _, q := range []string{`VACUUM ANALYZE`, `CHECKPOINT`} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	fmt.Printf("baseline: COPY of %d rows of the same width into a plain table: %.1fs (%.0f rows/s); the same COPY into purchases (indexes, queue, partner): %.1fs\n",
		nPurchases, baseline.Seconds(), float64(nPurchases)/baseline.Seconds(), recorded.Seconds())

	env := append(os.Environ(), "PARTNERKA_DATABASE_URL="+dsn, "PARTNERKA_REDIS_URL="+redisURL,
		"PARTNERKA_REDIS_PREFIX=benchrec:", "PARTNERKA_LOG_LEVEL=warn")
	if statements {
		if _, err := db.Exec(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()`); err != nil {
			return err
		}
	}
	steps, rss, took, cpu, err := reconcile(bin, env)
	if err != nil {
		return err
	}
	if statements {
		topStatements(db)
	}
	// Reconciled means earned and, every hold having ended, available: the
	// pass's steps after the streams (purchases, lead rules, refunds,
	// release of holds) all count.
	purchaseSecs := steps["purchases"] + steps["lead_rules"] + steps["refunds"] + steps["release"]
	fmt.Printf("reconcile: %d purchases in %.1fs (%.0f purchases/s; purchases step %.1fs, release of holds %.1fs, whole pass %.1fs, reconciler CPU %.1fs), peak RSS %d MB\n",
		nPurchases, purchaseSecs, float64(nPurchases)/purchaseSecs, steps["purchases"], steps["release"], took.Seconds(), cpu.Seconds(), rss)

	rdb, err := storage.OpenRedis(ctx, redisURL, "benchrec:")
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := pushClicks(ctx, rdb, nClicks, partnerID); err != nil {
		return err
	}
	// A pass drains at most 500,000 clicks before yielding to the next
	// step; run passes until every click is stored.
	var clickSecs float64
	var rss2 int64
	var stored int
	for pass := 0; pass < 20 && stored < nClicks; pass++ {
		steps2, rss, _, _, err := reconcile(bin, env)
		if err != nil {
			return err
		}
		clickSecs += steps2["clicks"]
		rss2 = max(rss2, rss)
		db.Get(&stored, `SELECT count(*) FROM clicks`)
	}
	fmt.Printf("clicks: %d sent, %d stored in PostgreSQL in %.1fs of the clicks step (%.0f clicks/s), peak RSS %d MB\n",
		nClicks, stored, clickSecs, float64(stored)/clickSecs, rss2)

	oracle := checkSample(db, ps, custPartner, custBound, recruiter, r)
	ratio := (float64(nPurchases) / purchaseSecs) / (float64(nPurchases) / baseline.Seconds())
	fmt.Printf("bench-reconcile: purchases_per_s=%.0f ratio=%.2f clicks_per_s=%.0f peak_rss_mb=%d oracle=%s\n",
		float64(nPurchases)/purchaseSecs, ratio, float64(stored)/clickSecs, max(rss, rss2), oracle)
	return nil
}

var stepLine = regexp.MustCompile(`^(\w+): (\d+) in ([0-9.]+)s$`)

// reconcile runs partnerka reconcile --once and returns each step's
// seconds, the process's peak RSS in MB and the wall time.
var statements bool

// topStatements prints the statements PostgreSQL spent most time on since
// the last reset.
func topStatements(db *storage.DB) {
	var rows []struct {
		Calls int64   `db:"calls"`
		Total float64 `db:"total"`
		Query string  `db:"query"`
	}
	err := db.Select(&rows, `SELECT calls, total_exec_time / 1000 AS total, left(regexp_replace(query, '\s+', ' ', 'g'), 100) AS query
		FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12`)
	if err != nil {
		fmt.Println("statements:", err)
		return
	}
	for _, r := range rows {
		fmt.Printf("  %7.2fs %8d calls  %s\n", r.Total, r.Calls, r.Query)
	}
}

// reconcile runs one pass of partnerka reconcile --once and returns each
// step's seconds, the peak RSS in MB, the wall time and the CPU time the
// reconciler itself used (the rest of the work is PostgreSQL's).
func reconcile(bin string, env []string) (map[string]float64, int64, time.Duration, time.Duration, error) {
	cmd := exec.Command(bin, "reconcile", "--once")
	cmd.Env = env
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, 0, 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, 0, 0, err
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	steps := map[string]float64{}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if m := stepLine.FindStringSubmatch(sc.Text()); m != nil {
			steps[m[1]], _ = strconv.ParseFloat(m[3], 64)
		}
	}
	if err := cmd.Wait(); err != nil {
		return nil, 0, 0, 0, fmt.Errorf("reconcile: %w", err)
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return steps, <-peak / 1024, time.Since(start), cpu, nil
}

// watchPeakRSS reads the process's peak resident set (VmHWM, in kB) from
// the kernel until it exits and then sends the last value read. The
// rusage of a finished child would not do: Go starts children with
// vfork, so the parent's own resident set counts toward the child's peak.
func watchPeakRSS(pid int) <-chan int64 {
	out := make(chan int64, 1)
	go func() {
		var peak int64
		for {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
			if err != nil {
				out <- peak
				return
			}
			for _, line := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
					n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
					peak = max(peak, n)
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return out
}

func pushClicks(ctx context.Context, rdb *storage.Redis, n int, partners []int64) error {
	at := time.Now().Add(-time.Hour)
	pipe := rdb.Pipeline()
	for sent := 0; sent < n; {
		var lines []byte
		k := 0
		for ; k < 1000 && sent+k < n; k++ {
			c := storage.StreamClick{ID: partnerka.NewClickID(at).String(), LinkID: 1, PartnerID: partners[(sent+k)%len(partners)],
				At: at, IP: fmt.Sprintf("10.%d.%d.%d", (sent+k)>>16&255, (sent+k)>>8&255, (sent+k)&255), UserAgent: "Mozilla/5.0 (X11; Linux x86_64)",
				Landing: "https://example.com/landing?utm_source=partner&pk_click=x"}
			lines = storage.AppendClick(lines, &c)
		}
		pipe.XAdd(ctx, &redis.XAddArgs{Stream: rdb.Key(storage.ClickStream), Values: storage.ClickBatchFields(k, lines)})
		sent += k
		if pipe.Len() >= 50 || sent >= n {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSample recomputes 2,000 random purchases' commissions from the
// generated data with big.Rat and compares them with the stored ones.
func checkSample(db *storage.DB, ps []purchase, custPartner []int, custBound []time.Time, recruiter []int, r *rand.Rand) string {
	type vkey struct {
		partner int
		month   time.Time
	}
	vol := map[vkey]int64{}
	for _, p := range ps {
		if !p.at.Before(custBound[p.customer]) {
			vol[vkey{custPartner[p.customer], time.Date(p.at.Year(), p.at.Month(), 1, 0, 0, 0, 0, time.UTC)}] += p.cents
		}
	}
	round := func(x *big.Rat) string { // to kopecks, half away from zero (amounts are positive)
		y := new(big.Rat).Mul(x, big.NewRat(100, 1))
		y.Add(y, big.NewRat(1, 2))
		q := new(big.Int).Quo(y.Num(), y.Denom())
		return new(big.Rat).SetFrac(q, big.NewInt(100)).FloatString(2)
	}
	bad := 0
	for k := 0; k < 2000; k++ {
		i := r.IntN(len(ps))
		p := ps[i]
		partner := custPartner[p.customer]
		prev := time.Date(p.at.Year(), p.at.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
		rate := int64(20)
		if v := vol[vkey{partner, prev}]; v >= 100000000 {
			rate = 30
		} else if v >= 20000000 {
			rate = 25
		}
		want := map[int]string{1: round(big.NewRat(p.cents*rate, 100*100))}
		if recruiter[partner] >= 0 {
			want[2] = round(big.NewRat(p.cents*5, 100*100))
		}
		var rows []struct {
			Level  int             `db:"level"`
			Amount decimal.Decimal `db:"amount"`
		}
		db.Select(&rows, `SELECT c.level, c.amount FROM commissions c JOIN purchases p ON p.id = c.purchase_id
			 WHERE c.event = 'sale' AND p.external_id = $1`, // by commissions_purchase,
			fmt.Sprintf("inv%07d", i))
		got := map[int]string{}
		for _, rw := range rows {
			got[rw.Level] = rw.Amount.StringFixed(2)
		}
		if len(got) != len(want) || got[1] != want[1] || got[2] != want[2] {
			if bad < 5 {
				fmt.Printf("oracle mismatch on inv%07d: got %v, want %v\n", i, got, want)
			}
			bad++
		}
	}
	if bad > 0 {
		return "mismatch"
	}
	return "ok"
}

func copyRows(db *sqlx.DB, table string, cols []string, n int, row func(int) []any) error {
	tx, err := db.Begin()
	if err != nil {
		return err
	}
	stmt, err := tx.Prepare(pq.CopyIn(table, cols...))
	if err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		if _, err := stmt.Exec(row(i)...); err != nil {
			return err
		}
	}
	if _, err := stmt.Exec(); err != nil {
		return err
	}
	stmt.Close()
	return tx.Commit()
}
