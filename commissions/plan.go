package commissions

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
)

// Payment is a purchase as commission rules see it.
type Payment struct {
	Amount     partnerka.Money
	Product    string
	Index      int       // 1 = the customer's first payment since the binding
	BoundAt    time.Time // when the customer was bound to the partner
	OccurredAt time.Time
}

// Earning is what one rule pays for one event, with the figures that
// explain it.
type Earning struct {
	Rule        *partnerka.Rule
	Tier        *partnerka.Tier // nil when no tier applies
	Base        partnerka.Money // the paid amount a percent applies to (zero for flat)
	Percent     decimal.Decimal // zero for flat
	Unrounded   decimal.Decimal // exact figure before rounding
	Amount      partnerka.Money // rounded once, half away from zero
	Explanation string
}

// CustomerMonth is the 1-based month of the customer's life with the
// partner that at falls in: month 1 runs from the binding to the same day
// a month later.
func CustomerMonth(bound, at time.Time) int {
	m := 1
	for !at.Before(bound.AddDate(0, m, 0)) {
		m++
	}
	return m
}

// previousMonth returns the first instant of the calendar month (UTC)
// before the one at falls in: the period whose volume sets the tier.
func previousMonth(at time.Time) time.Time {
	at = at.UTC()
	return time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
}

// EarnSale applies a plan version's sale rules of one level to a payment:
// the first rule (by position) whose product, payment and duration filters
// the payment passes pays. volume returns the partner's paid volume of
// the previous calendar month in a currency, for tiers.
func EarnSale(pv *partnerka.PlanVersion, level int, pay Payment, volume func(currency string) decimal.Decimal) (Earning, bool) {
	month := CustomerMonth(pay.BoundAt, pay.OccurredAt)
	for i := range pv.Rules {
		r := &pv.Rules[i]
		if r.Event != partnerka.EventSale || r.Level != level {
			continue
		}
		if r.Products != nil && !slices.Contains(r.Products, pay.Product) {
			continue
		}
		if (r.Payments == partnerka.PaymentsFirst && pay.Index != 1) || (r.Payments == partnerka.PaymentsRecurring && pay.Index < 2) {
			continue
		}
		if r.DurationMonths > 0 && month > r.DurationMonths {
			continue
		}
		e := Earning{Rule: r}
		var what string
		if r.Kind == partnerka.KindFlat {
			e.Unrounded = r.Flat.Amount
			e.Amount = r.Flat.Round()
			what = e.Amount.String() + " per payment"
		} else {
			e.Base, e.Percent = pay.Amount, r.Percent
			for j := range r.Tiers {
				t := &r.Tiers[j]
				if volume(t.MinVolume.Currency).GreaterThanOrEqual(t.MinVolume.Amount) {
					e.Percent, e.Tier = t.Percent, t
				}
			}
			e.Unrounded = pay.Amount.Amount.Mul(e.Percent).Div(decimal.NewFromInt(100))
			e.Amount = partnerka.Money{Amount: e.Unrounded, Currency: pay.Amount.Currency}.Round()
			what = fmt.Sprintf("%s%% of %s", e.Percent, pay.Amount)
		}
		var parts []string
		parts = append(parts, what)
		if pay.Index == 1 {
			parts = append(parts, "first payment")
		} else {
			parts = append(parts, fmt.Sprintf("recurring payment month %d", month))
		}
		if e.Tier != nil {
			parts = append(parts, fmt.Sprintf("tier from %s paid in %s", e.Tier.MinVolume, previousMonth(pay.OccurredAt).Format("2006-01")))
		}
		parts = append(parts, fmt.Sprintf("plan %s v%d", pv.Plan, pv.Version))
		if level == 2 {
			parts = append(parts, "level 2 (a partner you recruited brought the customer)")
		}
		e.Explanation = strings.Join(parts, ", ")
		return e, true
	}
	return Earning{}, false
}

// EarnLead applies a plan version's lead rules of one level to a newly
// bound customer: a flat amount.
func EarnLead(pv *partnerka.PlanVersion, level int) (Earning, bool) {
	for i := range pv.Rules {
		r := &pv.Rules[i]
		if r.Event != partnerka.EventLead || r.Level != level || r.Kind != partnerka.KindFlat {
			continue
		}
		e := Earning{Rule: r, Unrounded: r.Flat.Amount, Amount: r.Flat.Round()}
		e.Explanation = fmt.Sprintf("%s for a new customer, plan %s v%d", e.Amount, pv.Plan, pv.Version)
		if level == 2 {
			e.Explanation += ", level 2 (a partner you recruited brought the customer)"
		}
		return e, true
	}
	return Earning{}, false
}

// ReversalFor returns how much of a commission a refund takes back: the
// commission's share of everything refunded so far, rounded, minus what
// earlier refunds took. Successive partial refunds add up exactly to the
// whole commission when the whole purchase is refunded.
func ReversalFor(commission partnerka.Money, purchase, refundedBefore, refund decimal.Decimal) partnerka.Money {
	share := func(refunded decimal.Decimal) decimal.Decimal {
		if refunded.GreaterThanOrEqual(purchase) {
			return commission.Amount
		}
		return partnerka.Money{Amount: commission.Amount.Mul(refunded).Div(purchase), Currency: commission.Currency}.Round().Amount
	}
	return partnerka.Money{Amount: share(refundedBefore.Add(refund)).Sub(share(refundedBefore)), Currency: commission.Currency}
}
