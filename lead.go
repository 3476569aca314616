package partnerka

import "time"

// Lead is a sign-up the vendor reported (or a purchase whose promo code or
// click id is offered as one). It claims at most one click, promo code and
// partner ref; attribution decides which, if any, binds the customer.
type Lead struct {
	ID               string    `json:"lead_id"` // UUID
	CustomerID       string    `json:"customer_id"`
	ClickID          string    `json:"click_id,omitempty"` // UUID text
	PromoCode        string    `json:"promo_code,omitempty"`
	PartnerRef       string    `json:"partner_ref,omitempty"`
	Email            string    `json:"email,omitempty"` // normalised
	Name             string    `json:"name,omitempty"`
	ExistingCustomer bool      `json:"existing_customer,omitempty"`
	OccurredAt       time.Time `json:"occurred_at"`
	ReceivedAt       time.Time `json:"received_at"`
	Source           string    `json:"source,omitempty"` // "api" (default) or "purchase"
}

// LeadRegistration is what a partner fills in to register a lead by hand.
type LeadRegistration struct {
	Company, ContactName, Email, Phone, Comment string
	// Website is the company's site or domain: a registration without an
	// email is matched by it (a lead's email at that domain).
	Website string
}

// RegistrationTaken is a lead registration refused because the prospect
// is someone else's: a customer already bound in the program (Until is
// zero), or protected until Until by another partner's registration of
// the same email (Domain is "") or company domain (Domain). It unwraps to
// the conflict error naming the field refused, so pages can say it in
// the reader's language with the date in their format.
type RegistrationTaken struct {
	Domain string
	Until  time.Time
	Err    *Error
}

func (e *RegistrationTaken) Error() string { return e.Err.Error() }

// Unwrap is the conflict error: ErrorCode, ErrorMessage and ErrorField
// read it.
func (e *RegistrationTaken) Unwrap() error { return e.Err }
