package tracker

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

type refundInput struct {
	ID         string `json:"id"`
	PurchaseID string `json:"purchase_id"`
	Amount     string `json:"amount"`
	OccurredAt string `json:"occurred_at"`
}

// createRefund is POST /api/v1/refunds, with the idempotency rules of
// purchases; a refund never exceeds what is left of its purchase (422).
func (s *Server) createRefund(c *fiber.Ctx) error {
	var in refundInput
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	if err := checkText("id", in.ID, 256, true); err != nil {
		return err
	}
	if err := checkText("purchase_id", in.PurchaseID, 256, true); err != nil {
		return err
	}
	if in.Amount == "" {
		return partnerka.FieldError("amount", `amount is required, as a string such as "123.45"`)
	}
	// The currency is the purchase's; parse with the widest precision here
	// and let storage check the purchase currency's minor units.
	if err := partnerka.CheckAmountSize("amount", in.Amount); err != nil {
		return err
	}
	m, err := partnerka.ParseAmount("amount", in.Amount, "BHD")
	if err != nil {
		return partnerka.FieldError("amount", `amount must be a decimal string such as "123.45"`)
	}
	if !m.Amount.IsPositive() {
		return partnerka.FieldError("amount", "amount must be greater than zero")
	}
	now := s.Now()
	at, err := parseOccurredAt(in.OccurredAt, now)
	if err != nil {
		return err
	}
	occurred := ""
	if in.OccurredAt != "" {
		occurred = at.Format(time.RFC3339Nano)
	}
	hash := bodyHash("refund.v1", in.ID, in.PurchaseID, m.Amount.String(), occurred)
	r := &partnerka.Refund{ExternalID: in.ID, PurchaseExternalID: in.PurchaseID, OccurredAt: at}
	stored, created, err := s.DB.CreateRefund(c.UserContext(), r, m.Amount, hash)
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
