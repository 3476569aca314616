package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

// PlanVersions loads every published plan version with its rules and
// tiers. Published versions never change, so callers may cache them.
func (db *DB) PlanVersions(ctx context.Context) (map[int64]*partnerka.PlanVersion, error) {
	var vs []struct {
		ID      int64  `db:"id"`
		PlanID  int64  `db:"plan_id"`
		Name    string `db:"name"`
		Version int    `db:"version"`
	}
	if err := db.Q.PlanVersions.SelectContext(ctx, &vs); err != nil {
		return nil, err
	}
	out := map[int64]*partnerka.PlanVersion{}
	for _, v := range vs {
		out[v.ID] = &partnerka.PlanVersion{ID: v.ID, PlanID: v.PlanID, Plan: v.Name, Version: v.Version}
	}
	return out, db.loadRules(ctx, nil, out)
}

// loadRules reads the rules and tiers of versions, in rule position order,
// in tx if there is one.
func (db *DB) loadRules(ctx context.Context, tx *sqlx.Tx, versions map[int64]*partnerka.PlanVersion) error {
	stmt := func(s *sqlx.Stmt) *sqlx.Stmt {
		if tx != nil {
			return tx.Stmtx(s)
		}
		return s
	}
	ids := make([]int64, 0, len(versions))
	for id := range versions {
		ids = append(ids, id)
	}
	var rules []struct {
		ID             int64               `db:"id"`
		VersionID      int64               `db:"plan_version_id"`
		Position       int                 `db:"position"`
		Event          string              `db:"event"`
		Level          int                 `db:"level"`
		Products       pq.StringArray      `db:"products"`
		Kind           string              `db:"kind"`
		Percent        decimal.NullDecimal `db:"percent"`
		FlatAmount     decimal.NullDecimal `db:"flat_amount"`
		FlatCurrency   string              `db:"flat_currency"`
		Payments       string              `db:"payments"`
		DurationMonths int                 `db:"duration_months"`
	}
	if err := stmt(db.Q.PlanRules).SelectContext(ctx, &rules, pq.Array(ids)); err != nil {
		return err
	}
	var tiers []struct {
		RuleID    int64           `db:"rule_id"`
		MinVolume decimal.Decimal `db:"min_volume"`
		Currency  string          `db:"volume_currency"`
		Percent   decimal.Decimal `db:"percent"`
	}
	ruleIDs := make([]int64, 0, len(rules))
	for _, r := range rules {
		ruleIDs = append(ruleIDs, r.ID)
	}
	if err := stmt(db.Q.PlanTiers).SelectContext(ctx, &tiers, pq.Array(ruleIDs)); err != nil {
		return err
	}
	byRule := map[int64][]partnerka.Tier{}
	for _, t := range tiers {
		byRule[t.RuleID] = append(byRule[t.RuleID], partnerka.Tier{
			MinVolume: partnerka.Money{Amount: t.MinVolume, Currency: t.Currency}, Percent: t.Percent})
	}
	for _, r := range rules {
		rule := partnerka.Rule{ID: r.ID, Position: r.Position, Event: r.Event, Level: r.Level, Kind: r.Kind,
			Payments: r.Payments, DurationMonths: r.DurationMonths, Tiers: byRule[r.ID]}
		if r.Products != nil {
			rule.Products = []string(r.Products)
		}
		if r.Percent.Valid {
			rule.Percent = r.Percent.Decimal
		}
		if r.FlatAmount.Valid {
			rule.Flat = partnerka.Money{Amount: r.FlatAmount.Decimal, Currency: r.FlatCurrency}
		}
		v := versions[r.VersionID]
		v.Rules = append(v.Rules, rule)
	}
	return nil
}

// Contract is a partner's plan version for a period.
type Contract struct {
	ID            int64      `db:"id"`
	PartnerID     int64      `db:"partner_id"`
	PlanVersionID int64      `db:"plan_version_id"`
	StartsAt      time.Time  `db:"starts_at"`
	EndsAt        *time.Time `db:"ends_at"`
	RecruiterID   *int64     `db:"recruiter_id"`
}

// Contracts returns every contract, grouped by partner in start order.
func (db *DB) Contracts(ctx context.Context) (map[int64][]Contract, error) {
	var cs []Contract
	if err := db.Q.AllContracts.SelectContext(ctx, &cs); err != nil {
		return nil, err
	}
	out := map[int64][]Contract{}
	for _, c := range cs {
		out[c.PartnerID] = append(out[c.PartnerID], c)
	}
	return out, nil
}

