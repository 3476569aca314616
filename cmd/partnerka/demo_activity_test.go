package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// runAt runs the binary's Main in-process on a clock stopped at now.
func runAt(t *testing.T, environ map[string]string, now time.Time, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut, Clock: func() time.Time { return now }}
	err := m.Run(context.Background(), args, env(environ))
	m.Close()
	return out.String(), err
}

var demoActivityLine = regexp.MustCompile(`Six months of activity: (\d+) clicks, (\d+) leads, (\d+) customers, (\d+) commissions, (\d+) payouts\.`)

// TestDemoActivity loads the demo twice on a clock of its own (a date
// whose six months cross a year's end and a short February): the first
// load brings six months of activity ending at that clock, reconciled, in
// every state a page shows; the second adds nothing. The commissions are
// recomputed a second, simple way from the purchases, refunds and plans,
// and the ledger is checked against them.
func TestDemoActivity(t *testing.T) {
	e := testEnv(t)
	now := time.Date(2029, 2, 20, 15, 4, 5, 0, time.UTC)
	started := time.Now() // elapsed: the load's duration
	out, err := runAt(t, e, now, "demo")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("demo with its activity loaded in %s", time.Since(started).Round(time.Millisecond))
	line := demoActivityLine.FindStringSubmatch(out)
	if line == nil {
		t.Fatalf("the demo's printout has no activity line:\n%s", out)
	}
	t.Log(line[0])
	for i, r := range []struct {
		what     string
		min, max int
	}{{"clicks", 5000, 20000}, {"leads", 150, 500}, {"customers", 100, 200}, {"commissions", 300, 2000}, {"payouts", 3, 3}} {
		if n, _ := strconv.Atoi(line[i+1]); n < r.min || n > r.max {
			t.Errorf("%d %s, want %d to %d", n, r.what, r.min, r.max)
		}
	}
	db := openRaw(t, e["PARTNERKA_DATABASE_URL"])
	before := demoSnapshot(t, db)
	t.Logf("rows: %d clicks, %d leads, %d customers, %d purchases, %d refunds, %d commissions, %d payouts",
		queryInt(t, db, `SELECT count(*) FROM clicks`), queryInt(t, db, `SELECT count(*) FROM leads`), queryInt(t, db, `SELECT count(*) FROM customers`),
		queryInt(t, db, `SELECT count(*) FROM purchases`), queryInt(t, db, `SELECT count(*) FROM refunds`),
		queryInt(t, db, `SELECT count(*) FROM commissions`), queryInt(t, db, `SELECT count(*) FROM payouts`))

	t.Run("clicks", func(t *testing.T) { checkDemoClicks(t, db, now) })
	t.Run("customers", func(t *testing.T) { checkDemoCustomers(t, db) })
	t.Run("commissions", func(t *testing.T) { checkDemoCommissions(t, db, now) })
	t.Run("ledger", func(t *testing.T) { checkDemoLedger(t, db) })
	t.Run("payouts", func(t *testing.T) { checkDemoPayouts(t, db, now) })

	t.Run("second load adds nothing", func(t *testing.T) {
		out, err := runAt(t, e, now.Add(time.Hour), "demo")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "No activity added: the program has activity already.") {
			t.Errorf("the second load's printout does not say it added no activity:\n%s", out)
		}
		after := demoSnapshot(t, db)
		for k, v := range before {
			if after[k] != v {
				t.Errorf("%s: %s after the second load, %s before", k, after[k], v)
			}
		}
	})
	out, err = runAt(t, e, now.Add(time.Hour), "verify")
	if err != nil || !strings.Contains(out, "every balance matches") {
		t.Errorf("verify after the demo: %v\n%s", err, out)
	}
}

