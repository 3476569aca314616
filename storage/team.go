package storage

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"partnerka"
)

// TeamMember is an active user of a partner.
type TeamMember struct {
	ID        int64     `db:"id"`
	Email     string    `db:"email"`
	Name      string    `db:"name"`
	Role      string    `db:"role"`
	CreatedAt time.Time `db:"created_at"`
}

// Invitation is a pending invitation to a partner's team.
type Invitation struct {
	Email     string    `db:"email"`
	CreatedAt time.Time `db:"created_at"`
	ExpiresAt time.Time `db:"expires_at"`
	InvitedBy string    `db:"invited_by"` // the inviting owner's email
}

// PendingInvitation is what the accept page shows of an invitation.
type PendingInvitation struct {
	PartnerID     int64  `db:"partner_id"`
	Email         string `db:"email"`
	PartnerName   string `db:"partner_name"`
	PartnerStatus string `db:"partner_status"`
}

// Team returns a partner's active users (owners first) and the
// invitations still pending at now.
func (db *DB) Team(ctx context.Context, partnerID int64, now time.Time) ([]TeamMember, []Invitation, error) {
	var members []TeamMember
	if err := db.Q.TeamMembers.SelectContext(ctx, &members, partnerID); err != nil {
		return nil, nil, err
	}
	var invites []Invitation
	err := db.Q.TeamInvitations.SelectContext(ctx, &invites, partnerID, now)
	return members, invites, err
}

// lockTeam locks the partner's row for a team change and checks that the
// actor is one of its active owners (forbidden otherwise).
func (db *DB) lockTeam(ctx context.Context, tx *sqlx.Tx, partnerID int64, a Actor) error {
	var role string
	if err := tx.Stmtx(db.Q.LockTeam).GetContext(ctx, &role, partnerID, a.UserID); err != nil {
		return notFound(err, "partner")
	}
	if role != partnerka.RoleOwner {
		return partnerka.Errorf(partnerka.EFORBIDDEN, "only the partner's owner manages the team")
	}
	return nil
}

// InviteResult says what an invitation found: whether its email already
// has an account (another partner's, a staff member's), so the email sent
// is a notice to that account in its language rather than the link.
type InviteResult struct {
	AccountExists bool
	Locale        string // the account's language, when it exists
}

// Invite stores an invitation of email to the partner's team, valid until
// expires, replacing one still pending for the same email, and audits it
// with the inviting owner as actor. An email that already has an account
// elsewhere is invited all the same (InviteResult says so): the owner
// sees the same pending invitation as for a new address, and learns
// nothing of other partners' or the program's accounts; the invitation
// cannot be accepted, as the account's email is taken. Errors: forbidden
// (the actor is not an owner of the partner), conflict (the email is an
// active user of this partner, whom the owner sees in the team; a removed
// user of this partner may be invited back).
func (db *DB) Invite(ctx context.Context, a Actor, partnerID int64, email string, tokenHash []byte, now, expires time.Time) (InviteResult, error) {
	email = partnerka.NormalizeEmail(email)
	var res InviteResult
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockTeam(ctx, tx, partnerID, a); err != nil {
			return err
		}
		var holder struct {
			Holder string `db:"holder"`
			Locale string `db:"locale"`
		}
		err := tx.Stmtx(db.Q.EmailHolder).GetContext(ctx, &holder, email, partnerID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case holder.Holder == "team":
			return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "email", Message: email + " is already in the team"}
		default:
			res = InviteResult{AccountExists: true, Locale: holder.Locale}
		}
		if _, err := tx.Stmtx(db.Q.DeleteInvitations).ExecContext(ctx, partnerID, email); err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.InsertInvitation).ExecContext(ctx, tokenHash, partnerID, email, a.UserID, now, expires); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("team.invite", "partner", partnerID, nil, map[string]any{"email": email, "expires_at": expires}))
	})
	return res, err
}

// RevokeInvitation deletes the partner's pending invitation of email and
// audits it. Errors: forbidden (not an owner), not_found (none pending).
func (db *DB) RevokeInvitation(ctx context.Context, a Actor, partnerID int64, email string) error {
	email = partnerka.NormalizeEmail(email)
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockTeam(ctx, tx, partnerID, a); err != nil {
			return err
		}
		res, err := tx.Stmtx(db.Q.DeleteInvitations).ExecContext(ctx, partnerID, email)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return partnerka.Errorf(partnerka.ENOTFOUND, "invitation not found")
		}
		return db.audit(ctx, tx, a.audit("team.revoke", "partner", partnerID, map[string]any{"email": email}, nil))
	})
}