// PurchaseToReconcile is a purchase with its customer's binding.
type PurchaseToReconcile struct {
	ID           int64           `db:"id"`
	Amount       decimal.Decimal `db:"amount"`
	Currency     string          `db:"currency"`
	Product      string          `db:"product"`
	OccurredAt   time.Time       `db:"occurred_at"`
	CustomerID   *int64          `db:"customer_id"`
	PartnerID    *int64          `db:"partner_id"`
	BoundAt      *time.Time      `db:"bound_at"`
	PaymentIndex int             `db:"payment_index"`
	// The customer's own id for the customer (customer_external_id).
	CustomerExternalID string `db:"customer_external_id"`
	// What is stored now: the partner it earns for (purchase_earners, set
	// when it was last reconciled) and its note.
	NotedPartnerID *int64 `db:"noted_partner_id"`
	Noted          string `db:"noted"`
	// The customer's binding is a reassignment: a purchase dated before it
	// earns under the binding it replaced (EarlierBinding).
	Reassigned bool `db:"reassigned"`
}

// EarlierBinding is the binding a reassigned customer was under at some
// instant, and a purchase's number among the payments since it began.
type EarlierBinding struct {
	PartnerID    int64     `db:"partner_id"`
	BoundAt      time.Time `db:"bound_at"`
	PaymentIndex int       `db:"payment_index"`
}

// EarlierBinding returns the binding customerID was under when purchase
// purchaseID was made (at), or nil if it was not bound then.
func (t *CommissionTx) EarlierBinding(ctx context.Context, customerID, purchaseID int64, at time.Time) (*EarlierBinding, error) {
	var b EarlierBinding
	err := t.tx.Stmtx(t.q.EarlierBinding).GetContext(ctx, &b, customerID, at, purchaseID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// CommissionRow is a commission to insert.
type CommissionRow struct {
	PartnerID, CustomerID, PurchaseID int64
	Event                             string
	Level                             int
	ContractID, PlanVersionID, RuleID int64
	TierMinVolume                     decimal.NullDecimal
	Base                              decimal.Decimal
	Percent                           decimal.NullDecimal
	Unrounded                         decimal.Decimal
	Amount                            partnerka.Money
	EarnedAt, HoldUntil               time.Time
	Explanation                       string
}

// CommissionTx is the transaction one reconciler batch runs in.
type CommissionTx struct {
	tx  *sqlx.Tx
	q   *Queries
	now time.Time // what the batch writes is dated by the program's clock at its start
}

// InCommissionTx runs fn in a transaction.
func (db *DB) InCommissionTx(ctx context.Context, fn func(*CommissionTx) error) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		// A batch's statements are estimated far above their real cost
		// (rows of CTEs are guessed), and compiling them would cost more
		// than running them.
		if _, err := tx.ExecContext(ctx, `SET LOCAL jit = off`); err != nil {
			return err
		}
		return fn(&CommissionTx{tx: tx, q: db.Q, now: db.now()})
	})
}