// TestDemoActivityAnyDay plans the demo's six months ending on days
// across the calendar (month ends, a leap day, the turn of a year, a
// Sunday night): the activity is as alive whatever day the demo is loaded
// on, and nothing of it falls outside its six months.
func TestDemoActivityAnyDay(t *testing.T) {
	seed := demoSeed()
	res := &storage.SeedResult{Partners: map[string]int64{"alpha": 1, "beta": 2, "gamma": 3},
		Links: map[string]int64{"alpha": 1, "alpha-blog": 2, "beta": 3}, Users: map[string]int64{}}
	for _, end := range []time.Time{
		time.Date(2026, 12, 3, 19, 30, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 8, 31, 23, 59, 59, 0, time.UTC), time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC),
		time.Date(2028, 3, 31, 6, 0, 0, 0, time.UTC), time.Date(2030, 6, 16, 23, 0, 0, 0, time.UTC),
		time.Date(2031, 12, 31, 23, 59, 59, 999999000, time.UTC),
	} {
		t.Run(end.Format(time.DateOnly), func(t *testing.T) {
			s := &demoSim{rng: rand.New(rand.NewPCG(2026, 1)), start: end.Add(-demoDays * 24 * time.Hour), end: end, alpha: 1, beta: 2}
			s.plan(seed, res)
			t.Logf("planned %d clicks, %d paying customers, %d payments, %d refunds, %d events", len(s.clicks), s.customers, s.purchases, s.refunds, len(s.events))
			if n := len(s.clicks); n < 6000 || n > 15000 {
				t.Errorf("%d clicks", n)
			}
			if s.customers < 100 || s.customers > 200 || s.purchases < 3*s.customers/2 || s.refunds < 5 {
				t.Errorf("%d paying customers, %d payments, %d refunds", s.customers, s.purchases, s.refunds)
			}
			for i, c := range s.clicks {
				if c.At.Before(s.start) || !c.At.Before(s.end) || i > 0 && c.At.Before(s.clicks[i-1].At) {
					t.Fatalf("click %d at %s, out of order or outside [%s, %s)", i, c.At, s.start, s.end)
				}
			}
			actions := 0
			for i, e := range s.events {
				if e.at.Before(s.start) || e.at.After(s.end) || i > 0 && e.at.Before(s.events[i-1].at) {
					t.Fatalf("event %d at %s, out of order or outside [%s, %s]", i, e.at, s.start, s.end)
				}
				if e.action {
					actions++
				}
			}
			// Six registrations decided, a bonus, an adjustment, three
			// payout requests, two approvals and a payment.
			if actions != 14 {
				t.Errorf("%d staff and partner actions, want 14", actions)
			}
		})
	}
}

// demoSnapshot counts what the demo writes.
func demoSnapshot(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"clicks", "leads", "customers", "attribution_decisions", "purchases", "refunds", "commissions",
		"commission_reversals", "ledger_entries", "payouts", "lead_registrations", "audit_log"} {
		out[table] = queryString(t, db, `SELECT count(*)::text FROM `+table)
	}
	out["click stats"] = queryString(t, db, `SELECT coalesce(sum(clicks + bot_clicks), 0)::text FROM click_stats_daily`)
	out["balances"] = queryString(t, db, `SELECT coalesce(string_agg(partner_id || currency || bucket || amount, ',' ORDER BY 1), '') FROM partner_balances`)
	return out
}

