package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/shopspring/decimal"

	"partnerka"
)

// CreateSession stores a session for a token's hash.
func (db *DB) CreateSession(ctx context.Context, tokenHash []byte, userID int64, csrf string, expires time.Time, ip, ua string) error {
	_, err := db.Q.InsertSession.ExecContext(ctx, tokenHash, userID, csrf, expires, ip, ua, db.now())
	return err
}

// SessionUser returns the user of a live session and its CSRF token, or
// not_found.
func (db *DB) SessionUser(ctx context.Context, tokenHash []byte, now time.Time) (*partnerka.User, string, error) {
	var row struct {
		CSRF string `db:"csrf_token"`
		partnerka.User
	}
	if err := db.Q.SessionUser.GetContext(ctx, &row, tokenHash, now); err != nil {
		return nil, "", notFound(err, "session")
	}
	return &row.User, row.CSRF, nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.Q.DeleteSession.ExecContext(ctx, tokenHash)
	return err
}

// PartnerByID returns a partner, or not_found.
func (db *DB) PartnerByID(ctx context.Context, id int64) (*partnerka.Partner, error) {
	var p partnerka.Partner
	if err := db.Q.PartnerByID.GetContext(ctx, &p, id); err != nil {
		return nil, notFound(err, "partner")
	}
	return &p, nil
}

// Dashboard is what a partner's dashboard shows for a period.
type Dashboard struct {
	Clicks, UniqueClicks     int64
	Leads, Customers, Paying int64
	Funnel                   Funnel
	Balances                 []Balance
	NextRelease              map[string]time.Time // by currency: when its next pending money becomes available
	Latest                   []LatestCommission
	DefaultLinkCode          string
}

// Funnel is a partner's conversion over one cohort, the visitors of a
// period: a visitor is a unique click (one address on one link in one
// UTC hour). Leads are the visitors whose click bound a customer to the
// partner, Paying those of them whose customer has paid since; each step
// counts visitors of the step before, so no ratio passes 100 %. The
// customers bound in the period without a click are counted beside it,
// by source, and never divided by clicks.
type Funnel struct {
	Visitors int64 `db:"visitors"`
	Leads    int64 `db:"leads"`
	Paying   int64 `db:"paying"`
	NoClick
}

// NoClick counts the customers bound in a period by something other than
// a click, by source.
type NoClick struct {
	PromoCode    int64 `db:"no_click_promo_code"`
	PartnerRef   int64 `db:"no_click_partner_ref"`
	Registration int64 `db:"no_click_registration"`
	Manual       int64 `db:"no_click_manual"`
}

// Total is every customer bound without a click.
func (n NoClick) Total() int64 { return n.PromoCode + n.PartnerRef + n.Registration + n.Manual }

// SourceCount is how many customers one source bound.
type SourceCount struct {
	Source string // as customers.source stores it: promo_code, partner_ref, registration, manual
	Count  int64
}

// Sources lists the sources that bound any customer, in a fixed order.
func (n NoClick) Sources() []SourceCount {
	var out []SourceCount
	for _, s := range []SourceCount{{"promo_code", n.PromoCode}, {"partner_ref", n.PartnerRef},
		{"registration", n.Registration}, {"manual", n.Manual}} {
		if s.Count > 0 {
			out = append(out, s)
		}
	}
	return out
}

// LatestCommission is a recent commission on the dashboard.
type LatestCommission struct {
	EarnedAt    time.Time       `db:"earned_at"`
	Amount      decimal.Decimal `db:"amount"`
	Currency    string          `db:"currency"`
	Status      string          `db:"status"`
	Explanation string          `db:"explanation"`
}

// PartnerDashboard reads the dashboard of one partner for [from, to). It
// reads pre-aggregated click stats; raw clicks only by the ids its
// customers name (the funnel).
func (db *DB) PartnerDashboard(ctx context.Context, partnerID int64, from, to time.Time) (*Dashboard, error) {
	d := &Dashboard{}
	// The customer counts and the funnel are the slowest reads: they run
	// beside the rest, each on its own pooled connection.
	customers, funnel := make(chan error, 1), make(chan error, 1)
	go func() {
		customers <- db.Q.DashboardCustomers.QueryRowxContext(ctx, partnerID, from, to).Scan(&d.Leads, &d.Customers, &d.Paying)
	}()
	go func() {
		funnel <- db.Q.DashboardFunnel.GetContext(ctx, &d.Funnel, partnerID, localDate(from), localDate(to), from, to)
	}()
	err := db.partnerDashboardRest(ctx, d, partnerID, from, to)
	if e := <-customers; err == nil {
		err = e
	}
	if e := <-funnel; err == nil {
		err = e
	}
	if err != nil {
		return nil, err
	}
	d.Funnel.Visitors = d.UniqueClicks
	return d, nil
}

