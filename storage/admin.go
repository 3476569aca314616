package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"partnerka"
)

// AdminQueries are the back office's queries (queries/admin.sql).
type AdminQueries struct {
	AdminQueues          *sqlx.Stmt `query:"admin-queues"`
	RequestedPayoutSums  *sqlx.Stmt `query:"requested-payout-sums"`
	AdminPartners        *sqlx.Stmt `query:"admin-partners"`
	PartnerTypes         *sqlx.Stmt `query:"partner-types"`
	PublishedVersions    *sqlx.Stmt `query:"published-versions"`
	LockPartnerRow       *sqlx.Stmt `query:"lock-partner-row"`
	SetPartnerStatus     *sqlx.Stmt `query:"set-partner-status"`
	SetPartnerType       *sqlx.Stmt `query:"set-partner-type"`
	SetPartnerCertified  *sqlx.Stmt `query:"set-partner-certified"`
	SetPartnerRecruiter  *sqlx.Stmt `query:"set-partner-recruiter"`
	RecruiterChain       *sqlx.Stmt `query:"recruiter-chain"`
	PartnerContracts     *sqlx.Stmt `query:"partner-contracts"`
	EndOpenContract      *sqlx.Stmt `query:"end-open-contract"`
	LaterContract        *sqlx.Stmt `query:"later-contract"`
	InsertContract       *sqlx.Stmt `query:"insert-contract"`
	CodeTaken            *sqlx.Stmt `query:"code-taken"`
	InsertDefaultLink    *sqlx.Stmt `query:"insert-default-link"`
	DeletePartnerSession *sqlx.Stmt `query:"delete-partner-sessions"`
	PartnerUsers         *sqlx.Stmt `query:"partner-users"`
	PartnerSummary       *sqlx.Stmt `query:"partner-summary"`
	EntityAudit          *sqlx.Stmt `query:"entity-audit"`
	AdminRegistrations   *sqlx.Stmt `query:"admin-registrations"`
	CustomerByIDLocked   *sqlx.Stmt `query:"customer-by-id-for-update"`
	CustomerTrail        *sqlx.Stmt `query:"customer-trail"`
	ReassignCustomer     *sqlx.Stmt `query:"reassign-customer"`
	InsertManualDecision *sqlx.Stmt `query:"insert-manual-decision"`
	CustomerByID         *sqlx.Stmt `query:"customer-by-id"`
	StaffUsers           *sqlx.Stmt `query:"staff-users"`
	StaffUserForUpdate   *sqlx.Stmt `query:"staff-user-for-update"`
	ActiveAdmins         *sqlx.Stmt `query:"active-admins"`
	SetStaffUser         *sqlx.Stmt `query:"set-staff-user"`
	EndUserSessions      *sqlx.Stmt `query:"delete-user-sessions-of"`
}

// Actor is the staff member behind a back-office action, as the audit log
// records them.
type Actor struct {
	UserID int64
	IP     string
	Name   string // who acted when no user did, such as "api_key:3"
}

func (a Actor) audit(action, entity string, id int64, before, after any) AuditEntry {
	return AuditEntry{ActorID: a.UserID, ActorName: a.Name, IP: a.IP, Action: action, Entity: entity, EntityID: id, Before: before, After: after}
}

// Queues counts what waits for the program's team.
type Queues struct {
	Applications     int64 `db:"applications"`
	Registrations    int64 `db:"registrations"`
	CodeRequests     int64 `db:"code_requests"`
	PayoutRequests   int64 `db:"payout_requests"`
	ApprovedPayouts  int64 `db:"approved_payouts"`
	RequestedAmounts []partnerka.Money
}

