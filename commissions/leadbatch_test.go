package commissions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
)

// TestPromoBatchDecidesAsOneByOne runs the same purchases' promo codes
// through the leads step's fast path (a statement a batch) and through the
// per-lead path, in two worlds, and compares everything the two leave:
// customers, decisions, codes' uses, the purchases queued again and the
// customers queued for review. The purchases cover what a batch must see
// of its own earlier leads: a customer bound by its first purchase, a
// capped code used up inside the batch (typed in another case), a code
// unknown before a good one, an existing customer, a self-referral
// refused twice, a suspended partner's code and a purchase dated before
// the others.
func TestPromoBatchDecidesAsOneByOne(t *testing.T) {
	dump := func(fast bool) []string {
		w := newWorld(t, "last_click")
		w.leads.oneByOne = !fast
		ctx := context.Background()
		if _, err := w.db.ExecContext(ctx, `UPDATE promo_codes SET max_uses = 1 WHERE code = 'BETA5'`); err != nil {
			t.Fatal(err)
		}
		w.lead(t, partnerka.Lead{CustomerID: "c-existing", ExistingCustomer: true, OccurredAt: t0})
		w.lead(t, partnerka.Lead{CustomerID: "c-self", Email: "owner@alpha.test", OccurredAt: t0})
		w.reconcile(t)
		for i, p := range []struct {
			customer, code string
			at             time.Duration
		}{
			{"n1", "ALPHA10", time.Hour}, {"n1", "BETA5", 2 * time.Hour}, {"n2", "BETA5", 3 * time.Hour},
			{"n3", "beta5", 4 * time.Hour}, {"n4", "NOPE", 5 * time.Hour}, {"n4", "ALPHA10", 6 * time.Hour},
			{"c-existing", "ALPHA10", 7 * time.Hour}, {"c-self", "ALPHA10", 8 * time.Hour}, {"c-self", "alpha10", 9 * time.Hour},
			{"n5", "SUSP", 10 * time.Hour}, {"n6", "ALPHA10", -time.Hour}, {"n6", "BETA5", time.Hour},
		} {
			pu := &partnerka.Purchase{ExternalID: fmt.Sprintf("inv-%02d", i), CustomerID: p.customer, PromoCode: p.code,
				Amount: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "USD"}, OccurredAt: t0.Add(p.at)}
			if _, _, err := w.db.CreatePurchase(ctx, pu, []byte(pu.ExternalID)); err != nil {
				t.Fatal(err)
			}
		}
		// Last, a purchase naming a click (no one's): the promo codes
		// before it still go the fast path, and it a lead at a time.
		pu := &partnerka.Purchase{ExternalID: "inv-click", CustomerID: "n7", ClickID: "019e830e-1a00-773f-bdf2-000000000001",
			Amount: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "USD"}, OccurredAt: t0.Add(11 * time.Hour)}
		if _, _, err := w.db.CreatePurchase(ctx, pu, []byte(pu.ExternalID)); err != nil {
			t.Fatal(err)
		}
		if _, err := w.leads.Run(ctx); err != nil {
			t.Fatal(err)
		}
		if fast && w.leads.fastBatches != 1 {
			t.Fatalf("the fast path decided %d batches, want 1 (it fell back to the per-lead path)", w.leads.fastBatches)
		}
		var out []string
		for _, q := range []string{
			`SELECT c.external_id, coalesce(pa.ref, '-'), c.reason, c.first_seen_at, c.bound_at, coalesce(pc.code, '-'), coalesce(c.source, '-')
			   FROM customers c LEFT JOIN partners pa ON pa.id = c.partner_id LEFT JOIN promo_codes pc ON pc.id = c.promo_code_id ORDER BY 1`,
			`SELECT coalesce(p.external_id, d.lead_id::text), d.reason, coalesce(pa.ref, '-'), coalesce(d.source, '-'), coalesce(pc.code, '-'), d.detail, d.occurred_at
			   FROM attribution_decisions d LEFT JOIN purchases p ON p.id = d.purchase_id LEFT JOIN partners pa ON pa.id = d.partner_id
			   LEFT JOIN promo_codes pc ON pc.id = d.promo_code_id WHERE d.purchase_id IS NOT NULL ORDER BY d.id`,
			`SELECT code, uses FROM promo_codes ORDER BY 1`,
			`SELECT w.customer_external_id, p.external_id FROM purchases_waiting w JOIN purchases p ON p.id = w.purchase_id ORDER BY 1, 2`,
			`SELECT r.subject, c.external_id FROM review_due r JOIN customers c ON c.id = r.id WHERE r.subject = 'customer' ORDER BY 2`,
			`SELECT count(*) FROM purchases WHERE evidence_checked_at IS NULL`,
		} {
			rows, err := w.db.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				out = append(out, strings.TrimSpace(fmt.Sprintln(vals...)))
			}
			rows.Close()
			out = append(out, "--")
		}
		return out
	}
	fast, slow := dump(true), dump(false)
	if !slices.Equal(fast, slow) {
		for i := range max(len(fast), len(slow)) {
			var f, s string
			if i < len(fast) {
				f = fast[i]
			}
			if i < len(slow) {
				s = slow[i]
			}
			if f != s {
				t.Errorf("batch: %s\n   one by one: %s", f, s)
			}
		}
	}
	// And the reference itself says what the rules say.
	for _, want := range []string{"inv-02 attributed beta", "inv-03 code_not_valid", "inv-07 self_referral alpha", "inv-08 self_referral alpha",
		"inv-01 already_bound", "inv-04 unknown_code", "inv-05 attributed alpha", "inv-06 existing_customer", "inv-09 partner_inactive"} {
		if !slices.ContainsFunc(slow, func(s string) bool { return strings.HasPrefix(s, want) }) {
			t.Errorf("no decision %q in\n%v", want, slow)
		}
	}
}