func (db *DB) partnerDashboardRest(ctx context.Context, d *Dashboard, partnerID int64, from, to time.Time) error {
	if err := db.Q.DashboardClicks.QueryRowxContext(ctx, partnerID, localDate(from), localDate(to)).Scan(&d.Clicks, &d.UniqueClicks); err != nil {
		return err
	}
	var err error
	if d.Balances, err = db.PartnerBalances(ctx, partnerID); err != nil {
		return err
	}
	var next []struct {
		Currency string    `db:"currency"`
		At       time.Time `db:"at"`
	}
	if err := db.Q.NextRelease.SelectContext(ctx, &next, partnerID); err != nil {
		return err
	}
	d.NextRelease = map[string]time.Time{}
	for _, n := range next {
		d.NextRelease[n.Currency] = n.At
	}
	if err := db.Q.LatestCommissions.SelectContext(ctx, &d.Latest, partnerID); err != nil {
		return err
	}
	if err := db.Q.DefaultLinkCode.GetContext(ctx, &d.DefaultLinkCode, partnerID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

// PartnerLink is a link with its clicks since a day.
type PartnerLink struct {
	ID           int64  `db:"id"`
	Code         string `db:"code"`
	Destination  string `db:"destination_url"`
	SubID        string `db:"sub_id"`
	Label        string `db:"label"`
	IsDefault    bool   `db:"is_default"`
	Disabled     bool   `db:"disabled"`
	ByStaff      bool   `db:"disabled_by_staff"` // disabled by the program's team: only they enable it
	Reason       string `db:"disabled_reason"`   // their reason, shown to the partner
	Clicks       int64  `db:"clicks"`
	UniqueClicks int64  `db:"unique_clicks"`
}

// PartnerLinks returns a partner's links, default first, with clicks since.
func (db *DB) PartnerLinks(ctx context.Context, partnerID int64, since time.Time) ([]PartnerLink, error) {
	var links []PartnerLink
	err := db.Q.PartnerLinks.SelectContext(ctx, &links, partnerID, localDate(since))
	return links, err
}

// EarningRow is one commission of the earnings page.
type EarningRow struct {
	ID          int64           `db:"id"`
	EarnedAt    time.Time       `db:"earned_at"`
	HoldUntil   time.Time       `db:"hold_until"`
	Amount      decimal.Decimal `db:"amount"`
	Reversed    decimal.Decimal `db:"reversed_amount"`
	Currency    string          `db:"currency"`
	Status      string          `db:"status"`
	Level       int             `db:"level"`
	Event       string          `db:"event"`
	Explanation string          `db:"explanation"`
	Rerate      string          `db:"rerate"`   // the latest re-rate's explanation, "" if never re-rated
	Purchase    string          `db:"purchase"` // the vendor's id of the payment; empty on level 2 (the recruit's customer)
}

// ManualEntry is a bonus or adjustment.
type ManualEntry struct {
	ID        int64           `db:"id"`
	CreatedAt time.Time       `db:"created_at"`
	Amount    decimal.Decimal `db:"amount"`
	Currency  string          `db:"currency"`
	Kind      string          `db:"kind"`
	Reason    string          `db:"reason"`
}

// PartnerEarnings returns a partner's latest commissions and manual
// entries in [from, to), at most limit of each (EachPartnerEarning and
// EachPartnerManualEntry read them all).
func (db *DB) PartnerEarnings(ctx context.Context, partnerID int64, from, to time.Time, limit int) ([]EarningRow, []ManualEntry, error) {
	var rows []EarningRow
	if err := db.Q.PartnerCommissions.SelectContext(ctx, &rows, partnerID, from, to, 0, limit); err != nil {
		return nil, nil, err
	}
	var manual []ManualEntry
	err := db.Q.PartnerManualEntries.SelectContext(ctx, &manual, partnerID, from, to, 0, limit)
	return rows, manual, err
}

// Application is what a prospective partner submits.
type Application struct {
	Ref, Name, Kind, ContactName, Email, Phone, Website, Promotion, Locale, PasswordHash string

	TypeID *int64 // the partner type asked for; nil: the team chooses
}

// CreateApplication creates a partner in status applied and its owner, in
// one transaction. Errors: conflict on a taken email (field email),
// invalid on an unknown partner type (field partner_type).
func (db *DB) CreateApplication(ctx context.Context, a Application) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.Stmtx(db.Q.InsertApplication).GetContext(ctx, &id, a.Ref, a.Name, a.Kind, a.ContactName, a.Email,
			a.Phone, a.Website, a.Promotion, db.now(), a.TypeID); err != nil {
			if IsForeignKeyViolation(err) {
				return partnerka.FieldError("partner_type", "choose a partner type")
			}
			return err
		}
		var uid int64
		var created time.Time
		err := tx.Stmtx(db.Q.InsertUser).QueryRowxContext(ctx, a.Email, a.ContactName, a.PasswordHash, partnerka.RoleOwner, id, a.Locale, db.now()).Scan(&uid, &created)
		if IsUniqueViolation(err, "users_email_key") {
			return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "email", Message: "an account with this email exists; sign in instead"}
		}
		if err != nil {
			return err
		}
		return db.queueNotice(ctx, tx, id, NoticeApplicationReceived, 0, "")
	})
	return id, err
}