// Queues returns the back office's queue counts and the requested payout
// amounts per currency.
func (db *DB) Queues(ctx context.Context) (Queues, error) {
	var q Queues
	if err := db.Q.AdminQueues.GetContext(ctx, &q); err != nil {
		return q, err
	}
	var rows []struct {
		Currency string          `db:"currency"`
		Amount   decimal.Decimal `db:"amount"`
	}
	if err := db.Q.RequestedPayoutSums.SelectContext(ctx, &rows); err != nil {
		return q, err
	}
	for _, r := range rows {
		q.RequestedAmounts = append(q.RequestedAmounts, partnerka.Money{Amount: r.Amount, Currency: r.Currency})
	}
	return q, nil
}

// PartnerRow is a partner in the back office's list.
type PartnerRow struct {
	partnerka.Partner
	TypeName string `db:"type_name"`
	Plan     string `db:"plan"`
}

// AdminPartners lists partners by status ("" for all) and a search text.
func (db *DB) AdminPartners(ctx context.Context, status, search string, limit int) ([]PartnerRow, error) {
	var out []PartnerRow
	err := db.Q.AdminPartners.SelectContext(ctx, &out, status, search, limit, db.now())
	return out, err
}

// PartnerType is a kind of partner with its default plan.
type PartnerType struct {
	ID               int64  `db:"id"`
	Code             string `db:"code"`
	Name             string `db:"name"`
	DefaultPlanID    *int64 `db:"default_plan_id"`
	DefaultVersionID *int64 `db:"default_version_id"` // the default plan's latest published version
}

// PartnerTypes returns every partner type.
func (db *DB) PartnerTypes(ctx context.Context) ([]PartnerType, error) {
	var out []PartnerType
	err := db.Q.PartnerTypes.SelectContext(ctx, &out)
	return out, err
}

// VersionRef names a published plan version.
type VersionRef struct {
	ID      int64  `db:"id"`
	PlanID  int64  `db:"plan_id"`
	Plan    string `db:"plan"`
	Version int    `db:"version"`
}

func (v VersionRef) String() string { return v.Plan + " v" + strconv.Itoa(v.Version) }

// PublishedVersions returns every published plan version, by plan.
func (db *DB) PublishedVersions(ctx context.Context) ([]VersionRef, error) {
	var out []VersionRef
	err := db.Q.PublishedVersions.SelectContext(ctx, &out)
	return out, err
}

// withPartner runs fn on the partner's locked row inside a transaction.
func (db *DB) withPartner(ctx context.Context, id int64, fn func(tx *sqlx.Tx, p *partnerka.Partner) error) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var p partnerka.Partner
		if err := tx.Stmtx(db.Q.LockPartnerRow).GetContext(ctx, &p, id); err != nil {
			return notFound(err, "partner")
		}
		return fn(tx, &p)
	})
}

// Approval is a manager's decision to let an applicant in.
type Approval struct {
	PartnerID  int64
	TypeID     int64
	VersionID  int64     // the plan version of the first contract
	Start      time.Time // the contract starts here
	LandingURL string    // the default link's destination
	Actor      Actor
	// OtherTypePlan confirms a version that is not of the type's default
	// plan (checkApprovalPlan refuses it otherwise).
	OtherTypePlan bool
}

