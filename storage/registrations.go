package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partnerka"
)

// Registration is a partner's hand-registered lead.
type Registration struct {
	ID             int64
	PartnerID      int64
	Company        string
	ContactName    string
	Email          string
	CompanyDomain  string
	Phone          string
	Comment        string
	ProtectedUntil time.Time
	CreatedAt      time.Time
}

// RegistrationConflict is another partner's protected registration of the
// same prospect.
type RegistrationConflict struct {
	ID             int64     `db:"id"`
	PartnerID      int64     `db:"partner_id"`
	ProtectedUntil time.Time `db:"protected_until"`
	Email          string    `db:"email"`
	CompanyDomain  string    `db:"company_domain"`
}

// CreateRegistration stores r unless another partner protects the same
// email or company domain at r.CreatedAt, or the email is already a bound
// customer. It returns the conflict (and no error) when refused.
func (db *DB) CreateRegistration(ctx context.Context, r *Registration) (*RegistrationConflict, bool, error) {
	var conflict *RegistrationConflict
	var bound bool
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var keys []string
		for _, k := range []string{r.Email, r.CompanyDomain} {
			if k != "" {
				keys = append(keys, k)
			}
		}
		if _, err := tx.Stmtx(db.Q.LockRegistrationKeys).ExecContext(ctx, pq.Array(keys)); err != nil {
			return err
		}
		var c RegistrationConflict
		err := tx.Stmtx(db.Q.RegistrationConflict).GetContext(ctx, &c, r.PartnerID, r.Email, r.CompanyDomain, r.CreatedAt)
		if err == nil {
			conflict = &c
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var n int
		if err := tx.Stmtx(db.Q.BoundCustomerByEmail).GetContext(ctx, &n, r.Email); err != nil {
			return err
		}
		if n > 0 {
			bound = true
			return nil
		}
		return tx.Stmtx(db.Q.InsertRegistration).GetContext(ctx, &r.ID, r.PartnerID, r.Company, r.ContactName, r.Email,
			r.CompanyDomain, r.Phone, r.Comment, r.ProtectedUntil, r.CreatedAt)
	})
	return conflict, bound, err
}

// DecideRegistration approves or rejects a pending registration and audits
// it; not_found when it is not pending.
func (db *DB) DecideRegistration(ctx context.Context, id int64, status, reason string, by Actor, at time.Time) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var partnerID int64
		err := tx.Stmtx(db.Q.DecideRegistration).GetContext(ctx, &partnerID, id, status, reason, nullInt(by.UserID), at)
		if errors.Is(err, sql.ErrNoRows) {
			return partnerka.Errorf(partnerka.ENOTFOUND, "no pending registration %d", id)
		} else if err != nil {
			return err
		}
		return db.audit(ctx, tx, by.audit("registration."+status, "lead_registration", id,
			map[string]any{"status": "pending"}, map[string]any{"status": status, "reason": reason}))
	})
}

// AuditEntry is one staff action for the audit log.
type AuditEntry struct {
	ActorID   int64
	ActorName string // when no user acted: "api_key:3"; "" is the system
	Action    string
	Entity    string
	EntityID  int64
	Before    any
	After     any
	IP        string
	At        time.Time // zero: now, by the program's clock
}

// audit appends an entry to the audit log inside tx, so the action and its
// record commit together, dated by the program's clock.
func (db *DB) audit(ctx context.Context, tx *sqlx.Tx, e AuditEntry) error {
	before, _ := json.Marshal(e.Before)
	after, _ := json.Marshal(e.After)
	at := e.At
	if at.IsZero() {
		at = db.now()
	}
	actor := "system"
	if e.ActorName != "" {
		actor = e.ActorName
	}
	if e.ActorID != 0 {
		actor = "user:" + strconv.FormatInt(e.ActorID, 10)
	}
	_, err := tx.Stmtx(db.Q.InsertAudit).ExecContext(ctx, nullInt(e.ActorID), actor, e.Action, e.Entity, strconv.FormatInt(e.EntityID, 10),
		before, after, e.IP, at)
	return err
}
