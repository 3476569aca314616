package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"partnerka"
)

// RegistrationReview is a lead registration in the managers' queue.
type RegistrationReview struct {
	ID             int64     `db:"id"`
	PartnerID      int64     `db:"partner_id"`
	Partner        string    `db:"partner"`
	Company        string    `db:"company"`
	ContactName    string    `db:"contact_name"`
	Email          string    `db:"email"`
	CompanyDomain  string    `db:"company_domain"`
	Phone          string    `db:"phone"`
	Comment        string    `db:"comment"`
	Status         string    `db:"status"`
	ProtectedUntil time.Time `db:"protected_until"`
	CreatedAt      time.Time `db:"created_at"`
	Reason         string    `db:"reason"`
	BoundTo        string    `db:"bound_to"` // a partner the email is already a customer of
	Total          int64     `db:"total"`    // how many registrations the status holds
}

// AdminRegistrations lists limit registrations in status after the first
// offset (pending oldest first, others newest first) and how many the
// status holds.
func (db *DB) AdminRegistrations(ctx context.Context, status string, limit, offset int) ([]RegistrationReview, int64, error) {
	var out []RegistrationReview
	if err := db.Q.AdminRegistrations.SelectContext(ctx, &out, status, limit, offset); err != nil {
		return nil, 0, err
	}
	var total int64
	if len(out) > 0 {
		total = out[0].Total
	}
	return out, total, nil
}

// CustomerRow is a customer as the back office finds them.
type CustomerRow struct {
	ID          int64      `db:"id"`
	ExternalID  string     `db:"external_id"`
	Email       string     `db:"email"`
	Name        string     `db:"name"`
	PartnerID   *int64     `db:"partner_id"`
	Partner     string     `db:"partner"`
	Source      string     `db:"source"`
	Reason      string     `db:"reason"`
	BoundAt     *time.Time `db:"bound_at"`
	FirstSeenAt time.Time  `db:"first_seen_at"`
}

// AdminCustomerFilter chooses a page of customers: a partner's (PartnerID),
// those a search finds (Q: their id in the vendor's system, their email,
// or from three characters a part of their email), or both.
type AdminCustomerFilter struct {
	PartnerID int64
	Q         string
	Limit     int
	Offset    int
}

// FindCustomers returns one page of the customers the filter finds,
// latest bound first, and how many it finds in all.
func (db *DB) FindCustomers(ctx context.Context, f AdminCustomerFilter) ([]CustomerRow, int64, error) {
	part := len([]rune(f.Q)) >= 3
	var total int64
	if err := db.Q.AdminCustomerCount.GetContext(ctx, &total, f.PartnerID, f.Q, part); err != nil {
		return nil, 0, err
	}
	var out []CustomerRow
	err := db.Q.AdminCustomerList.SelectContext(ctx, &out, f.PartnerID, f.Q, part, f.Limit, f.Offset)
	return out, total, err
}

// CustomerDecision is one attribution decision about a customer.
type CustomerDecision struct {
	DecidedAt  time.Time  `db:"decided_at"`
	OccurredAt *time.Time `db:"occurred_at"`
	Partner    string     `db:"partner"`
	Source     string     `db:"source"`
	Reason     string     `db:"reason"`
	Detail     string     `db:"detail"`
	DecidedBy  string     `db:"decided_by"`
}

// CustomerTrail returns the evidence trail of a customer, newest first.
func (db *DB) CustomerTrail(ctx context.Context, customerID int64) ([]CustomerDecision, error) {
	var out []CustomerDecision
	err := db.Q.CustomerTrail.SelectContext(ctx, &out, customerID)
	return out, err
}

// ReassignCustomer binds a customer to another partner from at on, with
// a reason: purchases from then on earn for the new partner; what the
// previous partner earned stays theirs. The decision joins the customer's
// evidence trail and the audit log. Errors: not_found (customer or
// partner), conflict (already that partner's).
func (db *DB) ReassignCustomer(ctx context.Context, customerID, partnerID int64, reason string, at time.Time, a Actor) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var c struct {
			ID         int64      `db:"id"`
			ExternalID string     `db:"external_id"`
			PartnerID  *int64     `db:"partner_id"`
			BoundAt    *time.Time `db:"bound_at"`
			Reason     string     `db:"reason"`
			Source     string     `db:"source"`
		}
		if err := tx.Stmtx(db.Q.CustomerByIDLocked).GetContext(ctx, &c, customerID); err != nil {
			return notFound(err, "customer")
		}
		if c.PartnerID != nil && *c.PartnerID == partnerID {
			return partnerka.Errorf(partnerka.ECONFLICT, "the customer is already this partner's")
		}
		if _, err := tx.Stmtx(db.Q.ReassignCustomer).ExecContext(ctx, c.ID, partnerID, at); err != nil {
			if IsForeignKeyViolation(err) {
				return partnerka.FieldError("partner", "no such partner")
			}
			return err
		}
		if _, err := tx.Stmtx(db.Q.InsertManualDecision).ExecContext(ctx, c.ID, partnerID, at, reason, nullInt(a.UserID), db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("customer.reassign", "customer", c.ID,
			map[string]any{"partner_id": c.PartnerID, "source": c.Source, "bound_at": c.BoundAt, "external_id": c.ExternalID},
			map[string]any{"partner_id": partnerID, "source": "manual", "bound_at": at, "reason": reason}))
	})
}

// CustomerByID returns one customer, or not_found.
func (db *DB) CustomerByID(ctx context.Context, id int64) (*CustomerRow, error) {
	var c CustomerRow
	if err := db.Q.CustomerByID.GetContext(ctx, &c, id); err != nil {
		return nil, notFound(err, "customer")
	}
	return &c, nil
}
