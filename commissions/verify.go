package commissions

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// This file restates the published commission rules a second time, apart
// from the engine (EarnSale, the purchase step and their queries): plain
// loops over stored evidence with big.Rat arithmetic and its own rounding,
// like the test oracle. `partnerka verify` runs it over purchases,
// refunds, bindings and contracts and reports every commission that
// differs from what the rules make of them.

// CommissionDiff is one commission that differs from what the published
// rules make of the stored evidence.
type CommissionDiff struct {
	Purchase  string // the vendor's purchase id; "" for a lead commission
	Customer  string
	PartnerID int64
	Level     int
	What      string // "amount", "reversed", "missing", "unexpected"
	Stored    string
	Expected  string
}

func (d CommissionDiff) String() string {
	what := "purchase " + d.Purchase
	if d.Purchase == "" {
		what = "lead of customer " + d.Customer
	}
	return fmt.Sprintf("%s, partner %d level %d: %s stored %s, expected %s", what, d.PartnerID, d.Level, d.What, d.Stored, d.Expected)
}

// RecomputeCommissions recomputes every commission and reversal of the
// customers of a sample (all customers when sample is 0) and returns how
// many commissions it checked and each difference. Payments and refunds
// the reconciler has not finished with are left out.
func RecomputeCommissions(ctx context.Context, db *storage.DB, sample int) (int, []CommissionDiff, error) {
	st, err := db.Settings(ctx)
	if err != nil {
		return 0, nil, err
	}
	ev, err := db.LoadVerifyEvidence(ctx, sample, st.HoldDays)
	if err != nil {
		return 0, nil, err
	}
	plans, err := db.PlanVersions(ctx)
	if err != nil {
		return 0, nil, err
	}
	contracts, err := db.Contracts(ctx)
	if err != nil {
		return 0, nil, err
	}
	r := &recompute{plans: plans, contracts: contracts, volumes: map[string]*monthVolume{},
		rated: map[string]time.Time{}}
	for _, v := range ev.Volumes {
		k := volumeKey(v.PartnerID, v.Month, v.Currency)
		mv := r.volumes[k]
		if mv == nil {
			mv = &monthVolume{final: new(big.Rat)}
			r.volumes[k] = mv
		}
		if v.LateAt == nil {
			mv.final.Add(mv.final, decRat(v.Volume))
		} else {
			mv.late = append(mv.late, lateVolume{at: *v.LateAt, amount: decRat(v.Volume)})
		}
	}
	for _, s := range ev.Commissions {
		r.rated[commissionKey(s.PurchaseID, s.CustomerID, s.PartnerID, s.Level)] = s.CreatedAt
	}
	due := map[string]bool{} // partner months the reconciler has yet to re-rate
	for _, m := range ev.DueMonths {
		due[fmt.Sprintf("%d|%s", m.PartnerID, m.Month.UTC().Format("2006-01"))] = true
	}
	renumber(ev)
	want := map[string]wanted{} // by commission key
	purchaseOf := map[int64]*storage.VerifyPayment{}
	skip := map[int64]bool{} // purchases still being reconciled
	for i := range ev.Payments {
		p := &ev.Payments[i]
		purchaseOf[p.ID] = p
		if p.Unsettled {
			skip[p.ID] = true
			continue
		}
		r.payment(p, want)
	}
	customerOf := map[int64]*storage.VerifyCustomer{}
	for i := range ev.Customers {
		c := &ev.Customers[i]
		customerOf[c.ID] = c
		if c.PartnerID != nil && c.LeadPaid && !c.Reassigned {
			r.lead(c, want)
		}
	}
	var diffs []CommissionDiff
	seen := map[string]bool{}
	checked := 0
	for _, s := range ev.Commissions {
		if s.PurchaseID != 0 && skip[s.PurchaseID] {
			continue
		}
		if p := purchaseOf[s.PurchaseID]; p != nil && due[fmt.Sprintf("%d|%s", s.PartnerID, p.OccurredAt.UTC().Format("2006-01"))] {
			continue
		}
		if s.PurchaseID == 0 && customerOf[s.CustomerID] != nil && customerOf[s.CustomerID].Reassigned {
			continue // lead rules paid the binding of their time
		}
		key := commissionKey(s.PurchaseID, s.CustomerID, s.PartnerID, s.Level)
		seen[key] = true
		checked++
		d := CommissionDiff{PartnerID: s.PartnerID, Level: s.Level}
		if p := purchaseOf[s.PurchaseID]; p != nil {
			d.Purchase, d.Customer = p.ExternalID, p.Customer
		} else if c := customerOf[s.CustomerID]; c != nil {
			d.Customer = c.ExternalID
		}
		stored := ratMoney(decRat(s.Amount.Add(s.Rerated)), s.Currency)
		w, ok := want[key]
		switch {
		case !ok:
			d.What, d.Stored, d.Expected = "unexpected", stored, "none"
			diffs = append(diffs, d)
		case stored != w.amount:
			d.What, d.Stored, d.Expected = "amount", stored, w.amount
			diffs = append(diffs, d)
		case !s.Rejected && ratMoney(decRat(s.Reversed), s.Currency) != w.reversed:
			d.What, d.Stored, d.Expected = "reversed", ratMoney(decRat(s.Reversed), s.Currency), w.reversed
			diffs = append(diffs, d)
		}
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !seen[k] {
			w := want[k]
			diffs = append(diffs, CommissionDiff{Purchase: w.purchase, Customer: w.customer, PartnerID: w.partner, Level: w.level,
				What: "missing", Stored: "none", Expected: w.amount})
		}
	}
	return checked, diffs, nil
}

