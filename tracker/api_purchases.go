package tracker

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

// PurchaseInput is the body of POST /api/v1/purchases, a line of an
// import, and what a billing connector reports (RecordPurchase).
type PurchaseInput struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Amount     string `json:"amount"`
	Currency   string `json:"currency"`
	Product    string `json:"product"`
	PromoCode  string `json:"promo_code"`
	ClickID    string `json:"click_id"`
	OccurredAt string `json:"occurred_at"`
}

// purchaseJSON is how the API shows a stored purchase.
type purchaseJSON struct {
	ID         string    `json:"id"`
	CustomerID string    `json:"customer_id"`
	Amount     string    `json:"amount"`
	Currency   string    `json:"currency"`
	Product    string    `json:"product"`
	PromoCode  string    `json:"promo_code"`
	ClickID    string    `json:"click_id"`
	OccurredAt time.Time `json:"occurred_at"`
	ReceivedAt time.Time `json:"received_at"`
}

func toPurchaseJSON(p *partnerka.Purchase) purchaseJSON {
	n, _ := partnerka.MinorUnits(p.Amount.Currency)
	click := ""
	if id, err := partnerka.ParseClickUUID(p.ClickID); err == nil {
		click = id.String()
	}
	return purchaseJSON{ID: p.ExternalID, CustomerID: p.CustomerID, Amount: p.Amount.Amount.StringFixed(n),
		Currency: p.Amount.Currency, Product: p.Product, PromoCode: p.PromoCode, ClickID: click,
		OccurredAt: p.OccurredAt, ReceivedAt: p.ReceivedAt}
}

// validate checks a purchase and returns it with its idempotency hash.
func (in PurchaseInput) validate(now time.Time) (*partnerka.Purchase, []byte, error) {
	for _, f := range []struct {
		name, value string
		max         int
		required    bool
	}{
		{"id", in.ID, 256, true}, {"customer_id", in.CustomerID, 256, true}, {"product", in.Product, 128, false},
	} {
		if err := checkText(f.name, f.value, f.max, f.required); err != nil {
			return nil, nil, err
		}
	}
	if in.Currency == "" {
		return nil, nil, partnerka.FieldError("currency", "currency is required (an ISO 4217 code such as USD)")
	}
	if in.Amount == "" {
		return nil, nil, partnerka.FieldError("amount", `amount is required, as a string such as "123.45"`)
	}
	m, err := partnerka.ParseAmount("amount", in.Amount, in.Currency)
	if err != nil {
		return nil, nil, err
	}
	if !m.Amount.IsPositive() {
		return nil, nil, partnerka.FieldError("amount", "amount must be greater than zero; report returns as refunds")
	}
	if in.PromoCode != "" && !partnerka.ValidPromoCode(in.PromoCode) {
		return nil, nil, partnerka.FieldError("promo_code", "promo_code must be 2 to 64 letters, digits, - or _")
	}
	click, err := parseClickParam(in.ClickID)
	if err != nil {
		return nil, nil, err
	}
	at, err := parseOccurredAt(in.OccurredAt, now)
	if err != nil {
		return nil, nil, err
	}
	occurred := ""
	if in.OccurredAt != "" {
		occurred = at.Format(time.RFC3339Nano)
	}
	hash := bodyHash("purchase.v1", in.ID, in.CustomerID, m.Amount.String(), m.Currency, in.Product, in.PromoCode, click, occurred)
	return &partnerka.Purchase{ExternalID: in.ID, CustomerID: in.CustomerID, Amount: m, Product: in.Product,
		PromoCode: in.PromoCode, ClickID: click, OccurredAt: at}, hash, nil
}

// RecordPurchase validates and stores a purchase as the API does: created
// is false on an identical repeat; the same id with another body is a
// conflict.
func (s *Server) RecordPurchase(ctx context.Context, in PurchaseInput) (*partnerka.Purchase, bool, error) {
	p, hash, err := in.validate(s.Now())
	if err != nil {
		return nil, false, err
	}
	return s.DB.CreatePurchase(ctx, p, hash)
}

// createPurchase is POST /api/v1/purchases: 201 when stored, 200 with the
// stored record on an identical repeat, 409 on the same id with another body.
func (s *Server) createPurchase(c *fiber.Ctx) error {
	var in PurchaseInput
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	stored, created, err := s.RecordPurchase(c.UserContext(), in)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(toPurchaseJSON(stored))
}
