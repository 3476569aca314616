package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"
)

// CabinetListQueries are the queries of the cabinet's paged lists
// (queries/cabinet_lists.sql).
type CabinetListQueries struct {
	CabinetCustomers     *sqlx.Stmt `query:"cabinet-customers"`
	CabinetRegistrations *sqlx.Stmt `query:"cabinet-registrations"`
	CabinetEarnings      *sqlx.Stmt `query:"cabinet-earnings"`
	CabinetReversals     *sqlx.Stmt `query:"cabinet-reversals"`
	CabinetEarningTotals *sqlx.Stmt `query:"cabinet-earning-totals"`
	CabinetManualEntries *sqlx.Stmt `query:"cabinet-manual-entries"`
}

// The orders a partner's customers are listed in: each names one fixed
// ORDER BY of cabinet-customers.
const (
	CustomersNewest = "newest" // latest binding first
	CustomersOldest = "oldest" // earliest binding first
	CustomersPaid   = "paid"   // most paid in CustomerFilter.Currency first
)

// CustomerFilter chooses and orders a partner's customers.
type CustomerFilter struct {
	Search   string // part of the customer's id or masked email, in any case; "" for all
	Sort     string // CustomersNewest (also for ""), CustomersOldest or CustomersPaid
	Currency string // the currency CustomersPaid orders by
}

// CustomerLine is one customer and one currency it paid or earned in, as
// cabinet-customers reads them; a customer with neither has one line with
// no currency.
type CustomerLine struct {
	ID           int64           `db:"id"`
	ExternalID   string          `db:"external_id"`
	Email        string          `db:"email"` // masked: what the partner may see of it
	Source       string          `db:"source"`
	BoundAt      time.Time       `db:"bound_at"`
	Total        int64           `db:"total"` // customers the filter matches
	LinkCode     string          `db:"link_code"`
	LinkLabel    string          `db:"link_label"`
	PromoCode    string          `db:"promo_code"`
	PartnerRef   string          `db:"partner_ref"`
	Registration string          `db:"registration"` // the registration's company, email or domain
	Currency     string          `db:"currency"`
	Payments     int64           `db:"payments"`
	FirstPayment *time.Time      `db:"first_payment"`
	Paid         decimal.Decimal `db:"paid"`
	Earned       decimal.Decimal `db:"earned"`
}

// CustomerMoney is what a customer paid and earned in one currency.
type CustomerMoney struct {
	Currency     string
	Payments     int64
	FirstPayment *time.Time
	Paid, Earned decimal.Decimal
}

// CabinetCustomer is a partner's customer with its money per currency.
type CabinetCustomer struct {
	CustomerLine
	Money []CustomerMoney // one per currency, by code; none when it never paid or earned
}

func (f CustomerFilter) args() (search, sort, currency string) {
	sort = f.Sort
	if sort != CustomersOldest && sort != CustomersPaid {
		sort = CustomersNewest
	}
	return f.Search, sort, f.Currency
}

// CabinetCustomers returns the page of limit customers after the first
// offset that f matches, and how many it matches in all. A page past the
// end is empty, with the true total.
func (db *DB) CabinetCustomers(ctx context.Context, partnerID int64, f CustomerFilter, limit, offset int) ([]CabinetCustomer, int64, error) {
	var lines []CustomerLine
	search, sort, cur := f.args()
	if err := db.Q.CabinetCustomers.SelectContext(ctx, &lines, partnerID, search, sort, cur, limit, offset); err != nil {
		return nil, 0, err
	}
	if len(lines) == 0 && offset > 0 {
		// The window's count came with no row: count from the start.
		_, total, err := db.CabinetCustomers(ctx, partnerID, f, 1, 0)
		return nil, total, err
	}
	var out []CabinetCustomer
	var total int64
	for _, l := range lines {
		total = l.Total
		if len(out) == 0 || out[len(out)-1].ID != l.ID {
			out = append(out, CabinetCustomer{CustomerLine: l})
		}
		if l.Currency != "" {
			c := &out[len(out)-1]
			c.Money = append(c.Money, CustomerMoney{l.Currency, l.Payments, l.FirstPayment, l.Paid, l.Earned})
		}
	}
	return out, total, nil
}

// EachCabinetCustomer calls fn with every line of the customers f
// matches, in the page's order, as they are read (an export; it holds a
// connection while it reads). It stops at fn's first error.
func (db *DB) EachCabinetCustomer(ctx context.Context, partnerID int64, f CustomerFilter, fn func(CustomerLine) error) error {
	search, sort, cur := f.args()
	return eachRow(ctx, db.Q.CabinetCustomers, fn, partnerID, search, sort, cur, nil, 0)
}