// renumber numbers each payment among its customer's payments under the
// same binding that the program had received when the payment was first
// rated: a payment that arrives after a later-dated one was rated
// renumbers nothing (the SQL counted every payment). A payment that
// earned nothing has no instant it was rated at: when an earlier-dated
// payment of the customer arrived after it, what it was numbered is not
// known, and it is left out like an unsettled one.
func renumber(ev *storage.VerifyEvidence) {
	rated := map[int64]time.Time{} // purchase -> when its commissions were first rated
	for _, s := range ev.Commissions {
		if t, ok := rated[s.PurchaseID]; s.PurchaseID != 0 && (!ok || s.CreatedAt.Before(t)) {
			rated[s.PurchaseID] = s.CreatedAt
		}
	}
	ps := ev.Payments // by customer, then date and id
	for start := 0; start < len(ps); {
		end := start + 1
		for end < len(ps) && ps[end].CustomerID == ps[start].CustomerID {
			end++
		}
		for i := start; i < end; i++ {
			p := &ps[i]
			if p.BoundAt == nil {
				continue
			}
			at, ok := rated[p.ID]
			if !ok {
				for j := start; j < i; j++ {
					if o := &ps[j]; o.BoundAt != nil && o.BoundAt.Equal(*p.BoundAt) && o.ReceivedAt.After(p.ReceivedAt) {
						p.Unsettled = true
					}
				}
				continue
			}
			n := 0
			for j := start; j <= i; j++ {
				o := &ps[j]
				if o.BoundAt != nil && o.BoundAt.Equal(*p.BoundAt) && !o.ReceivedAt.After(at) {
					n++
				}
			}
			p.PaymentIndex = n
		}
		start = end
	}
}

type wanted struct {
	purchase, customer string
	partner            int64
	level              int
	amount, reversed   string
}

type recompute struct {
	plans     map[int64]*partnerka.PlanVersion
	contracts map[int64][]storage.Contract
	volumes   map[string]*monthVolume
	rated     map[string]time.Time // when each stored commission was first rated
}

// monthVolume is a partner's volume of a month in a currency: what was
// received until it was final, and what was received after, each part
// with its instant.
type monthVolume struct {
	final *big.Rat
	late  []lateVolume
}

type lateVolume struct {
	at     time.Time
	amount *big.Rat
}

// volume is the volume a commission first rated at rated is rated on: the
// final volume, and what arrived after it was final but before the
// commission was rated.
func (r *recompute) volume(partner int64, month time.Time, currency string, rated time.Time) *big.Rat {
	mv := r.volumes[volumeKey(partner, month, currency)]
	if mv == nil {
		return new(big.Rat)
	}
	v := new(big.Rat).Set(mv.final)
	for _, l := range mv.late {
		if !l.at.After(rated) {
			v.Add(v, l.amount)
		}
	}
	return v
}

func commissionKey(purchase, customer, partner int64, level int) string {
	if purchase != 0 {
		return fmt.Sprintf("sale|%d|%d|%d", purchase, partner, level)
	}
	return fmt.Sprintf("lead|%d|%d|%d", customer, partner, level)
}

func volumeKey(partner int64, month time.Time, currency string) string {
	return fmt.Sprintf("%d|%s|%s", partner, month.Format("2006-01"), currency)
}

// inForce is the partner's contract in force at t: started at or before
// it and not ended by then.
func (r *recompute) inForce(partner int64, t time.Time) *storage.Contract {
	for _, c := range r.contracts[partner] {
		if !c.StartsAt.After(t) && (c.EndsAt == nil || c.EndsAt.After(t)) {
			return &c
		}
	}
	return nil
}

func (r *recompute) recruiter(partner int64) int64 {
	for _, c := range r.contracts[partner] {
		if c.RecruiterID != nil {
			return *c.RecruiterID
		}
	}
	return 0
}

