package commissions

import (
	"fmt"
	"time"
)

// Attribution sources and reasons, as stored in customers and
// attribution_decisions.
const (
	SourceClick        = "click"
	SourcePromoCode    = "promo_code"
	SourcePartnerRef   = "partner_ref"
	SourceRegistration = "registration"

	ReasonAttributed       = "attributed"
	ReasonExpiredClick     = "expired_click"
	ReasonUnknownCode      = "unknown_code"
	ReasonCodeNotValid     = "code_not_valid"
	ReasonPartnerInactive  = "partner_inactive"
	ReasonExistingCustomer = "existing_customer"
	ReasonSelfReferral     = "self_referral"
	ReasonAlreadyBound     = "already_bound"
	ReasonNoEvidence       = "no_evidence"
)

// ClickSkew is how far after a lead's occurred_at a click may be and still
// count: vendors often report seconds while clicks carry milliseconds, so a
// click in the same second as the sign-up attributes.
const ClickSkew = time.Second

// Click is a recorded click as attribution sees it.
type Click struct {
	ID            string // UUID text
	PartnerID     int64
	LinkID        int64
	At            time.Time
	Attributable  bool // not a bot, prefetch or HEAD
	PartnerActive bool
}

// Candidate is one claim a lead makes (a registration that matches it, a
// promo code, a click, a partner ref) with what storage found behind it.
type Candidate struct {
	Source        string
	Claim         string // what the lead said: the code, ref or click id
	Found         bool
	PartnerID     int64
	PartnerActive bool

	Clicks         []Click // for a click: the click, then earlier ones its cookie chain named
	PromoCodeID    int64
	NotValid       string // for a promo code: why it could not bind at the lead's instant (its period or cap)
	RegistrationID int64
}

// AttributionInput is everything a decision depends on.
type AttributionInput struct {
	OccurredAt        time.Time
	Email             string // normalised
	ExistingCustomer  bool   // the vendor says the customer predates any partner
	BoundPartnerID    int64  // the customer's partner, if bound
	BoundAt           time.Time
	KnownExisting     bool // the customer was recorded before as existing
	Candidates        []Candidate
	Window            time.Duration
	FirstClick        bool // attribution model first_click (default last_click)
	AllowSelfReferral bool
	PartnerEmails     map[int64][]string // each candidate partner's own emails (users', contact)
	// SelfReferred are the partners the customer was refused to as a
	// self-referral before: no later claim binds them either.
	SelfReferred map[int64]bool
}

// Decision is the outcome, with the evidence that carried it.
type Decision struct {
	Reason    string
	Source    string
	PartnerID int64
	Click     *Click
	Candidate *Candidate
	Detail    string
}

// Attributed reports whether the decision binds the customer.
func (d Decision) Attributed() bool { return d.Reason == ReasonAttributed }

// Attribute decides which partner, if any, a lead binds its customer to.
// The first binding wins: a bound customer never moves. Claims are tried in
// the order given (the caller passes registration, promo code, click,
// partner ref: a partner's protected registration first, then what the
// customer typed, then what the browser carried); the first that holds
// binds. When none holds, the reason is that of the first claim that
// failed, or no_evidence when the lead made none.
func Attribute(in AttributionInput) Decision {
	switch {
	case in.BoundPartnerID != 0:
		return Decision{Reason: ReasonAlreadyBound, PartnerID: 0,
			Detail: fmt.Sprintf("bound to partner %d since %s", in.BoundPartnerID, in.BoundAt.UTC().Format(time.RFC3339))}
	case in.ExistingCustomer || in.KnownExisting:
		return Decision{Reason: ReasonExistingCustomer, Detail: "the vendor reported the customer as existing before the referral"}
	}
	var first *Decision
	for i := range in.Candidates {
		c := &in.Candidates[i]
		d := judge(in, c)
		if d.Attributed() {
			return d
		}
		if first == nil {
			first = &d
		}
	}
	if first != nil {
		return *first
	}
	return Decision{Reason: ReasonNoEvidence, Detail: "the lead carried no click id, promo code or partner ref and matched no registration"}
}

func judge(in AttributionInput, c *Candidate) Decision {
	d := Decision{Source: c.Source, Candidate: c}
	switch {
	case !c.Found:
		d.Reason, d.Detail = ReasonUnknownCode, fmt.Sprintf("%s %q is unknown or disabled", c.Source, c.Claim)
		return d
	case c.NotValid != "":
		d.Reason, d.Detail = ReasonCodeNotValid, fmt.Sprintf("%s %q was not valid at the lead: %s", c.Source, c.Claim, c.NotValid)
		return d
	case c.Source != SourceClick && !c.PartnerActive:
		d.Reason, d.Detail = ReasonPartnerInactive, fmt.Sprintf("partner %d is not active", c.PartnerID)
		return d
	}
	if c.Source == SourceClick {
		click, reason, detail := pickClick(in, c.Clicks)
		if click == nil {
			d.Reason, d.Detail = reason, detail
			return d
		}
		d.Click = click
		c.PartnerID = click.PartnerID
	}
	if !in.AllowSelfReferral {
		if in.SelfReferred[c.PartnerID] {
			d.Reason, d.PartnerID, d.Detail = ReasonSelfReferral, c.PartnerID, "the customer was refused to this partner as a self-referral before"
			return d
		}
		for _, e := range in.PartnerEmails[c.PartnerID] {
			if in.Email != "" && e == in.Email {
				d.Reason, d.PartnerID, d.Detail = ReasonSelfReferral, c.PartnerID, "the customer's email is the partner's own (a user's or the contact email)"
				return d
			}
		}
	}
	d.Reason, d.PartnerID = ReasonAttributed, c.PartnerID
	if d.Click != nil {
		d.Detail = fmt.Sprintf("click of %s on link %d, %s before the lead",
			d.Click.At.UTC().Format(time.RFC3339), d.Click.LinkID, in.OccurredAt.Sub(d.Click.At).Round(time.Second))
	} else {
		d.Detail = fmt.Sprintf("%s %q of partner %d", c.Source, c.Claim, c.PartnerID)
	}
	return d
}

// pickClick chooses the click that attributes: the reported (last) click,
// or under first_click the earliest click of its chain still inside the
// window. A click attributes when it is attributable, no later than the
// lead (plus ClickSkew), and the lead falls before the click's time plus
// the window.
func pickClick(in AttributionInput, chain []Click) (*Click, string, string) {
	if len(chain) == 0 {
		return nil, ReasonUnknownCode, "the click id is unknown"
	}
	valid := func(c Click) (bool, string, string) {
		switch {
		case !c.Attributable:
			return false, ReasonNoEvidence, "the click was recorded as a bot, prefetch or HEAD request"
		case !c.PartnerActive:
			return false, ReasonPartnerInactive, fmt.Sprintf("partner %d is not active", c.PartnerID)
		case c.At.After(in.OccurredAt.Add(ClickSkew)):
			return false, ReasonNoEvidence, "the click happened after the lead"
		case !in.OccurredAt.Before(c.At.Add(in.Window)):
			return false, ReasonExpiredClick, fmt.Sprintf("the click of %s is older than the %s window",
				c.At.UTC().Format(time.RFC3339), in.Window)
		}
		return true, "", ""
	}
	ok, reason, detail := valid(chain[0])
	if !ok {
		return nil, reason, detail
	}
	pick := &chain[0]
	if in.FirstClick {
		for i := 1; i < len(chain); i++ {
			if ok, _, _ := valid(chain[i]); ok {
				pick = &chain[i]
			}
		}
	}
	return pick, "", ""
}
