package storage

import (
	"context"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"
)

// VerifyPayment is a payment with the evidence the rules weigh.
type VerifyPayment struct {
	ID           int64           `db:"id"`
	ExternalID   string          `db:"external_id"`
	CustomerID   int64           `db:"customer_id"`
	Customer     string          `db:"customer"`
	Amount       decimal.Decimal `db:"amount"`
	Currency     string          `db:"currency"`
	Product      string          `db:"product"`
	OccurredAt   time.Time       `db:"occurred_at"`
	ReceivedAt   time.Time       `db:"received_at"`
	PartnerID    *int64          `db:"partner_id"` // the binding in force when it was paid; nil: none
	BoundAt      *time.Time      `db:"bound_at"`
	PaymentIndex int             `db:"payment_index"` // 1: the first payment under that binding
	Refunded     decimal.Decimal `db:"refunded"`
	Unsettled    bool            `db:"unsettled"` // still waiting for the reconciler
}

// VerifyVolume is a partner's paid volume of one month in one currency,
// net of refunds: of the payments and refunds received until the month's
// volume was final (LateAt nil), or one received after, at LateAt.
type VerifyVolume struct {
	PartnerID int64           `db:"partner_id"`
	Month     time.Time       `db:"month"`
	Currency  string          `db:"currency"`
	LateAt    *time.Time      `db:"late_at"`
	Volume    decimal.Decimal `db:"volume"`
}

// VerifyCustomer is a customer and its current binding.
type VerifyCustomer struct {
	ID         int64      `db:"id"`
	ExternalID string     `db:"external_id"`
	PartnerID  *int64     `db:"partner_id"`
	BoundAt    *time.Time `db:"bound_at"`
	LeadPaid   bool       `db:"lead_paid"`
	Reassigned bool       `db:"reassigned"`
}

// StoredCommission is a commission as stored.
type StoredCommission struct {
	ID         int64           `db:"id"`
	PurchaseID int64           `db:"purchase_id"` // 0 for a lead commission
	CustomerID int64           `db:"customer_id"`
	Event      string          `db:"event"`
	PartnerID  int64           `db:"partner_id"`
	Level      int             `db:"level"`
	Amount     decimal.Decimal `db:"amount"`         // as first rated
	Rerated    decimal.Decimal `db:"rerated_amount"` // what re-rates added
	Reversed   decimal.Decimal `db:"reversed_amount"`
	Currency   string          `db:"currency"`
	Rejected   bool            `db:"rejected"`
	CreatedAt  time.Time       `db:"created_at"` // when it was first rated
}

// VerifyEvidence is what verify recomputes commissions from: payments,
// refunds, bindings and volumes, and the commissions stored for them.
type VerifyEvidence struct {
	Payments    []VerifyPayment
	Volumes     []VerifyVolume
	Customers   []VerifyCustomer
	Commissions []StoredCommission
	DueMonths   []TierMonth // partner months still to be re-rated
}

// LoadVerifyEvidence reads the evidence of sample customers drawn at
// random (every customer when sample is 0). Volumes are always the whole
// program's: a tier depends on every customer of the partner.
func (db *DB) LoadVerifyEvidence(ctx context.Context, sample, holdDays int) (*VerifyEvidence, error) {
	var ids any // NULL: every customer
	if sample > 0 {
		var sampled []int64
		if err := db.Q.VerifySampleCustomers.SelectContext(ctx, &sampled, sample); err != nil {
			return nil, err
		}
		ids = pq.Array(sampled)
	}
	var ev VerifyEvidence
	if err := db.Q.VerifyPayments.SelectContext(ctx, &ev.Payments, ids); err != nil {
		return nil, err
	}
	if err := db.Q.VerifyMonthVolumes.SelectContext(ctx, &ev.Volumes, holdDays); err != nil {
		return nil, err
	}
	if err := db.Q.VerifyTierMonthsDue.SelectContext(ctx, &ev.DueMonths); err != nil {
		return nil, err
	}
	if err := db.Q.VerifyCustomers.SelectContext(ctx, &ev.Customers, ids); err != nil {
		return nil, err
	}
	if err := db.Q.VerifyStoredCommissions.SelectContext(ctx, &ev.Commissions, ids); err != nil {
		return nil, err
	}
	return &ev, nil
}