// ApproveApplication activates an applied partner under a partner type and
// a contract on a published plan version, gives them a default link (the
// partner's ref as the code, or ref-2, ref-3... when taken) and audits it.
// It returns the default link's code. Errors: not_found, conflict (not an
// application), invalid (an unpublished version; one of another type's
// plan unconfirmed, field version).
func (db *DB) ApproveApplication(ctx context.Context, a Approval) (string, error) {
	var code string
	err := db.withPartner(ctx, a.PartnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if p.Status != partnerka.PartnerApplied {
			return partnerka.Errorf(partnerka.ECONFLICT, "%s is %s, not an application", p.Name, p.Status)
		}
		if err := db.checkApprovalPlan(ctx, tx, a); err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.SetPartnerStatus).ExecContext(ctx, p.ID, partnerka.PartnerActive, "", db.now()); err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.SetPartnerType).ExecContext(ctx, p.ID, a.TypeID, db.now()); err != nil {
			if IsForeignKeyViolation(err) {
				return partnerka.FieldError("type", "choose a partner type")
			}
			return err
		}
		var contractID int64
		if err := tx.Stmtx(db.Q.InsertContract).GetContext(ctx, &contractID, p.ID, a.VersionID, a.Start, db.now()); err != nil {
			if IsCheckViolation(err) || IsForeignKeyViolation(err) {
				return partnerka.FieldError("version", "choose a published plan version")
			}
			return err
		}
		for i := 1; ; i++ {
			code = p.Ref
			if i > 1 {
				code = fmt.Sprintf("%s-%d", p.Ref, i)
			}
			var taken bool
			if err := tx.Stmtx(db.Q.CodeTaken).GetContext(ctx, &taken, code); err != nil {
				return err
			}
			if !taken {
				break
			}
		}
		var linkID int64
		if err := tx.Stmtx(db.Q.InsertDefaultLink).GetContext(ctx, &linkID, p.ID, code, a.LandingURL, db.now()); err != nil {
			return err
		}
		if err := db.queueNotice(ctx, tx, p.ID, NoticeApplicationApproved, 0, ""); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.Actor.audit("partner.approve", "partner", p.ID,
			map[string]any{"status": p.Status},
			map[string]any{"status": partnerka.PartnerActive, "partner_type_id": a.TypeID, "plan_version_id": a.VersionID,
				"contract_id": contractID, "starts_at": a.Start, "default_link": code}))
	})
	return code, err
}

// RejectApplication turns an application down with a reason.
func (db *DB) RejectApplication(ctx context.Context, partnerID int64, reason string, a Actor) error {
	return db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if p.Status != partnerka.PartnerApplied {
			return partnerka.Errorf(partnerka.ECONFLICT, "%s is %s, not an application", p.Name, p.Status)
		}
		if _, err := tx.Stmtx(db.Q.SetPartnerStatus).ExecContext(ctx, p.ID, partnerka.PartnerRejected, reason, db.now()); err != nil {
			return err
		}
		if err := db.queueNotice(ctx, tx, p.ID, NoticeApplicationRejected, 0, reason); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("partner.reject", "partner", p.ID,
			map[string]any{"status": p.Status}, map[string]any{"status": partnerka.PartnerRejected, "reason": reason}))
	})
}

// SuspendPartner stops an active partner (their team is signed out; links
// keep redirecting to the landing page but attribute nothing new), or
// reactivates a suspended one.
func (db *DB) SuspendPartner(ctx context.Context, partnerID int64, suspend bool, reason string, a Actor) error {
	from, to, action := partnerka.PartnerActive, partnerka.PartnerSuspended, "partner.suspend"
	if !suspend {
		from, to, action = partnerka.PartnerSuspended, partnerka.PartnerActive, "partner.reactivate"
	}
	return db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if p.Status != from {
			return partnerka.Errorf(partnerka.ECONFLICT, "%s is %s", p.Name, p.Status)
		}
		if !suspend {
			return db.setPartnerStatus(ctx, tx, p, to, reason, action, a)
		}
		return db.suspendInTx(ctx, tx, p, reason, a)
	})
}

// suspendInTx suspends an active partner locked in tx (see SuspendPartner).
func (db *DB) suspendInTx(ctx context.Context, tx *sqlx.Tx, p *partnerka.Partner, reason string, a Actor) error {
	return db.setPartnerStatus(ctx, tx, p, partnerka.PartnerSuspended, reason, "partner.suspend", a)
}

