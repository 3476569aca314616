// Command reconcilebench drives make bench-reconcile: it generates
// 1,000,000 purchases of 100,000 customers bound to 1,000 partners (half
// recruited by another, so level 2 earns; tiers on), times a COPY of as
// many rows of the same width into a plain table as the baseline, runs the
// real `partnerka reconcile --once` over them, then drains 1,000,000 clicks
// the same way, and checks a sample of commissions against an independent
// computation. The purchases are reconciled on identical copies of the
// data with every fraud rule off and with every rule on, in rounds that
// alternate which goes first (a tenth of the customers bound through
// clicks in the last 28 days and queued for review, refunds, payout
// details, sign-ins and click bursts give the rules their work), and the
// last line compares the two (rules_ratio).
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
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

// refund is a generated refund of purchase i.
type refund struct {
	purchase int
	cents    int64
	at       time.Time
}

// rulesOff and rulesOn are program_settings.fraud_rules of the two runs:
// the thresholds a missing key leaves at their defaults.
const (
	rulesOff = `{"self_referral":false,"shared_details":false,"click_spam":false,"fast_lead":false,"cookie_stuffing":false,"refund_anomaly":false,"conversion_spike":false}`
	rulesOn  = `{"self_referral":true,"shared_details":true,"click_spam":true,"fast_lead":true,"cookie_stuffing":true,"refund_anomaly":true,"conversion_spike":true}`
)

func main() {
	adminURL := flag.String("db", os.Getenv("PARTNERKA_BENCH_DATABASE_URL"), "PostgreSQL admin URL")
	redisURL := flag.String("redis", os.Getenv("PARTNERKA_BENCH_REDIS_URL"), "Redis URL")
	bin := flag.String("bin", "bin/partnerka", "partnerka binary")
	nPurchases := flag.Int("purchases", 1000000, "purchases")
	nCustomers := flag.Int("customers", 100000, "customers")
	nPartners := flag.Int("partners", 1000, "partners")
	nClicks := flag.Int("clicks", 1000000, "clicks")
	flag.IntVar(&nLeads, "leads", 100000, "new customers whose first purchase carries a partner's promo code, bound by the leads step (leads_per_s)")
	rounds := flag.Int("rounds", 2, "reconcile the purchases this many times with the rules off and with them on, the first of the two alternating (off, on, on, off...): a server slowing down or speeding up during the bench favours neither")
	flag.BoolVar(&statements, "statements", false, "print the statements PostgreSQL spent most time on while reconciling (needs PARTNERKA_BENCH_PG_OPTS='-c shared_preload_libraries=pg_stat_statements')")
	flag.Parse()
	if err := run(*adminURL, *redisURL, *bin, *nPurchases, *nCustomers, *nPartners, *nClicks, max(*rounds, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "bench-reconcile:", err)
		os.Exit(1)
	}
}

