package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

func rub(s string) partnerka.Money {
	return partnerka.Money{Amount: decimal.RequireFromString(s), Currency: "RUB"}
}

func TestPayouts(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	res, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	alpha := res.Partners["alpha"]
	owner := res.Users["owner@alpha.test"]
	finance := res.Users["admin@x.test"]
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if _, err := db.ExecContext(ctx, `INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
		VALUES ($1, 'RUB', 'available', 'bonus', 5000, 'contest', $2)`, alpha, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RequestPayout(ctx, alpha, owner, rub("1500"), now); partnerka.ErrorField(err) != "details" {
		t.Errorf("without payout details: %v", err)
	}
	if err := db.SetPayoutDetails(ctx, alpha, "bank", map[string]string{"account": "40702810900000001234"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, amount string
		code         string
	}{
		{"below the minimum", "999.99", partnerka.EUNPROCESSABLE},
		{"more than available", "5000.01", partnerka.EUNPROCESSABLE},
	} {
		if _, err := db.RequestPayout(ctx, alpha, owner, rub(tc.amount), now); partnerka.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	first, err := db.RequestPayout(ctx, alpha, owner, rub("3000"), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RequestPayout(ctx, alpha, owner, rub("2500"), now); partnerka.ErrorCode(err) != partnerka.EUNPROCESSABLE {
		t.Errorf("the reserved amount is still spendable: %v", err)
	}
	second, err := db.RequestPayout(ctx, alpha, owner, rub("2000"), now)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: second, PartnerID: alpha, To: storage.PayoutCancelled, ActorID: owner, At: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: first, To: storage.PayoutApproved, ActorID: owner, At: now}); partnerka.ErrorCode(err) != partnerka.EFORBIDDEN {
		t.Errorf("approving one's own request: %v", err)
	}
	if err := db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: first, PartnerID: alpha + 1000, To: storage.PayoutCancelled, ActorID: owner, At: now}); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Errorf("another partner's payout: %v", err)
	}

	// 50 concurrent approvals and then 50 concurrent mark-paid (by
	// another person: four eyes): one of each.
	var checker int64
	if err := db.Get(&checker, `INSERT INTO users (email, password_hash, role, created_at) VALUES ('checker@x.test', 'x', 'finance', $1) RETURNING id`, now); err != nil {
		t.Fatal(err)
	}
	race := func(to string, actor int64) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok := 0
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: first, To: to, ActorID: actor, Reference: "PP-1", At: now})
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				} else if partnerka.ErrorCode(err) != partnerka.ECONFLICT {
					t.Errorf("%s: %v", to, err)
				}
			}()
		}
		wg.Wait()
		return ok
	}
	if n := race(storage.PayoutApproved, finance); n != 1 {
		t.Errorf("%d approvals succeeded, want 1", n)
	}
	if n := race(storage.PayoutPaid, checker); n != 1 {
		t.Errorf("%d mark-paid succeeded, want 1", n)
	}
	bs, _ := db.PartnerBalances(ctx, alpha)
	got := map[string]string{}
	for _, b := range bs {
		got[b.Bucket] = b.Amount.StringFixed(2)
	}
	if got["available"] != "2000.00" || got["paid"] != "3000.00" || got["reserved"] != "0.00" {
		t.Errorf("balances %v, want available 2000, paid 3000, nothing reserved", got)
	}
	if bad, err := db.VerifyBalances(ctx); err != nil || len(bad) > 0 {
		t.Errorf("verify: %v %v", bad, err)
	}
	var audits int
	db.Get(&audits, `SELECT count(*) FROM audit_log WHERE entity = 'payout'`)
	if audits != 3 {
		t.Errorf("%d audit entries, want 3 (cancel, approve, paid)", audits)
	}
}
