package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"
)

// Notice events: the team's decisions a partner's owners hear of by email.
const (
	NoticeApplicationApproved = "application_approved"
	NoticeApplicationRejected = "application_rejected"
	NoticePayoutApproved      = "payout_approved"
	NoticePayoutRejected      = "payout_rejected"
	NoticePayoutPaid          = "payout_paid"
)

// NoticeQueries are the statements of notices.
type NoticeQueries struct {
	QueueNotice      *sqlx.Stmt `query:"queue-notice"`
	DueNotices       *sqlx.Stmt `query:"due-notices"`
	NoticeRecipients *sqlx.Stmt `query:"notice-recipients"`
}

// queueNotice queues a notice of event to partnerID's owners in tx, so it
// is sent if and only if the decision it tells of is committed. payoutID
// is 0 for an application's notice.
func (db *DB) queueNotice(ctx context.Context, tx *sqlx.Tx, partnerID int64, event string, payoutID int64) error {
	_, err := tx.StmtxContext(ctx, db.Q.QueueNotice).ExecContext(ctx, partnerID, event, payoutID)
	return err
}

// DueNotice is a queued notice with what its text needs.
type DueNotice struct {
	ID            int64           `db:"id"`
	Attempts      int             `db:"attempts"`
	PartnerID     int64           `db:"partner_id"`
	Event         string          `db:"event"`
	PartnerName   string          `db:"partner_name"`
	PartnerReason string          `db:"partner_reason"` // why an application was rejected
	Amount        decimal.Decimal `db:"amount"`         // a payout's
	Currency      string          `db:"currency"`
	PayoutReason  string          `db:"payout_reason"`
	Reference     string          `db:"reference"` // the bank's, for a paid payout
}

// DeliverNotices takes up to limit due notices, calls deliver with them and
// records each outcome (see deliverOutbox).
func (db *DB) DeliverNotices(ctx context.Context, now time.Time, limit int,
	deliver func([]DueNotice) []OutboxAttempt) (int, error) {
	return deliverOutbox(ctx, db, db.Q.DueNotices, now, limit, deliver)
}

// Recipient is a user a notice is sent to, in their language.
type Recipient struct {
	Email  string `db:"email"`
	Locale string `db:"locale"`
}

// NoticeRecipients returns the active owners of a partner.
func (db *DB) NoticeRecipients(ctx context.Context, partnerID int64) ([]Recipient, error) {
	var out []Recipient
	err := db.Q.NoticeRecipients.SelectContext(ctx, &out, partnerID)
	return out, err
}