func run(adminURL, redisURL, bin string, nPurchases, nCustomers, nPartners, nClicks, rounds int) error {
	ctx := context.Background()
	const dbSeed = "bench_reconcile" // loaded once; each run reconciles a copy
	db, _, err := benchdb.Migrated(ctx, adminURL, dbSeed)
	if err != nil {
		return err
	}
	defer func() { db.Close() }()
	if os.Getenv("XNOFK") != "" {
		for _, c := range strings.Split(os.Getenv("XNOFK"), ",") {
			parts := strings.SplitN(c, ".", 2)
			if _, err := db.Exec(`ALTER TABLE ` + parts[0] + ` DROP CONSTRAINT ` + parts[1]); err != nil {
				return err
			}
		}
	}
	if nPartners < 30 || nCustomers < 1000 {
		return fmt.Errorf("at least 30 partners and 1,000 customers (the fraud rules' cases)")
	}
	r := rand.New(rand.NewPCG(1, 2))
	// What only the fraud rules need comes from a generator of its own, so
	// partners, customers and purchases are drawn as before the rules came
	// in (but for the dates of the recent tenth of the customers).
	r2 := rand.New(rand.NewPCG(3, 4))
	// The reconciler's clock is the wall clock: the recent customers,
	// their clicks and what is queued for review are dated just before it.
	now := time.Now().UTC().Truncate(time.Second) // wall: the bench's data is dated before the reconciler's clock
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
			Kind: "company", Status: "active", ContactEmail: fmt.Sprintf("billing@p%04d.example", i)},
			Plan: "Referral", ContractStart: year.AddDate(-1, 0, 0), PromoCodes: []string{fmt.Sprintf("P%04d", i)}}
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
	// The partners the fraud cases are about: of 1,000, 3 with a spike of
	// customers, 5 stuffing cookies, 5 refunded far more than the rest, 5
	// spamming clicks and 3 pairs paid to one account (as many per
	// thousand in a smaller run, at least one of each).
	perm := r2.Perm(nPartners)
	take := func(perThousand int) []int {
		n := max(1, perThousand*nPartners/1000)
		s := perm[:n]
		perm = perm[n:]
		return s
	}
	spikers, stuffers, refunders, spammers, sharers := take(3), take(5), take(5), take(5), take(3)
	sharers = append(sharers, take(len(sharers))...) // pairs: sharers[k] and sharers[k+len/2]
	in := func(set []int, i int) bool { return slices.Contains(set, i) }
	if err := loadPartners(db, now, partnerID, sharers); err != nil {
		return err
	}
	nBursts, err := loadBursts(db, now, r2, partnerID, spammers)
	if err != nil {
		return err
	}

	// Customers are bound directly (attribution has its own tests): a
	// customer's partner, bound at a random time in the first half year.
	// The last tenth were bound through a click in the 28 days before
	// now, as the lead step binds them (a click of theirs, an email), and
	// are queued for review as it queues them: some a few seconds after
	// their click, some with the partner's email, domain or sign-in
	// network, the stuffers' mostly from clicks no one saw, and the
	// spikers' 30 each within the last day.
	leads := nCustomers / 10
	firstLead := nCustomers - leads
	custPartner := make([]int, nCustomers)
	custBound := make([]time.Time, nCustomers)
	var clickRows [][]any
	var views []int // clickRows indexes with a pk.js view
	if err := copyRows(db.DB, "customers", []string{"external_id", "partner_id", "source", "reason", "bound_at", "first_seen_at", "lead_paid_at", "created_at", "click_id", "email"},
		nCustomers, func(i int) []any {
			custPartner[i] = r.IntN(nPartners)
			custBound[i] = year.Add(time.Duration(r.Int64N(int64(180 * 24 * time.Hour)))).Truncate(time.Second)
			if i < firstLead {
				return []any{fmt.Sprintf("c%06d", i), partnerID[custPartner[i]], "partner_ref", "attributed", custBound[i], custBound[i], custBound[i], custBound[i], nil, ""}
			}
			j := i - firstLead
			if j < len(spikers)*30 {
				custPartner[i] = spikers[j/30]
				custBound[i] = now.Add(-time.Duration(r2.Int64N(int64(23 * time.Hour)))).Truncate(time.Second)
			} else {
				custBound[i] = now.Add(-time.Duration(r2.Int64N(int64(28 * 24 * time.Hour)))).Truncate(time.Second)
			}
			p, bound := custPartner[i], custBound[i]
			gap := time.Duration(30+r2.Int64N(2*24*3600)) * time.Second
			if r2.IntN(100) == 0 {
				gap = time.Duration(1+r2.Int64N(4)) * time.Second // fast_lead: under 5 s
			}
			clicked := bound.Add(-gap)
			id := partnerka.NewClickID(clicked).UUID()
			ip := fmt.Sprintf("%s.%d", testNets[r2.IntN(len(testNets))], 1+r2.IntN(254))
			email := fmt.Sprintf("c%06d@gmail.com", i)
			switch k := r2.IntN(1000); {
			case k < 3: // self_referral: the partner's own email, up to a +tag
				email = fmt.Sprintf("billing+shop@p%04d.example", p)
			case k < 6: // self_referral: the partner's domain
				email = fmt.Sprintf("anna@p%04d.example", p)
			case k < 9: // self_referral: a click from the partner's sign-in network
				ip = fmt.Sprintf("%s.%d", signInNet(partnerID[p]), 1+r2.IntN(254))
			case k < 400:
				email = fmt.Sprintf("c%06d@corp%03d.example", i, r2.IntN(1000))
			}
			referer := "https://blog.example/post"
			unseen := r2.IntN(100) < 30
			if in(stuffers, p) {
				unseen = r2.IntN(100) < 90
			}
			if unseen {
				referer = ""
				if !in(stuffers, p) && r2.IntN(2) == 0 {
					views = append(views, len(clickRows)) // no referrer, but pk.js saw the page
				}
			}
			clickRows = append(clickRows, []any{id, clicked, 1, partnerID[p], ip, "Mozilla/5.0 (X11; Linux x86_64)", referer,
				"https://example.com/landing?pk_click=x", true})
			return []any{fmt.Sprintf("c%06d", i), partnerID[p], "click", "attributed", bound, bound, bound, bound, id, email}
		}); err != nil {
		return err
	}
	// The recent customers' clicks, in their monthly partitions.
	if _, err := db.Exec(`SELECT ensure_click_partitions($1, 3)`, now.AddDate(0, 0, -35)); err != nil {
		return err
	}
	if err := copyRows(db.DB, "clicks", []string{"click_id", "clicked_at", "link_id", "partner_id", "ip", "user_agent", "referer", "landing_url", "attributable"},
		len(clickRows), func(i int) []any { return clickRows[i] }); err != nil {
		return err
	}
	if err := copyRows(db.DB, "click_views", []string{"click_id", "seen_at"}, len(views), func(i int) []any {
		c := clickRows[views[i]]
		return []any{c[0], c[1].(time.Time).Add(2 * time.Second)}
	}); err != nil {
		return err
	}

	ps := make([]purchase, nPurchases)
	var refunds []refund
	refunded := map[int]bool{} // partners whose commissions a refund reverses
	for i := range ps {
		c := r.IntN(nCustomers)
		d := time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))
		if c >= firstLead { // a recent customer pays between the binding and now
			d = time.Duration(float64(d) * float64(now.Sub(custBound[c])) / float64(365*24*time.Hour))
		}
		at := custBound[c].Add(d).Truncate(time.Second)
		ps[i] = purchase{customer: c, cents: 10000 + r.Int64N(1000000), at: at}
		// Refunds of the recent customers' purchases (the refund anomaly
		// rule's 90 days): 2% of them, 40% of the refunders' customers'.
		if c >= firstLead {
			share := 2
			if in(refunders, custPartner[c]) {
				share = 40
			}
			if r2.IntN(100) < share {
				cents := ps[i].cents
				if r2.IntN(4) == 0 {
					cents /= 2
				}
				refunds = append(refunds, refund{purchase: i, cents: cents,
					at: at.Add(time.Duration(r2.Int64N(int64(now.Sub(at)) + 1))).Truncate(time.Second)})
				refunded[custPartner[c]] = true
				if rc := recruiter[custPartner[c]]; rc >= 0 {
					refunded[rc] = true
				}
			}
		}
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
	// Not timed as reconciliation: recording a purchase (record_ratio)
	// is its row, its keys, the index by customer and its queue entry
	// (the statement trigger).
	recorded := time.Since(start)
	if err := loadRefunds(db, ps, refunds); err != nil {
		return err
	}
	nQueued, err := queueReview(db, now, r2, partnerID, refunded, sharers)
	if err != nil {
		return err
	}
	fmt.Printf("fraud cases: %d customers bound by a click in 28 days (%d fast, %d clicks seen by pk.js only), %d refunds, %d partners' payout details (%d sharing %d accounts), %d subjects queued for review, %d click_bursts rows\n",
		leads, countFast(clickRows, custBound[firstLead:]), len(views), len(refunds), nPartners, len(sharers), len(sharers)/2, nQueued, nBursts)
	// What loading left to do (vacuuming and writing out a million fresh
	// rows) is not reconciliation: it is done before the clock starts.
	for _, q := range []string{`VACUUM ANALYZE`, `CHECKPOINT`} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	fmt.Printf("baseline: COPY of %d rows of the same width into a plain table: %.1fs (%.0f rows/s); the same COPY into purchases (its keys, the index by customer and the queue): %.1fs\n",
		nPurchases, baseline.Seconds(), float64(nPurchases)/baseline.Seconds(), recorded.Seconds())

	// Each run reconciles a file copy of the loaded database (the same
	// rows, pages and statistics, so the same plans): with every fraud
	// rule off and with every rule on, in each round, the first of the two
	// alternating between rounds so neither always runs on a warmer
	// server. The clicks are drained into the first rules-off copy.
	db.Close()
	envOf := func(dsn string) []string {
		return append(os.Environ(), "PARTNERKA_DATABASE_URL="+dsn, "PARTNERKA_REDIS_URL="+redisURL,
			"PARTNERKA_REDIS_PREFIX=benchrec:", "PARTNERKA_LOG_LEVEL=warn")
	}
	var env []string
	var offSecs, onSecs []float64
	var rss int64
	oracle := "ok"
	for round := 1; round <= rounds; round++ {
		order := []bool{false, true}
		if round%2 == 0 {
			order = []bool{true, false}
		}
		var flags string
		for _, rulesOnRun := range order {
			name, rules, label := fmt.Sprintf("%s_off%d", dbSeed, round), rulesOff, "rules off"
			if rulesOnRun {
				name, rules, label = fmt.Sprintf("%s_on%d", dbSeed, round), rulesOn, "rules on"
			}
			if rounds > 1 {
				label += fmt.Sprintf(", round %d", round)
			}
			dsnRun, err := copyDatabase(adminURL, dbSeed, name)
			if err != nil {
				return err
			}
			dbRun, err := storage.Open(ctx, dsnRun)
			if err != nil {
				return err
			}
			for _, q := range []string{`UPDATE program_settings SET fraud_rules = '` + rules + `'`, `CHECKPOINT`} {
				if _, err := dbRun.Exec(q); err != nil {
					dbRun.Close()
					return err
				}
			}
			f, err := reconcileRun(bin, envOf(dsnRun), dbRun, label, nPurchases)
			if err != nil {
				dbRun.Close()
				return err
			}
			rss = max(rss, f.rss)
			line, err := flagCounts(dbRun)
			if err != nil {
				dbRun.Close()
				return err
			}
			if rulesOnRun {
				onSecs = append(onSecs, f.secs)
				flags = line
			} else {
				offSecs = append(offSecs, f.secs)
				if !strings.HasPrefix(line, "flags 0;") {
					dbRun.Close()
					return fmt.Errorf("rules off raised flags: %s", line)
				}
			}
			if o := checkSample(dbRun, ps, refunds, custPartner, custBound, recruiter, r); o != "ok" {
				oracle = o
			}
			// What a run leaves (vacuuming its fresh rows, writing out its
			// dirty pages) must not land in the next run's time: the copy
			// kept is vacuumed, the others dropped, and a checkpoint
			// follows either way.
			keep := round == 1 && !rulesOnRun
			if keep {
				db, env = dbRun, envOf(dsnRun) // kept for the clicks
				if _, err := db.Exec(`VACUUM ANALYZE`); err != nil {
					return err
				}
			} else {
				dbRun.Close()
				if err := dropDatabase(adminURL, name); err != nil {
					return err
				}
			}
			if err := checkpoint(adminURL); err != nil {
				return err
			}
		}
		if rounds > 1 {
			fmt.Printf("review (rules on, round %d): %s; round rules_ratio=%.2f\n", round, flags, offSecs[round-1]/onSecs[round-1])
		} else {
			fmt.Printf("review (rules on): %s\n", flags)
		}
	}
	offTotal, onTotal := sum(offSecs), sum(onSecs)

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
	var before int
	db.Get(&before, `SELECT count(*) FROM clicks`)
	for pass := 0; pass < 20 && stored < nClicks; pass++ {
		steps2, rss, _, _, err := reconcile(bin, env)
		if err != nil {
			return err
		}
		clickSecs += steps2["clicks"]
		rss2 = max(rss2, rss)
		db.Get(&stored, `SELECT count(*) - $1 FROM clicks`, before)
	}
	fmt.Printf("clicks: %d sent, %d stored in PostgreSQL in %.1fs of the clicks step (%.0f clicks/s), peak RSS %d MB\n",
		nClicks, stored, clickSecs, float64(stored)/clickSecs, rss2)

	// Binding: a CSV import of the first purchases of nLeads new
	// customers, each with a partner's promo code, recorded as the other
	// purchases were; the leads step offers each code as a lead and binds.
	leadsAt := now.Add(-time.Hour)
	lr := rand.New(rand.NewPCG(5, 6))
	if err := copyRows(db.DB, "purchases", cols, nLeads, func(i int) []any {
		at := leadsAt.Add(time.Duration(i) * time.Millisecond)
		return []any{fmt.Sprintf("new%07d", i), fmt.Sprintf("n%07d", i), "990.00", "RUB", "crm", fmt.Sprintf("P%04d", lr.IntN(nPartners)),
			at, []byte("0123456789abcdef0123456789abcdef"), at}
	}); err != nil {
		return err
	}
	if err := checkpoint(adminURL); err != nil {
		return err
	}
	var leadSecs float64
	var bound int
	if statements {
		if _, err := db.Exec(`SELECT pg_stat_statements_reset()`); err != nil {
			return err
		}
	}
	for pass := 0; pass < 20 && bound < nLeads; pass++ {
		steps, rss, _, _, err := reconcile(bin, env)
		if err != nil {
			return err
		}
		leadSecs += steps["leads"]
		rss2 = max(rss2, rss)
		db.Get(&bound, `SELECT count(*) FROM customers WHERE external_id LIKE 'n%' AND partner_id IS NOT NULL`)
	}
	if bound != nLeads {
		return fmt.Errorf("the leads step bound %d of %d new customers", bound, nLeads)
	}
	if statements {
		topStatements(db)
	}
	leadsPerS := float64(nLeads) / leadSecs
	fmt.Printf("leads: %d new customers bound by their purchases' promo codes in %.1fs of the leads step (%.0f leads/s)\n",
		nLeads, leadSecs, leadsPerS)

	// Throughputs over every round: the purchases of all rounds over all
	// their seconds.
	perS := float64(nPurchases*rounds) / offTotal
	ratio := perS / (float64(nPurchases) / baseline.Seconds())
	fmt.Printf("bench-reconcile: purchases_per_s=%.0f ratio=%.2f record_ratio=%.2f clicks_per_s=%.0f leads_per_s=%.0f peak_rss_mb=%d rules_ratio=%.2f oracle=%s\n",
		perS, ratio, recorded.Seconds()/baseline.Seconds(), float64(stored)/clickSecs, leadsPerS, max(rss, rss2), offTotal/onTotal, oracle)
	return nil
}

