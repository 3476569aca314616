package commissions

import (
	"context"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// PreviewPlan answers "what would this partner have earned in [from, to)
// under this plan version": it replays the payments of the partner's
// customers (level 1) and of the customers of partners they recruited
// (level 2), and the customers bound in the period (lead rules), through
// the same rules the reconciler applies (EarnSale, EarnLead, tiers by the
// previous calendar month's paid volume), and sets the result beside the
// commissions the partner actually earned in the period, per currency.
//
// The version stands in for whatever contract the partner had, at both
// levels; a recruit's payments count only while the recruit had a contract,
// as in the reconciler. Refunds are left out on both sides. Nothing is
// written: the version may be a draft.
//
// Each line sums the items, so a page's totals add up to its rows and the
// difference is the version's alone. What the partner earned in the period
// on commissions no item replays (a payment made before its customer was
// reassigned to another partner: it earned for the old one, whom the
// replay no longer sees as the customer's) is set apart in Outside:
// counted on the actual side alone it would read as a difference the
// version makes.
func PreviewPlan(ctx context.Context, db *storage.DB, partnerID int64, pv *partnerka.PlanVersion, from, to time.Time) (*storage.PlanPreview, error) {
	out := &storage.PlanPreview{From: from, To: to}
	earnedAll, countAll, err := db.EarnedBetween(ctx, partnerID, from, to)
	if err != nil {
		return nil, err
	}
	pays, err := db.PreviewPayments(ctx, partnerID, from, to)
	if err != nil {
		return nil, err
	}
	leads, err := db.PreviewLeads(ctx, partnerID, from, to)
	if err != nil {
		return nil, err
	}
	volume := map[string]decimal.Decimal{}
	// The engine's volume cache reads tier volumes exactly as reconciling does.
	e := &engine{db: db, volumes: map[time.Time]map[int64][]partnerka.Money{}}
	err = db.InCommissionTx(ctx, func(tx *storage.CommissionTx) error {
		for _, p := range pays {
			base := partnerka.Money{Amount: p.Amount, Currency: p.Currency}
			if p.Level == 1 {
				volume[p.Currency] = volume[p.Currency].Add(p.Amount)
			}
			vol, err := e.volume(ctx, tx, partnerID, p.OccurredAt)
			if err != nil {
				return err
			}
			item := storage.PreviewItem{At: p.OccurredAt, Event: partnerka.EventSale, Level: p.Level, Base: &base,
				Actual: earned(p.Earned, p.EarnedCurrency)}
			pay := Payment{Amount: base, Product: p.Product, Index: p.PaymentIndex, BoundAt: p.BoundAt, OccurredAt: p.OccurredAt}
			if earn, ok := EarnSale(pv, p.Level, pay, vol); ok {
				item.Preview, item.Explanation = &earn.Amount, earn.Explanation
			}
			out.Items = append(out.Items, item)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, l := range leads {
		item := storage.PreviewItem{At: l.BoundAt, Event: partnerka.EventLead, Level: l.Level, Actual: earned(l.Earned, l.EarnedCurrency)}
		if earn, ok := EarnLead(pv, l.Level); ok {
			item.Preview, item.Explanation = &earn.Amount, earn.Explanation
		}
		if item.Preview != nil || item.Actual != nil {
			out.Items = append(out.Items, item)
		}
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return out.Items[i].At.Before(out.Items[j].At) })

	// Commissions are stored, and earnings computed, rounded to the
	// currency's minor units: these sums are the sums of what the rows show.
	actual, preview, replayed := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]int{}
	for _, it := range out.Items {
		if it.Actual != nil {
			actual[it.Actual.Currency] = actual[it.Actual.Currency].Add(it.Actual.Amount)
			replayed[it.Actual.Currency]++
		}
		if it.Preview != nil {
			preview[it.Preview.Currency] = preview[it.Preview.Currency].Add(it.Preview.Amount)
		}
	}
	currencies := map[string]bool{}
	for _, m := range []map[string]decimal.Decimal{actual, preview, volume} {
		for c := range m {
			currencies[c] = true
		}
	}
	for c := range currencies {
		out.Lines = append(out.Lines, storage.PreviewLine{Currency: c, Volume: volume[c], Actual: actual[c], Preview: preview[c]})
	}
	for c, sum := range earnedAll {
		if n := countAll[c] - replayed[c]; n != 0 {
			out.Outside = append(out.Outside, storage.PreviewOutside{Currency: c, Amount: sum.Sub(actual[c]), Count: n})
		}
	}
	sort.Slice(out.Lines, func(i, j int) bool { return out.Lines[i].Currency < out.Lines[j].Currency })
	sort.Slice(out.Outside, func(i, j int) bool { return out.Outside[i].Currency < out.Outside[j].Currency })
	return out, nil
}

func earned(amount decimal.NullDecimal, currency *string) *partnerka.Money {
	if !amount.Valid || currency == nil {
		return nil
	}
	return &partnerka.Money{Amount: amount.Decimal, Currency: *currency}
}
