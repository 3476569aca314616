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
	NoticePayoutCancelled     = "payout_cancelled" // an approved payout finance returned to the balance
	NoticePartnerSuspended    = "partner_suspended"
	NoticePartnerReactivated  = "partner_reactivated"
)

// NoticeQueries are the statements of notices.
type NoticeQueries struct {
	QueueNotice *sqlx.Stmt `query:"queue-notice"`
	DueNotices  *sqlx.Stmt `query:"due-notices"`
}

// staffNotices are the requests the team hears of, and who acts on each.
var staffNotices = map[string][]string{
	NoticeApplicationReceived: {partnerka.RoleAdmin, partnerka.RoleManager},
	NoticePayoutRequested:     {partnerka.RoleAdmin, partnerka.RoleFinance},
}

// queueNotice queues, in tx, a notice of event about partnerID to each of
// its recipients as they are now: the partner's active owners, or for a
// request the active staff who act on it. It is sent if and only if what
// it tells of is committed. payoutID is 0 but for a payout's notice;
// reason is a decision's about the partner.
func (db *DB) queueNotice(ctx context.Context, tx *sqlx.Tx, partnerID int64, event string, payoutID int64, reason string) error {
	_, err := tx.StmtxContext(ctx, db.Q.QueueNotice).ExecContext(ctx, partnerID, event, payoutID, reason,
		pq.Array(staffNotices[event]), db.now())
	return err
}

// DueNotice is a queued notice, one recipient's, with what its text needs.
type DueNotice struct {
	ID            int64           `db:"id"`
	Attempts      int             `db:"attempts"`
	PartnerID     int64           `db:"partner_id"`
	Event         string          `db:"event"`
	Email         string          `db:"email"`  // the recipient's
	Locale        string          `db:"locale"` // the recipient's language
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
