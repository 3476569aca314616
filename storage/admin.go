package storage

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"partnerka"
)

// Actor is the staff member behind a back-office action, as the audit log
// records them.
type Actor struct {
	UserID int64
	IP     string
}

// Queues counts what waits for the program's team.
type Queues struct {
	Applications     int64 `db:"applications"`
	Registrations    int64 `db:"registrations"`
	PayoutRequests   int64 `db:"payout_requests"`
	ApprovedPayouts  int64 `db:"approved_payouts"`
	RequestedAmounts []partnerka.Money
}

// Queues returns the back office's queue counts and the requested payout
// amounts per currency.
func (db *DB) Queues(ctx context.Context) (Queues, error) {
	var q Queues
	if err := db.Q.AdminQueues.GetContext(ctx, &q); err != nil {
		return q, err
	}
	var rows []struct {
		Currency string          `db:"currency"`
		Amount   decimal.Decimal `db:"amount"`
	}
	if err := db.Q.RequestedPayoutSums.SelectContext(ctx, &rows); err != nil {
		return q, err
	}
	for _, r := range rows {
		q.RequestedAmounts = append(q.RequestedAmounts, partnerka.Money{Amount: r.Amount, Currency: r.Currency})
	}
	return q, nil
}

// AdminQueries are the back office's queries (queries/admin.sql).
type AdminQueries struct {
	AdminQueues         *sqlx.Stmt `query:"admin-queues"`
	RequestedPayoutSums *sqlx.Stmt `query:"requested-payout-sums"`
}