// Addresses are public ones (the self-referral rule passes over private
// networks): the customers' clicks come from the documentation networks,
// and partner id's team signs in from a /24 of the benchmarking range
// 198.18.0.0/15 (ids 512 apart share one; each partner is compared with
// its own customers only).
var testNets = []string{"192.0.2", "198.51.100", "203.0.113"}

// signInNet is the /24 partner id's team signs in from (its first three
// octets); loadPartners writes the same in SQL.
func signInNet(id int64) string { return fmt.Sprintf("198.%d.%d", 18+id/256%2, id%256) }

func countFast(clicks [][]any, bound []time.Time) int {
	n := 0
	for i, c := range clicks {
		if bound[i].Sub(c[1].(time.Time)) < 5*time.Second {
			n++
		}
	}
	return n
}

// loadPartners gives every partner an owner signing in from its own /24
// (signInNet) and payout details, sharers[k] on one account with
// sharers[k+len(sharers)/2].
func loadPartners(db *storage.DB, now time.Time, partnerID []int64, sharers []int) error {
	if _, err := db.Exec(`INSERT INTO users (email, name, password_hash, role, partner_id, created_at)
		SELECT 'owner@' || ref || '.example', name, 'x', 'owner', id, $1 FROM partners`, now.AddDate(-1, 0, 0)); err != nil {
		return err
	}
	if _, err := db.Exec(`INSERT INTO sign_in_addresses (user_id, address, last_at)
		SELECT u.id, '198.' || (18 + u.partner_id / 256 % 2) || '.' || (u.partner_id % 256) || '.10', $1
		  FROM users u WHERE u.partner_id IS NOT NULL`, now.AddDate(0, 0, -3)); err != nil {
		return err
	}
	if _, err := db.Exec(`UPDATE partners SET payout_method = 'card',
		payout_details = jsonb_build_object('account', '4000 0000 ' || lpad(id::text, 8, '0'))`); err != nil {
		return err
	}
	half := len(sharers) / 2
	for k := 0; k < half; k++ {
		if _, err := db.Exec(`UPDATE partners SET payout_details = jsonb_build_object('account', $2::text) WHERE id = ANY($1)`,
			pq.Array([]int64{partnerID[sharers[k]], partnerID[sharers[k+half]]}), fmt.Sprintf("4111 1111 1111 %04d", k)); err != nil {
			return err
		}
	}
	return nil
}