// PurchasesToReconcile takes up to limit waiting purchases off the queue
// (for good when the transaction commits) and returns them.
func (t *CommissionTx) PurchasesToReconcile(ctx context.Context, limit int) ([]PurchaseToReconcile, error) {
	rows, err := t.tx.Stmtx(t.q.PurchasesToReconcile).QueryContext(ctx, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]PurchaseToReconcile, 0, limit)
	for rows.Next() { // scanned by position: a batch is thousands of rows
		var p PurchaseToReconcile
		if err := rows.Scan(&p.ID, &p.Amount, &p.Currency, &p.Product, &p.OccurredAt, &p.CustomerID, &p.PartnerID,
			&p.BoundAt, &p.PaymentIndex, &p.NotedPartnerID, &p.Noted, &p.Reassigned, &p.CustomerExternalID); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// MonthVolumes returns each partner's paid volume in the calendar month
// starting at month, net of refunds, one Money per currency: of the
// payments and refunds received up to final, or all received so far when
// final is nil.
func (t *CommissionTx) MonthVolumes(ctx context.Context, month time.Time, final *time.Time) (map[int64][]partnerka.Money, error) {
	var rows []struct {
		PartnerID int64           `db:"partner_id"`
		Currency  string          `db:"currency"`
		Volume    decimal.Decimal `db:"volume"`
	}
	if err := t.tx.Stmtx(t.q.PartnerMonthVolumes).SelectContext(ctx, &rows, month, month.AddDate(0, 1, 0), final); err != nil {
		return nil, err
	}
	out := map[int64][]partnerka.Money{}
	for _, r := range rows {
		out[r.PartnerID] = append(out[r.PartnerID], partnerka.Money{Amount: r.Volume, Currency: r.Currency})
	}
	return out, nil
}

// InsertCommissions inserts commissions with their pending ledger entries,
// in one statement. With skipExisting, a commission that exists (one per
// purchase, partner and level, or per customer, partner and level for a
// lead rule) is skipped; without, it fails the statement with a unique
// violation on commissions_purchase, which is cheaper when none can exist.
// The batch travels as one array literal per column, built without
// reflection.
//
// A new commission of a partner in postbackPartners also queues its
// postback in the outbox.
func (t *CommissionTx) InsertCommissions(ctx context.Context, rows []CommissionRow, skipExisting bool, postbackPartners []int64) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	partner, customer, purchase, event := newArrayLiteral(8*n), newArrayLiteral(8*n), newArrayLiteral(9*n), newArrayLiteral(8*n)
	level, contract, version, rule := newArrayLiteral(2*n), newArrayLiteral(4*n), newArrayLiteral(4*n), newArrayLiteral(4*n)
	tier, base, percent, unrounded := newArrayLiteral(12*n), newArrayLiteral(12*n), newArrayLiteral(6*n), newArrayLiteral(16*n)
	amount, currency, earned, hold, expl := newArrayLiteral(10*n), newArrayLiteral(6*n), newArrayLiteral(30*n), newArrayLiteral(30*n), newArrayLiteral(120*n)
	for i := range rows {
		r := &rows[i]
		partner.Int(r.PartnerID)
		customer.Int(r.CustomerID)
		if r.PurchaseID != 0 {
			purchase.Int(r.PurchaseID)
		} else {
			purchase.Null()
		}
		event.Text(r.Event)
		level.Int(int64(r.Level))
		contract.Int(r.ContractID)
		version.Int(r.PlanVersionID)
		rule.Int(r.RuleID)
		tier.NullDecimal(r.TierMinVolume)
		base.Decimal(r.Base)
		percent.NullDecimal(r.Percent)
		unrounded.Decimal(r.Unrounded)
		amount.Decimal(r.Amount.Amount)
		currency.Text(r.Amount.Currency)
		earned.Time(r.EarnedAt)
		hold.Time(r.HoldUntil)
		expl.Text(r.Explanation)
	}
	stmt := t.q.InsertNewCommissions
	if skipExisting {
		stmt = t.q.InsertCommissions
	}
	_, err := t.tx.Stmtx(stmt).ExecContext(ctx, partner.String(), customer.String(), purchase.String(),
		event.String(), level.String(), contract.String(), version.String(), rule.String(), tier.String(),
		base.String(), percent.String(), unrounded.String(), amount.String(), currency.String(),
		earned.String(), hold.String(), expl.String(), pq.Array(postbackPartners), t.now)
	return err
}

// PurchaseNote is what reconciling a purchase changed of what is stored
// about it: its note (why it earns nothing, or ""), when Note is set, and
// the partner it earns for (0: none), when Partner is set.
type PurchaseNote struct {
	Purchase      *PurchaseToReconcile
	Note, Partner bool
	NoteText      string
	PartnerID     int64
}

// NotePurchases writes reconciled purchases' notes and the partners they
// earn for (purchase_earners, in partner and time order).
func (t *CommissionTx) NotePurchases(ctx context.Context, ns []PurchaseNote) error {
	if len(ns) == 0 {
		return nil
	}
	slices.SortFunc(ns, func(a, b PurchaseNote) int {
		return cmp.Or(cmp.Compare(a.PartnerID, b.PartnerID), a.Purchase.OccurredAt.Compare(b.Purchase.OccurredAt))
	})
	var noteID, note, gone, id, partner, customer, at, amount, currency arrayLiteral
	for _, n := range ns {
		p := n.Purchase
		if n.Note {
			noteID.Int(p.ID)
			note.Text(n.NoteText)
		}
		switch {
		case !n.Partner:
		case n.PartnerID == 0:
			gone.Int(p.ID)
		default:
			id.Int(p.ID)
			partner.Int(n.PartnerID)
			customer.Text(p.CustomerExternalID)
			at.Time(p.OccurredAt)
			amount.Decimal(p.Amount)
			currency.Text(p.Currency)
		}
	}
	_, err := t.tx.Stmtx(t.q.NoteReconciledPurchases).ExecContext(ctx, noteID.String(), note.String(), gone.String(),
		id.String(), partner.String(), customer.String(), at.String(), amount.String(), currency.String())
	return err
}

// CustomerToPay is a bound customer whose lead rules were not applied yet.
type CustomerToPay struct {
	ID        int64     `db:"id"`
	PartnerID int64     `db:"partner_id"`
	BoundAt   time.Time `db:"bound_at"`
}

