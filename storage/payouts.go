package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"partnerka"
)

// Payout statuses.
const (
	PayoutRequested = "requested"
	PayoutApproved  = "approved"
	PayoutRejected  = "rejected"
	PayoutCancelled = "cancelled"
	PayoutPaid      = "paid"
)

// Payout is a payout as partners and finance see it.
type Payout struct {
	ID            int64           `db:"id"`
	Amount        decimal.Decimal `db:"amount"`
	Currency      string          `db:"currency"`
	Status        string          `db:"status"`
	Method        string          `db:"method"`
	RequestedAt   time.Time       `db:"requested_at"`
	DecidedAt     *time.Time      `db:"decided_at"`
	Reason        string          `db:"reason"`
	PaidAt        *time.Time      `db:"paid_at"`
	PaidReference string          `db:"paid_reference"`
	Total         int64           `db:"total"` // partner-payouts: how many the partner has in all
}

// RequestPayout reserves amount of the partner's available balance for a
// payout. Under the partner's row lock it checks the minimum for the
// currency, the available balance and that payout details are set.
// Errors: invalid (field named), unprocessable (balance or minimum).
func (db *DB) RequestPayout(ctx context.Context, partnerID, userID int64, m partnerka.Money, at time.Time) (int64, error) {
	return db.requestPayout(ctx, partnerID, userID, m, at, false)
}

// CheckPayout answers what RequestPayout would, reserving nothing: the
// cabinet asks before its confirmation step, so a request the rules
// refuse is refused before the partner confirms it.
func (db *DB) CheckPayout(ctx context.Context, partnerID int64, m partnerka.Money) error {
	_, err := db.requestPayout(ctx, partnerID, 0, m, time.Time{}, true)
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

var errDryRun = errors.New("dry run")

func (db *DB) requestPayout(ctx context.Context, partnerID, userID int64, m partnerka.Money, at time.Time, dry bool) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var p struct {
			ID      int64  `db:"id"`
			Method  string `db:"payout_method"`
			Details []byte `db:"payout_details"`
		}
		if err := tx.Stmtx(db.Q.LockPartner).GetContext(ctx, &p, partnerID); err != nil {
			return notFound(err, "partner")
		}
		if p.Method == "" {
			return &partnerka.Error{Code: partnerka.EUNPROCESSABLE, Field: "details", Message: "set your payout details in settings first"}
		}
		var min decimal.Decimal
		err := tx.Stmtx(db.Q.MinPayout).GetContext(ctx, &min, m.Currency)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if m.Amount.LessThan(min) {
			return &partnerka.Error{Code: partnerka.EUNPROCESSABLE, Field: "amount",
				Message: "the minimum payout is " + partnerka.Money{Amount: min, Currency: m.Currency}.String()}
		}
		var available decimal.Decimal
		if err := tx.Stmtx(db.Q.AvailableBalance).GetContext(ctx, &available, partnerID, m.Currency); err != nil {
			return err
		}
		if m.Amount.GreaterThan(available) {
			return &partnerka.Error{Code: partnerka.EUNPROCESSABLE, Field: "amount",
				Message: "only " + partnerka.Money{Amount: available, Currency: m.Currency}.String() + " is available"}
		}
		if dry {
			return errDryRun // rolls the transaction back
		}
		if err := tx.Stmtx(db.Q.InsertPayout).GetContext(ctx, &id, partnerID, m.Amount, m.Currency, p.Method, p.Details, userID, at); err != nil {
			return err
		}
		if err := payoutEntries(ctx, tx, db.Q, partnerID, m, "available", "reserved", "payout", id, userID, at); err != nil {
			return err
		}
		return db.queueNotice(ctx, tx, partnerID, NoticePayoutRequested, id, "")
	})
	return id, err
}

