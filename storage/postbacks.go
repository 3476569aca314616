package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"
)

// PostbackQueries are the statements of partners' postbacks.
type PostbackQueries struct {
	PostbackPartners     *sqlx.Stmt `query:"postback-partners"`
	DuePostbacks         *sqlx.Stmt `query:"due-postbacks"`
	PartnerPostbacks     *sqlx.Stmt `query:"partner-postbacks"`
	PostbackURLForUpdate *sqlx.Stmt `query:"postback-url-for-update"`
	SetPostbackURL       *sqlx.Stmt `query:"set-postback-url"`
	ClaimPostbackTest    *sqlx.Stmt `query:"claim-postback-test"`
	RecordPostbackTest   *sqlx.Stmt `query:"record-postback-test"`
	PostbackSettings     *sqlx.Stmt `query:"postback-settings"`
}

// PostbackPartners returns the partners that have a postback URL.
func (db *DB) PostbackPartners(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := db.Q.PostbackPartners.SelectContext(ctx, &ids)
	return ids, err
}

// DuePostback is a queued postback with what its URL is filled with.
type DuePostback struct {
	ID           int64           `db:"id"`
	Attempts     int             `db:"attempts"`
	URL          string          `db:"url"`
	CommissionID int64           `db:"commission_id"`
	Event        string          `db:"event"`
	Level        int             `db:"level"`
	Amount       decimal.Decimal `db:"amount"`
	Currency     string          `db:"currency"`
	PurchaseID   string          `db:"purchase_id"` // the vendor's id; empty for a lead
	RefundID     string          `db:"refund_id"`   // the vendor's id of the refund, for event "refund"
	CustomerID   string          `db:"customer_id"` // the vendor's id
	ClickID      string          `db:"click_id"`    // the click that bound the customer, if one did
	SubID        string          `db:"sub_id"`
}

// DeliverPostbacks takes up to limit due postbacks, calls deliver with
// them and records each outcome (see deliverOutbox).
func (db *DB) DeliverPostbacks(ctx context.Context, now time.Time, limit int,
	deliver func([]DuePostback) []OutboxAttempt) (int, error) {
	return deliverOutbox(ctx, db, db.Q.DuePostbacks, now, limit, deliver)
}

// PostbackRecord is one queued postback as its partner sees it.
type PostbackRecord struct {
	ID           int64      `db:"id"`
	CreatedAt    time.Time  `db:"created_at"`
	Attempts     int        `db:"attempts"`
	SentAt       *time.Time `db:"sent_at"`
	NextAt       time.Time  `db:"next_at"`
	LastError    string     `db:"last_error"`
	CommissionID int64      `db:"commission_id"`
	Reversal     bool       `db:"reversal"` // a refund took (part of) the commission back
}

// GaveUp reports a postback whose attempts are spent.
func (r PostbackRecord) GaveUp() bool { return r.SentAt == nil && r.NextAt.Equal(OutboxNever) }

// PartnerPostbacks returns a partner's latest postbacks, newest first.
func (db *DB) PartnerPostbacks(ctx context.Context, partnerID int64, limit int) ([]PostbackRecord, error) {
	var out []PostbackRecord
	err := db.Q.PartnerPostbacks.SelectContext(ctx, &out, partnerID, limit)
	return out, err
}

// SetPostbackURL changes a partner's postback URL (empty turns postbacks
// off), audited. The reconciler queues postbacks for the partner from its
// next pass.
func (db *DB) SetPostbackURL(ctx context.Context, partnerID int64, url string, a Actor) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var old string
		if err := tx.StmtxContext(ctx, db.Q.PostbackURLForUpdate).GetContext(ctx, &old, partnerID); err != nil {
			return notFound(err, "partner")
		}
		if old == url {
			return nil
		}
		if _, err := tx.StmtxContext(ctx, db.Q.SetPostbackURL).ExecContext(ctx, partnerID, url, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("partner.postback_url", "partner", partnerID,
			map[string]any{"postback_url": old}, map[string]any{"postback_url": url}))
	})
}

// ClaimPostbackTest starts a test postback of a partner at now and returns
// the URL to call, or "" when the partner has no URL or sent a test within
// the last 10 seconds.
func (db *DB) ClaimPostbackTest(ctx context.Context, partnerID int64, now time.Time) (string, error) {
	var url string
	err := db.Q.ClaimPostbackTest.GetContext(ctx, &url, partnerID, now)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return url, err
}

// RecordPostbackTest keeps the outcome of the test started at startedAt:
// "" delivered, else the error.
func (db *DB) RecordPostbackTest(ctx context.Context, partnerID int64, startedAt time.Time, outcome string) error {
	_, err := db.Q.RecordPostbackTest.ExecContext(ctx, partnerID, startedAt, outcome)
	return err
}

// PostbackSetting is a partner's postback URL and latest test postback.
type PostbackSetting struct {
	URL       string     `db:"postback_url"`
	TestedAt  *time.Time `db:"postback_tested_at"`  // nil: never tested
	TestError *string    `db:"postback_test_error"` // nil while the test runs; "" delivered
}

// PostbackSettings returns a partner's postback URL and latest test.
func (db *DB) PostbackSettings(ctx context.Context, partnerID int64) (PostbackSetting, error) {
	var st PostbackSetting
	err := db.Q.PostbackSettings.GetContext(ctx, &st, partnerID)
	return st, notFound(err, "partner")
}
