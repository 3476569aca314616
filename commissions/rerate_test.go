package commissions

import (
	"context"
	"partnerka"
	"strings"
	"testing"
	"time"

	"partnerka/storage/storagetest"

	"github.com/shopspring/decimal"
)

// runProgram reconciles a hand-made program as time passes (simulate) and
// compares everything with the oracle; it returns the re-rates by
// direction, level and currency ("up|1|RUB").
func runProgram(t *testing.T, p *oProgram) (map[string]int, []string) {
	t.Helper()
	db, rdb := storagetest.NewDB(t), storagetest.NewRedis(t)
	now := oYear
	db.Now = func() time.Time { return now }
	refs := p.load(t, db, rdb)
	rec := &Reconciler{Steps: []Step{&LeadStep{DB: db, Redis: rdb, Consumer: "t"}, &PurchaseStep{DB: db}, &LeadRuleStep{DB: db},
		&RefundStep{DB: db}, &RerateStep{DB: db}, &ReleaseStep{DB: db, Now: func() time.Time { return now }}}}
	p.simulate(t, db, rec, &now)
	now = p.releaseNow
	for i := 0; i < 2; i++ {
		if _, err := rec.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	compareWithOracle(t, db, p, refs, 0)
	rows, err := db.QueryContext(context.Background(), `SELECT CASE WHEN x.amount_change > 0 THEN 'up' ELSE 'down' END || '|' || c.level || '|' || x.currency, x.explanation
		FROM commission_rerates x JOIN commissions c ON c.id = x.commission_id ORDER BY x.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int{}
	var explanations []string
	for rows.Next() {
		var k, e string
		rows.Scan(&k, &e)
		got[k]++
		explanations = append(explanations, e)
	}
	return got, explanations
}

func day(month time.Month, d int, hour int) time.Time {
	return time.Date(2026, month, d, hour, 0, 0, 0, time.UTC)
}

// The reproduction: alpha's plan pays 25% once last month's volume
// reaches 100,000 RUB. A 30,000 RUB February payment is rated at 20%; then
// a 150,000 RUB January payment arrives: the February commission becomes
// 7,500.00, by a re-rate of +1,500.00 that names the January payment.
func TestLatePaymentRerates(t *testing.T) {
	p := &oProgram{holdDays: 30, releaseNow: day(12, 1, 0),
		plans: [][][]oRule{{{{event: "sale", level: 1, kind: "percent", payments: "all", percent: "20",
			tiers: []oTier{{"100000", "RUB", "25"}}}}}},
		recruiter: []int{-1},
		contracts: [][]oContract{{{start: oYear.AddDate(0, 0, -10)}}},
		custCur:   []string{"RUB", "RUB"},
		leadOf:    []int{0, 0},
		leadAt:    []time.Time{oYear, oYear},
		purchases: []oPurchase{
			{customer: 0, amount: "30000.00", at: day(2, 3, 10), recv: day(2, 3, 10)},
			{customer: 1, amount: "150000.00", at: day(1, 28, 10), recv: day(2, 15, 9)}, // backfilled
		},
	}
	got, expl := runProgram(t, p)
	if got["up|1|RUB"] != 1 || len(expl) != 1 {
		t.Fatalf("re-rates %v %q, want one up", got, expl)
	}
	want := "re-rated from 20% to 25% (tier from 100000.00 RUB paid in 2026-01): +1500.00 RUB, after payment pur-1 of 150000.00 RUB arrived"
	if expl[0] != want {
		t.Errorf("explanation %q, want %q", expl[0], want)
	}
}

// Re-rates up (late payments) and down (refunds) at both levels and in
// three currencies, and none once the month's volume is final; each
// currency's plan sets its tiers on that currency's volume.
func TestRerateLevelsCurrencies(t *testing.T) {
	type cur struct{ code, min, sixty, fifty, small string }
	curs := []cur{{"RUB", "10000", "6000.00", "5000.00", "1000.00"}, {"JPY", "1000000", "600000", "500000", "100000"},
		{"KWD", "1000", "600.000", "500.000", "100.000"}}
	p := &oProgram{holdDays: 30, releaseNow: day(12, 1, 0)}
	for i, c := range curs {
		p.plans = append(p.plans, [][]oRule{{
			{event: "sale", level: 1, kind: "percent", payments: "all", percent: "10", tiers: []oTier{{c.min, c.code, "20"}}},
			{event: "sale", level: 2, kind: "percent", payments: "all", percent: "5", tiers: []oTier{{c.min, c.code, "8"}}},
		}})
		// Partner 2i recruited partner 2i+1; customer 2i is the
		// recruiter's, 2i+1 the recruited partner's.
		p.recruiter = append(p.recruiter, -1, 2*i)
		p.contracts = append(p.contracts, []oContract{{plan: i, start: oYear.AddDate(0, 0, -10)}},
			[]oContract{{plan: i, start: oYear.AddDate(0, 0, -10)}})
		p.custCur = append(p.custCur, c.code, c.code)
		p.leadOf = append(p.leadOf, 2*i, 2*i+1)
		p.leadAt = append(p.leadAt, oYear, oYear)
		for _, cu := range []int{2 * i, 2*i + 1} {
			n := len(p.purchases)
			p.purchases = append(p.purchases,
				oPurchase{customer: cu, amount: c.sixty, at: day(1, 10, 10), recv: day(1, 10, 10)},
				oPurchase{customer: cu, amount: c.fifty, at: day(1, 20, 10), recv: day(2, 12, 10)}, // late: up
				oPurchase{customer: cu, amount: c.sixty, at: day(1, 25, 10), recv: day(3, 5, 10)},  // final: nothing
			)
			// Refunded in full within the hold: down.
			p.refunds = append(p.refunds, oRefund{purchase: n, amount: c.sixty, recv: day(2, 22, 10)})
		}
		// The recruited partner's customer pays in February twice: once
		// rated before the late payments, once after the volume is final.
		p.purchases = append(p.purchases,
			oPurchase{customer: 2*i + 1, amount: c.small, at: day(2, 5, 10), recv: day(2, 5, 10)},
			oPurchase{customer: 2*i + 1, amount: c.small, at: day(2, 25, 10), recv: day(3, 5, 11)})
	}
	got, expl := runProgram(t, p)
	for _, c := range curs {
		for _, k := range []string{"up|1|", "down|1|", "up|2|", "down|2|"} {
			if got[k+c.code] != 1 {
				t.Errorf("re-rates %s%s = %d, want 1 (all: %v)", k, c.code, got[k+c.code], got)
			}
		}
	}
	for _, e := range expl {
		if !strings.Contains(e, ", after payment pur-") && !strings.Contains(e, ", after refund ref-") {
			t.Errorf("explanation %q names no cause", e)
		}
	}
}

// Issue 21, point 4, found by TestReconcilersSideBySide in CI: a
// purchases pass keeps the monthly volumes it read, so a second
// reconciler's re-rate must wait for it. Reproduction: the first pass
// rates a July payment (June's volume 0: 20%); meanwhile another
// reconciler records a June payment that reaches the 25% tier and
// re-rates July; then the first pass rates a second July payment with
// the June volume it kept. The re-rate used to run at once, before that
// commission existed, and it stayed at 20% for good.
func TestRerateWaitsForPurchasesInFlight(t *testing.T) {
	tier := partnerka.Tier{MinVolume: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "USD"}, Percent: decimal.NewFromInt(25)}
	w, _, rec, now := engineWorldLeads(t, tier)
	ctx := context.Background()
	for _, c := range []string{"c0", "m1", "m2"} {
		w.lead(t, partnerka.Lead{CustomerID: c, PromoCode: "ALPHA10", OccurredAt: t0})
	}
	reconcileOnce(t, rec)
	*now = time.Date(2026, 7, 15, 0, 0, 0, 0, time.UTC)
	pay := func(id, customer, amount string, at time.Time) {
		t.Helper()
		p := &partnerka.Purchase{ExternalID: id, CustomerID: customer,
			Amount: partnerka.Money{Amount: decimal.RequireFromString(amount), Currency: "USD"}, OccurredAt: at}
		if _, _, err := w.db.CreatePurchase(ctx, p, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	july := time.Date(2026, 7, 10, 12, 0, 0, 0, time.UTC)
	pay("jul-1", "m1", "30.00", july)
	pay("jul-2", "m2", "30.00", july)

	rerated := make(chan error, 1)
	waited := false
	first := &PurchaseStep{DB: w.db, Batch: 1, Workers: 1}
	first.afterBatch = func() {
		if waited {
			return
		}
		waited = true
		// The other reconciler: the June payment, then its re-rate.
		pay("jun-1", "c0", "150.00", time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC))
		e, err := newEngine(ctx, w.db)
		if err != nil {
			t.Fatal(err)
		}
		if n, err := (&PurchaseStep{DB: w.db}).batch(ctx, e, 1, false); err != nil || n != 1 {
			t.Fatalf("the other reconciler's batch: %d, %v", n, err)
		}
		go func() { _, err := (&RerateStep{DB: w.db}).Run(ctx); rerated <- err }()
		select {
		case err := <-rerated:
			rerated <- err
			t.Error("the re-rate ran while a purchases pass was still rating")
		case <-time.After(300 * time.Millisecond):
		}
	}
	if _, err := first.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-rerated; err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"jul-1", "jul-2"} {
		var amount string
		if err := w.db.GetContext(ctx, &amount, `SELECT round(c.amount + c.rerated_amount, 2)::text FROM commissions c
			JOIN purchases p ON p.id = c.purchase_id WHERE p.external_id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if amount != "7.50" {
			t.Errorf("%s earns %s, want 7.50 (25%% of 30.00: June's volume reached the tier)", id, amount)
		}
	}
}

// The same for bindings: the leads step moves payments into partners'
// volumes, so it waits for a purchases pass in flight (TestReconcilersSideBySide
// saw a commission rated on a volume a binding made meanwhile had changed,
// after the volume was final, so never re-rated).
func TestLeadsWaitForPurchasesInFlight(t *testing.T) {
	tier := partnerka.Tier{MinVolume: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "USD"}, Percent: decimal.NewFromInt(25)}
	w, _, _, _ := engineWorldLeads(t, tier)
	ctx := context.Background()
	purchase(t, w.db, "p-1", "30.00", t0.Add(time.Hour))
	purchase(t, w.db, "p-2", "30.00", t0.Add(2*time.Hour))
	w.lead(t, partnerka.Lead{CustomerID: "c-new", PromoCode: "ALPHA10", OccurredAt: t0})
	leads := &LeadStep{DB: w.db, Redis: w.rdb, Consumer: "other"}
	bound := make(chan error, 1)
	waited := false
	pass := &PurchaseStep{DB: w.db, Batch: 1, Workers: 1}
	pass.afterBatch = func() {
		if waited {
			return
		}
		waited = true
		go func() { _, err := leads.Run(ctx); bound <- err }()
		select {
		case err := <-bound:
			bound <- err
			t.Error("the leads step bound customers while a purchases pass was still rating")
		case <-time.After(300 * time.Millisecond):
		}
	}
	if _, err := pass.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !waited {
		t.Fatal("the pass did no batch")
	}
	if err := <-bound; err != nil {
		t.Fatal(err)
	}
	if b := w.binding(t, "c-new"); b.PartnerRef == nil {
		t.Errorf("the lead was not bound after the pass: %+v", b)
	}
}
