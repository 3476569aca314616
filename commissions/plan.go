package commissions

import (
	"fmt"
	"slices"
	"strconv"
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
	// Months are added to the binding (AddDate normalises: a month after
	// January 31 is March 3). The search starts a month before the
	// calendar difference, which the answer is never below, instead of at 1.
	a := at.In(bound.Location())
	m := (a.Year()-bound.Year())*12 + int(a.Month()) - int(bound.Month()) - 1
	if m < 1 {
		m = 1
	}
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
		b := make([]byte, 0, 160)
		if r.Kind == partnerka.KindFlat {
			e.Unrounded = r.Flat.Amount
			e.Amount = r.Flat.Round()
			b = append(partnerka.AppendMoney(b, e.Amount), " per payment"...)
		} else {
			e.Base = pay.Amount
			e.Percent, e.Tier = TierPercent(r, volume)
			// A percent of an amount, divided by 100 exactly (a shift of
			// the exponent, not a division).
			e.Unrounded = pay.Amount.Amount.Mul(e.Percent).Shift(-2)
			e.Amount = partnerka.Money{Amount: e.Unrounded, Currency: pay.Amount.Currency}.Round()
			b = append(partnerka.AppendDecimal(b, e.Percent), "% of "...)
			b = partnerka.AppendMoney(b, pay.Amount)
		}
		if pay.Index == 1 {
			b = append(b, ", first payment"...)
		} else {
			b = append(b, ", recurring payment month "...)
			b = strconv.AppendInt(b, int64(month), 10)
		}
		if e.Tier != nil {
			b = append(b, ", tier from "...)
			b = partnerka.AppendMoney(b, e.Tier.MinVolume)
			b = append(b, " paid in "...)
			b = previousMonth(pay.OccurredAt).AppendFormat(b, "2006-01")
		}
		b = append(b, ", plan "...)
		b = append(b, pv.Plan...)
		b = append(b, " v"...)
		b = strconv.AppendInt(b, int64(pv.Version), 10)
		if level == 2 {
			b = append(b, ", level 2 (a partner you recruited brought the customer)"...)
		}
		e.Explanation = string(b)
		return e, true
	}
	return Earning{}, false
}

// TierPercent returns what a percent rule pays on a partner's volume: the
// percent of the highest tier whose minimum the volume (in the tier's
// currency) reaches, or the rule's own percent and no tier.
func TierPercent(r *partnerka.Rule, volume func(currency string) decimal.Decimal) (decimal.Decimal, *partnerka.Tier) {
	pct, tier := r.Percent, (*partnerka.Tier)(nil)
	for j := range r.Tiers {
		t := &r.Tiers[j]
		if volume(t.MinVolume.Currency).GreaterThanOrEqual(t.MinVolume.Amount) {
			pct, tier = t.Percent, t
		}
	}
	return pct, tier
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
