package storage

import (
	"context"

	"github.com/jmoiron/sqlx"
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
// the balances the ledger keeps in partner_balances; it also reports
// commissions and entries whose references do not resolve.
func (db *DB) VerifyBalances(ctx context.Context) ([]BalanceMismatch, error) {
	var out []BalanceMismatch
	for _, q := range []*sqlx.Stmt{db.Q.VerifyBalances, db.Q.VerifyCachedBalances, db.Q.VerifyReferences} {
		var bad []BalanceMismatch
		if err := q.SelectContext(ctx, &bad); err != nil {
			return nil, err
		}
		out = append(out, bad...)
	}
	return out, nil
}
