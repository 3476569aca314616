package commissions

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// The tier of a payment is set by the partner's paid volume of the
// calendar month before it, net of refunds. That volume is open until the
// end of the hold after its month (the hold's days after the next month
// starts): a payment or refund of the month received until then changes
// it, and RerateStep re-rates the next month's commissions that were rated
// on it. From then on the volume is final: what arrives later earns its
// own commission but re-rates nothing. A commission first rated after the
// volume was final was rated on all of it.

// basisFinal is the instant the volume that rates the payments of the
// month starting at month becomes final.
func basisFinal(month time.Time, holdDays int) time.Time {
	return month.Add(time.Duration(holdDays) * 24 * time.Hour)
}

// RerateStep re-rates the commissions of the partner months that
// reconciled payments and refunds queued (storage.MarkTierMonths): each
// whose tier the month's volume now changes gets a re-rate, naming the
// payment or refund, and a ledger entry of the difference. It runs after
// the purchase and refund steps of a pass.
type RerateStep struct {
	DB *storage.DB
}

// Name implements Step.
func (s *RerateStep) Name() string { return "rerates" }

// Run implements Step.
func (s *RerateStep) Run(ctx context.Context) (int, error) {
	e, err := newEngine(ctx, s.DB)
	if err != nil {
		return 0, err
	}
	const batch = 500
	done := 0
	for {
		n := 0
		err := s.DB.InCommissionTx(ctx, func(tx *storage.CommissionTx) error {
			if err := tx.WaitForRatings(ctx); err != nil {
				return err
			}
			months, err := tx.TierMonthsDue(ctx, batch)
			if err != nil || len(months) == 0 {
				return err
			}
			n = len(months)
			cands, err := tx.CommissionsToRerate(ctx, months, e.holdDays)
			if err != nil {
				return err
			}
			type pm struct {
				partner int64
				month   time.Time
			}
			cause := make(map[pm]*storage.TierMonth, len(months))
			for i := range months {
				cause[pm{months[i].PartnerID, months[i].Month.UTC()}] = &months[i]
			}
			volumes := map[time.Time]map[int64][]partnerka.Money{}
			var rows []storage.RerateRow
			for i := range cands {
				k := &cands[i]
				r := ruleOf(e.plans[k.PlanVersionID], k.RuleID)
				if r == nil || r.Kind != partnerka.KindPercent || len(r.Tiers) == 0 {
					continue
				}
				month := k.Month.UTC()
				v, ok := volumes[month]
				if !ok {
					final := basisFinal(month, e.holdDays)
					if v, err = tx.MonthVolumes(ctx, month.AddDate(0, -1, 0), &final); err != nil {
						return err
					}
					volumes[month] = v
				}
				if row, ok := rerate(k, r, v[k.PartnerID], cause[pm{k.PartnerID, month}]); ok {
					rows = append(rows, row)
				}
			}
			done += len(rows)
			return tx.InsertRerates(ctx, rows)
		})
		if err != nil || n < batch {
			return done, err
		}
	}
}

func ruleOf(pv *partnerka.PlanVersion, id int64) *partnerka.Rule {
	if pv == nil {
		return nil
	}
	for i := range pv.Rules {
		if pv.Rules[i].ID == id {
			return &pv.Rules[i]
		}
	}
	return nil
}

// rerate returns the re-rate of a commission on its month's volume, or
// false when the volume leaves it as it is.
func rerate(k *storage.RerateCandidate, r *partnerka.Rule, volume []partnerka.Money, cause *storage.TierMonth) (storage.RerateRow, bool) {
	pct, tier := TierPercent(r, volumeIn(volume))
	unrounded := k.Base.Mul(pct).Shift(-2)
	amount := partnerka.Money{Amount: unrounded, Currency: k.Currency}.Round()
	// Refunds take back their share of the commission as re-rated.
	reversed := ReversalFor(amount, k.PurchaseAmount, decimal.Zero, k.Refunded)
	row := storage.RerateRow{CommissionID: k.ID, Percent: pct, Unrounded: unrounded, Amount: amount.Amount,
		AmountChange: amount.Amount.Sub(k.Amount.Add(k.Rerated)), ReversedChange: reversed.Amount.Sub(k.Reversed),
		Currency: k.Currency}
	if row.AmountChange.IsZero() && row.ReversedChange.IsZero() {
		return row, false
	}
	if tier != nil {
		row.Tier = decimal.NewNullDecimal(tier.MinVolume.Amount)
	}
	if cause != nil {
		row.CausePurchase, row.CauseRefund = cause.CausePurchase, cause.CauseRefund
	}
	row.Explanation = RerateExplanation(k, pct, tier, partnerka.Money{Amount: row.AmountChange.Sub(row.ReversedChange), Currency: k.Currency}, cause)
	return row, true
}

// RerateExplanation says what changed and why, in the engine's English
// (web.Explain translates it): "re-rated from 20% to 25% (tier from
// 100000.00 RUB paid in 2026-01): +1500.00 RUB, after payment jan-1 of
// 150000.00 RUB arrived".
func RerateExplanation(k *storage.RerateCandidate, pct decimal.Decimal, tier *partnerka.Tier, change partnerka.Money, cause *storage.TierMonth) string {
	b := append([]byte("re-rated from "), partnerka.AppendDecimal(nil, k.Percent)...)
	b = append(b, "% to "...)
	b = partnerka.AppendDecimal(b, pct)
	b = append(b, "% ("...)
	basis := k.Month.UTC().AddDate(0, -1, 0).Format("2006-01")
	if tier != nil {
		b = append(b, "tier from "...)
		b = partnerka.AppendMoney(b, tier.MinVolume)
		b = append(b, " paid in "...)
	} else {
		b = append(b, "no tier reached in "...)
	}
	b = append(b, basis...)
	b = append(b, "): "...)
	if change.Amount.IsPositive() {
		b = append(b, '+')
	}
	b = partnerka.AppendMoney(b, change)
	if cause != nil {
		if cause.Refund != "" {
			b = append(b, ", after refund "...)
			b = append(b, cause.Refund...)
			b = append(b, " of "...)
			b = partnerka.AppendMoney(b, partnerka.Money{Amount: cause.RefundAmount, Currency: cause.Currency})
			b = append(b, " of payment "...)
			b = append(b, cause.Purchase...)
		} else {
			b = append(b, ", after payment "...)
			b = append(b, cause.Purchase...)
			b = append(b, " of "...)
			b = partnerka.AppendMoney(b, partnerka.Money{Amount: cause.PurchaseAmount, Currency: cause.Currency})
		}
		b = append(b, " arrived"...)
	}
	return string(b)
}
