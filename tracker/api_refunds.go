package tracker

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

type RefundInput struct {
	ID         string `json:"id"`
	PurchaseID string `json:"purchase_id"`
	Amount     string `json:"amount"`
	OccurredAt string `json:"occurred_at"`
}

// createRefund is POST /api/v1/refunds, with the idempotency rules of
// purchases; a refund never exceeds what is left of its purchase (422).
func (s *Server) createRefund(c *fiber.Ctx) error {
	var in RefundInput
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	stored, created, err := s.RecordRefund(c.UserContext(), in)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	n, _ := partnerka.MinorUnits(stored.Amount.Currency)
	return c.Status(status).JSON(fiber.Map{
		"id": stored.ExternalID, "purchase_id": stored.PurchaseExternalID,
		"amount": stored.Amount.Amount.StringFixed(n), "currency": stored.Amount.Currency,
		"occurred_at": stored.OccurredAt, "received_at": stored.ReceivedAt,
	})
}

// RecordRefund validates and stores a refund as the API does (the
// purchase must exist: not_found otherwise; more than is left of it is
// unprocessable); created is false on an identical repeat.
func (s *Server) RecordRefund(ctx context.Context, in RefundInput) (*partnerka.Refund, bool, error) {
	if err := checkText("id", in.ID, 256, true); err != nil {
		return nil, false, err
	}
	if err := checkText("purchase_id", in.PurchaseID, 256, true); err != nil {
		return nil, false, err
	}
	if in.Amount == "" {
		return nil, false, partnerka.FieldError("amount", `amount is required, as a string such as "123.45"`)
	}
	// The currency is the purchase's; parse with the widest precision here
	// and let storage check the purchase currency's minor units.
	if err := partnerka.CheckAmountSize("amount", in.Amount); err != nil {
		return nil, false, err
	}
	m, err := partnerka.ParseAmount("amount", in.Amount, "BHD")
	if err != nil {
		return nil, false, partnerka.FieldError("amount", `amount must be a decimal string such as "123.45"`)
	}
	if !m.Amount.IsPositive() {
		return nil, false, partnerka.FieldError("amount", "amount must be greater than zero")
	}
	now := s.Now()
	at, err := parseOccurredAt(in.OccurredAt, now)
	if err != nil {
		return nil, false, err
	}
	occurred := ""
	if in.OccurredAt != "" {
		occurred = at.Format(time.RFC3339Nano)
	}
	hash := bodyHash("refund.v1", in.ID, in.PurchaseID, m.Amount.String(), occurred)
	r := &partnerka.Refund{ExternalID: in.ID, PurchaseExternalID: in.PurchaseID, OccurredAt: at}
	return s.DB.CreateRefund(ctx, r, m.Amount, hash)
}
