package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"partnerka"
)

// AdminListQueries are the back office's lists and overview
// (queries/admin_lists.sql).
type AdminListQueries struct {
	AdminPartnerList    *sqlx.Stmt `query:"admin-partner-list"`
	AdminPartnerCount   *sqlx.Stmt `query:"admin-partner-count"`
	AdminCustomerList   *sqlx.Stmt `query:"admin-customer-list"`
	AdminCustomerCount  *sqlx.Stmt `query:"admin-customer-count"`
	OverviewLiabilities *sqlx.Stmt `query:"overview-liabilities"`
	OverviewTopPartners *sqlx.Stmt `query:"overview-top-partners"`
	OverviewDaily       *sqlx.Stmt `query:"overview-daily"`
	PayoutSourcesOf     *sqlx.Stmt `query:"payout-sources"`
	PayoutRiskOf        *sqlx.Stmt `query:"payout-risk"`
}

// MoneyList is amounts in several currencies, one each, by currency code;
// it scans the JSON array of {currency, amount} a query builds.
type MoneyList []partnerka.Money

// Scan implements sql.Scanner.
func (m *MoneyList) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case nil:
		*m = nil
		return nil
	default:
		return fmt.Errorf("storage.MoneyList: cannot scan %T", src)
	}
	var rows []struct {
		Currency string          `json:"currency"`
		Amount   decimal.Decimal `json:"amount"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		return err
	}
	out := make(MoneyList, len(rows))
	for i, r := range rows {
		out[i] = partnerka.Money{Amount: r.Amount, Currency: strings.TrimSpace(r.Currency)}
	}
	*m = out
	return nil
}

// In returns the amount in currency (zero when there is none).
func (m MoneyList) In(currency string) decimal.Decimal {
	for _, x := range m {
		if x.Currency == currency {
			return x.Amount
		}
	}
	return decimal.Zero
}

// PartnerSorts are the orders the partner list offers: by name, creation,
// revenue in the program's currency or customers; a leading "-" reverses.
var PartnerSorts = []string{"name", "-name", "created", "-created", "revenue", "-revenue", "customers", "-customers"}

// PartnerListFilter chooses a page of the back office's partner list.
type PartnerListFilter struct {
	Status   string // "" for every status
	Search   string // a part of the ref, name or contact email; "" for all
	Currency string // the program's currency, which the revenue sort reads
	Sort     string // one of PartnerSorts ("-created" when it is not)
	Limit    int    // rows of the page; 0 for every row
	Offset   int
}

// PartnerListRow is a partner in the list with their figures to date.
type PartnerListRow struct {
	PartnerRow
	Customers int64     `db:"customers"`
	Revenue   MoneyList `db:"revenue"`  // what their customers paid, net of refunds, per currency
	Earnings  MoneyList `db:"earnings"` // what they earned, net of refunds, whatever its bucket, per currency
}

func (f PartnerListFilter) args(now time.Time) []any {
	sort := f.Sort
	if !slices.Contains(PartnerSorts, sort) {
		sort = "-created"
	}
	var limit any // NULL: every row
	if f.Limit > 0 {
		limit = f.Limit
	}
	return []any{f.Status, f.Search, f.Currency, sort, limit, f.Offset, now}
}

// PartnerList returns one page of the partner list and how many partners
// the filter has in all.
func (db *DB) PartnerList(ctx context.Context, f PartnerListFilter) ([]PartnerListRow, int64, error) {
	var total int64
	if err := db.Q.AdminPartnerCount.GetContext(ctx, &total, f.Status, f.Search); err != nil {
		return nil, 0, err
	}
	var out []PartnerListRow
	err := db.Q.AdminPartnerList.SelectContext(ctx, &out, f.args(db.now())...)
	return out, total, err
}

// EachPartnerListRow calls fn with every partner of the filter (Limit and
// Offset aside) in the list's order, streamed as read (the CSV export).
func (db *DB) EachPartnerListRow(ctx context.Context, f PartnerListFilter, fn func(PartnerListRow) error) error {
	f.Limit, f.Offset = 0, 0
	return eachRow(ctx, db.Q.AdminPartnerList, fn, f.args(db.now())...)
}

// Liability is what the program owes its partners in one currency: their
// pending and available balances, and the payouts reserved for them.
type Liability struct {
	Currency       string          `db:"currency"`
	Pending        decimal.Decimal `db:"pending"`
	Available      decimal.Decimal `db:"available"`
	Requested      decimal.Decimal `db:"requested"` // payouts awaiting approval
	RequestedCount int64           `db:"requested_count"`
	Approved       decimal.Decimal `db:"approved"` // approved, awaiting payment
	ApprovedCount  int64           `db:"approved_count"`
}

// Owed is what partners have earned and not yet asked to be paid.
func (l Liability) Owed() decimal.Decimal { return l.Pending.Add(l.Available) }

// Liabilities returns what the program owes per currency, by currency.
func (db *DB) Liabilities(ctx context.Context) ([]Liability, error) {
	var out []Liability
	err := db.Q.OverviewLiabilities.SelectContext(ctx, &out)
	for i := range out {
		out[i].Currency = strings.TrimSpace(out[i].Currency)
	}
	return out, err
}

// TopPartner is a partner by the revenue their customers brought.
type TopPartner struct {
	ID          int64           `db:"id"`
	Ref         string          `db:"ref"`
	Name        string          `db:"name"`
	Revenue     decimal.Decimal `db:"revenue"`
	Commissions decimal.Decimal `db:"commissions"`
}

// TopPartners returns the n partners whose customers brought the most
// revenue in [from, to) in currency (paid less refunded, as the reports
// count it), highest first, with the commissions they earned in it.
func (db *DB) TopPartners(ctx context.Context, from, to time.Time, currency string, n int) ([]TopPartner, error) {
	var out []TopPartner
	err := db.Q.OverviewTopPartners.SelectContext(ctx, &out, from, to, currency, n)
	return out, err
}

// ProgramDay is one day of the program: clicks, leads (customers bound),
// attributed revenue (paid less refunded) and commissions earned (net of
// reversals), the money in one currency.
type ProgramDay struct {
	Day     time.Time       `db:"day"`
	Clicks  int64           `db:"clicks"`
	Leads   int64           `db:"leads"`
	Revenue decimal.Decimal `db:"revenue"`
	Earned  decimal.Decimal `db:"earned"`
}

// ProgramDays returns the program's figures per day of [from, to), the
// money in currency, the days counted in from's time zone as DailyStats
// counts them. Summed over the days they are the period's totals as the
// reports count them (Report, ReportTotals).
func (db *DB) ProgramDays(ctx context.Context, from, to time.Time, currency string) ([]ProgramDay, error) {
	edges := newArrayLiteral(32 * 32)
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, from.Location())
	for ; day.Before(to); day = day.AddDate(0, 0, 1) {
		edges.Time(day)
	}
	edges.Time(day)
	var out []ProgramDay
	err := db.Q.OverviewDaily.SelectContext(ctx, &out, edges.String(), currency, localDate(from), localDate(day))
	for i := range out {
		out[i].Day = out[i].Day.In(from.Location())
	}
	return out, err
}

// PayoutSource is one credit of the available balance a payout drew on:
// a commission (at the end of its hold), a bonus or an adjustment.
type PayoutSource struct {
	Kind        string          `db:"kind"` // commission, bonus or adjustment
	Ref         int64           `db:"ref"`  // the commission's id, or the entry's
	At          time.Time       `db:"at"`   // when it became available
	Amount      decimal.Decimal `db:"amount"`
	Covered     decimal.Decimal `db:"covered"` // the part of Amount the payout took
	CustomerID  *int64          `db:"customer_id"`
	Customer    string          `db:"customer"` // the customer's id in the vendor's system
	EarnedAt    *time.Time      `db:"earned_at"`
	Explanation string          `db:"explanation"`
	Reason      string          `db:"reason"` // a bonus's or adjustment's
}

// PayoutSources returns what a payout was drawn from, oldest first:
// payouts are not tied to commissions, so this is the available balance
// as it stood at the request, first in, first out after what earlier
// payouts drew (see payout-sources). The Covered amounts add up to the
// payout's amount.
func (db *DB) PayoutSources(ctx context.Context, payoutID int64) ([]PayoutSource, error) {
	var out []PayoutSource
	err := db.Q.PayoutSourcesOf.SelectContext(ctx, &out, payoutID)
	return out, err
}

// RiskWindow is how far back before a request the payout page looks at
// refunds.
const RiskWindow = 90 * 24 * time.Hour

// PayoutRisk is what finance may weigh before paying a payout, as it stood
// when the payout was requested.
type PayoutRisk struct {
	PartnerSince    time.Time       `db:"partner_since"`
	PaidBefore      int64           `db:"paid_before"` // the partner's payouts paid by then
	PreviousID      *int64          `db:"previous_id"` // the partner's payout before this one
	PreviousMethod  string          `db:"previous_method"`
	PreviousDetails json.RawMessage `db:"previous_details"`
	PreviousAt      *time.Time      `db:"previous_at"`
	CurrentMethod   string          `db:"current_method"`
	CurrentDetails  json.RawMessage `db:"current_details"`
	// What the partner's customers paid in the payout's currency in the
	// RiskWindow before the request, and what of those same purchases
	// was refunded by then.
	Paid     decimal.Decimal `db:"paid"`
	Refunded decimal.Decimal `db:"refunded"`
}

// PayoutRisk reads the risk figures of payout p.
func (db *DB) PayoutRisk(ctx context.Context, p *PayoutRow) (*PayoutRisk, error) {
	var r PayoutRisk
	if err := db.Q.PayoutRiskOf.GetContext(ctx, &r, p.ID, p.RequestedAt.Add(-RiskWindow)); err != nil {
		return nil, notFound(err, "payout")
	}
	return &r, nil
}

// SameDetails reports whether two payout details name the same account.
func SameDetails(methodA string, a json.RawMessage, methodB string, b json.RawMessage) bool {
	account := func(raw json.RawMessage) string {
		var d map[string]string
		json.Unmarshal(raw, &d)
		return strings.TrimSpace(d["account"])
	}
	return methodA == methodB && account(a) == account(b)
}