func queryString(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	var s string
	if err := db.QueryRow(q, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return s
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	n, err := strconv.Atoi(queryString(t, db, q, args...))
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func checkDemoClicks(t *testing.T, db *sql.DB, now time.Time) {
	if n, stats := queryInt(t, db, `SELECT count(*) FROM clicks`), queryInt(t, db, `SELECT sum(clicks + bot_clicks) FROM click_stats_daily`); n != stats {
		t.Errorf("%d clicks stored, the daily stats count %d", n, stats)
	}
	first, last := queryString(t, db, `SELECT min(clicked_at)::text FROM clicks`), queryString(t, db, `SELECT max(clicked_at)::text FROM clicks`)
	if n := queryInt(t, db, `SELECT count(*) FROM clicks WHERE clicked_at < $1 OR clicked_at > $2`, now.AddDate(0, -6, -3), now); n != 0 {
		t.Errorf("%d clicks outside the six months before %s (first %s, last %s)", n, now, first, last)
	}
	if n := queryInt(t, db, `SELECT count(DISTINCT (clicked_at AT TIME ZONE 'UTC')::date) FROM clicks`); n < 175 {
		t.Errorf("clicks on %d days, want nearly every day of six months", n)
	}
	for _, code := range []string{"alpha", "alpha-blog", "beta"} {
		if n := queryInt(t, db, `SELECT count(*) FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.code = $1 AND c.flags = 0`, code); n < 500 {
			t.Errorf("%d human clicks on %s", n, code)
		}
	}
	if subs := queryString(t, db, `SELECT string_agg(DISTINCT sub_id, ',' ORDER BY sub_id) FROM click_stats_daily`); subs != ",blog,newsletter,telegram,webinar" {
		t.Errorf("sub ids %q", subs)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM clicks WHERE flags <> 0`); n == 0 {
		t.Error("no bot clicks")
	}
	// The weekday rhythm: an average working day has well over the clicks
	// of an average weekend day.
	weekday := queryInt(t, db, `SELECT count(*) / 5 FROM clicks WHERE extract(isodow FROM clicked_at AT TIME ZONE 'UTC') < 6`)
	weekend := queryInt(t, db, `SELECT count(*) / 2 FROM clicks WHERE extract(isodow FROM clicked_at AT TIME ZONE 'UTC') >= 6`)
	if weekday < 3*weekend/2 {
		t.Errorf("%d clicks an average weekday, %d a weekend day: no weekly rhythm", weekday, weekend)
	}
}

func checkDemoCustomers(t *testing.T, db *sql.DB) {
	for _, c := range []struct{ ref, source string }{
		{"alpha", "click"}, {"alpha", "promo_code"}, {"alpha", "registration"}, {"alpha", "partner_ref"},
		{"beta", "click"}, {"beta", "promo_code"}, {"beta", "registration"}, {"beta", "partner_ref"},
	} {
		if n := queryInt(t, db, `SELECT count(*) FROM customers c JOIN partners p ON p.id = c.partner_id WHERE p.ref = $1 AND c.source = $2`, c.ref, c.source); n == 0 {
			t.Errorf("no customer of %s bound by %s", c.ref, c.source)
		}
	}
	for _, code := range []string{"ALPHA10", "BETA"} {
		if n := queryInt(t, db, `SELECT count(*) FROM customers c JOIN promo_codes pc ON pc.id = c.promo_code_id WHERE pc.code = $1`, code); n == 0 {
			t.Errorf("no customer bound by promo code %s", code)
		}
	}
	for _, reason := range []string{"existing_customer", "self_referral", "no_evidence"} {
		if n := queryInt(t, db, `SELECT count(*) FROM attribution_decisions WHERE reason = $1`, reason); n == 0 {
			t.Errorf("no lead refused for %s", reason)
		}
	}
	// The level-2 chain: beta, recruited by alpha, brings a dozen or more.
	if n := queryInt(t, db, `SELECT count(DISTINCT c.id) FROM customers c JOIN partners p ON p.id = c.partner_id
		JOIN purchases pu ON pu.customer_external_id = c.external_id WHERE p.ref = 'beta'`); n < 12 {
		t.Errorf("beta has %d paying customers, want a dozen or more", n)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM lead_registrations WHERE status = 'pending'`); n != 2 {
		t.Errorf("%d registrations wait for review, want 2", n)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM lead_registrations WHERE status = 'bound'`); n < 4 {
		t.Errorf("%d registrations became customers", n)
	}
	rub, usd, eur := queryInt(t, db, `SELECT count(*) FROM purchases WHERE currency = 'RUB'`),
		queryInt(t, db, `SELECT count(*) FROM purchases WHERE currency = 'USD'`), queryInt(t, db, `SELECT count(*) FROM purchases WHERE currency = 'EUR'`)
	if usd == 0 || eur == 0 || rub < 2*(usd+eur) {
		t.Errorf("payments: %d RUB, %d USD, %d EUR; want mostly roubles, some dollars and euros", rub, usd, eur)
	}
	if n := queryInt(t, db, `SELECT count(*) FROM (SELECT 1 FROM purchases GROUP BY customer_external_id HAVING count(*) >= 4) x`); n < 10 {
		t.Errorf("%d customers paid four months or more", n)
	}
	full := queryInt(t, db, `SELECT count(*) FROM refunds r JOIN purchases p ON p.id = r.purchase_id WHERE r.amount = p.amount`)
	partial := queryInt(t, db, `SELECT count(*) FROM refunds r JOIN purchases p ON p.id = r.purchase_id WHERE r.amount < p.amount`)
	if full == 0 || partial == 0 {
		t.Errorf("%d full and %d partial refunds", full, partial)
	}
}

// checkDemoCommissions recomputes every commission from the purchases,
// refunds and the demo's plans: alpha (Referral) earns 20% of its
// customers' payments, 25% in a month after one whose paid roubles (net
// of refunds received within the hold after it) reached 100 000, 30% after
// 500 000, and 5% of beta's customers' payments at level 2; beta (Dealer)
// earns 30% in a customer's first year and 500 RUB per bound customer.
// Refunds take back the commission's share of the payment.
func checkDemoCommissions(t *testing.T, db *sql.DB, now time.Time) {
	if n := queryInt(t, db, `SELECT count(*) FROM purchases_waiting`) + queryInt(t, db, `SELECT count(*) FROM refunds WHERE reconciled_at IS NULL`); n != 0 {
		t.Errorf("%d purchases or refunds not reconciled", n)
	}
	type purchase struct {
		id                int64
		amount            decimal.Decimal
		currency, partner string
		at                time.Time
		refunded          decimal.Decimal
		refunds           []struct {
			amount   decimal.Decimal
			received time.Time
		}
	}
	purchases := map[int64]*purchase{}
	rows, err := db.Query(`SELECT p.id, p.amount, p.currency, coalesce(pa.ref, ''), p.occurred_at
		FROM purchases p LEFT JOIN customers c ON c.external_id = p.customer_external_id AND p.occurred_at >= c.bound_at
		LEFT JOIN partners pa ON pa.id = c.partner_id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		p := &purchase{}
		if err := rows.Scan(&p.id, &p.amount, &p.currency, &p.partner, &p.at); err != nil {
			t.Fatal(err)
		}
		purchases[p.id] = p
	}
	rows.Close()
	rows, err = db.Query(`SELECT purchase_id, amount, received_at FROM refunds`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var r struct {
			amount   decimal.Decimal
			received time.Time
		}
		if err := rows.Scan(&id, &r.amount, &r.received); err != nil {
			t.Fatal(err)
		}
		p := purchases[id]
		p.refunds, p.refunded = append(p.refunds, r), p.refunded.Add(r.amount)
	}
	rows.Close()
	// Alpha's paid roubles by month, net of refunds received by the end
	// of the hold after the next month starts (then the volume is final).
	month := func(at time.Time) time.Time { return time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC) }
	volume := map[time.Time]decimal.Decimal{}
	for _, p := range purchases {
		if p.partner != "alpha" || p.currency != "RUB" {
			continue
		}
		m := month(p.at.UTC())
		final := m.AddDate(0, 1, 0).Add(30 * 24 * time.Hour)
		v := p.amount
		for _, r := range p.refunds {
			if !r.received.After(final) {
				v = v.Sub(r.amount)
			}
		}
		volume[m] = volume[m].Add(v)
	}
	pct := decimal.RequireFromString
	tiers := map[string]int{}
	rows, err = db.Query(`SELECT c.id, pa.ref, c.event, c.level, coalesce(c.purchase_id, 0), c.base_amount, c.amount + c.rerated_amount,
		c.reversed_amount, c.currency, c.earned_at, c.hold_until FROM commissions c JOIN partners pa ON pa.id = c.partner_id ORDER BY c.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	earned := map[[2]int64]int{} // purchase, level -> commissions
	leads := 0
	for rows.Next() {
		var id, purchaseID int64
		var ref, event, currency string
		var level int
		var base, amount, reversed decimal.Decimal
		var at, hold time.Time
		if err := rows.Scan(&id, &ref, &event, &level, &purchaseID, &base, &amount, &reversed, &currency, &at, &hold); err != nil {
			t.Fatal(err)
		}
		if !hold.Equal(at.Add(30 * 24 * time.Hour)) {
			t.Errorf("commission %d: held until %s, earned %s: want the 30-day hold", id, hold, at)
		}
		if event == "lead" {
			leads++
			if ref != "beta" || level != 1 || !amount.Equal(pct("500")) || currency != "RUB" {
				t.Errorf("lead commission %d: %s level %d %s %s, want beta's 500 RUB", id, ref, level, amount, currency)
			}
			continue
		}
		p := purchases[purchaseID]
		earned[[2]int64{purchaseID, int64(level)}]++
		var want decimal.Decimal
		switch {
		case level == 1 && ref == "alpha" && p.partner == "alpha":
			want = pct("20")
			v := volume[month(p.at.UTC()).AddDate(0, -1, 0)]
			if v.GreaterThanOrEqual(pct("100000")) {
				want = pct("25")
			}
			if v.GreaterThanOrEqual(pct("500000")) {
				want = pct("30")
			}
			tiers[want.String()]++
		case level == 1 && ref == "beta" && p.partner == "beta":
			want = pct("30")
		case level == 2 && ref == "alpha" && p.partner == "beta":
			want = pct("5")
		default:
			t.Errorf("commission %d: %s earns at level %d on a payment of %q's customer", id, ref, level, p.partner)
			continue
		}
		wantAmount := partnerka.Money{Amount: p.amount.Mul(want).Shift(-2), Currency: p.currency}.Round().Amount
		if !base.Equal(p.amount) || currency != p.currency || !amount.Equal(wantAmount) || !at.Equal(p.at) {
			t.Errorf("commission %d (%s, level %d): %s %s of %s at %s, want %s%% of %s %s = %s at %s",
				id, ref, level, amount, currency, base, at, want, p.amount, p.currency, wantAmount, p.at)
		}
		wantReversed := decimal.Zero
		switch {
		case p.refunded.GreaterThanOrEqual(p.amount):
			wantReversed = amount
		case p.refunded.IsPositive():
			wantReversed = partnerka.Money{Amount: amount.Mul(p.refunded).Div(p.amount), Currency: p.currency}.Round().Amount
		}
		if !reversed.Equal(wantReversed) {
			t.Errorf("commission %d: %s reversed, want %s (refunded %s of %s)", id, reversed, wantReversed, p.refunded, p.amount)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Every attributed payment earned once at level 1, beta's also at level 2.
	for _, p := range purchases {
		want := map[string][]int{"alpha": {1}, "beta": {1, 2}, "": nil}[p.partner]
		for level := 1; level <= 2; level++ {
			n := earned[[2]int64{p.id, int64(level)}]
			if wantN := map[bool]int{true: 1}[slices.Contains(want, level)]; n != wantN {
				t.Errorf("payment %d of %q's customer: %d commissions at level %d, want %d", p.id, p.partner, n, level, wantN)
			}
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM customers c JOIN partners p ON p.id = c.partner_id WHERE p.ref = 'beta'`); leads != n {
		t.Errorf("%d lead commissions, beta has %d customers", leads, n)
	}
	if tiers["20"] == 0 || tiers["25"] == 0 {
		t.Errorf("alpha's commissions by percent %v: want the base rate and a tier", tiers)
	}
	// Every state a partner sees: pending within the hold, available after
	// it, reversed in part and in full by refunds.
	for _, q := range []struct{ what, where string }{
		{"pending", `commission_status(status, flagged, hold_until) = 'pending' AND hold_until > $1`},
		{"available", `commission_status(status, flagged, hold_until) = 'available' AND hold_until <= $1`},
		{"partly reversed", `reversed_amount > 0 AND reversed_amount < amount + rerated_amount AND $1 = $1`},
		{"fully reversed", `reversed_amount > 0 AND reversed_amount = amount + rerated_amount AND $1 = $1`},
		{"reversed after its hold", `hold_until <= $1 AND EXISTS (SELECT 1 FROM commission_reversals v JOIN refunds r ON r.id = v.refund_id
			WHERE v.commission_id = commissions.id AND r.received_at > commissions.hold_until)`},
	} {
		if n := queryInt(t, db, `SELECT count(*) FROM commissions WHERE `+q.where, now); n == 0 {
			t.Errorf("no commission %s", q.what)
		}
	}
	if n := queryInt(t, db, `SELECT count(*) FROM commissions WHERE commission_status(status, flagged, hold_until) = 'pending' AND hold_until <= $1 AND NOT flagged`, now); n != 0 {
		t.Errorf("%d commissions still pending after their hold", n)
	}
	// The review queue holds one case: alpha's colleague, by the domain.
	var flag string
	if err := db.QueryRow(`SELECT p.ref || ' ' || f.rule || ' ' || c.email FROM review_flags f JOIN partners p ON p.id = f.partner_id
		JOIN customers c ON c.id = f.customer_id`).Scan(&flag); err != nil || flag != "alpha self_referral sales@alpha.example.com" {
		t.Errorf("review flags: %q %v, want alpha's colleague's alone", flag, err)
	}
	if n := queryInt(t, db, `SELECT count(*) FILTER (WHERE NOT k.flagged) * 1000 + count(*) FROM commissions k JOIN customers c ON c.id = k.customer_id
		WHERE c.email = 'sales@alpha.example.com' AND $1 = $1`, now); n == 0 || n >= 1000 {
		t.Errorf("the flagged customer's commissions: %d not held, %d in all; want all held", n/1000, n%1000)
	}
}

// checkDemoLedger: each partner's balances in each currency add up to its
// commissions net of reversals plus its bonuses and adjustments; what is
// paid and reserved is what its payouts say; pending is what is still held.
func checkDemoLedger(t *testing.T, db *sql.DB) {
	rows, err := db.Query(`
		WITH earned AS (
		    SELECT partner_id, currency, sum(amount + rerated_amount - reversed_amount) AS amount,
		           sum(amount + rerated_amount - reversed_amount) FILTER (WHERE commission_status(status, flagged, hold_until) = 'pending') AS pending
		      FROM commissions GROUP BY 1, 2
		), manual AS (
		    SELECT partner_id, currency, sum(amount) AS amount FROM ledger_entries WHERE kind IN ('bonus', 'adjustment') GROUP BY 1, 2
		), paid AS (
		    SELECT partner_id, currency, sum(amount) FILTER (WHERE status = 'paid') AS paid,
		           sum(amount) FILTER (WHERE status IN ('requested', 'approved')) AS reserved
		      FROM payouts GROUP BY 1, 2
		), balances AS (
		    SELECT partner_id, currency, sum(amount) AS total,
		           sum(amount) FILTER (WHERE bucket = 'pending') AS pending, sum(amount) FILTER (WHERE bucket = 'available') AS available,
		           sum(amount) FILTER (WHERE bucket = 'reserved') AS reserved, sum(amount) FILTER (WHERE bucket = 'paid') AS paid
		      FROM partner_balances GROUP BY 1, 2
		)
		SELECT partner_id, currency, coalesce(e.amount, 0) + coalesce(m.amount, 0), coalesce(e.pending, 0), coalesce(p.paid, 0), coalesce(p.reserved, 0),
		       coalesce(b.total, 0), coalesce(b.pending, 0), coalesce(b.available, 0), coalesce(b.reserved, 0), coalesce(b.paid, 0)
		  FROM earned e FULL JOIN manual m USING (partner_id, currency) FULL JOIN paid p USING (partner_id, currency)
		  FULL JOIN balances b USING (partner_id, currency)
		 ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var partner int64
		var currency string
		var earned, pending, paid, reserved, total, bPending, bAvailable, bReserved, bPaid decimal.Decimal
		if err := rows.Scan(&partner, &currency, &earned, &pending, &paid, &reserved, &total, &bPending, &bAvailable, &bReserved, &bPaid); err != nil {
			t.Fatal(err)
		}
		n++
		if !total.Equal(earned) || !bPending.Equal(pending) || !bPaid.Equal(paid) || !bReserved.Equal(reserved) || bAvailable.IsNegative() {
			t.Errorf("partner %d %s: balances %s (pending %s, available %s, reserved %s, paid %s); earned %s, pending %s, payouts paid %s, reserved %s",
				partner, currency, total, bPending, bAvailable, bReserved, bPaid, earned, pending, paid, reserved)
		}
	}
	if n < 4 {
		t.Errorf("balances in %d partner currencies", n)
	}
	for _, kind := range []string{"bonus", "adjustment"} {
		if n := queryInt(t, db, `SELECT count(*) FROM ledger_entries WHERE kind = $1`, kind); n != 1 {
			t.Errorf("%d %s entries, want 1", n, kind)
		}
	}
}

func checkDemoPayouts(t *testing.T, db *sql.DB, now time.Time) {
	user := func(email string) int64 {
		return int64(queryInt(t, db, `SELECT id FROM users WHERE email = $1`, email))
	}
	alphaOwner, betaOwner := user("alpha@demo.partnerka.test"), user("beta@demo.partnerka.test")
	finance, admin := user("finance@demo.partnerka.test"), user("admin@demo.partnerka.test")
	type payout struct {
		ref, status                    string
		requestedBy, decidedBy, paidBy int64
		requested                      time.Time
		decided, paid                  *time.Time
		amount                         decimal.Decimal
	}
	rows, err := db.Query(`SELECT p.ref, o.status, o.requested_by, coalesce(o.decided_by, 0), coalesce(o.paid_by, 0), o.requested_at,
		o.decided_at, o.paid_at, o.amount FROM payouts o JOIN partners p ON p.id = o.partner_id ORDER BY o.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var p payout
		if err := rows.Scan(&p.ref, &p.status, &p.requestedBy, &p.decidedBy, &p.paidBy, &p.requested, &p.decided, &p.paid, &p.amount); err != nil {
			t.Fatal(err)
		}
		got = append(got, p.ref+" "+p.status)
		if p.amount.LessThan(decimal.NewFromInt(1000)) || !p.requested.Before(now) || p.decided != nil && !p.decided.After(p.requested) ||
			p.paid != nil && (p.decided == nil || !p.paid.After(*p.decided) || !p.paid.Before(now)) {
			t.Errorf("%s's %s payout of %s: requested %s, decided %v, paid %v", p.ref, p.status, p.amount, p.requested, p.decided, p.paid)
		}
		owner := map[string]int64{"alpha": alphaOwner, "beta": betaOwner}[p.ref]
		want := map[string][3]int64{storage.PayoutPaid: {owner, finance, admin}, storage.PayoutApproved: {owner, finance, 0},
			storage.PayoutRequested: {owner, 0, 0}}[p.status]
		if [3]int64{p.requestedBy, p.decidedBy, p.paidBy} != want {
			t.Errorf("%s's %s payout: requested by %d, approved by %d, paid by %d; want %v", p.ref, p.status, p.requestedBy, p.decidedBy, p.paidBy, want)
		}
	}
	if fmt.Sprint(got) != "[alpha paid beta approved alpha requested]" {
		t.Errorf("payouts %v, want alpha's paid, beta's approved and alpha's requested", got)
	}
}
