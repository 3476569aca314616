package web

import (
	"context"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// BalanceView is one currency's balance, formatted, bucket by bucket: a
// row of the one balances table (rows = currency).
type BalanceView struct {
	Currency                           string
	Pending, Available, Reserved, Paid string
	OnHold                             bool   // something is pending: only such a row has a next release
	NextRelease                        string // when its next pending money becomes available (BalanceRows), "" when none is due
	owed                               decimal.Decimal
}

// BalanceTable turns ledger balances into one row per currency, in
// currency order, every bucket shown (zero when it has no entries).
func BalanceTable(bs []storage.Balance, locale string) []*BalanceView {
	by := map[string]*BalanceView{}
	var out []*BalanceView
	for _, b := range bs {
		v := by[b.Currency]
		if v == nil {
			zero := FormatMoney(partnerka.Money{Currency: b.Currency}, locale)
			v = &BalanceView{Currency: b.Currency, Pending: zero, Available: zero, Reserved: zero, Paid: zero}
			by[b.Currency] = v
			out = append(out, v)
		}
		f := FormatMoney(partnerka.Money{Amount: b.Amount, Currency: b.Currency}, locale)
		switch b.Bucket {
		case "pending":
			v.Pending, v.OnHold = f, b.Amount.IsPositive()
		case "available":
			v.Available = f
		case "reserved":
			v.Reserved = f
		case "paid":
			v.Paid = f
		}
		if b.Bucket != "paid" {
			v.owed = v.owed.Add(b.Amount)
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Currency < out[k].Currency })
	return out
}

// BalanceRows is BalanceTable as a partner reads it: the program's main
// currency first, then the others by what they hold or are owed
// (pending, available and requested; largest first), each with the day
// its next pending money is released (next, by currency, shown in loc)
// on the rows that have something on hold.
func BalanceRows(bs []storage.Balance, main string, next map[string]time.Time, loc *time.Location, locale string) []*BalanceView {
	out := BalanceTable(bs, locale)
	sort.SliceStable(out, func(i, k int) bool {
		a, b := out[i], out[k]
		if (a.Currency == main) != (b.Currency == main) {
			return a.Currency == main
		}
		return a.owed.GreaterThan(b.owed)
	})
	for _, v := range out {
		if at, ok := next[v.Currency]; ok && v.OnHold {
			v.NextRelease = FormatDate(at.In(loc), locale)
		}
	}
	return out
}

// Tier returns the tier badge of the partner's current plan, or nil when
// the plan has no tiers, read on db (the primary, or the replica of a
// ReadOnly page: Read).
func (s *Site) Tier(ctx context.Context, db *storage.DB, partnerID int64, locale string) (*TierView, error) {
	now := s.Now()
	contract, err := db.ContractAt(ctx, partnerID, now)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	pv, err := s.PlanVersion(ctx, contract.PlanVersionID)
	if err != nil || pv == nil {
		return nil, err
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC) // tiers use calendar months in UTC

	// A volume not read is an error, not a badge with no progress.
	var volumeErr error
	volume := func(from, to time.Time) func(string) decimal.Decimal {
		return func(cur string) decimal.Decimal {
			v, err := db.PartnerVolume(ctx, partnerID, from, to, cur)
			if err != nil && volumeErr == nil {
				volumeErr = err
			}
			return v
		}
	}
	tv := TierProgress(pv, volume(month.AddDate(0, -1, 0), month), volume(month, month.AddDate(0, 1, 0)), locale)
	if volumeErr != nil {
		return nil, volumeErr
	}
	return tv, nil
}
