package storage

import (
	"context"
	"encoding/json"
	"math"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"partnerka"
)

// ReportQueries are the queries of reports and the audit log (queries/reports.sql).
type ReportQueries struct {
	ReportActivity       *sqlx.Stmt `query:"report-activity"`
	ReportMoney          *sqlx.Stmt `query:"report-money"`
	ReportLeaderboard    *sqlx.Stmt `query:"report-leaderboard"`
	ReportFunnel         *sqlx.Stmt `query:"report-funnel"`
	ReportActivityTotals *sqlx.Stmt `query:"report-activity-totals"`
	ReportMoneyTotals    *sqlx.Stmt `query:"report-money-totals"`
	ReportRevenue        *sqlx.Stmt `query:"report-revenue"`
	ReportPayouts        *sqlx.Stmt `query:"report-payouts"`
	ReportDormant        *sqlx.Stmt `query:"report-dormant"`
	AuditPage            *sqlx.Stmt `query:"audit-page"`
	AuditStaff           *sqlx.Stmt `query:"audit-staff"`
}

// PartnerActivity is one partner's funnel in a report's period.
// Leads are the customers bound in the period plus the leads the partner
// registered by hand in it that did not become one of them; Customers are
// the customers bound in the period; Paying are those of them who paid
// since they were bound (to date).
type PartnerActivity struct {
	PartnerID    int64  `db:"id"`
	Ref          string `db:"ref"`
	Name         string `db:"name"`
	Status       string `db:"status"`
	Clicks       int64  `db:"clicks"`
	UniqueClicks int64  `db:"unique_clicks"`
	Leads        int64  `db:"leads"`
	Customers    int64  `db:"customers"`
	Paying       int64  `db:"paying"`
}

// ReportMoney is what one partner's customers paid and what the partner
// earned in a report's period, in one currency. Commission amounts are net
// of what refunds took back; Reversed is what they took back.
type ReportMoney struct {
	PartnerID int64
	Currency  string
	Paid      decimal.Decimal // purchases in the period
	Refunded  decimal.Decimal // refunds in the period
	Pending   decimal.Decimal
	Available decimal.Decimal
	Rejected  decimal.Decimal
	Reversed  decimal.Decimal
}

// Revenue is what was paid minus what was refunded.
func (m ReportMoney) Revenue() decimal.Decimal { return m.Paid.Sub(m.Refunded) }

// Commissions is what the partner earned and still may be paid: pending
// and available, net of reversals.
func (m ReportMoney) Commissions() decimal.Decimal { return m.Pending.Add(m.Available) }

// PayoutTotal is what was paid out to partners in one currency.
type PayoutTotal struct {
	Currency string          `db:"currency"`
	Count    int64           `db:"count"`
	Amount   decimal.Decimal `db:"amount"`
}

// FunnelRow is one partner's funnel in a report's period, over one cohort
// as the partner's dashboard counts it (Funnel); Clicks are all its human
// clicks, Visitors the unique ones.
type FunnelRow struct {
	PartnerID int64  `db:"id"`
	Ref       string `db:"ref"`
	Name      string `db:"name"`
	Status    string `db:"status"`
	Clicks    int64  `db:"clicks"`
	Funnel
}

// Report is the data of the back office's reports for one period [From, To).
type Report struct {
	From, To time.Time
	Partners []PartnerActivity // every approved (active or suspended) partner, by id
	Funnels  []FunnelRow       // the approved partners active in the period, in the order of Funnel
	Money    []ReportMoney     // by currency, then partner id
	Payouts  []PayoutTotal     // by currency
}

// Report reads the reports of [from, to). Clicks are counted by the UTC
// days of from and to (the daily stats are kept by UTC day).
func (db *DB) Report(ctx context.Context, from, to time.Time) (*Report, error) {
	r := &Report{From: from, To: to}
	fromDay, toDay := from.Format(time.DateOnly), to.Format(time.DateOnly)
	if err := db.Q.ReportActivity.SelectContext(ctx, &r.Partners, fromDay, toDay, from, to); err != nil {
		return nil, err
	}
	if err := db.Q.ReportFunnel.SelectContext(ctx, &r.Funnels, fromDay, toDay, from, to); err != nil {
		return nil, err
	}
	var money []moneyRow
	if err := db.Q.ReportMoney.SelectContext(ctx, &money, from, to); err != nil {
		return nil, err
	}
	for _, m := range money {
		r.Money = append(r.Money, m.ReportMoney())
	}
	if err := db.Q.ReportPayouts.SelectContext(ctx, &r.Payouts, from, to); err != nil {
		return nil, err
	}
	return r, nil
}