// customerMonth counts the months of the customer's life with the
// partner: month 1 runs from the binding up to the same day a month later.
func customerMonth(bound, at time.Time) int {
	m := 1
	for !at.Before(bound.AddDate(0, m, 0)) {
		m++
	}
	return m
}

// payment adds what one payment earns at levels 1 and 2.
func (r *recompute) payment(p *storage.VerifyPayment, want map[string]wanted) {
	if p.PartnerID == nil {
		return // paid while the customer was bound to nobody
	}
	partner := *p.PartnerID
	if r.inForce(partner, p.OccurredAt) == nil {
		return // the partner had no contract then: nothing at either level
	}
	for level, earner := range []int64{partner, r.recruiter(partner)} {
		if earner == 0 {
			continue
		}
		c := r.inForce(earner, p.OccurredAt)
		if c == nil || r.plans[c.PlanVersionID] == nil {
			continue
		}
		for _, ru := range r.plans[c.PlanVersionID].Rules {
			if ru.Event != partnerka.EventSale || ru.Level != level+1 {
				continue
			}
			if ru.Products != nil && !slices.Contains(ru.Products, p.Product) {
				continue
			}
			if ru.Payments == partnerka.PaymentsFirst && p.PaymentIndex != 1 || ru.Payments == partnerka.PaymentsRecurring && p.PaymentIndex < 2 {
				continue
			}
			if ru.DurationMonths > 0 && customerMonth(*p.BoundAt, p.OccurredAt) > ru.DurationMonths {
				continue
			}
			var amount *big.Rat
			cur := p.Currency
			if ru.Kind == partnerka.KindFlat {
				amount, cur = roundHalfAway(decRat(ru.Flat.Amount), ru.Flat.Currency), ru.Flat.Currency
			} else {
				pct := decRat(ru.Percent)
				prev := time.Date(p.OccurredAt.UTC().Year(), p.OccurredAt.UTC().Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
				rated := r.rated[commissionKey(p.ID, p.CustomerID, earner, level+1)]
				for _, t := range ru.Tiers {
					if r.volume(earner, prev, t.MinVolume.Currency, rated).Cmp(decRat(t.MinVolume.Amount)) >= 0 {
						pct = decRat(t.Percent)
					}
				}
				x := new(big.Rat).Mul(decRat(p.Amount), pct)
				amount = roundHalfAway(x.Quo(x, big.NewRat(100, 1)), cur)
			}
			// A refund takes back the commission's share of what was
			// refunded; all of it once the whole payment is.
			reversed := new(big.Rat).Set(amount)
			if refunded, total := decRat(p.Refunded), decRat(p.Amount); refunded.Cmp(total) < 0 {
				x := new(big.Rat).Mul(amount, refunded)
				reversed = roundHalfAway(x.Quo(x, total), cur)
			}
			want[commissionKey(p.ID, p.CustomerID, earner, level+1)] = wanted{purchase: p.ExternalID, customer: p.Customer,
				partner: earner, level: level + 1, amount: ratMoney(amount, cur), reversed: ratMoney(reversed, cur)}
			break
		}
	}
}

// lead adds the lead (CPL) commissions of a customer's binding, under the
// contracts in force when it took effect.
func (r *recompute) lead(c *storage.VerifyCustomer, want map[string]wanted) {
	for level, earner := range []int64{*c.PartnerID, r.recruiter(*c.PartnerID)} {
		if earner == 0 {
			continue
		}
		k := r.inForce(earner, *c.BoundAt)
		if k == nil || r.plans[k.PlanVersionID] == nil {
			continue
		}
		for _, ru := range r.plans[k.PlanVersionID].Rules {
			if ru.Event == partnerka.EventLead && ru.Level == level+1 && ru.Kind == partnerka.KindFlat {
				amount := roundHalfAway(decRat(ru.Flat.Amount), ru.Flat.Currency)
				want[commissionKey(0, c.ID, earner, level+1)] = wanted{customer: c.ExternalID, partner: earner, level: level + 1,
					amount: ratMoney(amount, ru.Flat.Currency), reversed: ratMoney(new(big.Rat), ru.Flat.Currency)}
				break
			}
		}
	}
}

func decRat(d decimal.Decimal) *big.Rat { return d.Rat() }

// roundHalfAway rounds to the currency's minor units, half away from zero.
func roundHalfAway(x *big.Rat, currency string) *big.Rat {
	n, _ := partnerka.MinorUnits(currency)
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	y := new(big.Rat).Mul(new(big.Rat).Abs(x), new(big.Rat).SetInt(scale))
	y.Add(y, big.NewRat(1, 2))
	q := new(big.Int).Quo(y.Num(), y.Denom())
	if x.Sign() < 0 {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, scale)
}

func ratMoney(x *big.Rat, currency string) string {
	n, _ := partnerka.MinorUnits(currency)
	return x.FloatString(int(n)) + " " + currency
}