// RegistrationRow is a partner's lead registration.
type RegistrationRow struct {
	ID             int64     `db:"id"`
	Company        string    `db:"company"`
	ContactName    string    `db:"contact_name"`
	Email          string    `db:"email"`
	CompanyDomain  string    `db:"company_domain"`
	Status         string    `db:"status"`
	ProtectedUntil time.Time `db:"protected_until"`
	CreatedAt      time.Time `db:"created_at"`
	Reason         string    `db:"reason"`
}

// CabinetRegistration is a partner's lead registration on their list.
type CabinetRegistration struct {
	RegistrationRow
	Total int64 `db:"total"` // the partner's registrations in all
}

// CabinetRegistrations returns a partner's lead registrations, newest
// first, limit after the first offset, and how many there are.
func (db *DB) CabinetRegistrations(ctx context.Context, partnerID int64, limit, offset int) ([]CabinetRegistration, int64, error) {
	var rs []CabinetRegistration
	if err := db.Q.CabinetRegistrations.SelectContext(ctx, &rs, partnerID, limit, offset); err != nil {
		return nil, 0, err
	}
	if len(rs) == 0 && offset > 0 {
		_, total, err := db.CabinetRegistrations(ctx, partnerID, 1, 0)
		return nil, total, err
	}
	var total int64
	if len(rs) > 0 {
		total = rs[0].Total
	}
	return rs, total, nil
}

// EarningLine is a commission on the earnings page: EarningRow with the
// customer it was earned on ("" on level 2: the recruit's customer).
type EarningLine struct {
	EarningRow
	Customer string `db:"customer"`
}

// ReversalLine is a reversal of a commission and the refund behind it.
type ReversalLine struct {
	CommissionID   int64           `db:"commission_id"`
	Amount         decimal.Decimal `db:"amount"`
	Currency       string          `db:"currency"`
	CreatedAt      time.Time       `db:"created_at"`
	RefundedAt     time.Time       `db:"refunded_at"`
	RefundAmount   decimal.Decimal `db:"refund_amount"`
	PurchaseAmount decimal.Decimal `db:"purchase_amount"`
	Refund         string          `db:"refund"`   // the vendor's id of the refund; "" on level 2
	Purchase       string          `db:"purchase"` // and of its payment
}

// CabinetEarnings returns a partner's commissions earned in [from, to),
// newest first, limit after the first offset, with the reversals of
// those commissions (oldest first).
func (db *DB) CabinetEarnings(ctx context.Context, partnerID int64, from, to time.Time, limit, offset int) ([]EarningLine, []ReversalLine, error) {
	var rows []EarningLine
	if err := db.Q.CabinetEarnings.SelectContext(ctx, &rows, partnerID, from, to, limit, offset); err != nil {
		return nil, nil, err
	}
	var ids []int64
	for _, r := range rows {
		if r.Reversed.IsPositive() {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return rows, nil, nil
	}
	var revs []ReversalLine
	err := db.Q.CabinetReversals.SelectContext(ctx, &revs, partnerID, pq.Array(ids))
	return rows, revs, err
}

// EarningTotal is what the earnings page lists for a period in one
// currency. Pending, Available and Rejected are the commissions' amounts
// net of reversals by status, so they and Reversed add up to Earned.
type EarningTotal struct {
	Currency    string          `db:"currency"`
	Lines       int64           `db:"lines"` // commissions
	Earned      decimal.Decimal `db:"earned"`
	Pending     decimal.Decimal `db:"pending"`
	Available   decimal.Decimal `db:"available"`
	Rejected    decimal.Decimal `db:"rejected"`
	Reversed    decimal.Decimal `db:"reversed"`
	ManualLines int64           `db:"manual_lines"` // bonuses and adjustments
	Manual      decimal.Decimal `db:"manual"`
	Paid        decimal.Decimal `db:"paid"` // payouts paid in the period
}

// CabinetEarningTotals sums per currency what the earnings page lists
// for [from, to), by currency code.
func (db *DB) CabinetEarningTotals(ctx context.Context, partnerID int64, from, to time.Time) ([]EarningTotal, error) {
	var out []EarningTotal
	err := db.Q.CabinetEarningTotals.SelectContext(ctx, &out, partnerID, from, to)
	return out, err
}

// CabinetManualEntries returns a partner's bonuses and adjustments of
// [from, to), newest first, limit after the first offset.
func (db *DB) CabinetManualEntries(ctx context.Context, partnerID int64, from, to time.Time, limit, offset int) ([]ManualEntry, error) {
	var out []ManualEntry
	err := db.Q.CabinetManualEntries.SelectContext(ctx, &out, partnerID, from, to, limit, offset)
	return out, err
}