func payoutEntries(ctx context.Context, tx *sqlx.Tx, q *Queries, partnerID int64, m partnerka.Money, from, to, kind string, payoutID, userID int64, at time.Time) error {
	_, err := tx.Stmtx(q.InsertPayoutEntries).ExecContext(ctx, partnerID, m.Currency, from, m.Amount, kind, payoutID, nullInt(userID), to, at)
	return err
}

// PayoutTransition moves a payout from one status to another, with the
// ledger entries and audit record the move implies, under the payout's row
// lock: whatever the concurrency, each transition happens once.
//
// The moves: a request is approved, or rejected with a reason, by staff
// (never by who requested it), or cancelled by its partner; an approved
// payout is marked paid with the bank's reference (under four eyes, by
// someone other than who approved it), or cancelled by staff with a
// reason when the bank did not pay it out. Rejecting and cancelling
// return the amount to the partner's available balance.
type PayoutTransition struct {
	PayoutID int64
	// PartnerID is set when the partner acts: the payout must be theirs
	// (not_found otherwise), and what they may cancel is their request.
	PartnerID int64
	To        string
	ActorID   int64
	Reason    string
	Reference string
	At        time.Time
	IP        string // the actor's address, for the audit log
}

// TransitionPayout applies t. Errors: not_found, conflict (the payout is
// not in a status the move starts from), forbidden (approving one's own
// request; marking paid a payout one approved, under four eyes: field
// four_eyes), invalid (field reason: cancelling an approved payout
// without saying why).
func (db *DB) TransitionPayout(ctx context.Context, t PayoutTransition) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error { return db.transitionPayout(ctx, tx, t) })
}

// MarkPaid marks approved payouts paid with the bank's references, all or
// none: when any line fails, nothing changes and every failing line is
// returned with its reason (line numbers as given in lines).
func (db *DB) MarkPaid(ctx context.Context, lines []PaidLine, actorID int64, ip string, at time.Time) ([]LineError, error) {
	var bad []LineError
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, l := range lines {
			// A savepoint per line lets the transaction go on past a failed
			// line, so every bad line is reported at once.
			if _, err := tx.ExecContext(ctx, "SAVEPOINT line"); err != nil {
				return err
			}
			err := db.transitionPayout(ctx, tx, PayoutTransition{PayoutID: l.PayoutID, To: PayoutPaid, ActorID: actorID,
				Reference: l.Reference, At: at, IP: ip})
			if err != nil {
				if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
					return err
				}
				bad = append(bad, LineError{Line: l.Line, Message: partnerka.ErrorMessage(err), Field: partnerka.ErrorField(err)})
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT line"); err != nil {
					return err
				}
			}
		}
		if len(bad) > 0 {
			return errRollback
		}
		return nil
	})
	if errors.Is(err, errRollback) {
		err = nil
	}
	return bad, err
}

// PaidLine is one line of a bank's confirmation: payout id and reference.
type PaidLine struct {
	Line      int
	PayoutID  int64
	Reference string
}

// LineError is why one line of an upload was refused; Field names the
// rule that refused it, when one did ("four_eyes").
type LineError struct {
	Line    int
	Message string
	Field   string
}

var errRollback = errors.New("rollback")

// payoutNotices are the moves a partner hears of: those the team makes.
var payoutNotices = map[string]string{PayoutApproved: NoticePayoutApproved, PayoutRejected: NoticePayoutRejected,
	PayoutPaid: NoticePayoutPaid, PayoutCancelled: NoticePayoutCancelled}

// ErrFourEyes refuses the payment of a payout by the person who approved
// it while the program keeps four eyes on payouts.
var ErrFourEyes = &partnerka.Error{Code: partnerka.EFORBIDDEN, Field: "four_eyes",
	Message: "four eyes: you approved this payout, so someone else in finance marks it paid"}