// TestPromoBatchNewCustomerCreatedMeanwhile: a batch inserts the customers
// it found no row of as its decisions leave them; one created by another
// transaction after the batch looked (here a registration's, committed
// while the batch's insert waits on it) rolls the batch back, and the
// batch is decided again on the customer's row: bound once, by its code.
func TestPromoBatchNewCustomerCreatedMeanwhile(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	pu := &partnerka.Purchase{ExternalID: "inv-race", CustomerID: "n-race", PromoCode: "BETA5",
		Amount: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "USD"}, OccurredAt: t0.Add(time.Hour)}
	if _, _, err := w.db.CreatePurchase(ctx, pu, []byte(pu.ExternalID)); err != nil {
		t.Fatal(err)
	}
	other, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, `INSERT INTO customers (external_id, reason, first_seen_at, created_at)
		VALUES ('n-race', 'no_evidence', $1, $1)`, t0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := w.leads.Run(ctx); done <- err }()
	deadline := time.Now().Add(20 * time.Second) // elapsed: how long the test waits
	for {
		var waiting int
		if err := w.db.GetContext(ctx, &waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%InsertNewCustomers%'`); err != nil {
			t.Fatal(err)
		}
		if waiting == 1 {
			break
		}
		if time.Now().After(deadline) { // elapsed
			t.Fatal("the batch never waited on the customer the other transaction inserted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("leads step: %v", err)
	}
	var rows []string
	if err := w.db.SelectContext(ctx, &rows, `SELECT c.external_id || ' ' || coalesce(p.ref, '-') || ' ' || c.reason || ' ' || coalesce(c.source, '-')
		FROM customers c LEFT JOIN partners p ON p.id = c.partner_id WHERE c.external_id = 'n-race'
		UNION ALL
		SELECT 'decision ' || d.reason || ' ' || coalesce(p.ref, '-') FROM attribution_decisions d LEFT JOIN partners p ON p.id = d.partner_id
		 WHERE d.purchase_id = (SELECT id FROM purchases WHERE external_id = 'inv-race')`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"n-race beta attributed promo_code", "decision attributed beta"}; !slices.Equal(rows, want) {
		t.Fatalf("after the race: %q, want %q", rows, want)
	}
	if w.leads.fastBatches != 1 {
		t.Fatalf("%d batches decided on the fast path, want 1 (the second try)", w.leads.fastBatches)
	}
}
