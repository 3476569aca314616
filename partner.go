package partnerka

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Partner statuses.
const (
	PartnerApplied   = "applied"
	PartnerActive    = "active"
	PartnerSuspended = "suspended"
	PartnerRejected  = "rejected"
)

// Partner is a company or a person who brings customers.
type Partner struct {
	ID            int64      `db:"id" json:"id"`
	Ref           string     `db:"ref" json:"ref"`
	Name          string     `db:"name" json:"name"`
	Kind          string     `db:"kind" json:"kind"`
	Status        string     `db:"status" json:"status"`
	PartnerTypeID *int64     `db:"partner_type_id" json:"partner_type_id,omitempty"`
	RecruiterID   *int64     `db:"recruiter_id" json:"recruiter_id,omitempty"`
	ContactName   string     `db:"contact_name" json:"contact_name"`
	ContactEmail  string     `db:"contact_email" json:"contact_email"`
	Website       string     `db:"website" json:"website"`
	Promotion     string     `db:"promotion" json:"promotion"`
	CertifiedAt   *time.Time `db:"certified_at" json:"certified_at,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
}

// Link is a partner's referral link: /r/{Code} redirects to Destination.
type Link struct {
	ID          int64      `db:"id" json:"id"`
	PartnerID   int64      `db:"partner_id" json:"partner_id"`
	Code        string     `db:"code" json:"code"`
	Destination string     `db:"destination_url" json:"destination_url"`
	SubID       string     `db:"sub_id" json:"sub_id"`
	Label       string     `db:"label" json:"label"`
	IsDefault   bool       `db:"is_default" json:"is_default"`
	DisabledAt  *time.Time `db:"disabled_at" json:"disabled_at,omitempty"`
}

// Promo code statuses. A requested code is a partner's vanity code waiting
// for staff; a rejected one stays reserved for that partner.
const (
	PromoActive    = "active"
	PromoDisabled  = "disabled"
	PromoRequested = "requested"
	PromoRejected  = "rejected"
)

// PromoCode is a code a customer types at the vendor's checkout; it binds
// the customer to the code's partner. It is unique ignoring case across the
// program, and never leaves its partner.
type PromoCode struct {
	ID          int64      `db:"id" json:"id"`
	PartnerID   int64      `db:"partner_id" json:"partner_id"`
	PartnerRef  string     `db:"partner_ref" json:"partner_ref"`
	PartnerName string     `db:"partner_name" json:"-"`
	Code        string     `db:"code" json:"code"`
	Status      string     `db:"status" json:"status"`
	Label       string     `db:"label" json:"label"`
	Discount    string     `db:"discount" json:"discount"` // what the customer gets, as the partner tells it
	ValidFrom   *time.Time `db:"valid_from" json:"valid_from"`
	ValidUntil  *time.Time `db:"valid_until" json:"valid_until"` // exclusive
	MaxUses     *int       `db:"max_uses" json:"max_uses"`       // customers it may bind; nil is no cap
	Uses        int        `db:"uses" json:"uses"`               // customers it has bound
	Note        string     `db:"note" json:"note,omitempty"`     // the partner's word on a request
	Reason      string     `db:"reason" json:"reason,omitempty"` // staff's reason to disable or refuse
	DisabledAt  *time.Time `db:"disabled_at" json:"disabled_at,omitempty"`
	CreatedAt   time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at" json:"updated_at"`
}

// PromoTerms are what staff set on a code besides the code itself.
type PromoTerms struct {
	Label      string
	Discount   string
	ValidFrom  *time.Time
	ValidUntil *time.Time
	MaxUses    *int
}

// Limits of a promo code's terms.
const (
	MaxPromoLabel    = 100
	MaxPromoDiscount = 200
	MaxPromoNote     = 500
	MaxPromoBatch    = 1000 // codes generated at once
)

// Validate checks the terms: short texts without control characters, a
// period that ends after it starts, a positive cap.
func (t PromoTerms) Validate() error {
	if err := PlainText("label", t.Label, MaxPromoLabel); err != nil {
		return err
	}
	if err := PlainText("discount", t.Discount, MaxPromoDiscount); err != nil {
		return err
	}
	if t.ValidFrom != nil && t.ValidUntil != nil && !t.ValidUntil.After(*t.ValidFrom) {
		return FieldError("valid_until", "valid_until must be after valid_from")
	}
	if t.MaxUses != nil && *t.MaxUses <= 0 {
		return FieldError("max_uses", "max_uses must be a positive number of customers")
	}
	return nil
}

// ValidAt says whether a code with these terms may bind a customer whose
// lead happened at: inside the period and under the cap (uses so far).
// The reason names what failed, for the attribution decision.
func (p *PromoCode) ValidAt(at time.Time) (bool, string) {
	switch {
	case p.ValidFrom != nil && at.Before(*p.ValidFrom):
		return false, "valid from " + p.ValidFrom.UTC().Format(time.RFC3339)
	case p.ValidUntil != nil && !at.Before(*p.ValidUntil):
		return false, "valid until " + p.ValidUntil.UTC().Format(time.RFC3339)
	case p.MaxUses != nil && p.Uses >= *p.MaxUses:
		return false, "used by " + strconv.Itoa(p.Uses) + " customers, its cap"
	}
	return true, ""
}

// PlainText checks a short free text: at most max bytes of valid UTF-8,
// no control characters.
func PlainText(field, s string, max int) error {
	if len(s) > max {
		return FieldError(field, "%s is longer than %d characters", field, max)
	}
	if !utf8.ValidString(s) {
		return FieldError(field, "%s is not valid UTF-8", field)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return FieldError(field, "%s contains control characters", field)
		}
	}
	return nil
}