func (db *DB) transitionPayout(ctx context.Context, tx *sqlx.Tx, t PayoutTransition) error {
	var p struct {
		ID          int64           `db:"id"`
		PartnerID   int64           `db:"partner_id"`
		Amount      decimal.Decimal `db:"amount"`
		Currency    string          `db:"currency"`
		Status      string          `db:"status"`
		RequestedBy int64           `db:"requested_by"`
		DecidedBy   *int64          `db:"decided_by"`
	}
	if t.At.IsZero() {
		t.At = db.now()
	}
	if err := tx.Stmtx(db.Q.PayoutForUpdate).GetContext(ctx, &p, t.PayoutID); err != nil {
		return notFound(err, "payout")
	}
	if t.PartnerID != 0 && p.PartnerID != t.PartnerID {
		return partnerka.Errorf(partnerka.ENOTFOUND, "payout not found")
	}
	byPartner := t.PartnerID != 0
	from := map[string]string{PayoutApproved: PayoutRequested, PayoutRejected: PayoutRequested, PayoutPaid: PayoutApproved}[t.To]
	if t.To == PayoutCancelled {
		from = PayoutApproved // staff return an approved payout the bank did not pay out
		if byPartner {
			from = PayoutRequested // a partner withdraws its request
		}
	}
	if from == "" || p.Status != from {
		return partnerka.Errorf(partnerka.ECONFLICT, "the payout is %s and cannot become %s", p.Status, t.To)
	}
	if t.To == PayoutApproved && t.ActorID == p.RequestedBy {
		return partnerka.Errorf(partnerka.EFORBIDDEN, "a payout is approved by someone other than who requested it")
	}
	if t.To == PayoutCancelled && !byPartner && strings.TrimSpace(t.Reason) == "" {
		return partnerka.FieldError("reason", "say why the payout is cancelled: the partner sees it")
	}
	after := map[string]any{"status": t.To, "reason": t.Reason, "reference": t.Reference}
	waived := false
	if t.To == PayoutPaid && p.DecidedBy != nil && *p.DecidedBy == t.ActorID {
		var fourEyes bool
		if err := tx.Stmtx(db.Q.FourEyesPayouts).GetContext(ctx, &fourEyes); err != nil {
			return err
		}
		if fourEyes {
			return ErrFourEyes
		}
		waived = true // the program lets one person approve and pay: the payment says so
		after["four_eyes_waived"] = true
	}
	m := partnerka.Money{Amount: p.Amount, Currency: p.Currency}
	var decidedBy, paidBy, cancelledBy *int64
	var decidedAt, paidAt, cancelledAt *time.Time
	switch t.To {
	case PayoutCancelled, PayoutRejected:
		if err := payoutEntries(ctx, tx, db.Q, p.PartnerID, m, "reserved", "available", "payout_reversal", p.ID, t.ActorID, t.At); err != nil {
			return err
		}
		if t.To == PayoutRejected {
			decidedBy, decidedAt = &t.ActorID, &t.At
		} else {
			cancelledBy, cancelledAt = &t.ActorID, &t.At
		}
	case PayoutApproved:
		decidedBy, decidedAt = &t.ActorID, &t.At
	case PayoutPaid:
		if err := payoutEntries(ctx, tx, db.Q, p.PartnerID, m, "reserved", "paid", "payout_paid", p.ID, t.ActorID, t.At); err != nil {
			return err
		}
		paidBy, paidAt = &t.ActorID, &t.At
	}
	if _, err := tx.Stmtx(db.Q.SetPayoutStatus).ExecContext(ctx, p.ID, t.To, decidedBy, decidedAt, t.Reason, paidAt, t.Reference,
		paidBy, waived, cancelledBy, cancelledAt); err != nil {
		return err
	}
	// A partner hears of what the team does, not of its own cancellation.
	if event := payoutNotices[t.To]; event != "" && !byPartner {
		if err := db.queueNotice(ctx, tx, p.PartnerID, event, p.ID, ""); err != nil {
			return err
		}
	}
	return db.audit(ctx, tx, AuditEntry{ActorID: t.ActorID, Action: "payout." + t.To, Entity: "payout", EntityID: p.ID,
		Before: map[string]any{"status": p.Status}, After: after, IP: t.IP, At: t.At})
}