// loadBursts fills click_bursts as the click drain would have over the
// last 7 days: mostly a few clicks per partner, network and window, one
// window in 20 busy (10 to 149 clicks), and the spammers' three windows
// each far above the click spam threshold. It returns the rows.
func loadBursts(db *storage.DB, now time.Time, r2 *rand.Rand, partnerID []int64, spammers []int) (int, error) {
	type burst struct {
		partner int64
		network string
		window  time.Time
	}
	bursts := map[burst]int64{}
	last := now.Truncate(10 * time.Minute)
	window := func() time.Time { return last.Add(-time.Duration(r2.IntN(7*24*6)) * 10 * time.Minute) }
	for k := 0; k < len(partnerID)*20; k++ {
		b := burst{partnerID[r2.IntN(len(partnerID))], fmt.Sprintf("10.%d.%d.0/24", r2.IntN(128), r2.IntN(256)), window()}
		n := int64(1 + r2.IntN(9))
		if r2.IntN(20) == 0 {
			n = int64(10 + r2.IntN(140))
		}
		bursts[b] += n
	}
	for _, s := range spammers {
		for k := 0; k < 3; k++ {
			bursts[burst{partnerID[s], fmt.Sprintf("10.%d.%d.0/24", 64+k, s%256), window()}] += int64(250 + r2.IntN(150))
		}
	}
	var partners, clicks []int64
	var networks, windows []string
	for b, n := range bursts {
		partners, networks, clicks = append(partners, b.partner), append(networks, b.network), append(clicks, n)
		windows = append(windows, b.window.Format(time.RFC3339))
	}
	_, err := db.Exec(`INSERT INTO click_bursts (partner_id, network, window_at, clicks)
		SELECT * FROM unnest($1::bigint[], $2::cidr[], $3::timestamptz[], $4::bigint[])`,
		pq.Array(partners), pq.Array(networks), pq.Array(windows), pq.Array(clicks))
	return len(bursts), err
}

