package tracker

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"partnerka"
	"partnerka/storage"
)

type LeadInput struct {
	CustomerID       string `json:"customer_id"`
	ClickID          string `json:"click_id"`
	PromoCode        string `json:"promo_code"`
	PartnerRef       string `json:"partner_ref"`
	Email            string `json:"email"`
	Name             string `json:"name"`
	ExistingCustomer bool   `json:"existing_customer"`
	OccurredAt       string `json:"occurred_at"`
}

// createLead is POST /api/v1/leads: it validates the lead, appends it to
// the lead stream and answers 202 with its id. The reconciler decides the
// binding; GET /api/v1/customers/{id} shows it.
func (s *Server) createLead(c *fiber.Ctx) error {
	var in LeadInput
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	id, err := s.RecordLead(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"lead_id": id})
}

// RecordLead validates a lead as the API does and appends it to the lead
// stream, returning its id; unavailable when the stream cannot be written.
func (s *Server) RecordLead(ctx context.Context, in LeadInput) (string, error) {
	if err := checkText("customer_id", in.CustomerID, 256, true); err != nil {
		return "", err
	}
	if err := checkText("name", in.Name, 200, false); err != nil {
		return "", err
	}
	email := partnerka.NormalizeEmail(in.Email)
	if email != "" && (len(email) > 254 || strings.Count(email, "@") != 1 || strings.HasPrefix(email, "@") || strings.HasSuffix(email, "@")) {
		return "", partnerka.FieldError("email", "email must be an address such as name@example.com")
	}
	if in.PromoCode != "" && !partnerka.ValidPromoCode(in.PromoCode) {
		return "", partnerka.FieldError("promo_code", "promo_code must be 2 to 64 letters, digits, - or _")
	}
	if in.PartnerRef != "" && !partnerka.ValidPromoCode(in.PartnerRef) {
		return "", partnerka.FieldError("partner_ref", "partner_ref must be 2 to 64 letters, digits, - or _")
	}
	click, err := parseClickParam(in.ClickID)
	if err != nil {
		return "", err
	}
	now := s.Now()
	at, err := parseOccurredAt(in.OccurredAt, now)
	if err != nil {
		return "", err
	}
	lead := partnerka.Lead{ID: partnerka.NewClickID(now).UUID(), CustomerID: in.CustomerID, ClickID: click,
		PromoCode: in.PromoCode, PartnerRef: strings.ToLower(in.PartnerRef), Email: email, Name: in.Name,
		ExistingCustomer: in.ExistingCustomer, OccurredAt: at, ReceivedAt: now}
	payload, err := json.Marshal(lead)
	if err != nil {
		return "", err
	}
	err = s.Redis.XAdd(ctx, &redis.XAddArgs{Stream: s.Redis.Key(storage.LeadStream), Values: []any{"lead", payload}}).Err()
	if err != nil {
		s.Logger.Error("lead stream write failed", "err", err)
		return "", partnerka.Errorf(partnerka.EUNAVAILABLE, "the lead could not be recorded; retry later")
	}
	return lead.ID, nil
}

// getCustomer is GET /api/v1/customers/{customer_id}: the binding (partner,
// source, reason, time) and every decision taken about the customer.
func (s *Server) getCustomer(c *fiber.Ctx) error {
	id, err := unescapeParam(c.Params("customer_id"))
	if err != nil {
		return partnerka.FieldError("customer_id", "customer_id is not a valid path segment")
	}
	b, err := s.DB.CustomerBinding(c.UserContext(), id)
	if err != nil {
		return err
	}
	if cid, err := partnerka.ParseClickUUID(b.ClickID); err == nil {
		b.ClickID = cid.String() // the form the tracker handed out as pk_click
	}
	return c.JSON(b)
}