// SetUserLocale stores a user's language.
func (db *DB) SetUserLocale(ctx context.Context, userID int64, locale string) error {
	_, err := db.Q.SetUserLocale.ExecContext(ctx, userID, locale)
	return err
}

// CreatePasswordReset stores a reset token's hash for a user.
func (db *DB) CreatePasswordReset(ctx context.Context, tokenHash []byte, userID int64, expires time.Time) error {
	_, err := db.Q.InsertPasswordReset.ExecContext(ctx, tokenHash, userID, expires, db.now())
	return err
}

// ResetPassword spends a reset token: sets the new password hash, ends
// every session of the user and remembers address (where the link was
// used: the mailbox's owner is there) as one the user signs in from, in
// one transaction. not_found when the token is unknown, used or expired.
func (db *DB) ResetPassword(ctx context.Context, tokenHash []byte, passwordHash, address string, now time.Time) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var userID int64
		if err := tx.Stmtx(db.Q.UsePasswordReset).GetContext(ctx, &userID, tokenHash, now); err != nil {
			return notFound(err, "reset link")
		}
		if _, err := tx.Stmtx(db.Q.SetUserPassword).ExecContext(ctx, userID, passwordHash); err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.DeleteUserSessions).ExecContext(ctx, userID); err != nil {
			return err
		}
		_, err := tx.Stmtx(db.Q.RememberSignInAddress).ExecContext(ctx, userID, address, now)
		return err
	})
}

// ContractAt returns the partner's contract in force at t, or not_found.
func (db *DB) ContractAt(ctx context.Context, partnerID int64, t time.Time) (*Contract, error) {
	var c Contract
	if err := db.Q.ContractAt.GetContext(ctx, &c, partnerID, t); err != nil {
		return nil, notFound(err, "contract")
	}
	return &c, nil
}

// MinPayouts returns the smallest payout per currency.
func (db *DB) MinPayouts(ctx context.Context) ([]partnerka.Money, error) {
	var rows []struct {
		Currency string          `db:"currency"`
		Amount   decimal.Decimal `db:"amount"`
	}
	if err := db.Q.MinPayouts.SelectContext(ctx, &rows); err != nil {
		return nil, err
	}
	out := make([]partnerka.Money, len(rows))
	for i, r := range rows {
		out[i] = partnerka.Money{Amount: r.Amount, Currency: r.Currency}
	}
	return out, nil
}

// DayStat is one day of the dashboard chart.
type DayStat struct {
	Day      time.Time       `db:"day"`
	Clicks   int64           `db:"clicks"`
	Leads    int64           `db:"leads"`
	Earned   decimal.Decimal `db:"earned"`
	Currency string          `db:"-"` // Earned's
}

// DailyStats returns clicks, leads and earnings (in currency) per day of
// [from, to), from's local midnight on, the days counted in from's time
// zone (a day across a change of summer time is 23 or 25 hours long).
func (db *DB) DailyStats(ctx context.Context, partnerID int64, from, to time.Time, currency string) ([]DayStat, error) {
	edges := newArrayLiteral(32 * 32)
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, from.Location())
	for ; day.Before(to); day = day.AddDate(0, 0, 1) {
		edges.Time(day)
	}
	edges.Time(day)
	var out []DayStat
	err := db.Q.DashboardDaily.SelectContext(ctx, &out, partnerID, edges.String(), currency, localDate(from), localDate(day))
	for i := range out {
		out[i].Day, out[i].Currency = out[i].Day.In(from.Location()), currency
	}
	return out, err
}

// localDate is t's calendar date in its own time zone. Clicks are counted
// per UTC day; a local day is matched with the UTC day of the same date.
func localDate(t time.Time) string { return t.Format(time.DateOnly) }

// PartnerVolume returns what the partner's customers paid in [from, to) in
// a currency (purchases as reconciled).
func (db *DB) PartnerVolume(ctx context.Context, partnerID int64, from, to time.Time, currency string) (decimal.Decimal, error) {
	var v decimal.Decimal
	err := db.Q.PartnerVolume.GetContext(ctx, &v, partnerID, from, to, currency)
	return v, err
}

// PartnerLinkCode returns code if it is one of the partner's links, or
// not_found (for another partner's code too).
func (db *DB) PartnerLinkCode(ctx context.Context, partnerID int64, code string) (string, error) {
	var c string
	if err := db.Q.PartnerLinkCode.GetContext(ctx, &c, partnerID, code); err != nil {
		return "", notFound(err, "link")
	}
	return c, nil
}
