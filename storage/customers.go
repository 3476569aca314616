package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partnerka"
)

// CustomerState is a customer row as attribution reads it, locked.
type CustomerState struct {
	ID        int64      `db:"id"`
	PartnerID *int64     `db:"partner_id"`
	BoundAt   *time.Time `db:"bound_at"`
	Reason    string     `db:"reason"`
	Email     string     `db:"email"` // as first reported
	Created   bool       `db:"-"`     // by this lead: nothing was decided about it before
}

// EvidenceClick is a click of a click chain.
type EvidenceClick struct {
	ClickID       string    `db:"click_id"`
	PartnerID     int64     `db:"partner_id"`
	LinkID        int64     `db:"link_id"`
	ClickedAt     time.Time `db:"clicked_at"`
	Attributable  bool      `db:"attributable"`
	PartnerActive bool      `db:"partner_active"`
}

// Evidence is a promo code, partner ref or registration that matched.
type Evidence struct {
	ID            int64 `db:"id"`
	PartnerID     int64 `db:"partner_id"`
	PartnerActive bool  `db:"partner_active"`
}

// LeadTx is the transaction one lead is decided in: every read takes the
// customer row lock first, so two leads of one customer never race.
type LeadTx struct {
	tx  *sqlx.Tx
	q   *Queries
	now time.Time // when the lead is decided, by the program's clock
}

// InLeadTx runs fn in a transaction for one lead.
func (db *DB) InLeadTx(ctx context.Context, fn func(*LeadTx) error) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error { return fn(&LeadTx{tx: tx, q: db.Q, now: db.now()}) })
}

