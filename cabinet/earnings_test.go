package cabinet

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
)

// A recruiter's earnings export shows of a level-2 commission what the
// page shows: not the vendor's invoice id or customer id of the recruit's
// customer (issue 17, F2). The recruit, whose customer it is, still sees
// the invoice in their own export.
func TestEarningsCSVHidesTheRecruitsCustomers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE partners SET recruiter_id = $1 WHERE id = $2`, []any{alpha, beta}},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
			('beta-cust-42', $1, 'click', 'attributed', '2026-11-01', '2026-11-01', '2026-11-01')`, []any{beta}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
			('INV-2026-0042', 'beta-cust-42', 1500, 'RUB', '2026-11-10', '\x00', '2026-11-10')`, nil},
		{`INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id, rule_id,
			base_amount, percent, amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
		 SELECT x.partner, c.id, p.id, 'sale', x.level, 1, 1, 1, 1500, x.pct, x.amount, x.amount, 'RUB', '2026-11-10', '2026-12-10', x.expl, '2026-11-10'
		   FROM customers c, purchases p,
		        (VALUES ($2::bigint, 1, 20, 300, '20% of 1500.00 RUB, first payment, plan Referral v1'),
		                ($1::bigint, 2, 5, 75, '5% of 1500.00 RUB, first payment, plan Referral v1, level 2 (a partner you recruited brought the customer)'))
		          AS x(partner, level, pct, amount, expl)
		  WHERE c.external_id = 'beta-cust-42' AND p.external_id = 'INV-2026-0042'`, []any{alpha, beta}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	export := func(email string) [][]string {
		t.Helper()
		b := f.Browser(t)
		b.Login(email, pw)
		resp, body := b.Do("GET", "/earnings.csv?period=30d", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s's export: %d %s", email, resp.StatusCode, body)
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}

	// The recruiter: one level-2 row, as the page has it.
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/earnings", nil)
	recs := export("alpha@x.test")
	if len(recs) != 2 {
		t.Fatalf("alpha's export has %d lines, want a header and one commission:\n%v", len(recs), recs)
	}
	want := []string{"2026-11-10T00:00:00Z", "commission", "75.00", "0.00", "RUB", "pending", "2026-12-10T00:00:00Z", "",
		"5% of 1500.00 RUB, first payment, plan Referral v1, level 2 (a partner you recruited brought the customer)"}
	if got := recs[1]; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the level-2 line is\n%q\nwant\n%q", got, want)
	}
	for _, secret := range []string{"INV-2026-0042", "beta-cust-42"} {
		if strings.Contains(strings.Join(recs[1], ","), secret) {
			t.Errorf("alpha's export names the recruit's customer's %q", secret)
		}
		if strings.Contains(page, secret) {
			t.Errorf("alpha's earnings page names %q", secret)
		}
	}
	for _, shown := range []string{"75,00\u00a0₽", "10.11.2026", "10.12.2026", "2-й уровень"} {
		if !strings.Contains(page, shown) {
			t.Errorf("alpha's page lacks %q, which the export has", shown)
		}
	}

	// The recruit's own customer: the invoice is theirs.
	recs = export("beta@x.test")
	if len(recs) != 2 || recs[1][7] != "INV-2026-0042" || recs[1][2] != "300.00" {
		t.Errorf("beta's export:\n%v\nwant its commission with the invoice INV-2026-0042", recs)
	}
}