// loadRefunds records the refunds of the generated purchases (the
// reconciler reverses them in its refunds step).
func loadRefunds(db *storage.DB, ps []purchase, refunds []refund) error {
	if _, err := db.Exec(`CREATE UNLOGGED TABLE bench_refunds (external_id text, purchase text, amount numeric, at timestamptz)`); err != nil {
		return err
	}
	if err := copyRows(db.DB, "bench_refunds", []string{"external_id", "purchase", "amount", "at"}, len(refunds), func(i int) []any {
		f := refunds[i]
		return []any{fmt.Sprintf("ref%07d", i), fmt.Sprintf("inv%07d", f.purchase), fmt.Sprintf("%d.%02d", f.cents/100, f.cents%100), f.at}
	}); err != nil {
		return err
	}
	_, err := db.Exec(`INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, received_at, body_hash)
		SELECT b.external_id, p.id, b.amount, 'RUB', b.at, b.at, '\x00'::bytea FROM bench_refunds b JOIN purchases p ON p.external_id = b.purchase
		 ORDER BY b.external_id;
		DROP TABLE bench_refunds`)
	return err
}

// queueReview queues for review what the lead step, the refunds step,
// payout detail changes and sign-ins would have: the recent customers at
// their binding, the partners refunded an hour ago (older than the
// step's wait, so they are judged in this run), a tenth of the partners'
// payout details and the sharers', and sign-ins of a twentieth of the
// partners. It returns how many subjects it queued.
func queueReview(db *storage.DB, now time.Time, r2 *rand.Rand, partnerID []int64, refunded map[int]bool, sharers []int) (int, error) {
	var total int
	q := func(subject string, ids []int64, at time.Time) error {
		res, err := db.Exec(`INSERT INTO review_due (subject, id, queued_at) SELECT $1, unnest($2::bigint[]), $3 ON CONFLICT DO NOTHING`,
			subject, pq.Array(ids), at)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		total += int(n)
		return nil
	}
	res, err := db.Exec(`INSERT INTO review_due (subject, id, queued_at) SELECT 'customer', id, bound_at FROM customers WHERE source = 'click'`)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	total += int(n)
	var ids, details, signIns []int64
	for p := range refunded {
		ids = append(ids, partnerID[p])
	}
	slices.Sort(ids)
	if err := q("refunds", ids, now.Add(-time.Hour)); err != nil {
		return 0, err
	}
	for i, id := range partnerID {
		if slices.Contains(sharers, i) || r2.IntN(10) == 0 {
			details = append(details, id)
		}
		if r2.IntN(20) == 0 {
			signIns = append(signIns, id)
		}
	}
	if err := q("details", details, now.Add(-2*time.Hour)); err != nil {
		return 0, err
	}
	return total, q("sign_in", signIns, now.Add(-30*time.Minute))
}