// moneyRow is a row of report_money (or of its totals, PartnerID 0).
type moneyRow struct {
	PartnerID int64           `db:"partner_id"`
	Currency  string          `db:"currency"`
	Paid      decimal.Decimal `db:"paid"`
	Refunded  decimal.Decimal `db:"refunded"`
	Pending   decimal.Decimal `db:"pending"`
	Available decimal.Decimal `db:"available"`
	Rejected  decimal.Decimal `db:"rejected"`
	Reversed  decimal.Decimal `db:"reversed"`
}

func (m moneyRow) ReportMoney() ReportMoney {
	return ReportMoney{PartnerID: m.PartnerID, Currency: m.Currency, Paid: m.Paid, Refunded: m.Refunded,
		Pending: m.Pending, Available: m.Available, Rejected: m.Rejected, Reversed: m.Reversed}
}

// Totals are the program's figures for a report's period.
type Totals struct {
	Clicks, UniqueClicks, Leads, Customers, Paying int64
	Money                                          []ReportMoney // one per currency, PartnerID 0
	Payouts                                        []PayoutTotal
}

// Totals adds up the partners' figures: the program's totals are the sum
// of its partners', so every total can be traced to the rows behind it.
func (r *Report) Totals() Totals {
	var t Totals
	for _, p := range r.Partners {
		t.Clicks += p.Clicks
		t.UniqueClicks += p.UniqueClicks
		t.Leads += p.Leads
		t.Customers += p.Customers
		t.Paying += p.Paying
	}
	for _, m := range r.Money {
		n := len(t.Money)
		if n == 0 || t.Money[n-1].Currency != m.Currency {
			t.Money = append(t.Money, ReportMoney{Currency: m.Currency})
			n++
		}
		s := &t.Money[n-1]
		s.Paid, s.Refunded = s.Paid.Add(m.Paid), s.Refunded.Add(m.Refunded)
		s.Pending, s.Available = s.Pending.Add(m.Pending), s.Available.Add(m.Available)
		s.Rejected, s.Reversed = s.Rejected.Add(m.Rejected), s.Reversed.Add(m.Reversed)
	}
	t.Payouts = r.Payouts
	return t
}

// Currencies lists the currencies money moved in during the period.
func (r *Report) Currencies() []string {
	var out []string
	for _, m := range r.Money {
		if len(out) == 0 || out[len(out)-1] != m.Currency {
			out = append(out, m.Currency)
		}
	}
	return out
}

// LeaderRow is one partner of the leaderboard, with its money in the
// leaderboard's currency.
type LeaderRow struct {
	PartnerActivity
	ReportMoney
}

// Leaderboard ranks the approved partners by revenue (by "revenue") or by
// commissions (by "commissions") in currency, highest first; ties go to
// the partner with more customers, then by name. Partners with nothing in
// the period (no clicks, leads, customers or money) are left out.
func (r *Report) Leaderboard(currency, by string) []LeaderRow {
	money := map[int64]ReportMoney{}
	for _, m := range r.Money {
		if m.Currency == currency {
			money[m.PartnerID] = m
		}
	}
	var out []LeaderRow
	for _, p := range r.Partners {
		m, ok := money[p.PartnerID]
		if !ok && p.Clicks == 0 && p.Leads == 0 && p.Customers == 0 {
			continue
		}
		m.PartnerID, m.Currency = p.PartnerID, currency
		out = append(out, LeaderRow{PartnerActivity: p, ReportMoney: m})
	}
	key := func(l LeaderRow) decimal.Decimal {
		if by == "commissions" {
			return l.Commissions()
		}
		return l.Revenue()
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if c := key(a).Cmp(key(b)); c != 0 {
			return c > 0
		}
		if a.Customers != b.Customers {
			return a.Customers > b.Customers
		}
		return a.Name < b.Name
	})
	return out
}

// Concentration is how much of one currency's revenue the top partners bring.
type Concentration struct {
	Currency string
	Partners int             // approved partners
	Top      int             // the top 5% of them, at least one
	TopNames []string        // who they are, highest revenue first
	TopSum   decimal.Decimal // their revenue
	Total    decimal.Decimal // everyone's revenue
	Share    decimal.Decimal // TopSum / Total, 0..1 (zero when Total is not positive)
}

