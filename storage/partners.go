package storage

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"

	"partnerka"
)

// ApplicationQueries are an application's queries (queries/partners.sql).
type ApplicationQueries struct {
	ApplicationOf     *sqlx.Stmt `query:"application-of"`
	UpdateApplication *sqlx.Stmt `query:"update-application"`
	ApprovalPlan      *sqlx.Stmt `query:"approval-plan"`
}

// PartnerByRef returns the partner with that ref, or not_found.
func (db *DB) PartnerByRef(ctx context.Context, ref string) (*partnerka.Partner, error) {
	var p partnerka.Partner
	if err := db.Q.PartnerByRef.GetContext(ctx, &p, ref); err != nil {
		return nil, notFound(err, "partner")
	}
	return &p, nil
}

// ApplicationRow is a partner's application as the applicant sees it:
// what they applied with, the partner type they asked for and, once
// rejected, the reason.
type ApplicationRow struct {
	partnerka.Partner
	Phone    string `db:"contact_phone"`
	Reason   string `db:"status_reason"`
	TypeName string `db:"type_name"`
}

// ApplicationOf returns a partner's application, or not_found.
func (db *DB) ApplicationOf(ctx context.Context, partnerID int64) (*ApplicationRow, error) {
	var a ApplicationRow
	if err := db.Q.ApplicationOf.GetContext(ctx, &a, partnerID); err != nil {
		return nil, notFound(err, "partner")
	}
	return &a, nil
}

// ApplicationEdit is what an applicant may change while the application
// waits: all they applied with but the email they sign in with.
type ApplicationEdit struct {
	Kind, Name, ContactName, Phone, Website, Promotion string
	TypeID                                             *int64 // the partner type asked for; nil: the team chooses
}

// EditApplication saves an applicant's changes and audits the fields that
// changed. Errors: not_found, conflict (the application is decided),
// invalid (an unknown partner type, field partner_type).
func (db *DB) EditApplication(ctx context.Context, partnerID int64, e ApplicationEdit, a Actor) error {
	return db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if p.Status != partnerka.PartnerApplied {
			return partnerka.Errorf(partnerka.ECONFLICT, "%s is %s, not an application", p.Name, p.Status)
		}
		var was ApplicationRow
		if err := tx.Stmtx(db.Q.ApplicationOf).GetContext(ctx, &was, p.ID); err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.UpdateApplication).ExecContext(ctx, p.ID, e.Kind, e.Name, e.ContactName, e.Phone,
			e.Website, e.Promotion, e.TypeID, db.now()); err != nil {
			if IsForeignKeyViolation(err) {
				return partnerka.FieldError("partner_type", "choose a partner type")
			}
			return err
		}
		before, after := map[string]any{}, map[string]any{}
		for _, f := range []struct {
			key      string
			old, new any
		}{
			{"kind", was.Kind, e.Kind}, {"name", was.Name, e.Name}, {"contact_name", was.ContactName, e.ContactName},
			{"contact_phone", was.Phone, e.Phone}, {"website", was.Website, e.Website}, {"promotion", was.Promotion, e.Promotion},
			{"partner_type_id", was.PartnerTypeID, e.TypeID},
		} {
			if old, new := auditID(f.old), auditID(f.new); old != new {
				before[f.key], after[f.key] = old, new
			}
		}
		if len(after) == 0 {
			return nil
		}
		return db.audit(ctx, tx, a.audit("partner.application_edit", "partner", p.ID, before, after))
	})
}

// auditID is an optional id as the audit records it (nil for none),
// other values as they are: comparable either way.
func auditID(v any) any {
	if id, ok := v.(*int64); ok {
		if id == nil {
			return nil
		}
		return *id
	}
	return v
}

// checkApprovalPlan refuses an approval on a plan version that is not of
// the chosen partner type's default plan, unless the manager confirmed it
// (Approval.OtherTypePlan). A type without a default plan takes any plan;
// an unknown type or version is left to the statements that follow,
// which name the field.
func (db *DB) checkApprovalPlan(ctx context.Context, tx *sqlx.Tx, a Approval) error {
	if a.OtherTypePlan {
		return nil
	}
	var r struct {
		TypeName      string `db:"type_name"`
		DefaultPlanID *int64 `db:"default_plan_id"`
		PlanID        int64  `db:"plan_id"`
		Plan          string `db:"plan"`
		Version       int    `db:"version"`
	}
	err := tx.Stmtx(db.Q.ApprovalPlan).GetContext(ctx, &r, a.TypeID, a.VersionID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if r.DefaultPlanID == nil || *r.DefaultPlanID == r.PlanID {
		return nil
	}
	return partnerka.FieldError("version", "%s v%d is not the plan of the partner type %s: tick “use a plan of another type” to approve on it",
		r.Plan, r.Version, r.TypeName)
}
