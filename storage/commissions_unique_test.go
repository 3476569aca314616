package storage_test

import (
	"context"
	"testing"
	"time"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// A sale commission is one per purchase, partner and level because the
// schema says so (the partial unique index commissions_purchase), not only
// because the reconciler's queue hands each purchase out once: a second
// insert of the same commission fails whatever code writes it.
func TestSaleCommissionsAreUnique(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var def string
	if err := db.Get(&def, `SELECT indexdef FROM pg_indexes WHERE indexname = 'commissions_purchase'`); err != nil {
		t.Fatalf("the index commissions_purchase: %v", err)
	}
	if want := "CREATE UNIQUE INDEX commissions_purchase ON public.commissions USING btree (purchase_id, partner_id, level) WHERE (event = 'sale'::text)"; def != want {
		t.Errorf("commissions_purchase is\n%s\nwant\n%s", def, want)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	insert := func(purchase, partner int64, level int, event string) error {
		var p any = purchase
		if event == "lead" {
			p = nil
		}
		_, err := db.ExecContext(ctx, `INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id,
			plan_version_id, rule_id, base_amount, amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
			VALUES ($2, 7, $1, $4, $3, 1, 1, 1, 100, 20, 20, 'RUB', $5, $5, 'test', $5)`, p, partner, level, event, now)
		return err
	}
	for _, tc := range []struct {
		name              string
		purchase, partner int64
		level             int
		event             string
		duplicate         bool
	}{
		{"the first commission of a purchase", 1, 10, 1, "sale", false},
		{"the same purchase, partner and level again", 1, 10, 1, "sale", true},
		{"level 2 of the same purchase", 1, 11, 2, "sale", false},
		{"level 2 of the same purchase again", 1, 11, 2, "sale", true},
		{"another partner's level 1 of the same purchase", 1, 12, 1, "sale", false},
		{"another purchase of the same partner", 2, 10, 1, "sale", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := insert(tc.purchase, tc.partner, tc.level, tc.event)
			switch {
			case tc.duplicate && !storage.IsUniqueViolation(err, "commissions_purchase"):
				t.Errorf("got %v, want a unique violation of commissions_purchase", err)
			case !tc.duplicate && err != nil:
				t.Errorf("got %v, want the commission stored", err)
			}
		})
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM commissions WHERE event = 'sale'`); err != nil || n != 4 {
		t.Errorf("%d sale commissions stored, want 4: %v", n, err)
	}
	if err := insert(0, 10, 1, "lead"); err != nil {
		t.Errorf("a lead commission of the same partner and level: %v", err)
	}
}