// InsertLead records the lead; false means it was processed before (a
// redelivered stream entry), and nothing else should happen.
func (t *LeadTx) InsertLead(ctx context.Context, l *partnerka.Lead) (bool, error) {
	var id string
	source := l.Source
	if source == "" {
		source = "api"
	}
	err := t.tx.Stmtx(t.q.InsertLead).GetContext(ctx, &id, l.ID, l.CustomerID, nullString(l.ClickID), l.PromoCode,
		l.PartnerRef, l.Email, l.Name, l.ExistingCustomer, source, l.OccurredAt, l.ReceivedAt, t.now)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// LockCustomer creates the customer if new and locks its row.
func (t *LeadTx) LockCustomer(ctx context.Context, externalID string, seen time.Time, email, name string) (*CustomerState, error) {
	res, err := t.tx.Stmtx(t.q.EnsureCustomer).ExecContext(ctx, externalID, seen, email, name, t.now)
	if err != nil {
		return nil, err
	}
	created, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	c := CustomerState{Created: created == 1}
	err = t.tx.Stmtx(t.q.CustomerForUpdate).GetContext(ctx, &c, externalID)
	return &c, err
}

// ClickChain returns the click with id and the earlier clicks its cookie
// chain names, newest first; empty when the click is unknown.
func (t *LeadTx) ClickChain(ctx context.Context, id string) ([]EvidenceClick, error) {
	var out []EvidenceClick
	err := t.tx.Stmtx(t.q.ClickChain).SelectContext(ctx, &out, id)
	return out, err
}

// PromoEvidence is a promo code a lead typed, with the terms it binds on.
type PromoEvidence struct {
	Evidence
	Code partnerka.PromoCode
}

// PromoCode returns the promo code matching code case-insensitively that
// was in force (active, or disabled only later) at the lead's instant at,
// and locks it; nil when there is none.
func (t *LeadTx) PromoCode(ctx context.Context, code string, at time.Time) (*PromoEvidence, error) {
	var row struct {
		Evidence
		Code       string     `db:"code"`
		ValidFrom  *time.Time `db:"valid_from"`
		ValidUntil *time.Time `db:"valid_until"`
		MaxUses    *int       `db:"max_uses"`
		Uses       int        `db:"uses"`
	}
	err := t.tx.Stmtx(t.q.PromoEvidence).GetContext(ctx, &row, code, at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return &PromoEvidence{Evidence: row.Evidence, Code: partnerka.PromoCode{ID: row.ID, PartnerID: row.PartnerID, Code: row.Code,
		ValidFrom: row.ValidFrom, ValidUntil: row.ValidUntil, MaxUses: row.MaxUses, Uses: row.Uses}}, nil
}

// PartnerRef returns the partner with ref.
func (t *LeadTx) PartnerRef(ctx context.Context, ref string) (*Evidence, error) {
	return t.evidence(ctx, t.q.PartnerRefEvidence, ref)
}

// Registration returns the protected registration matching email or domain
// at the instant at.
func (t *LeadTx) Registration(ctx context.Context, email, domain string, at time.Time) (*Evidence, error) {
	return t.evidence(ctx, t.q.RegistrationEvidence, email, domain, at)
}

func (t *LeadTx) evidence(ctx context.Context, stmt *sqlx.Stmt, args ...any) (*Evidence, error) {
	var e Evidence
	err := t.tx.Stmtx(stmt).GetContext(ctx, &e, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &e, err
}

// PartnerEmails returns the emails that are each partner's own: its
// users' and its contact email.
func (t *LeadTx) PartnerEmails(ctx context.Context, partnerIDs []int64) (map[int64][]string, error) {
	rows := []struct {
		PartnerID int64  `db:"partner_id"`
		Email     string `db:"email"`
	}{}
	if err := t.tx.Stmtx(t.q.PartnerEmails).SelectContext(ctx, &rows, pq.Array(partnerIDs)); err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.PartnerID] = append(out[r.PartnerID], r.Email)
	}
	return out, nil
}

// SelfReferralPartners returns the partners the customer was refused to
// as a self-referral.
func (t *LeadTx) SelfReferralPartners(ctx context.Context, customerID int64) ([]int64, error) {
	var out []int64
	err := t.tx.Stmtx(t.q.SelfReferralPartners).SelectContext(ctx, &out, customerID)
	return out, err
}

// Binding is how a customer gets bound.
type Binding struct {
	PartnerID      int64
	Source         string
	BoundAt        time.Time
	ClickID        string
	LinkID         int64
	PromoCodeID    int64
	RegistrationID int64
}

// BindCustomer binds an unbound customer for life.
func (t *LeadTx) BindCustomer(ctx context.Context, customerID int64, b Binding) error {
	return t.BindCustomers(ctx, []BoundCustomer{{CustomerID: customerID, Binding: b}})
}

// NoteUnbound records why an unbound customer stays unbound (an existing
// customer stays existing) and what was first seen of it.
func (t *LeadTx) NoteUnbound(ctx context.Context, customerID int64, reason string, seen time.Time, email string) error {
	_, err := t.tx.Stmtx(t.q.NoteUnboundCustomer).ExecContext(ctx, customerID, reason, seen, email)
	return err
}

// Decision is one stored attribution decision.
type Decision struct {
	CustomerID     int64
	LeadID         string
	PurchaseID     int64
	PartnerID      int64
	Source         string
	ClickID        string
	PromoCodeID    int64
	RegistrationID int64
	OccurredAt     time.Time
	Reason         string
	Detail         string
}

// InsertDecision stores the evidence behind a decision.
func (t *LeadTx) InsertDecision(ctx context.Context, d Decision) error {
	_, err := t.tx.Stmtx(t.q.InsertDecision).ExecContext(ctx, d.CustomerID, nullString(d.LeadID), nullInt(d.PurchaseID),
		nullInt(d.PartnerID), nullString(d.Source), nullString(d.ClickID), nullInt(d.PromoCodeID),
		nullInt(d.RegistrationID), d.OccurredAt, d.Reason, d.Detail, t.now)
	return err
}

// MarkEvidenceChecked records that a purchase's promo code or click id was
// offered as a lead; false means another pass did it already.
func (t *LeadTx) MarkEvidenceChecked(ctx context.Context, purchaseID int64) (bool, error) {
	res, err := t.tx.Stmtx(t.q.MarkEvidenceChecked).ExecContext(ctx, purchaseID, t.now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PurchaseEvidence is a purchase whose claims still wait to be offered as a lead.
type PurchaseEvidence struct {
	ID         int64     `db:"id"`
	ExternalID string    `db:"external_id"`
	CustomerID string    `db:"customer_external_id"`
	PromoCode  string    `db:"promo_code"`
	ClickID    string    `db:"click_id"`
	OccurredAt time.Time `db:"occurred_at"`
	ReceivedAt time.Time `db:"received_at"`
}

// PurchasesWithEvidence returns up to limit such purchases, oldest first.
func (db *DB) PurchasesWithEvidence(ctx context.Context, limit int) ([]PurchaseEvidence, error) {
	var out []PurchaseEvidence
	err := db.Q.PurchasesWithEvidence.SelectContext(ctx, &out, limit)
	return out, err
}

// CustomerBinding is what the vendor API tells about a customer.
type CustomerBinding struct {
	ExternalID     string         `db:"external_id" json:"customer_id"`
	PartnerID      *int64         `db:"partner_id" json:"partner_id"`
	PartnerRef     *string        `db:"partner_ref" json:"partner_ref"`
	PartnerName    *string        `db:"partner_name" json:"partner_name"`
	Source         *string        `db:"source" json:"source"`
	Reason         string         `db:"reason" json:"reason"`
	BoundAt        *time.Time     `db:"bound_at" json:"bound_at"`
	ClickID        string         `db:"click_id" json:"click_id,omitempty"`
	PromoCode      string         `db:"promo_code" json:"promo_code,omitempty"`
	RegistrationID *int64         `db:"registration_id" json:"registration_id,omitempty"`
	FirstSeenAt    time.Time      `db:"first_seen_at" json:"first_seen_at"`
	Decisions      []DecisionView `db:"-" json:"decisions"`
}

// DecisionView is a stored decision as the API shows it.
type DecisionView struct {
	Reason     string     `db:"reason" json:"reason"`
	Source     string     `db:"source" json:"source,omitempty"`
	PartnerID  *int64     `db:"partner_id" json:"partner_id,omitempty"`
	Detail     string     `db:"detail" json:"detail"`
	OccurredAt *time.Time `db:"occurred_at" json:"occurred_at,omitempty"`
	DecidedAt  time.Time  `db:"decided_at" json:"decided_at"`
	LeadID     string     `db:"lead_id" json:"lead_id,omitempty"`
	PurchaseID *int64     `db:"purchase_id" json:"purchase_id,omitempty"`
}

// CustomerBinding returns a customer's binding and decisions, or not_found.
func (db *DB) CustomerBinding(ctx context.Context, externalID string) (*CustomerBinding, error) {
	var b CustomerBinding
	if err := db.Q.CustomerBinding.GetContext(ctx, &b, externalID); err != nil {
		return nil, notFound(err, "customer")
	}
	b.Decisions = []DecisionView{}
	err := db.Q.CustomerDecisions.SelectContext(ctx, &b.Decisions, externalID)
	return &b, err
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullInt(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

// Savepoint marks where RollbackToSavepoint returns to: a batch of leads
// in one transaction undoes one lead alone.
func (t *LeadTx) Savepoint(ctx context.Context) error {
	_, err := t.tx.ExecContext(ctx, `SAVEPOINT lead`)
	return err
}

// KeepSinceSavepoint keeps what was done since the savepoint and marks a
// new one, in one round trip.
func (t *LeadTx) KeepSinceSavepoint(ctx context.Context) error {
	_, err := t.tx.ExecContext(ctx, `RELEASE SAVEPOINT lead; SAVEPOINT lead`)
	return err
}

// RollbackToSavepoint undoes what was done since the savepoint, which
// stays marked.
func (t *LeadTx) RollbackToSavepoint(ctx context.Context) error {
	_, err := t.tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT lead`)
	return err
}
