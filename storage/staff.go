package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"partnerka"
)

// StaffUsers returns the vendor's staff, active first.
func (db *DB) StaffUsers(ctx context.Context) ([]partnerka.User, error) {
	var out []partnerka.User
	err := db.Q.StaffUsers.SelectContext(ctx, &out)
	return out, err
}

// AddStaff creates a staff user (with a password nobody knows: they set
// theirs from the link the caller emails) and a one-time password token
// valid until expires, audited.
func (db *DB) AddStaff(ctx context.Context, u *partnerka.User, resetTokenHash []byte, expires time.Time, a Actor) error {
	if !partnerka.StaffRole(u.Role) {
		return partnerka.FieldError("role", "choose admin, manager or finance")
	}
	u.Email = partnerka.NormalizeEmail(u.Email)
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.Stmtx(db.Q.InsertUser).QueryRowxContext(ctx, u.Email, u.Name, u.PasswordHash, u.Role, nil, u.Locale, db.now()).Scan(&u.ID, &u.CreatedAt)
		if IsUniqueViolation(err, "users_email_key") {
			return partnerka.FieldError("email", "a user with this email exists")
		} else if IsCheckViolation(err) {
			return partnerka.FieldError("email", "enter a valid email")
		} else if err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.InsertPasswordReset).ExecContext(ctx, resetTokenHash, u.ID, expires, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("staff.add", "user", u.ID, nil, map[string]any{"email": u.Email, "role": u.Role}))
	})
}

// SetStaff changes a staff user's role and whether they are disabled
// (which ends their sessions). The program always keeps an active admin,
// and nobody changes their own access. Errors: not_found, invalid.
func (db *DB) SetStaff(ctx context.Context, userID int64, role string, disabled bool, at time.Time, a Actor) error {
	if !partnerka.StaffRole(role) {
		return partnerka.FieldError("role", "choose admin, manager or finance")
	}
	if userID == a.UserID {
		return partnerka.FieldError("role", "ask another admin to change your own access")
	}
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		// One staff change at a time, so two admins disabling each other
		// cannot both pass the "an active admin remains" check.
		if _, err := tx.ExecContext(ctx, `/* storage.SetStaff */ SELECT pg_advisory_xact_lock(hashtext('partnerka.staff'))`); err != nil {
			return err
		}
		var u partnerka.User
		if err := tx.Stmtx(db.Q.StaffUserForUpdate).GetContext(ctx, &u, userID); err != nil {
			return notFound(err, "staff user")
		}
		var disabledAt *time.Time
		if disabled {
			disabledAt = u.DisabledAt
			if disabledAt == nil {
				disabledAt = &at
			}
		}
		if _, err := tx.Stmtx(db.Q.SetStaffUser).ExecContext(ctx, u.ID, role, disabledAt); err != nil {
			return err
		}
		var admins int
		if err := tx.Stmtx(db.Q.ActiveAdmins).GetContext(ctx, &admins); err != nil {
			return err
		}
		if admins == 0 {
			return partnerka.FieldError("role", "the program needs at least one active admin")
		}
		if disabled || role != u.Role {
			if _, err := tx.Stmtx(db.Q.EndUserSessions).ExecContext(ctx, u.ID); err != nil {
				return err
			}
		}
		return db.audit(ctx, tx, a.audit("staff.update", "user", u.ID,
			map[string]any{"role": u.Role, "disabled": u.DisabledAt != nil}, map[string]any{"role": role, "disabled": disabled}))
	})
}
