package commissions

import (
	"context"
	"testing"
	"time"

	"partnerka"
	"partnerka/storage"
)

// TestPromoCodeTerms: a promo code binds only inside its period and under
// its cap, judged at the lead's instant; a code disabled after a lead
// still binds that lead (the customer used it while it was good), and the
// decision of a refused one says why.
func TestPromoCodeTerms(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	alpha := w.seed.Partners["alpha"]
	from, until, cap := t0, t0.Add(24*time.Hour), 2
	codes, err := w.db.CreatePromoCodes(ctx, storage.NewPromoCodes{PartnerID: alpha, Codes: []string{"SPRING", "LATER"},
		Terms: partnerka.PromoTerms{Discount: "two weeks free", ValidFrom: &from, ValidUntil: &until, MaxUses: &cap}})
	if err != nil {
		t.Fatal(err)
	}
	w.lead(t, partnerka.Lead{CustomerID: "early", PromoCode: "spring", OccurredAt: from.Add(-time.Second)})
	w.lead(t, partnerka.Lead{CustomerID: "first", PromoCode: "SPRING", OccurredAt: from})
	w.lead(t, partnerka.Lead{CustomerID: "late", PromoCode: "SPRING", OccurredAt: until})
	w.lead(t, partnerka.Lead{CustomerID: "second", PromoCode: "Spring", OccurredAt: until.Add(-time.Second)})
	w.lead(t, partnerka.Lead{CustomerID: "third", PromoCode: "SPRING", OccurredAt: from.Add(time.Hour)})
	w.reconcile(t)
	for customer, want := range map[string]string{"early": ReasonCodeNotValid, "first": ReasonAttributed,
		"late": ReasonCodeNotValid, "second": ReasonAttributed, "third": ReasonCodeNotValid} {
		b := w.binding(t, customer)
		if got := lastReason(b); got != want {
			t.Errorf("%s: %s (%s), want %s", customer, got, b.Decisions[len(b.Decisions)-1].Detail, want)
		}
	}
	if d := w.binding(t, "third").Decisions[0].Detail; d != `promo_code "SPRING" was not valid at the lead: used by 2 customers, its cap` {
		t.Errorf("the capped code's decision says %q", d)
	}
	if c, _ := w.db.PromoCode(ctx, codes[0].ID); c.Uses != 2 {
		t.Errorf("the code has %d uses, want 2", c.Uses)
	}

	// LATER is disabled at t0+2h: a lead of t0+1h still binds (the
	// customer typed it while it was good), one of t0+3h does not.
	w.clock = t0.Add(2 * time.Hour)
	w.db.Now = func() time.Time { return w.clock }
	if _, err := w.db.ChangePromoCode(ctx, storage.PromoChange{ID: codes[1].ID, Status: partnerka.PromoDisabled, Reason: "shared on a coupon site"}); err != nil {
		t.Fatal(err)
	}
	w.lead(t, partnerka.Lead{CustomerID: "before-disable", PromoCode: "LATER", OccurredAt: t0.Add(time.Hour)})
	w.lead(t, partnerka.Lead{CustomerID: "after-disable", PromoCode: "LATER", OccurredAt: t0.Add(3 * time.Hour)})
	w.reconcile(t)
	if got := lastReason(w.binding(t, "before-disable")); got != ReasonAttributed {
		t.Errorf("a lead before the code was disabled: %s", got)
	}
	if got := lastReason(w.binding(t, "after-disable")); got != ReasonUnknownCode {
		t.Errorf("a lead after the code was disabled: %s", got)
	}
}
