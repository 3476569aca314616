package partnerka

import "time"

// Purchase is a payment the vendor reported. ExternalID is the vendor's id,
// the key of idempotency.
type Purchase struct {
	ExternalID string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	Amount     Money     `json:"-"`
	Product    string    `json:"product"`
	PromoCode  string    `json:"promo_code"`
	ClickID    string    `json:"click_id"` // UUID text, "" when none
	OccurredAt time.Time `json:"occurred_at"`
	ReceivedAt time.Time `json:"received_at"`
}

// Refund returns part or all of a purchase.
type Refund struct {
	ExternalID         string    `json:"id"`
	PurchaseExternalID string    `json:"purchase_id"`
	Amount             Money     `json:"-"`
	OccurredAt         time.Time `json:"occurred_at"`
	ReceivedAt         time.Time `json:"received_at"`
}