// CustomersForLeadRules locks and returns up to limit such customers.
func (t *CommissionTx) CustomersForLeadRules(ctx context.Context, limit int) ([]CustomerToPay, error) {
	var out []CustomerToPay
	err := t.tx.Stmtx(t.q.CustomersForLeadRules).SelectContext(ctx, &out, limit)
	return out, err
}

// MarkLeadPaid records that lead rules were applied to customers.
func (t *CommissionTx) MarkLeadPaid(ctx context.Context, ids []int64) error {
	_, err := t.tx.Stmtx(t.q.MarkLeadPaid).ExecContext(ctx, pq.Array(ids), t.now)
	return err
}

// RefundToReconcile is a refund with what earlier refunds of its purchase took.
type RefundToReconcile struct {
	ID             int64           `db:"id"`
	Amount         decimal.Decimal `db:"amount"`
	PurchaseID     int64           `db:"purchase_id"`
	PurchaseAmount decimal.Decimal `db:"purchase_amount"`
	RefundedBefore decimal.Decimal `db:"refunded_before"`
}

// RefundsToReconcile locks and returns up to limit refunds ready for reversal.
func (t *CommissionTx) RefundsToReconcile(ctx context.Context, limit int) ([]RefundToReconcile, error) {
	var out []RefundToReconcile
	err := t.tx.Stmtx(t.q.RefundsToReconcile).SelectContext(ctx, &out, limit)
	return out, err
}

// CommissionOfPurchase is a commission a refund may reverse.
type CommissionOfPurchase struct {
	ID         int64           `db:"id"`
	PartnerID  int64           `db:"partner_id"`
	Amount     decimal.Decimal `db:"amount"`
	Currency   string          `db:"currency"`
	PurchaseID int64           `db:"purchase_id"`
}

// CommissionsOfPurchases locks and returns the live commissions of purchases.
func (t *CommissionTx) CommissionsOfPurchases(ctx context.Context, purchaseIDs []int64) ([]CommissionOfPurchase, error) {
	var out []CommissionOfPurchase
	err := t.tx.Stmtx(t.q.CommissionsOfPurchases).SelectContext(ctx, &out, pq.Array(purchaseIDs))
	return out, err
}

// ReversalRow is a reversal to insert.
type ReversalRow struct {
	CommissionID, RefundID int64
	Amount                 partnerka.Money
	Explanation            string
}

// InsertReversals inserts reversals with their ledger entries. A reversal
// of a commission of a partner in postbackPartners also queues its
// postback in the outbox.
func (t *CommissionTx) InsertReversals(ctx context.Context, rows []ReversalRow, postbackPartners []int64) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	cid, rid, amt, cur, expl := make([]int64, n), make([]int64, n), make([]string, n), make([]string, n), make([]string, n)
	for i, r := range rows {
		cid[i], rid[i], amt[i], cur[i], expl[i] = r.CommissionID, r.RefundID, r.Amount.Amount.String(), r.Amount.Currency, r.Explanation
	}
	_, err := t.tx.Stmtx(t.q.InsertReversals).ExecContext(ctx, pq.Array(cid), pq.Array(rid), pq.Array(amt), pq.Array(cur), pq.Array(expl),
		pq.Array(postbackPartners), t.now)
	return err
}

// MarkRefundsReconciled records that refunds were reversed.
func (t *CommissionTx) MarkRefundsReconciled(ctx context.Context, ids []int64) error {
	_, err := t.tx.Stmtx(t.q.MarkRefundsReconciled).ExecContext(ctx, pq.Array(ids), t.now)
	return err
}

// ReleaseHolds moves the balances' release mark to now: the pending money
// whose hold ended since the last release (and is not flagged) becomes
// available. It writes nothing per commission (a commission's state follows
// from its hold and the mark) and returns how many ledger entries it moved.
func (db *DB) ReleaseHolds(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := db.Q.ReleaseHolds.GetContext(ctx, &n, now)
	return n, err
}

// Balance is one bucket of a partner's money in one currency.
type Balance struct {
	Currency string          `db:"currency"`
	Bucket   string          `db:"bucket"`
	Amount   decimal.Decimal `db:"amount"`
}

// PartnerBalances sums a partner's ledger entries per currency and bucket.
func (db *DB) PartnerBalances(ctx context.Context, partnerID int64) ([]Balance, error) {
	var out []Balance
	err := db.Q.PartnerBalances.SelectContext(ctx, &out, partnerID)
	return out, err
}

