package partnerka

import "github.com/shopspring/decimal"

// Rule events, kinds and payment filters of a plan.
const (
	EventSale = "sale"
	EventLead = "lead"

	KindPercent = "percent"
	KindFlat    = "flat"

	PaymentsFirst     = "first"
	PaymentsRecurring = "recurring"
	PaymentsAll       = "all"
)

// Rule is one line of a plan version: what event, at which level, for which
// products and payments, earns how much, for how long.
type Rule struct {
	ID             int64
	Position       int
	Event          string          // EventSale or EventLead
	Level          int             // 1: the partner who brought the customer; 2: their recruiter
	Products       []string        // nil: any product
	Kind           string          // KindPercent or KindFlat
	Percent        decimal.Decimal // for KindPercent: 20 means 20 %
	Flat           Money           // for KindFlat
	Payments       string          // PaymentsFirst, PaymentsRecurring or PaymentsAll
	DurationMonths int             // 0: lifetime; N: the customer's first N months
	Tiers          []Tier          // ascending MinVolume; the highest reached applies
}

// Tier raises a percent rule once the partner's paid volume over the
// previous calendar month reaches MinVolume.
type Tier struct {
	MinVolume Money
	Percent   decimal.Decimal
}

// PlanVersion is an immutable, published set of rules.
type PlanVersion struct {
	ID      int64
	PlanID  int64
	Plan    string
	Version int
	Rules   []Rule
}
