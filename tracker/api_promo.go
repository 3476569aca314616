package tracker

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
)

// promoInput is the body of POST /api/v1/promo-codes.
type promoInput struct {
	PartnerRef string `json:"partner_ref"`
	Code       string `json:"code"`
	Prefix     string `json:"prefix"`
	Label      string `json:"label"`
	Discount   string `json:"discount"`
	ValidFrom  string `json:"valid_from"`
	ValidUntil string `json:"valid_until"`
	MaxUses    *int   `json:"max_uses"`
}

// apiActor is who the audit log names for a change through the API: the
// API key.
func apiActor(c *fiber.Ctx) storage.Actor {
	id, _ := c.Locals("api_key").(int64)
	return storage.Actor{Name: "api_key:" + strconv.FormatInt(id, 10), IP: c.IP()}
}

// createPromoCode is POST /api/v1/promo-codes: a code for an active
// partner, given or generated from a prefix, on the terms given. The same
// code sent again for the same partner on the same terms answers 200 with
// it (a retry); a code taken otherwise is 409.
func (s *Server) createPromoCode(c *fiber.Ctx) error {
	var in promoInput
	if err := decodeJSON(c.Body(), &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	terms, err := parsePromoTerms(in)
	if err != nil {
		return err
	}
	if in.Code != "" && in.Prefix != "" {
		return partnerka.FieldError("prefix", "give a code or a prefix to generate one from, not both")
	}
	if !partnerka.ValidPromoCode(in.PartnerRef) {
		return partnerka.FieldError("partner_ref", "partner_ref must be a partner's ref (2 to 64 letters, digits, - or _)")
	}
	p, err := s.DB.PartnerByRef(ctx, strings.ToLower(in.PartnerRef))
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return &partnerka.Error{Code: partnerka.EUNPROCESSABLE, Field: "partner_ref", Message: "no partner has the ref " + in.PartnerRef}
	} else if err != nil {
		return err
	}
	n := storage.NewPromoCodes{PartnerID: p.ID, Terms: terms, Actor: apiActor(c)}
	if in.Code != "" {
		n.Codes = []string{in.Code}
	} else {
		n.Prefix, n.Count = in.Prefix, 1
	}
	codes, err := s.DB.CreatePromoCodes(ctx, n)
	if partnerka.ErrorCode(err) == partnerka.ECONFLICT && partnerka.ErrorField(err) == "code" {
		if same, ok := s.samePromoCode(ctx, in.Code, p.ID, terms); ok {
			return c.JSON(same)
		}
	}
	if err != nil {
		return err
	}
	s.promoChanged(ctx, codes[0].Code)
	return c.Status(fiber.StatusCreated).JSON(codes[0])
}

// samePromoCode returns the stored code when it is the partner's, active,
// on the same terms: what a retry of the same request created.
func (s *Server) samePromoCode(ctx context.Context, code string, partnerID int64, t partnerka.PromoTerms) (*partnerka.PromoCode, bool) {
	pc, err := s.DB.PromoCodeByCode(ctx, code)
	if err != nil || pc.PartnerID != partnerID || pc.Status != partnerka.PromoActive || pc.Code != code ||
		pc.Label != t.Label || pc.Discount != t.Discount || !sameTime(pc.ValidFrom, t.ValidFrom) ||
		!sameTime(pc.ValidUntil, t.ValidUntil) || !sameInt(pc.MaxUses, t.MaxUses) {
		return nil, false
	}
	return pc, true
}

func sameTime(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
func sameInt(a, b *int) bool        { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func parsePromoTerms(in promoInput) (partnerka.PromoTerms, error) {
	t := partnerka.PromoTerms{Label: in.Label, Discount: in.Discount, MaxUses: in.MaxUses}
	for _, f := range []struct {
		name, raw string
		to        **time.Time
	}{{"valid_from", in.ValidFrom, &t.ValidFrom}, {"valid_until", in.ValidUntil, &t.ValidUntil}} {
		if f.raw == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, f.raw)
		if err != nil {
			return t, partnerka.FieldError(f.name, "%s must be an RFC 3339 time such as 2026-12-01T00:00:00Z", f.name)
		}
		at = at.UTC().Truncate(time.Microsecond)
		*f.to = &at
	}
	return t, t.Validate()
}

// listPromoCodes is GET /api/v1/promo-codes: codes newest first, of one
// partner (partner_ref) and status if asked, a page at a time
// (next_before is the cursor of the next page).
func (s *Server) listPromoCodes(c *fiber.Ctx) error {
	ctx := c.UserContext()
	f := storage.PromoFilter{Status: c.Query("status"), Limit: 100}
	switch f.Status {
	case "", partnerka.PromoActive, partnerka.PromoDisabled, partnerka.PromoRequested, partnerka.PromoRejected:
	default:
		return partnerka.FieldError("status", "status is active, disabled, requested or rejected")
	}
	if ref := c.Query("partner_ref"); ref != "" {
		p, err := s.DB.PartnerByRef(ctx, strings.ToLower(ref))
		if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
			return partnerka.FieldError("partner_ref", "no partner has the ref %s", ref)
		} else if err != nil {
			return err
		}
		f.PartnerID = p.ID
	}
	for _, q := range []struct {
		name string
		to   *int64
		max  int64
	}{{"before", &f.Before, 1 << 62}, {"limit", nil, 1000}} {
		raw := c.Query(q.name)
		if raw == "" {
			continue
		}
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 1 || n > q.max {
			return partnerka.FieldError(q.name, "%s must be a whole number from 1 to %d", q.name, q.max)
		}
		if q.to != nil {
			*q.to = n
		} else {
			f.Limit = int(n)
		}
	}
	codes, err := s.DB.PromoCodes(ctx, f)
	if err != nil {
		return err
	}
	out := fiber.Map{"promo_codes": codes, "next_before": nil}
	if codes == nil {
		out["promo_codes"] = []partnerka.PromoCode{}
	}
	if len(codes) == f.Limit {
		out["next_before"] = codes[len(codes)-1].ID
	}
	return c.JSON(out)
}