// Concentration returns, per currency, the share of revenue from the top
// 5% of approved partners (rounded up: at least one partner).
func (r *Report) Concentration() []Concentration {
	n := len(r.Partners)
	if n == 0 {
		return nil
	}
	top := int(math.Ceil(float64(n) * 5 / 100))
	names := map[int64]string{}
	for _, p := range r.Partners {
		names[p.PartnerID] = p.Name
	}
	var out []Concentration
	for _, cur := range r.Currencies() {
		var revs []ReportMoney
		c := Concentration{Currency: cur, Partners: n, Top: top}
		for _, m := range r.Money {
			if m.Currency == cur {
				if _, approved := names[m.PartnerID]; approved {
					revs = append(revs, m)
				}
			}
		}
		sort.SliceStable(revs, func(i, j int) bool { return revs[i].Revenue().GreaterThan(revs[j].Revenue()) })
		for i, m := range revs {
			c.Total = c.Total.Add(m.Revenue())
			if i < top && m.Revenue().IsPositive() {
				c.TopSum = c.TopSum.Add(m.Revenue())
				c.TopNames = append(c.TopNames, names[m.PartnerID])
			}
		}
		if c.Total.IsPositive() {
			c.Share = c.TopSum.Div(c.Total)
		}
		out = append(out, c)
	}
	return out
}

// Funnel returns the approved partners with any activity in the period
// (clicks, leads from them, or customers bound without a click), most
// unique clicks first, then most leads, then most customers without a
// click, then by name.
func (r *Report) Funnel() []FunnelRow { return r.Funnels }

// DormantPartner is an active partner without clicks lately.
type DormantPartner struct {
	ID        int64      `db:"id"`
	Ref       string     `db:"ref"`
	Name      string     `db:"name"`
	CreatedAt time.Time  `db:"created_at"`
	LastClick *time.Time `db:"last_click"` // a UTC day; nil: never clicked
}

// DormantPartners returns the active partners with no click on the UTC day
// of since or later, most recently active first, never-clicked last.
func (db *DB) DormantPartners(ctx context.Context, since time.Time) ([]DormantPartner, error) {
	var out []DormantPartner
	err := db.Q.ReportDormant.SelectContext(ctx, &out, since.UTC().Format(time.DateOnly))
	return out, err
}

// AuditFilter narrows the audit log. Empty fields do not filter; Before is
// the keyset cursor (entries with a smaller id), 0 for the newest.
type AuditFilter struct {
	ActorID  int64  // a user
	Actor    string // or an actor string: "system", "api_key:3", "user:12"
	Action   string // prefix: "payout." or "payout.approved"
	Entity   string
	EntityID string
	From, To time.Time // [From, To); zero: open
	Before   int64
	Limit    int
}

// AuditRecord is one entry of the audit log with who made it.
type AuditRecord struct {
	ID       int64           `db:"id"`
	At       time.Time       `db:"at"`
	Actor    string          `db:"actor"`
	ActorID  *int64          `db:"actor_id"`
	Email    string          `db:"email"`
	UserName string          `db:"user_name"`
	Action   string          `db:"action"`
	Entity   string          `db:"entity"`
	EntityID string          `db:"entity_id"`
	Before   json.RawMessage `db:"before"`
	After    json.RawMessage `db:"after"`
	IP       string          `db:"ip"`
}

// AuditLog returns one page of the audit log, newest first, and the cursor
// of the next page (0 when this is the last).
func (db *DB) AuditLog(ctx context.Context, f AuditFilter) ([]AuditRecord, int64, error) {
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	var out []AuditRecord
	if err := db.Q.AuditPage.SelectContext(ctx, &out, before, f.ActorID, f.Actor, f.Action, f.Entity, f.EntityID,
		from, to, limit+1); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > limit {
		out = out[:limit]
		next = out[limit-1].ID
	}
	return out, next, nil
}

// AuditStaff returns the emails of staff, for the audit log's actor filter.
func (db *DB) AuditStaff(ctx context.Context) ([]string, error) {
	var out []string
	err := db.Q.AuditStaff.SelectContext(ctx, &out)
	return out, err
}

// AuditActorByEmail returns the id of the user with email, or not_found.
func (db *DB) AuditActorByEmail(ctx context.Context, email string) (int64, error) {
	var u partnerka.User
	if err := db.Q.UserByEmail.GetContext(ctx, &u, partnerka.NormalizeEmail(email)); err != nil {
		return 0, notFound(err, "user")
	}
	return u.ID, nil
}

// The CSV exports of the reports read the same figures as Report, ranked
// by the database and streamed one row at a time (report-leaderboard,
// report-funnel, report-dormant), or added up by it (the totals and
// revenue concentration): memory stays flat however many partners there
// are.