// setPartnerStatus moves a partner locked in tx to status to: a suspended
// partner's team is signed out; the partner is told either way.
func (db *DB) setPartnerStatus(ctx context.Context, tx *sqlx.Tx, p *partnerka.Partner, to, reason, action string, a Actor) error {
	if _, err := tx.Stmtx(db.Q.SetPartnerStatus).ExecContext(ctx, p.ID, to, reason, db.now()); err != nil {
		return err
	}
	notice, noticeReason := NoticePartnerReactivated, ""
	if to == partnerka.PartnerSuspended {
		if _, err := tx.Stmtx(db.Q.DeletePartnerSession).ExecContext(ctx, p.ID); err != nil {
			return err
		}
		notice, noticeReason = NoticePartnerSuspended, reason
	}
	if err := db.queueNotice(ctx, tx, p.ID, notice, 0, noticeReason); err != nil {
		return err
	}
	return db.audit(ctx, tx, a.audit(action, "partner", p.ID,
		map[string]any{"status": p.Status}, map[string]any{"status": to, "reason": reason}))
}

// CertifyPartner records the day a partner passed the training (nil clears it).
func (db *DB) CertifyPartner(ctx context.Context, partnerID int64, day *time.Time, a Actor) error {
	return db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if _, err := tx.Stmtx(db.Q.SetPartnerCertified).ExecContext(ctx, p.ID, day, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("partner.certify", "partner", p.ID,
			map[string]any{"certified_at": p.CertifiedAt}, map[string]any{"certified_at": day}))
	})
}

// SetRecruiter makes recruiterID (nil: nobody) the partner who recruited
// partnerID, who then earns level-2 commissions on partnerID's customers
// from the next reconcile. A recruiter chain never loops.
func (db *DB) SetRecruiter(ctx context.Context, partnerID int64, recruiterID *int64, a Actor) error {
	return db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if recruiterID != nil {
			if *recruiterID == p.ID {
				return partnerka.FieldError("recruiter", "a partner cannot recruit themselves")
			}
			var chain []int64
			if err := tx.Stmtx(db.Q.RecruiterChain).SelectContext(ctx, &chain, *recruiterID); err != nil {
				return err
			}
			for _, id := range chain {
				if id == p.ID {
					return partnerka.FieldError("recruiter", "that partner was recruited (directly or not) by this one")
				}
			}
		}
		if _, err := tx.Stmtx(db.Q.SetPartnerRecruiter).ExecContext(ctx, p.ID, recruiterID, db.now()); err != nil {
			if IsForeignKeyViolation(err) {
				return partnerka.FieldError("recruiter", "no such partner")
			}
			return err
		}
		return db.audit(ctx, tx, a.audit("partner.recruiter", "partner", p.ID,
			map[string]any{"recruiter_id": p.RecruiterID}, map[string]any{"recruiter_id": recruiterID}))
	})
}

// MoveContract puts the partner on another published plan version from
// start on: the contract in force then ends there and a new one begins.
// Never retroactive: start must not be before now. Errors: invalid
// (start, version), conflict (a change is already scheduled after start).
func (db *DB) MoveContract(ctx context.Context, partnerID, versionID int64, start, now time.Time, a Actor) error {
	if start.Before(now) {
		return partnerka.FieldError("start", "a new plan applies from now on, never to the past")
	}
	return db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		var later time.Time
		err := tx.Stmtx(db.Q.LaterContract).GetContext(ctx, &later, p.ID, start)
		if err == nil {
			return partnerka.Errorf(partnerka.ECONFLICT, "a plan change is already scheduled from %s", later.Format("2006-01-02"))
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var old struct {
			ID        int64 `db:"id"`
			VersionID int64 `db:"plan_version_id"`
		}
		err = tx.Stmtx(db.Q.EndOpenContract).GetContext(ctx, &old, p.ID, start)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var id int64
		if err := tx.Stmtx(db.Q.InsertContract).GetContext(ctx, &id, p.ID, versionID, start, db.now()); err != nil {
			if IsCheckViolation(err) || IsForeignKeyViolation(err) {
				return partnerka.FieldError("version", "choose a published plan version")
			}
			return err
		}
		return db.audit(ctx, tx, a.audit("partner.contract", "partner", p.ID,
			map[string]any{"contract_id": old.ID, "plan_version_id": old.VersionID},
			map[string]any{"contract_id": id, "plan_version_id": versionID, "starts_at": start}))
	})
}