// InsertManualEntry books a bonus or adjustment into the available bucket
// and audits it, in one transaction.
func (db *DB) InsertManualEntry(ctx context.Context, partnerID int64, m partnerka.Money, kind, reason string, by Actor) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		at := db.now()
		if err := tx.Stmtx(db.Q.InsertManualEntry).GetContext(ctx, &id, partnerID, m.Currency, kind, m.Amount, reason, nullInt(by.UserID), at); err != nil {
			return notFound(err, "partner")
		}
		e := by.audit("ledger."+kind, "partner", partnerID, nil,
			map[string]any{"amount": m.Amount.String(), "currency": m.Currency, "reason": reason, "entry": id})
		e.At = at
		return db.audit(ctx, tx, e)
	})
	return id, err
}

// SetCommissionFlag flags a commission for fraud review (its money stays
// pending, whatever its hold says, until the flag is cleared) or clears the
// flag (its money follows its hold again: available at once if the hold has
// ended), audited under the actor. Setting the flag it already has changes
// nothing. Errors: not_found (no such commission), conflict (rejected).
func (db *DB) SetCommissionFlag(ctx context.Context, commissionID int64, flagged bool, by Actor) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var c struct {
			ID       int64 `db:"id"`
			Flagged  bool  `db:"flagged"`
			Rejected bool  `db:"rejected"`
		}
		if err := tx.Stmtx(db.Q.CommissionForReview).GetContext(ctx, &c, commissionID); err != nil {
			return notFound(err, "commission")
		}
		if c.Rejected {
			return partnerka.Errorf(partnerka.ECONFLICT, "the commission was rejected")
		}
		if c.Flagged == flagged {
			return nil
		}
		if _, err := tx.Stmtx(db.Q.FlagCommissions).ExecContext(ctx, pq.Array([]int64{commissionID}), flagged, nullInt(by.UserID), db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, by.audit("commission.flag", "commission", commissionID, map[string]any{"flagged": c.Flagged}, map[string]any{"flagged": flagged}))
	})
}

// CommissionMismatch is a commission whose ledger entries do not add up, or
// whose money sits at another instant than its state says (Misplaced).
type CommissionMismatch struct {
	ID        int64           `db:"id"`
	PartnerID int64           `db:"partner_id"`
	Status    string          `db:"status"`
	Expected  decimal.Decimal `db:"expected"`
	Ledger    decimal.Decimal `db:"ledger"`
	Misplaced decimal.Decimal `db:"misplaced"`
}

// VerifyCommissionEntries checks every commission against its entries.
func (db *DB) VerifyCommissionEntries(ctx context.Context) ([]CommissionMismatch, error) {
	var out []CommissionMismatch
	err := db.Q.VerifyCommissionEntries.SelectContext(ctx, &out)
	return out, err
}

// The rating lock: a purchases pass rates tiered commissions with the
// partners' monthly volumes it read when it needed them (and keeps them
// for the pass). Two things must not happen while such a pass runs in
// another reconciler: a re-rate taking a partner month off its queue (it
// would miss the pass's commissions rated on the old volume, and nothing
// would queue them again), and the leads step binding customers (which
// moves their payments into a partner's volume: commissions rated after
// the volume is final are never re-rated). Every purchases pass holds the
// lock shared for its whole length; each re-rate transaction, and each
// leads pass, takes it exclusively, so it waits for the passes in flight
// (on any host) and every pass after it reads the volumes it left. A
// reconciler that dies releases it with its connection.
const ratingLock = `hashtext('partnerka.rating')`

// HoldRatings takes the rating lock, shared (a purchases pass) or
// exclusive (a leads pass), on a connection of its own, until release is
// called.
func (db *DB) HoldRatings(ctx context.Context, exclusive bool) (release func(), err error) {
	lock, unlock := "pg_advisory_lock_shared", "pg_advisory_unlock_shared"
	if exclusive {
		lock, unlock = "pg_advisory_lock", "pg_advisory_unlock"
	}
	conn, err := db.Connx(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, `/* storage.HoldRatings */ SELECT `+lock+`(`+ratingLock+`)`); err != nil {
		conn.Close()
		return nil, err
	}
	return func() {
		conn.ExecContext(context.Background(), `/* storage.HoldRatings */ SELECT `+unlock+`(`+ratingLock+`)`)
		conn.Close()
	}, nil
}

// WaitForRatings takes the rating lock exclusively until the transaction
// ends: the purchases passes in flight have committed what they rated.
func (t *CommissionTx) WaitForRatings(ctx context.Context) error {
	_, err := t.tx.ExecContext(ctx, `/* storage.WaitForRatings */ SELECT pg_advisory_xact_lock(`+ratingLock+`)`)
	return err
}
