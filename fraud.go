package partnerka

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
)

// Fraud rules: what the review step looks for. Each is on or off in the
// program settings and published to partners on the program rules page.
const (
	RuleSelfReferral   = "self_referral"    // the customer is the partner (email, domain, network)
	RuleSharedDetails  = "shared_details"   // two partners are paid to one account
	RuleClickSpam      = "click_spam"       // many clicks from one network in 10 minutes
	RuleFastLead       = "fast_lead"        // a lead seconds after its click
	RuleCookieStuffing = "cookie_stuffing"  // leads from clicks no person saw
	RuleRefundAnomaly  = "refund_anomaly"   // far more refunds than the program's
	RuleSpike          = "conversion_spike" // a day of conversions far above the partner's own
)

// FraudRuleNames lists the rules in the order pages show them.
var FraudRuleNames = []string{RuleSelfReferral, RuleSharedDetails, RuleClickSpam, RuleFastLead,
	RuleCookieStuffing, RuleRefundAnomaly, RuleSpike}

// The fixed windows the rules count over.
const (
	ClickSpamWindowMinutes = 10 // click_bursts windows
	CookieStuffingDays     = 30
	RefundAnomalyDays      = 90
	SpikeHistoryDays       = 28 // the day is compared with the average of the 28 before it
)

// FraudRules are the rules' switches and thresholds. A rule trips when
// its figure is strictly above its threshold (at least, for minimum
// counts); the published rules page states them.
type FraudRules struct {
	SelfReferral bool `json:"self_referral"`

	SharedDetails bool `json:"shared_details"`

	ClickSpam bool `json:"click_spam"`
	// ClickSpamClicks: more clicks than this from one /24 (IPv6 /64) on
	// one partner's links within a 10-minute window.
	ClickSpamClicks int `json:"click_spam_clicks"`

	FastLead bool `json:"fast_lead"`
	// FastLeadSeconds: a lead bound by a click less than this many
	// seconds after it.
	FastLeadSeconds int `json:"fast_lead_seconds"`

	CookieStuffing bool `json:"cookie_stuffing"`
	// More than CookieStuffingPercent % of the partner's click-bound
	// customers of the last 30 days came from clicks with no referrer and
	// no pk.js view, counting at least CookieStuffingMinLeads customers.
	CookieStuffingPercent  int `json:"cookie_stuffing_percent"`
	CookieStuffingMinLeads int `json:"cookie_stuffing_min_leads"`

	RefundAnomaly bool `json:"refund_anomaly"`
	// The partner's refunded share of the last 90 days' paid amount (in a
	// currency, over at least RefundMinPurchases purchases) is above
	// RefundMinPercent % and above RefundFactor times the program's.
	RefundFactor       int `json:"refund_factor"`
	RefundMinPercent   int `json:"refund_min_percent"`
	RefundMinPurchases int `json:"refund_min_purchases"`

	Spike bool `json:"conversion_spike"`
	// At least SpikeMinLeads customers bound in the last 24 hours, and more
	// than SpikeFactor times the partner's daily average of the 28 days
	// before.
	SpikeFactor   int `json:"spike_factor"`
	SpikeMinLeads int `json:"spike_min_leads"`
}

// DefaultFraudRules are a new program's rules: on, except the two that
// need the vendor's integration to judge (lead times reported to the
// second, and pk.js on the landing pages).
func DefaultFraudRules() FraudRules {
	return FraudRules{
		SelfReferral:           true,
		SharedDetails:          true,
		ClickSpam:              true,
		ClickSpamClicks:        200,
		FastLead:               false,
		FastLeadSeconds:        5,
		CookieStuffing:         false,
		CookieStuffingPercent:  50,
		CookieStuffingMinLeads: 10,
		RefundAnomaly:          true,
		RefundFactor:           3,
		RefundMinPercent:       20,
		RefundMinPurchases:     10,
		Spike:                  true,
		SpikeFactor:            5,
		SpikeMinLeads:          20,
	}
}

// On reports whether the named rule is switched on.
func (r FraudRules) On(rule string) bool {
	switch rule {
	case RuleSelfReferral:
		return r.SelfReferral
	case RuleSharedDetails:
		return r.SharedDetails
	case RuleClickSpam:
		return r.ClickSpam
	case RuleFastLead:
		return r.FastLead
	case RuleCookieStuffing:
		return r.CookieStuffing
	case RuleRefundAnomaly:
		return r.RefundAnomaly
	case RuleSpike:
		return r.Spike
	}
	return false
}

// Any reports whether any rule is on.
func (r FraudRules) Any() bool {
	for _, n := range FraudRuleNames {
		if r.On(n) {
			return true
		}
	}
	return false
}

// Validate checks the thresholds of the rules that are on and names the
// first wrong one as a field fraud.<name>.
func (r FraudRules) Validate() error {
	checks := []struct {
		on       bool
		field    string
		v, lo, h int
	}{
		{r.ClickSpam, "click_spam_clicks", r.ClickSpamClicks, 10, 1000000},
		{r.FastLead, "fast_lead_seconds", r.FastLeadSeconds, 1, 3600},
		{r.CookieStuffing, "cookie_stuffing_percent", r.CookieStuffingPercent, 1, 99},
		{r.CookieStuffing, "cookie_stuffing_min_leads", r.CookieStuffingMinLeads, 1, 1000000},
		{r.RefundAnomaly, "refund_factor", r.RefundFactor, 1, 1000},
		{r.RefundAnomaly, "refund_min_percent", r.RefundMinPercent, 1, 99},
		{r.RefundAnomaly, "refund_min_purchases", r.RefundMinPurchases, 1, 1000000},
		{r.Spike, "spike_factor", r.SpikeFactor, 2, 1000},
		{r.Spike, "spike_min_leads", r.SpikeMinLeads, 1, 1000000},
	}
	for _, c := range checks {
		if c.on && (c.v < c.lo || c.v > c.h) {
			return FieldError("fraud."+c.field, "the threshold is %d to %d", c.lo, c.h)
		}
	}
	return nil
}

// Scan reads the stored rules over the defaults: a key the program never
// saved keeps its default.
func (r *FraudRules) Scan(src any) error {
	*r = DefaultFraudRules()
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("fraud rules: cannot scan %T", src)
	}
	return json.Unmarshal(b, r)
}

// Value stores the rules as JSON.
func (r FraudRules) Value() (driver.Value, error) {
	return json.Marshal(r)
}