// PartnerPayouts returns limit of a partner's payouts, newest first, after
// the first offset, and how many the partner has in all.
func (db *DB) PartnerPayouts(ctx context.Context, partnerID int64, limit, offset int) ([]Payout, int64, error) {
	var out []Payout
	if err := db.Q.PartnerPayouts.SelectContext(ctx, &out, partnerID, limit, offset); err != nil {
		return nil, 0, err
	}
	var total int64
	if len(out) > 0 {
		total = out[0].Total
	}
	return out, total, nil
}

// SetPayoutDetails stores how a partner is paid.
func (db *DB) SetPayoutDetails(ctx context.Context, partnerID int64, method string, details map[string]string) error {
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		at := db.now()
		if _, err := tx.Stmtx(db.Q.SetPayoutDetails).ExecContext(ctx, partnerID, method, b, at); err != nil {
			return err
		}
		// The shared details rule compares the account with other partners'.
		return db.queueReview(ctx, tx, ReviewDetails, []int64{partnerID}, at)
	})
}

// PayoutDetails returns how a partner is paid: the method and account.
func (db *DB) PayoutDetails(ctx context.Context, partnerID int64) (method, account string, err error) {
	var row struct {
		Method  string `db:"payout_method"`
		Details []byte `db:"payout_details"`
	}
	if err := db.Q.PayoutDetailsOf.GetContext(ctx, &row, partnerID); err != nil {
		return "", "", notFound(err, "partner")
	}
	var d map[string]string
	json.Unmarshal(row.Details, &d)
	return row.Method, d["account"], nil
}

// PayoutRow is a payout in finance's queue.
type PayoutRow struct {
	Payout
	PartnerID   int64           `db:"partner_id"`
	Partner     string          `db:"partner"`
	Ref         string          `db:"ref"`
	Details     json.RawMessage `db:"details"`
	RequestedBy string          `db:"requested_by"`
	DecidedBy   string          `db:"decided_by"`
	DecidedByID *int64          `db:"decided_by_id"`
	PaidBy      string          `db:"paid_by"`
	// FourEyesWaived: its approver marked it paid, the program allowing one person to.
	FourEyesWaived bool       `db:"four_eyes_waived"`
	CancelledBy    string     `db:"cancelled_by"`
	CancelledAt    *time.Time `db:"cancelled_at"`
}

// Account is the account the payout goes to, as it was when requested.
func (p PayoutRow) Account() string {
	var d map[string]string
	json.Unmarshal(p.Details, &d)
	return d["account"]
}

// AdminPayouts returns up to limit payouts in status ("" for all) in the
// queue's order (requests and approved oldest first, others newest first),
// from after: the last id of the page before (0 for the first page).
func (db *DB) AdminPayouts(ctx context.Context, status string, after int64, limit int) ([]PayoutRow, error) {
	cursor := payoutCursor(status)
	if after > 0 {
		cursor = after
	}
	var out []PayoutRow
	err := db.Q.AdminPayouts.SelectContext(ctx, &out, status, 0, limit, cursor)
	return out, err
}

// AdminPayoutTotals counts and sums the payouts in status ("" for all), per
// currency.
func (db *DB) AdminPayoutTotals(ctx context.Context, status string) ([]PayoutTotal, error) {
	var out []PayoutTotal
	err := db.Q.AdminPayoutTotals.SelectContext(ctx, &out, status)
	return out, err
}

// AdminPayout returns one payout, or not_found.
func (db *DB) AdminPayout(ctx context.Context, id int64) (*PayoutRow, error) {
	var out []PayoutRow
	if err := db.Q.AdminPayouts.SelectContext(ctx, &out, "", id, 1, payoutCursor("")); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, partnerka.Errorf(partnerka.ENOTFOUND, "payout not found")
	}
	return &out[0], nil
}
