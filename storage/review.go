package storage

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

// ReviewQueries are the statements of the fraud rules and the review queue.
type ReviewQueries struct {
	TakeReviewDue          *sqlx.Stmt `query:"take-review-due"`
	QueueReview            *sqlx.Stmt `query:"queue-review"`
	ReviewSelfReferral     *sqlx.Stmt `query:"review-self-referral"`
	ReviewSignInCustomers  *sqlx.Stmt `query:"review-sign-in-customers"`
	ReviewFastLeads        *sqlx.Stmt `query:"review-fast-leads"`
	ReviewCookieStuffing   *sqlx.Stmt `query:"review-cookie-stuffing"`
	ReviewSpikes           *sqlx.Stmt `query:"review-spikes"`
	ReviewSharedDetails    *sqlx.Stmt `query:"review-shared-details"`
	ReviewRefundFigures    *sqlx.Stmt `query:"review-refund-figures"`
	ReviewProgramRefunds   *sqlx.Stmt `query:"review-program-refunds"`
	InsertReviewFlags      *sqlx.Stmt `query:"insert-review-flags"`
	ReviewClickSpam        *sqlx.Stmt `query:"review-click-spam"`
	PruneClickBursts       *sqlx.Stmt `query:"prune-click-bursts"`
	ReviewHoldCustomers    *sqlx.Stmt `query:"review-hold-customers"`
	ReviewHoldPartners     *sqlx.Stmt `query:"review-hold-partners"`
	ReviewToFlag           *sqlx.Stmt `query:"review-to-flag"`
	FlagCommissions        *sqlx.Stmt `query:"flag-commissions"`
	LockOpenFlags          *sqlx.Stmt `query:"lock-open-flags"`
	DecideFlags            *sqlx.Stmt `query:"decide-flags"`
	FlagsCommissionsClear  *sqlx.Stmt `query:"flags-commissions-to-clear"`
	FlagsCommissionsReject *sqlx.Stmt `query:"flags-commissions-to-reject"`
	RejectCommissions      *sqlx.Stmt `query:"reject-commissions"`
	ReviewGroupsQ          *sqlx.Stmt `query:"review-groups"`
	ReviewGroupHeldQ       *sqlx.Stmt `query:"review-group-held"`
	ReviewGroupsHeldQ      *sqlx.Stmt `query:"review-groups-held"`
	ReviewFlagsOf          *sqlx.Stmt `query:"review-flags-of"`
	ReviewHeldCommissions  *sqlx.Stmt `query:"review-held-commissions"`
	CommissionsUnderReview *sqlx.Stmt `query:"commissions-under-review"`
	PartnerUnderReviewQ    *sqlx.Stmt `query:"partner-under-review"`
	CountOpenReview        *sqlx.Stmt `query:"count-open-review"`
}

// Review subjects: what review_due queues for the review step.
const (
	ReviewCustomer = "customer" // a customer was bound
	ReviewDetails  = "details"  // a partner's payout details changed
	ReviewRefunds  = "refunds"  // refunds of a partner's customers were reconciled
	ReviewSignIn   = "sign_in"  // a partner's team signed in from a new address
)

// Review decisions.
const (
	DecisionClear   = "clear"   // the flags were wrong: the money follows its hold
	DecisionConfirm = "confirm" // the commissions are rejected through the ledger
	DecisionSuspend = "suspend" // confirm, and the partner is suspended
)

// reviewLock keeps review passes one at a time across reconcilers: a pass
// reads what flags hold and flags it, and two would flag twice.
const reviewLock = `hashtext('partnerka.review')`

// queueReview queues subjects for the review step in tx.
func (db *DB) queueReview(ctx context.Context, tx *sqlx.Tx, subject string, ids []int64, at time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := tx.Stmtx(db.Q.QueueReview).ExecContext(ctx, subject, pq.Array(ids), at)
	return err
}

// ReviewTx is one review pass: what it takes off the queue and the flags
// it raises commit together, or not at all.
type ReviewTx struct {
	db  *DB
	tx  *sqlx.Tx
	ctx context.Context
}