// promoCheck is what GET /api/v1/promo-codes/{code} answers: the code as
// the checkout needs it, and whether it binds a customer now.
type promoCheck struct {
	Code       string     `json:"code"`
	PartnerID  int64      `json:"partner_id"`
	PartnerRef string     `json:"partner_ref"`
	Status     string     `json:"status"`
	Label      string     `json:"label"`
	Discount   string     `json:"discount"`
	ValidFrom  *time.Time `json:"valid_from"`
	ValidUntil *time.Time `json:"valid_until"`
	MaxUses    *int       `json:"max_uses"`
	Uses       int        `json:"uses"`
	Valid      bool       `json:"valid"`
	Reason     string     `json:"reason,omitempty"` // why not valid now
}

// checkPromoCode is GET /api/v1/promo-codes/{code}: the vendor's checkout
// asks whether a code a customer typed is good, and what it gives. It is
// answered from the tracker's cache, which sees a change within a second.
func (s *Server) checkPromoCode(c *fiber.Ctx) error {
	code, err := unescapeParam(c.Params("code"))
	if err != nil || !partnerka.ValidPromoCode(code) {
		return partnerka.FieldError("code", "code must be 2 to 64 letters, digits, - or _")
	}
	p, ok := s.promos.Get(code)
	if !ok {
		return partnerka.Errorf(partnerka.ENOTFOUND, "no promo code %s", code)
	}
	out := promoCheck{Code: p.Code, PartnerID: p.PartnerID, PartnerRef: p.PartnerRef, Status: partnerka.PromoActive,
		Label: p.Label, Discount: p.Discount, ValidFrom: p.ValidFrom, ValidUntil: p.ValidUntil, MaxUses: p.MaxUses, Uses: p.Uses}
	now := s.Now()
	switch {
	case !p.Active:
		out.Status, out.Reason = partnerka.PromoDisabled, "disabled"
	case p.ValidFrom != nil && now.Before(*p.ValidFrom):
		out.Reason = "not_yet_valid"
	case p.ValidUntil != nil && !now.Before(*p.ValidUntil):
		out.Reason = "expired"
	case p.MaxUses != nil && p.Uses >= *p.MaxUses:
		out.Reason = "cap_reached"
	default:
		out.Valid = true
	}
	return c.JSON(out)
}

// disablePromoCode is DELETE /api/v1/promo-codes/{code}: the code stops
// binding customers (it is kept, and never given to anyone else). An
// already disabled code answers the same.
func (s *Server) disablePromoCode(c *fiber.Ctx) error {
	ctx := c.UserContext()
	code, err := unescapeParam(c.Params("code"))
	if err != nil || !partnerka.ValidPromoCode(code) {
		return partnerka.FieldError("code", "code must be 2 to 64 letters, digits, - or _")
	}
	reason := strings.TrimSpace(c.Query("reason"))
	if reason == "" {
		reason = "disabled by the vendor's billing"
	}
	pc, err := s.DB.PromoCodeByCode(ctx, code)
	if err != nil {
		return err
	}
	if pc.Status == partnerka.PromoDisabled {
		return c.JSON(pc)
	}
	pc, err = s.DB.ChangePromoCode(ctx, storage.PromoChange{ID: pc.ID, Status: partnerka.PromoDisabled, Reason: reason, Actor: apiActor(c)})
	if err != nil {
		return err
	}
	s.promoChanged(ctx, pc.Code)
	return c.JSON(pc)
}

// promoChanged applies a change this tracker made at once and tells the
// others.
func (s *Server) promoChanged(ctx context.Context, code string) {
	if p, err := s.DB.TrackerPromoCodeByCode(ctx, code); err == nil {
		s.promos.Put(*p)
	}
	if err := s.Redis.Announce(ctx, storage.PromoChanged(code)); err != nil {
		s.Logger.Warn("promo code change not published; trackers pick it up on their next sweep", "err", err)
	}
}
