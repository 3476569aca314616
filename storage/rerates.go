package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"
)

// MarkTierMonths queues the partner months whose tiers reconciled payments
// or refunds may have changed (see tier_months_due). refundIDs runs
// parallel to purchaseIDs, 0 where the cause is the payment itself; nil
// means every cause is a payment.
func (t *CommissionTx) MarkTierMonths(ctx context.Context, purchaseIDs, refundIDs []int64, holdDays int) error {
	if len(purchaseIDs) == 0 {
		return nil
	}
	if refundIDs == nil {
		refundIDs = make([]int64, len(purchaseIDs))
	}
	_, err := t.tx.Stmtx(t.q.MarkTierMonths).ExecContext(ctx, pq.Array(purchaseIDs), pq.Array(refundIDs), holdDays)
	return err
}

// TierMonth is a queued partner month and the payment or refund that
// queued it first.
type TierMonth struct {
	PartnerID      int64           `db:"partner_id"`
	Month          time.Time       `db:"month"` // first instant (UTC) of the month whose payments are rated
	CausePurchase  int64           `db:"cause_purchase_id"`
	CauseRefund    int64           `db:"cause_refund_id"` // 0: the payment itself
	Purchase       string          `db:"purchase"`        // the vendor's ids, to name the cause
	PurchaseAmount decimal.Decimal `db:"purchase_amount"`
	Currency       string          `db:"currency"`
	PurchaseAt     time.Time       `db:"purchase_at"`
	Refund         string          `db:"refund"`
	RefundAmount   decimal.Decimal `db:"refund_amount"`
}

// TierMonthsDue takes up to limit queued partner months off the queue.
func (t *CommissionTx) TierMonthsDue(ctx context.Context, limit int) ([]TierMonth, error) {
	var out []TierMonth
	err := t.tx.Stmtx(t.q.TierMonthsDue).SelectContext(ctx, &out, limit)
	return out, err
}

// RerateCandidate is a percent sale commission of a queued partner month.
type RerateCandidate struct {
	ID             int64           `db:"id"`
	PartnerID      int64           `db:"partner_id"`
	PlanVersionID  int64           `db:"plan_version_id"`
	RuleID         int64           `db:"rule_id"`
	Level          int             `db:"level"`
	Base           decimal.Decimal `db:"base_amount"`
	Amount         decimal.Decimal `db:"amount"`          // as first rated
	Rerated        decimal.Decimal `db:"rerated_amount"`  // what re-rates added so far
	Reversed       decimal.Decimal `db:"reversed_amount"` // what refunds take back now
	Currency       string          `db:"currency"`
	Percent        decimal.Decimal `db:"percent"` // the rate it has now
	EarnedAt       time.Time       `db:"earned_at"`
	Month          time.Time       `db:"month"`
	PurchaseAmount decimal.Decimal `db:"purchase_amount"`
	Refunded       decimal.Decimal `db:"refunded"` // reconciled refunds of its payment
}

// CommissionsToRerate locks and returns the commissions the months'
// volumes may re-rate.
func (t *CommissionTx) CommissionsToRerate(ctx context.Context, months []TierMonth, holdDays int) ([]RerateCandidate, error) {
	partners, starts := make([]int64, len(months)), make([]time.Time, len(months))
	for i, m := range months {
		partners[i], starts[i] = m.PartnerID, m.Month
	}
	var out []RerateCandidate
	err := t.tx.Stmtx(t.q.CommissionsToRerate).SelectContext(ctx, &out, pq.Array(partners), pq.Array(starts), holdDays)
	return out, err
}

// RerateRow is one re-rate of a commission.
type RerateRow struct {
	CommissionID   int64
	Percent        decimal.Decimal
	Tier           decimal.NullDecimal // the tier's minimum volume; null: the base percent
	Unrounded      decimal.Decimal
	Amount         decimal.Decimal // the commission as re-rated
	AmountChange   decimal.Decimal
	ReversedChange decimal.Decimal
	Currency       string
	CausePurchase  int64
	CauseRefund    int64
	Explanation    string
}

// InsertRerates records re-rates with their ledger entries, dated by the
// transaction's clock. The caller holds the commissions' row locks.
func (t *CommissionTx) InsertRerates(ctx context.Context, rows []RerateRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	ids, causes, refunds := make([]int64, n), make([]int64, n), make([]int64, n)
	pct, unr, amt, ach, rch := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	tier := make([]sql.NullString, n)
	cur, expl := make([]string, n), make([]string, n)
	for i, r := range rows {
		ids[i], causes[i], refunds[i] = r.CommissionID, r.CausePurchase, r.CauseRefund
		pct[i], unr[i], amt[i] = r.Percent.String(), r.Unrounded.String(), r.Amount.String()
		ach[i], rch[i] = r.AmountChange.String(), r.ReversedChange.String()
		if r.Tier.Valid {
			tier[i] = sql.NullString{String: r.Tier.Decimal.String(), Valid: true}
		}
		cur[i], expl[i] = r.Currency, r.Explanation
	}
	_, err := t.tx.Stmtx(t.q.InsertRerates).ExecContext(ctx, pq.Array(ids), pq.Array(pct), pq.Array(tier), pq.Array(unr),
		pq.Array(amt), pq.Array(ach), pq.Array(rch), pq.Array(cur), pq.Array(causes), pq.Array(refunds), pq.Array(expl), t.now)
	return err
}