// TeamMemberByID returns an active user of the partner; another partner's
// user is the same not_found as a missing one.
func (db *DB) TeamMemberByID(ctx context.Context, partnerID, userID int64) (*TeamMember, error) {
	var members []TeamMember
	if err := db.Q.TeamMembers.SelectContext(ctx, &members, partnerID); err != nil {
		return nil, err
	}
	for _, m := range members {
		if m.ID == userID {
			return &m, nil
		}
	}
	return nil, partnerka.Errorf(partnerka.ENOTFOUND, "user not found")
}

// RemoveMember takes a user out of the partner's team: the account is
// disabled (its history stays in the audit log and the ledger), its
// sessions end, and the removal is audited. Errors: forbidden (the actor
// is not an owner), not_found (not an active user of this partner),
// conflict (removing oneself, or the last owner).
func (db *DB) RemoveMember(ctx context.Context, a Actor, partnerID, userID int64, now time.Time) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockTeam(ctx, tx, partnerID, a); err != nil {
			return err
		}
		var m struct {
			ID    int64  `db:"id"`
			Email string `db:"email"`
			Role  string `db:"role"`
		}
		if err := tx.Stmtx(db.Q.TeamMemberForUpdate).GetContext(ctx, &m, userID, partnerID); err != nil {
			return notFound(err, "user")
		}
		if m.ID == a.UserID {
			return partnerka.Errorf(partnerka.ECONFLICT, "you cannot remove yourself")
		}
		if m.Role == partnerka.RoleOwner {
			var owners int
			if err := tx.Stmtx(db.Q.ActiveOwners).GetContext(ctx, &owners, partnerID); err != nil {
				return err
			}
			if owners <= 1 {
				return partnerka.Errorf(partnerka.ECONFLICT, "the partner's last owner cannot be removed")
			}
		}
		if _, err := tx.Stmtx(db.Q.DisableUser).ExecContext(ctx, m.ID, now); err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.DeleteUserSessions).ExecContext(ctx, m.ID); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("team.remove", "user", m.ID, map[string]any{"email": m.Email, "role": m.Role, "partner_id": partnerID}, nil))
	})
}

// InvitationByToken returns the invitation of a token's hash while it is
// pending at now, or not_found (unknown, used, revoked or expired).
func (db *DB) InvitationByToken(ctx context.Context, tokenHash []byte, now time.Time) (*PendingInvitation, error) {
	var inv PendingInvitation
	if err := db.Q.InvitationByToken.GetContext(ctx, &inv, tokenHash, now); err != nil {
		return nil, notFound(err, "invitation")
	}
	return &inv, nil
}

// AcceptInvitation uses an invitation, once, and creates its member user
// (or brings back a removed user of the same partner). Errors: not_found
// (the token is unknown, used, revoked or expired), conflict (the email
// got an account meanwhile; the invitation stays unused).
func (db *DB) AcceptInvitation(ctx context.Context, tokenHash []byte, name, passwordHash, locale, ip string, now time.Time) (*partnerka.User, error) {
	var u partnerka.User
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var inv struct {
			PartnerID int64  `db:"partner_id"`
			Email     string `db:"email"`
			InvitedBy int64  `db:"invited_by"`
		}
		if err := tx.Stmtx(db.Q.UseInvitation).GetContext(ctx, &inv, tokenHash, now); err != nil {
			return notFound(err, "invitation")
		}
		if err := tx.Stmtx(db.Q.UpsertMember).GetContext(ctx, &u, inv.Email, name, passwordHash, inv.PartnerID, locale, now); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "email", Message: inv.Email + " already has an account"}
			}
			return err
		}
		return db.audit(ctx, tx, AuditEntry{ActorID: u.ID, IP: ip, Action: "team.join", Entity: "user", EntityID: u.ID,
			After: map[string]any{"email": u.Email, "role": u.Role, "partner_id": inv.PartnerID, "invited_by": inv.InvitedBy}, At: now})
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// TeamQueries are the queries of partner teams and invitations (queries/team.sql).
type TeamQueries struct {
	TeamMembers         *sqlx.Stmt `query:"team-members"`
	TeamInvitations     *sqlx.Stmt `query:"team-invitations"`
	LockTeam            *sqlx.Stmt `query:"lock-team"`
	EmailHolder         *sqlx.Stmt `query:"email-holder"`
	DeleteInvitations   *sqlx.Stmt `query:"delete-invitations"`
	InsertInvitation    *sqlx.Stmt `query:"insert-invitation"`
	InvitationByToken   *sqlx.Stmt `query:"invitation-by-token"`
	UseInvitation       *sqlx.Stmt `query:"use-invitation"`
	UpsertMember        *sqlx.Stmt `query:"upsert-member"`
	TeamMemberForUpdate *sqlx.Stmt `query:"team-member-for-update"`
	ActiveOwners        *sqlx.Stmt `query:"active-owners"`
	DisableUser         *sqlx.Stmt `query:"disable-user"`
}
