package storage_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// payoutWorld is testSeed with a 5000 RUB balance for alpha, its payout
// details set, and two finance people.
type payoutWorld struct {
	db                         *storage.DB
	alpha, owner, maker, other int64
	now                        time.Time
}

func newPayoutWorld(t *testing.T) *payoutWorld {
	t.Helper()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	res, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	w := &payoutWorld{db: db, alpha: res.Partners["alpha"], owner: res.Users["owner@alpha.test"], maker: res.Users["admin@x.test"],
		now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	if err := db.Get(&w.other, `INSERT INTO users (email, password_hash, role, created_at) VALUES ('checker@x.test', 'x', 'finance', $1) RETURNING id`, w.now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
		VALUES ($1, 'RUB', 'available', 'bonus', 5000, 'contest', $2)`, w.alpha, w.now); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPayoutDetails(ctx, w.alpha, "bank", map[string]string{"account": "40702810900000001234"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// approved requests amount and has maker approve it.
func (w *payoutWorld) approved(t *testing.T, amount string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := w.db.RequestPayout(ctx, w.alpha, w.owner, rub(amount), w.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: id, To: storage.PayoutApproved, ActorID: w.maker, At: w.now}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *payoutWorld) balances(t *testing.T) map[string]string {
	t.Helper()
	bs, err := w.db.PartnerBalances(context.Background(), w.alpha)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range bs {
		got[b.Bucket] = b.Amount.StringFixed(2)
	}
	return got
}

func (w *payoutWorld) lastAudit(t *testing.T, id int64) (action string, after map[string]any) {
	t.Helper()
	var row struct {
		Action string `db:"action"`
		After  []byte `db:"after"`
	}
	if err := w.db.Get(&row, `SELECT action, after FROM audit_log WHERE entity = 'payout' AND entity_id = $1 ORDER BY id DESC LIMIT 1`,
		strconv.FormatInt(id, 10)); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(row.After, &after)
	return row.Action, after
}

// Issue 17, four eyes: the same finance user approved payout #1 and
// marked it paid. Under four eyes (a new program's setting) the approver
// is refused, by the storage whatever page or file asks; someone else
// pays. With four eyes off, the approver may pay, and the payout and its
// audit entry say four eyes were waived.
func TestFourEyesOnPayouts(t *testing.T) {
	w := newPayoutWorld(t)
	ctx := context.Background()
	st, err := w.db.Settings(ctx)
	if err != nil || !st.FourEyesPayouts {
		t.Fatalf("a new program's four eyes on payouts: %v %v, want on", st.FourEyesPayouts, err)
	}

	t.Run("the approver marks it paid: refused", func(t *testing.T) {
		id := w.approved(t, "1000")
		err := w.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: id, To: storage.PayoutPaid, ActorID: w.maker, Reference: "PP-1", At: w.now})
		if partnerka.ErrorCode(err) != partnerka.EFORBIDDEN || partnerka.ErrorField(err) != "four_eyes" {
			t.Fatalf("got %v, want forbidden by four eyes", err)
		}
		p, _ := w.db.AdminPayout(ctx, id)
		if p.Status != storage.PayoutApproved || p.PaidBy != "" {
			t.Errorf("after the refusal the payout is %s, paid by %q", p.Status, p.PaidBy)
		}
		if action, _ := w.lastAudit(t, id); action != "payout.approved" {
			t.Errorf("the refusal wrote audit %s", action)
		}
		// The bank's file is refused the same way, all lines or none.
		bad, err := w.db.MarkPaid(ctx, []storage.PaidLine{{Line: 2, PayoutID: id, Reference: "PP-1"}}, w.maker, "", w.now)
		if err != nil || len(bad) != 1 || bad[0].Field != "four_eyes" {
			t.Errorf("the approver's bank file: %v %v, want line 2 refused by four eyes", bad, err)
		}
		if got := w.balances(t); got["reserved"] != "1000.00" || got["paid"] != "" {
			t.Errorf("balances %v, want 1000.00 still reserved", got)
		}
		// Someone else pays it.
		if err := w.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: id, To: storage.PayoutPaid, ActorID: w.other, Reference: "PP-1", At: w.now}); err != nil {
			t.Fatal(err)
		}
		p, _ = w.db.AdminPayout(ctx, id)
		if p.Status != storage.PayoutPaid || p.PaidBy != "checker@x.test" || p.FourEyesWaived {
			t.Errorf("paid by the checker: %s by %q, waived %v", p.Status, p.PaidBy, p.FourEyesWaived)
		}
		if _, after := w.lastAudit(t, id); after["four_eyes_waived"] != nil {
			t.Errorf("a payment by another person records %v", after)
		}
	})

	t.Run("the database refuses the approver's payment unless waived", func(t *testing.T) {
		id := w.approved(t, "1000")
		_, err := w.db.ExecContext(ctx, `UPDATE payouts SET status = 'paid', paid_at = $2, paid_by = decided_by WHERE id = $1`, id, w.now)
		if err == nil || !strings.Contains(err.Error(), "payouts_four_eyes") {
			t.Errorf("got %v, want the payouts_four_eyes check", err)
		}
		if err := w.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: id, To: storage.PayoutCancelled, ActorID: w.other,
			Reason: "test over", At: w.now}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("four eyes off: the approver pays, waived and audited", func(t *testing.T) {
		st.FourEyesPayouts = false
		changed, err := w.db.SaveSettings(ctx, st, []partnerka.Money{rub("1000")}, storage.Actor{UserID: w.maker})
		if err != nil || !changed {
			t.Fatalf("turning four eyes off: %v %v", changed, err)
		}
		var audit []byte
		w.db.Get(&audit, `SELECT after FROM audit_log WHERE action = 'settings.update' ORDER BY id DESC LIMIT 1`)
		if string(audit) != `{"four_eyes_payouts": false}` {
			t.Errorf("the settings audit says %s", audit)
		}
		id := w.approved(t, "1500")
		if err := w.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: id, To: storage.PayoutPaid, ActorID: w.maker, Reference: "PP-2", At: w.now}); err != nil {
			t.Fatal(err)
		}
		p, _ := w.db.AdminPayout(ctx, id)
		if p.Status != storage.PayoutPaid || p.PaidBy != "admin@x.test" || !p.FourEyesWaived {
			t.Errorf("paid by the approver: %s by %q, waived %v", p.Status, p.PaidBy, p.FourEyesWaived)
		}
		if action, after := w.lastAudit(t, id); action != "payout.paid" || after["four_eyes_waived"] != true {
			t.Errorf("the payment's audit: %s %v, want four_eyes_waived true", action, after)
		}
	})
	if got := w.balances(t); got["available"] != "2500.00" || got["paid"] != "2500.00" || got["reserved"] != "0.00" {
		t.Errorf("balances %v, want 2500 paid and 2500 available", got)
	}
	if bad, err := w.db.VerifyBalances(ctx); err != nil || len(bad) > 0 {
		t.Errorf("verify: %v %v", bad, err)
	}
}

// Finance cancels an approved payout the bank bounced: with a reason the
// partner sees, the amount back in the available balance by a
// payout_reversal, audited, the partner told. Only an approved payout, and
// only staff: a partner withdraws a request, never an approved payout.
func TestCancelApprovedPayout(t *testing.T) {
	w := newPayoutWorld(t)
	ctx := context.Background()
	id := w.approved(t, "3000")
	cancel := storage.PayoutTransition{PayoutID: id, To: storage.PayoutCancelled, ActorID: w.other, At: w.now.Add(time.Hour)}
	for _, tc := range []struct {
		name string
		t    storage.PayoutTransition
		code string
	}{
		{"without a reason", cancel, partnerka.EINVALID},
		{"by the partner", storage.PayoutTransition{PayoutID: id, PartnerID: w.alpha, To: storage.PayoutCancelled, ActorID: w.owner, At: w.now}, partnerka.ECONFLICT},
	} {
		if err := w.db.TransitionPayout(ctx, tc.t); partnerka.ErrorCode(err) != tc.code {
			t.Errorf("cancelling %s: %v, want %s", tc.name, err, tc.code)
		}
	}
	cancel.Reason = "The bank returned the payment: the account is closed"
	if err := w.db.TransitionPayout(ctx, cancel); err != nil {
		t.Fatal(err)
	}
	p, _ := w.db.AdminPayout(ctx, id)
	if p.Status != storage.PayoutCancelled || p.Reason != cancel.Reason || p.CancelledBy != "checker@x.test" ||
		p.CancelledAt == nil || !p.CancelledAt.Equal(cancel.At) {
		t.Errorf("after cancelling: %+v", p)
	}
	if got := w.balances(t); got["available"] != "5000.00" || got["reserved"] != "0.00" {
		t.Errorf("balances %v, want the 3000 available again", got)
	}
	var kinds []string
	w.db.Select(&kinds, `SELECT kind || ' ' || bucket || ' ' || amount::numeric(20,2) FROM ledger_entries WHERE payout_id = $1 ORDER BY id`, id)
	if strings.Join(kinds, "; ") != "payout available -3000.00; payout reserved 3000.00; payout_reversal reserved -3000.00; payout_reversal available 3000.00" {
		t.Errorf("ledger entries of the payout: %v", kinds)
	}
	if action, after := w.lastAudit(t, id); action != "payout.cancelled" || after["reason"] != cancel.Reason {
		t.Errorf("audit %s %v", action, after)
	}
	var notices int
	w.db.Get(&notices, `SELECT count(*) FROM outbox WHERE kind = 'notice' AND payload->>'event' = 'payout_cancelled' AND partner_id = $1`, w.alpha)
	if notices != 1 {
		t.Errorf("%d notices of the cancellation, want 1 (alpha's owner)", notices)
	}
	ps, _, _ := w.db.PartnerPayouts(ctx, w.alpha, 10, 0)
	if len(ps) != 1 || ps[0].Status != storage.PayoutCancelled || ps[0].Reason != cancel.Reason {
		t.Errorf("the partner's payouts: %+v, want the cancellation with its reason", ps)
	}
	// Once cancelled, nothing more: not paid, not cancelled again.
	for _, to := range []string{storage.PayoutPaid, storage.PayoutCancelled} {
		if err := w.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: id, To: to, ActorID: w.maker, Reason: "again", Reference: "PP-3", At: w.now}); partnerka.ErrorCode(err) != partnerka.ECONFLICT {
			t.Errorf("%s after cancelling: %v, want conflict", to, err)
		}
	}
	// A request is rejected by staff, not cancelled.
	req, err := w.db.RequestPayout(ctx, w.alpha, w.owner, rub("1000"), w.now)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: req, To: storage.PayoutCancelled, ActorID: w.other, Reason: "x", At: w.now}); partnerka.ErrorCode(err) != partnerka.ECONFLICT {
		t.Errorf("staff cancelling a request: %v, want conflict", err)
	}
	if bad, err := w.db.VerifyBalances(ctx); err != nil || len(bad) > 0 {
		t.Errorf("verify: %v %v", bad, err)
	}
}
