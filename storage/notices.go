package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

// Notice events: the team's decisions a partner's owners hear of by email,
// and the requests the team hears of (NoticeApplicationReceived to admins
// and managers, NoticePayoutRequested to admins and finance).
const (
	NoticeApplicationReceived = "application_received"
	NoticePayoutRequested     = "payout_requested"
	NoticeApplicationApproved = "application_approved"
	NoticeApplicationRejected = "application_rejected"
	NoticePayoutApproved      = "payout_approved"
	NoticePayoutRejected      = "payout_rejected"
	NoticePayoutPaid          = "payout_paid"
	NoticePartnerSuspended    = "partner_suspended"
	NoticePartnerReactivated  = "partner_reactivated"
)

// NoticeQueries are the statements of notices.
type NoticeQueries struct {
	QueueNotice      *sqlx.Stmt `query:"queue-notice"`
	DueNotices       *sqlx.Stmt `query:"due-notices"`
	NoticeRecipients *sqlx.Stmt `query:"notice-recipients"`
	StaffRecipients  *sqlx.Stmt `query:"staff-recipients"`
}

// queueNotice queues a notice of event about partnerID in tx, so it is
// sent if and only if what it tells of is committed. payoutID is 0 but
// for a payout's notice; reason is a decision's about the partner.
func (db *DB) queueNotice(ctx context.Context, tx *sqlx.Tx, partnerID int64, event string, payoutID int64, reason string) error {
	_, err := tx.StmtxContext(ctx, db.Q.QueueNotice).ExecContext(ctx, partnerID, event, payoutID, reason)
	return err
}

// DueNotice is a queued notice with what its text needs.
type DueNotice struct {
	ID            int64           `db:"id"`
	Attempts      int             `db:"attempts"`
	PartnerID     int64           `db:"partner_id"`
	Event         string          `db:"event"`
	PartnerName   string          `db:"partner_name"`
	PayoutID      int64           `db:"payout_id"`
	PartnerReason string          `db:"partner_reason"` // why an application was rejected or a partner suspended
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

// NoticeRecipients returns who a notice goes to: the active staff of the
// roles that act on a request, or the partner's active owners.
func (db *DB) NoticeRecipients(ctx context.Context, n *DueNotice) ([]Recipient, error) {
	var out []Recipient
	var err error
	switch n.Event {
	case NoticeApplicationReceived:
		err = db.Q.StaffRecipients.SelectContext(ctx, &out, pq.Array([]string{partnerka.RoleAdmin, partnerka.RoleManager}))
	case NoticePayoutRequested:
		err = db.Q.StaffRecipients.SelectContext(ctx, &out, pq.Array([]string{partnerka.RoleAdmin, partnerka.RoleFinance}))
	default:
		err = db.Q.NoticeRecipients.SelectContext(ctx, &out, n.PartnerID)
	}
	return out, err
}
