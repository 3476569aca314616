package commissions

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerka/storage/storagetest"
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