// InReviewTx runs fn in a transaction holding the review lock; when another
// reconciler holds it, fn is not run and ran is false.
func (db *DB) InReviewTx(ctx context.Context, fn func(*ReviewTx) error) (ran bool, err error) {
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &ran, `SELECT pg_try_advisory_xact_lock(`+reviewLock+`) /* storage.InReviewTx */`); err != nil || !ran {
			return err
		}
		return fn(&ReviewTx{db: db, tx: tx, ctx: ctx})
	})
	return ran, err
}

// TakeDue takes up to limit subjects off the review queue, refunds
// subjects only if queued at or before refundsBefore; ids by subject.
func (t *ReviewTx) TakeDue(limit int, refundsBefore time.Time) (map[string][]int64, error) {
	rows, err := t.tx.Stmtx(t.db.Q.TakeReviewDue).QueryxContext(t.ctx, limit, refundsBefore)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var subject string
		var id int64
		if err := rows.Scan(&subject, &id); err != nil {
			return nil, err
		}
		out[subject] = append(out[subject], id)
	}
	return out, rows.Err()
}

// exec runs a flag-raising statement and returns how many flags it raised.
func (t *ReviewTx) exec(stmt *sqlx.Stmt, args ...any) (int, error) {
	res, err := t.tx.Stmtx(stmt).ExecContext(t.ctx, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// SelfReferral flags customers who look like their partner (team email
// up to a +tag, the email domain unless in freeDomains, a sign-in
// network); the flags are raised at now.
func (t *ReviewTx) SelfReferral(customers []int64, freeDomains []string, now time.Time) (int, error) {
	return t.exec(t.db.Q.ReviewSelfReferral, pq.Array(customers), pq.Array(freeDomains), now)
}

// SignInCustomers returns the customers of partners bound by a click since
// since: those a new sign-in network may match.
func (t *ReviewTx) SignInCustomers(partners []int64, since time.Time) ([]int64, error) {
	var ids []int64
	err := t.tx.Stmtx(t.db.Q.ReviewSignInCustomers).SelectContext(t.ctx, &ids, pq.Array(partners), since)
	return ids, err
}

// FastLeads flags customers bound by a click less than seconds before.
func (t *ReviewTx) FastLeads(customers []int64, seconds int, now time.Time) (int, error) {
	return t.exec(t.db.Q.ReviewFastLeads, pq.Array(customers), seconds, now)
}

// CookieStuffing flags the partners of customers whose click-bound
// customers of [now-30 days, now) came from unseen clicks above percent.
func (t *ReviewTx) CookieStuffing(customers []int64, percent, minLeads int, now time.Time) (int, error) {
	from := now.AddDate(0, 0, -partnerka.CookieStuffingDays)
	return t.exec(t.db.Q.ReviewCookieStuffing, pq.Array(customers), percent, minLeads, from, now, day(now))
}

// Spikes flags the partners of customers with a day of bindings far above
// their own average.
func (t *ReviewTx) Spikes(customers []int64, factor, minLeads int, now time.Time) (int, error) {
	return t.exec(t.db.Q.ReviewSpikes, pq.Array(customers), factor, minLeads, now, day(now))
}

// SharedDetails flags partners paid to the same account as another.
func (t *ReviewTx) SharedDetails(partners []int64, now time.Time) (int, error) {
	return t.exec(t.db.Q.ReviewSharedDetails, pq.Array(partners), now)
}

// ClickSpam flags partners with more than clicks from one network in a
// 10-minute window since since.
func (t *ReviewTx) ClickSpam(clicks int, since, now time.Time) (int, error) {
	return t.exec(t.db.Q.ReviewClickSpam, clicks, since, now)
}

// PruneClickBursts deletes the click spam rule's windows before before.
func (db *DB) PruneClickBursts(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.Q.PruneClickBursts.ExecContext(ctx, before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RefundFigure is what a partner's customers (or, for partner 0, every
// partner's) paid and had refunded in a currency over a window.
type RefundFigure struct {
	PartnerID int64           `db:"partner_id"`
	Currency  string          `db:"currency"`
	Purchases int64           `db:"purchases"`
	Paid      decimal.Decimal `db:"paid"`
	Refunded  decimal.Decimal `db:"refunded"`
}

// RefundFigures returns partners' figures since since.
func (t *ReviewTx) RefundFigures(partners []int64, since time.Time) ([]RefundFigure, error) {
	var out []RefundFigure
	err := t.tx.Stmtx(t.db.Q.ReviewRefundFigures).SelectContext(t.ctx, &out, pq.Array(partners), since)
	return out, err
}

// ProgramRefundFigures returns the program's figures since since, one per
// currency.
func (db *DB) ProgramRefundFigures(ctx context.Context, since time.Time) ([]RefundFigure, error) {
	var out []RefundFigure
	err := db.Q.ReviewProgramRefunds.SelectContext(ctx, &out, since)
	return out, err
}

// NewFlag is a flag decided outside SQL.
type NewFlag struct {
	PartnerID int64
	Rule      string
	Key       string
	Evidence  any // marshalled as JSON
}

// InsertFlags raises flags (one per partner, rule and key: a flag raised
// before is left as it is) at now.
func (t *ReviewTx) InsertFlags(flags []NewFlag, now time.Time) (int, error) {
	if len(flags) == 0 {
		return 0, nil
	}
	partners, rules, keys, evidence := make([]int64, len(flags)), make([]string, len(flags)), make([]string, len(flags)), make([]string, len(flags))
	for i, f := range flags {
		b, err := json.Marshal(f.Evidence)
		if err != nil {
			return 0, err
		}
		partners[i], rules[i], keys[i], evidence[i] = f.PartnerID, f.Rule, f.Key, string(b)
	}
	return t.exec(t.db.Q.InsertReviewFlags, pq.Array(partners), pq.Array(rules), pq.Array(keys), pq.Array(evidence), now)
}

// Hold links open flags to the commissions they hold and flags those not
// flagged yet (their money stays pending until a decision), at now. It
// returns how many commissions it flagged.
func (t *ReviewTx) Hold(now time.Time) (int, error) {
	if _, err := t.tx.Stmtx(t.db.Q.ReviewHoldCustomers).ExecContext(t.ctx); err != nil {
		return 0, err
	}
	if _, err := t.tx.Stmtx(t.db.Q.ReviewHoldPartners).ExecContext(t.ctx); err != nil {
		return 0, err
	}
	var ids []int64
	if err := t.tx.Stmtx(t.db.Q.ReviewToFlag).SelectContext(t.ctx, &ids); err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err := t.tx.Stmtx(t.db.Q.FlagCommissions).ExecContext(t.ctx, pq.Array(ids), true, nil, now)
	return len(ids), err
}

// day is the UTC date of t, as flag keys name days.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// ReviewDecision is what a decision did.
type ReviewDecision struct {
	Flags       int // flags decided
	Commissions int // commissions released (clear) or rejected (confirm, suspend)
}

// DecideReview decides a group's open flags (a partner's flags of one
// rule): clear releases the commissions no other open flag holds to their
// holds again; confirm rejects every commission they hold through the
// ledger (what was released or paid out leaves a negative balance, as a
// refund's reversal does); suspend confirms and suspends the partner. All
// in one transaction, audited under the actor with the reason. Errors:
// invalid (no reason, unknown decision), conflict (no open flag: someone
// decided first; a partner not active cannot be suspended).
func (db *DB) DecideReview(ctx context.Context, partnerID int64, rule, decision, reason string, by Actor) (ReviewDecision, error) {
	var out ReviewDecision
	if reason == "" {
		return out, partnerka.FieldError("reason", "say why: the partner's history shows it")
	}
	status := "confirmed"
	switch decision {
	case DecisionClear:
		status = "cleared"
	case DecisionConfirm, DecisionSuspend:
	default:
		return out, partnerka.FieldError("decision", "the decision is clear, confirm or suspend")
	}
	err := db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		// After any review pass in flight: a pass that read a flag as open
		// would otherwise hold a commission the decision just released.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+reviewLock+`) /* storage.DecideReview */`); err != nil {
			return err
		}
		at := db.now()
		var flags []int64
		if err := tx.Stmtx(db.Q.LockOpenFlags).SelectContext(ctx, &flags, partnerID, rule); err != nil {
			return err
		}
		if len(flags) == 0 {
			return partnerka.Errorf(partnerka.ECONFLICT, "no open flag of this rule: it was decided already")
		}
		if decision == DecisionSuspend && p.Status != partnerka.PartnerActive {
			return partnerka.Errorf(partnerka.ECONFLICT, "%s is %s", p.Name, p.Status)
		}
		if _, err := tx.Stmtx(db.Q.DecideFlags).ExecContext(ctx, pq.Array(flags), status, decision, reason, nullInt(by.UserID), at); err != nil {
			return err
		}
		var ids []int64
		if decision == DecisionClear {
			if err := tx.Stmtx(db.Q.FlagsCommissionsClear).SelectContext(ctx, &ids, pq.Array(flags)); err != nil {
				return err
			}
			if len(ids) > 0 {
				if _, err := tx.Stmtx(db.Q.FlagCommissions).ExecContext(ctx, pq.Array(ids), false, nullInt(by.UserID), at); err != nil {
					return err
				}
			}
		} else {
			if err := tx.Stmtx(db.Q.FlagsCommissionsReject).SelectContext(ctx, &ids, pq.Array(flags)); err != nil {
				return err
			}
			if len(ids) > 0 {
				if _, err := tx.Stmtx(db.Q.RejectCommissions).ExecContext(ctx, pq.Array(ids), reason, nullInt(by.UserID), at); err != nil {
					return err
				}
			}
		}
		out = ReviewDecision{Flags: len(flags), Commissions: len(ids)}
		e := by.audit("review."+decision, "partner", partnerID, nil, map[string]any{
			"rule": rule, "flags": flags, "commissions": len(ids), "reason": reason})
		e.At = at
		if err := db.audit(ctx, tx, e); err != nil {
			return err
		}
		if decision == DecisionSuspend {
			return db.suspendInTx(ctx, tx, p, reason, by)
		}
		return nil
	})
	return out, err
}

// ReviewGroup is one line of the queue: a partner's open flags of a rule.
type ReviewGroup struct {
	PartnerID     int64     `db:"partner_id"`
	Partner       string    `db:"partner"`
	Ref           string    `db:"ref"`
	PartnerStatus string    `db:"partner_status"`
	Rule          string    `db:"rule"`
	Flags         int64     `db:"flags"`
	Oldest        time.Time `db:"oldest"`
	Newest        time.Time `db:"newest"`
	Commissions   int64     `db:"commissions"`
	Total         int64     `db:"total"` // groups in the queue
}

// ReviewGroups returns the queue, oldest flag first, a page at a time,
// and how many groups it has.
func (db *DB) ReviewGroups(ctx context.Context, limit, offset int) ([]ReviewGroup, int64, error) {
	var out []ReviewGroup
	if err := db.Q.ReviewGroupsQ.SelectContext(ctx, &out, limit, offset); err != nil {
		return nil, 0, err
	}
	var total int64
	if len(out) > 0 {
		total = out[0].Total
	} else if offset > 0 {
		if err := db.Q.CountOpenReview.GetContext(ctx, &total); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// OpenReviewGroups counts the queue's groups (the navigation's badge).
func (db *DB) OpenReviewGroups(ctx context.Context) (int64, error) {
	var n int64
	err := db.Q.CountOpenReview.GetContext(ctx, &n)
	return n, err
}

// HeldMoney is what a group's open flags hold in a currency.
type HeldMoney struct {
	Currency    string          `db:"currency"`
	Commissions int64           `db:"commissions"`
	Amount      decimal.Decimal `db:"amount"`
}

// ReviewGroupHeld returns what a group's open flags hold, per currency.
func (db *DB) ReviewGroupHeld(ctx context.Context, partnerID int64, rule string) ([]HeldMoney, error) {
	var out []HeldMoney
	err := db.Q.ReviewGroupHeldQ.SelectContext(ctx, &out, partnerID, rule)
	return out, err
}

// ReviewGroupKey names a group of the queue: a partner and a rule.
type ReviewGroupKey struct {
	PartnerID int64
	Rule      string
}

// ReviewGroupsHeld returns what each of groups holds, per currency (a
// page of the queue in one read; a group holding nothing is absent).
func (db *DB) ReviewGroupsHeld(ctx context.Context, groups []ReviewGroup) (map[ReviewGroupKey][]HeldMoney, error) {
	out := map[ReviewGroupKey][]HeldMoney{}
	if len(groups) == 0 {
		return out, nil
	}
	partners, rules := make([]int64, len(groups)), make([]string, len(groups))
	for i, g := range groups {
		partners[i], rules[i] = g.PartnerID, g.Rule
	}
	var rows []struct {
		PartnerID int64  `db:"partner_id"`
		Rule      string `db:"rule"`
		HeldMoney
	}
	if err := db.Q.ReviewGroupsHeldQ.SelectContext(ctx, &rows, pq.Array(partners), pq.Array(rules)); err != nil {
		return nil, err
	}
	for _, r := range rows {
		k := ReviewGroupKey{r.PartnerID, r.Rule}
		out[k] = append(out[k], r.HeldMoney)
	}
	return out, nil
}

// ReviewFlag is one flag with its evidence and, once decided, the decision.
type ReviewFlag struct {
	ID         int64           `db:"id"`
	PartnerID  int64           `db:"partner_id"`
	Rule       string          `db:"rule"`
	Key        string          `db:"key"`
	CustomerID *int64          `db:"customer_id"`
	Customer   string          `db:"customer"` // the vendor's customer id, when about one customer
	Evidence   json.RawMessage `db:"evidence"`
	Status     string          `db:"status"` // open, cleared, confirmed
	CreatedAt  time.Time       `db:"created_at"`
	DecidedAt  *time.Time      `db:"decided_at"`
	Decision   *string         `db:"decision"`
	Reason     string          `db:"reason"`
	DecidedBy  string          `db:"decided_by"`
}

// ReviewFlags returns up to limit of a partner's flags of a rule ("" for
// every rule): open ones first, then newest first (the partner's history).
func (db *DB) ReviewFlags(ctx context.Context, partnerID int64, rule string, limit int) ([]ReviewFlag, error) {
	var out []ReviewFlag
	err := db.Q.ReviewFlagsOf.SelectContext(ctx, &out, partnerID, rule, limit)
	return out, err
}

// HeldCommission is a commission a group's open flags hold.
type HeldCommission struct {
	ID         int64           `db:"id"`
	CustomerID int64           `db:"customer_id"`
	Customer   string          `db:"customer"`
	PurchaseID *int64          `db:"purchase_id"`
	Purchase   string          `db:"purchase"`
	Event      string          `db:"event"`
	Level      int             `db:"level"`
	Amount     decimal.Decimal `db:"amount"`
	Currency   string          `db:"currency"`
	EarnedAt   time.Time       `db:"earned_at"`
	HoldUntil  time.Time       `db:"hold_until"`
	Status     string          `db:"status"`
}

// ReviewHeldCommissions returns up to limit of the commissions a group's
// open flags hold, oldest first.
func (db *DB) ReviewHeldCommissions(ctx context.Context, partnerID int64, rule string, limit int) ([]HeldCommission, error) {
	var out []HeldCommission
	err := db.Q.ReviewHeldCommissions.SelectContext(ctx, &out, partnerID, rule, limit)
	return out, err
}

// CommissionsUnderReview returns, of a partner's commissions ids, those
// open flags hold, with the rules holding each.
func (db *DB) CommissionsUnderReview(ctx context.Context, partnerID int64, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Q.CommissionsUnderReview.QueryxContext(ctx, partnerID, pq.Array(ids))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var rules []string
		if err := rows.Scan(&id, pq.Array(&rules)); err != nil {
			return nil, err
		}
		out[id] = rules
	}
	return out, rows.Err()
}

// UnderReview is what a partner has under review in a currency, and the
// program rules holding it (what the cabinet shows: never the evidence).
type UnderReview struct {
	Currency    string          `db:"currency"`
	Commissions int64           `db:"commissions"`
	Amount      decimal.Decimal `db:"amount"`
	Rules       pq.StringArray  `db:"rules"`
}

// PartnerUnderReview returns a partner's commissions under review per
// currency.
func (db *DB) PartnerUnderReview(ctx context.Context, partnerID int64) ([]UnderReview, error) {
	var out []UnderReview
	err := db.Q.PartnerUnderReviewQ.SelectContext(ctx, &out, partnerID)
	return out, err
}