// copyDatabase makes database to, a file copy of from (no one may be
// connected to from) and returns its URL.
func copyDatabase(adminURL, from, to string) (string, error) {
	a, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return "", err
	}
	defer a.Close()
	if _, err := a.Exec(`DROP DATABASE IF EXISTS ` + to + ` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := a.Exec(`CREATE DATABASE ` + to + ` TEMPLATE ` + from + ` STRATEGY FILE_COPY`); err != nil {
		return "", err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + to
	return u.String(), nil
}

// runFigures are one run's reconciliation of the purchases.
type runFigures struct {
	secs   float64 // the steps that make them reconciled, over every pass
	passes int
	rss    int64
}

// reconcileRun reconciles the purchases: one pass of reconcile --once,
// and more while the review queue holds subjects the review step would
// take (it takes 5,000 a pass). Reconciled means earned, reviewed and,
// every hold having ended, available: the passes' steps purchases, lead
// rules, refunds, review and release of holds all count.
func reconcileRun(bin string, env []string, db *storage.DB, name string, nPurchases int) (runFigures, error) {
	var f runFigures
	var steps map[string]float64
	var took, cpu time.Duration
	var tookAll, cpuAll time.Duration
	sum := map[string]float64{}
	if statements {
		if _, err := db.Exec(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset()`); err != nil {
			return f, err
		}
	}
	for f.passes < 20 {
		var rss int64
		var err error
		steps, rss, took, cpu, err = reconcile(bin, env)
		if err != nil {
			return f, err
		}
		f.passes++
		f.rss = max(f.rss, rss)
		tookAll, cpuAll = tookAll+took, cpuAll+cpu
		for k, v := range steps {
			sum[k] += v
		}
		var due int
		if err := db.Get(&due, `SELECT count(*) FROM review_due WHERE subject <> 'refunds' OR queued_at <= $1`,
			time.Now().Add(-10*time.Minute)); err != nil { // wall: the reconciler's clock judges the refunds' wait
			return f, err
		}
		if due == 0 {
			break
		}
	}
	if statements {
		topStatements(db)
	}
	f.secs = sum["purchases"] + sum["lead_rules"] + sum["refunds"] + sum["review"] + sum["release"]
	fmt.Printf("reconcile (%s): %d purchases in %.1fs (%.0f purchases/s; purchases step %.1fs, refunds %.1fs, review %.1fs, release of holds %.1fs; re-rates %.1fs; %d passes, whole passes %.1fs, reconciler CPU %.1fs), peak RSS %d MB\n",
		name, nPurchases, f.secs, float64(nPurchases)/f.secs, sum["purchases"], sum["refunds"], sum["review"], sum["release"], sum["rerates"],
		f.passes, tookAll.Seconds(), cpuAll.Seconds(), f.rss)
	return f, nil
}

