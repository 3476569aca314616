package storage

import (
	"context"

	"github.com/shopspring/decimal"
)

// BalanceMismatch is one figure where the ledger and its sources disagree.
type BalanceMismatch struct {
	PartnerID int64           `db:"partner_id"`
	Currency  string          `db:"currency"`
	Check     string          `db:"check_name"`
	Ledger    decimal.Decimal `db:"ledger"`
	Expected  decimal.Decimal `db:"expected"`
}

// VerifyBalances recomputes every partner's balances from ledger entries and
// compares them with what commissions, reversals and payouts imply, and with
// the balances the ledger keeps in partner_balances.
func (db *DB) VerifyBalances(ctx context.Context) ([]BalanceMismatch, error) {
	var out, cached []BalanceMismatch
	if err := db.Q.VerifyBalances.SelectContext(ctx, &out); err != nil {
		return nil, err
	}
	err := db.Q.VerifyCachedBalances.SelectContext(ctx, &cached)
	return append(out, cached...), err
}