// ContractRow is one of a partner's contracts, with its plan's name.
type ContractRow struct {
	ID        int64      `db:"id"`
	VersionID int64      `db:"plan_version_id"`
	Plan      string     `db:"plan"`
	Version   int        `db:"version"`
	StartsAt  time.Time  `db:"starts_at"`
	EndsAt    *time.Time `db:"ends_at"`
}

// PartnerUser is a member of a partner's team.
type PartnerUser struct {
	ID        int64     `db:"id"`
	Email     string    `db:"email"`
	Name      string    `db:"name"`
	Role      string    `db:"role"`
	Locale    string    `db:"locale"`
	CreatedAt time.Time `db:"created_at"`
}

// AuditRow is an audit record as pages show it.
type AuditRow struct {
	ID     int64           `db:"id"`
	At     time.Time       `db:"at"`
	Actor  string          `db:"actor"`
	Action string          `db:"action"`
	Before json.RawMessage `db:"before"`
	After  json.RawMessage `db:"after"`
}

// PartnerFilePayouts is how many of a partner's latest payouts the back
// office shows beside them (with how many there are in all).
const PartnerFilePayouts = 100

// PartnerFile is everything the back office shows about one partner.
type PartnerFile struct {
	Partner     *partnerka.Partner
	Status      string
	Reason      string
	Type        string
	Recruiter   *partnerka.Partner
	Contracts   []ContractRow
	Users       []PartnerUser
	Balances    []Balance
	Payouts     []Payout // the latest PartnerFilePayouts of them
	PayoutCount int64    // how many the partner has in all
	Summary     struct {
		Clicks      int64 `db:"clicks"`
		Customers   int64 `db:"customers"`
		Recruits    int64 `db:"recruits"`
		Commissions int64 `db:"commissions"`
	}
	Audit []AuditRow
}

// PartnerFile gathers a partner's page.
func (db *DB) PartnerFile(ctx context.Context, id int64) (*PartnerFile, error) {
	p, err := db.PartnerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	f := &PartnerFile{Partner: p}
	var extra struct {
		Reason string `db:"status_reason"`
		Type   string `db:"type"`
	}
	if err := db.DB.GetContext(ctx, &extra, `/* storage.PartnerFile */ SELECT p.status_reason, coalesce(t.name, '') AS type
		FROM partners p LEFT JOIN partner_types t ON t.id = p.partner_type_id WHERE p.id = $1`, id); err != nil {
		return nil, err
	}
	f.Reason, f.Type = extra.Reason, extra.Type
	if p.RecruiterID != nil {
		if f.Recruiter, err = db.PartnerByID(ctx, *p.RecruiterID); err != nil {
			return nil, err
		}
	}
	if err := db.Q.PartnerContracts.SelectContext(ctx, &f.Contracts, id); err != nil {
		return nil, err
	}
	if err := db.Q.PartnerUsers.SelectContext(ctx, &f.Users, id); err != nil {
		return nil, err
	}
	if f.Balances, err = db.PartnerBalances(ctx, id); err != nil {
		return nil, err
	}
	if f.Payouts, f.PayoutCount, err = db.PartnerPayouts(ctx, id, PartnerFilePayouts, 0); err != nil {
		return nil, err
	}
	if err := db.Q.PartnerSummary.GetContext(ctx, &f.Summary, id); err != nil {
		return nil, err
	}
	f.Audit, err = db.EntityAudit(ctx, "partner", id)
	return f, err
}

// EntityAudit returns the latest audit records of one entity.
func (db *DB) EntityAudit(ctx context.Context, entity string, id int64) ([]AuditRow, error) {
	var out []AuditRow
	err := db.Q.EntityAudit.SelectContext(ctx, &out, entity, strconv.FormatInt(id, 10))
	return out, err
}