// flagCounts says how many flags each rule raised, how many commissions
// they hold and what is left queued for review.
func flagCounts(db *storage.DB) (string, error) {
	var rows []struct {
		Rule  string `db:"rule"`
		Flags int    `db:"flags"`
	}
	if err := db.Select(&rows, `SELECT rule, count(*) AS flags FROM review_flags GROUP BY rule ORDER BY rule`); err != nil {
		return "", err
	}
	flags, total := map[string]int{}, 0
	for _, r := range rows {
		flags[r.Rule] = r.Flags
		total += r.Flags
	}
	var held, due int
	if err := db.Get(&held, `SELECT count(*) FROM commissions WHERE flagged`); err != nil {
		return "", err
	}
	if err := db.Get(&due, `SELECT count(*) FROM review_due`); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "flags %d;", total)
	for _, rule := range partnerka.FraudRuleNames {
		fmt.Fprintf(&b, " %s=%d", rule, flags[rule])
	}
	fmt.Fprintf(&b, "; %d commissions held; %d subjects left queued", held, due)
	return b.String(), nil
}

func sum(xs []float64) float64 {
	t := 0.0
	for _, x := range xs {
		t += x
	}
	return t
}

// checkpoint writes out every dirty page of the server.
func checkpoint(adminURL string) error {
	a, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = a.Exec(`CHECKPOINT`)
	return err
}