// leaderRow is a row of report-leaderboard.
type leaderRow struct {
	PartnerActivity
	Paid      decimal.Decimal `db:"paid"`
	Refunded  decimal.Decimal `db:"refunded"`
	Pending   decimal.Decimal `db:"pending"`
	Available decimal.Decimal `db:"available"`
	Rejected  decimal.Decimal `db:"rejected"`
	Reversed  decimal.Decimal `db:"reversed"`
}

// EachLeader calls fn with each row of the period's leaderboard in
// currency, ranked by revenue (by "revenue") or commissions (by
// "commissions") as Report.Leaderboard ranks them.
func (db *DB) EachLeader(ctx context.Context, from, to time.Time, currency, by string, fn func(LeaderRow) error) error {
	return eachRow(ctx, db.Q.ReportLeaderboard, func(l leaderRow) error {
		return fn(LeaderRow{PartnerActivity: l.PartnerActivity, ReportMoney: ReportMoney{PartnerID: l.PartnerID, Currency: currency,
			Paid: l.Paid, Refunded: l.Refunded, Pending: l.Pending, Available: l.Available, Rejected: l.Rejected, Reversed: l.Reversed}})
	}, from.Format(time.DateOnly), to.Format(time.DateOnly), from, to, currency, by)
}

// EachFunnelRow calls fn with each approved partner active in the period,
// in the order of Report.Funnel.
func (db *DB) EachFunnelRow(ctx context.Context, from, to time.Time, fn func(FunnelRow) error) error {
	return eachRow(ctx, db.Q.ReportFunnel, fn, from.Format(time.DateOnly), to.Format(time.DateOnly), from, to)
}

// EachDormantPartner calls fn with each partner DormantPartners returns,
// in its order.
func (db *DB) EachDormantPartner(ctx context.Context, since time.Time, fn func(DormantPartner) error) error {
	return eachRow(ctx, db.Q.ReportDormant, fn, since.UTC().Format(time.DateOnly))
}

// ReportTotals returns what Report(from, to).Totals() does, added up by
// the database, and the number of approved partners.
func (db *DB) ReportTotals(ctx context.Context, from, to time.Time) (Totals, int, error) {
	var t Totals
	var a struct {
		Partners     int   `db:"partners"`
		Clicks       int64 `db:"clicks"`
		UniqueClicks int64 `db:"unique_clicks"`
		Leads        int64 `db:"leads"`
		Customers    int64 `db:"customers"`
		Paying       int64 `db:"paying"`
	}
	if err := db.Q.ReportActivityTotals.GetContext(ctx, &a, from.Format(time.DateOnly), to.Format(time.DateOnly), from, to); err != nil {
		return t, 0, err
	}
	t.Clicks, t.UniqueClicks, t.Leads, t.Customers, t.Paying = a.Clicks, a.UniqueClicks, a.Leads, a.Customers, a.Paying
	var money []moneyRow
	if err := db.Q.ReportMoneyTotals.SelectContext(ctx, &money, from, to); err != nil {
		return t, 0, err
	}
	for _, m := range money {
		t.Money = append(t.Money, m.ReportMoney())
	}
	err := db.Q.ReportPayouts.SelectContext(ctx, &t.Payouts, from, to)
	return t, a.Partners, err
}

// ReportConcentration returns what Report(from, to).Concentration() does
// but for the top partners' names, reading the approved partners'
// revenues one at a time, highest first.
func (db *DB) ReportConcentration(ctx context.Context, from, to time.Time) ([]Concentration, error) {
	t, n, err := db.ReportTotals(ctx, from, to)
	if err != nil || n == 0 {
		return nil, err
	}
	top := int(math.Ceil(float64(n) * 5 / 100))
	out := make([]Concentration, len(t.Money))
	at := map[string]int{}
	for i, m := range t.Money {
		out[i] = Concentration{Currency: m.Currency, Partners: n, Top: top}
		at[m.Currency] = i
	}
	seen := map[string]int{}
	err = eachRow(ctx, db.Q.ReportRevenue, func(r struct {
		Currency string          `db:"currency"`
		Revenue  decimal.Decimal `db:"revenue"`
	}) error {
		c := &out[at[r.Currency]]
		c.Total = c.Total.Add(r.Revenue)
		if seen[r.Currency] < top && r.Revenue.IsPositive() {
			c.TopSum = c.TopSum.Add(r.Revenue)
		}
		seen[r.Currency]++
		return nil
	}, from, to)
	for i := range out {
		if out[i].Total.IsPositive() {
			out[i].Share = out[i].TopSum.Div(out[i].Total)
		}
	}
	return out, err
}