// dropDatabase drops a run's copy.
func dropDatabase(adminURL, name string) error {
	a, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	return err
}

var stepLine = regexp.MustCompile(`^(\w+): (\d+) in ([0-9.]+)s$`)

// reconcile runs partnerka reconcile --once and returns each step's
// seconds, the process's peak RSS in MB and the wall time.
var statements bool

// nLeads is the number of new customers bound by the leads step (-leads).
var nLeads int

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
// generated data (tiers on last month's volume net of refunds) with big.Rat and compares them with the stored ones.
func checkSample(db *storage.DB, ps []purchase, refunds []refund, custPartner []int, custBound []time.Time, recruiter []int, r *rand.Rand) string {
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
	for _, f := range refunds { // tiers count volume net of refunds
		p := ps[f.purchase]
		vol[vkey{custPartner[p.customer], time.Date(p.at.Year(), p.at.Month(), 1, 0, 0, 0, 0, time.UTC)}] -= f.cents
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
		// The cabinet's copy: the purchase earns for the partner of its
		// level-1 commission (purchase_earners).
		var earner bool
		db.Get(&earner, `SELECT EXISTS (SELECT 1 FROM purchase_earners e JOIN purchases p ON p.id = e.purchase_id
			JOIN commissions c ON c.purchase_id = p.id AND c.event = 'sale' AND c.level = 1 AND c.partner_id = e.partner_id
			WHERE p.external_id = $1)`, fmt.Sprintf("inv%07d", i))
		if !earner {
			got[0] = "no purchase_earners row for the level-1 partner"
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
