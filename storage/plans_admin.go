package storage

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

// PlanQueries are the queries of the plans editor (queries/plans_admin.sql).
type PlanQueries struct {
	PlansList             *sqlx.Stmt `query:"plans-list"`
	PlansVersions         *sqlx.Stmt `query:"plans-versions"`
	PlansDefaultTypes     *sqlx.Stmt `query:"plans-default-types"`
	PlansInsert           *sqlx.Stmt `query:"plans-insert"`
	PlansLock             *sqlx.Stmt `query:"plans-lock"`
	PlansVersionHeader    *sqlx.Stmt `query:"plans-version-header"`
	PlansLatestVersion    *sqlx.Stmt `query:"plans-latest-version"`
	PlansVersionForUpdate *sqlx.Stmt `query:"plans-version-for-update"`
	PlansRuleOfVersion    *sqlx.Stmt `query:"plans-rule-of-version"`
	PlansNextPosition     *sqlx.Stmt `query:"plans-next-position"`
	PlansUpdateRule       *sqlx.Stmt `query:"plans-update-rule"`
	PlansDeleteTiers      *sqlx.Stmt `query:"plans-delete-tiers"`
	PlansDeleteRule       *sqlx.Stmt `query:"plans-delete-rule"`
	PlansRuleBefore       *sqlx.Stmt `query:"plans-rule-before"`
	PlansSetPosition      *sqlx.Stmt `query:"plans-set-position"`
	PlansActivePartners   *sqlx.Stmt `query:"plans-active-partners"`
	PlansPreviewPayments  *sqlx.Stmt `query:"plans-preview-payments"`
	PlansPreviewLeads     *sqlx.Stmt `query:"plans-preview-leads"`
	PlansEarned           *sqlx.Stmt `query:"plans-earned"`
}

// Plan version statuses: a draft may change; a published version never does
// (triggers in migrations/00002_plans.sql enforce it).
const (
	PlanDraft     = "draft"
	PlanPublished = "published"
)

// PlanSummary is a plan as the plans list shows it.
type PlanSummary struct {
	ID          int64     `db:"id"`
	Name        string    `db:"name"`
	Description string    `db:"description"`
	CreatedAt   time.Time `db:"created_at"`
	DefaultFor  []string  // names of the partner types whose new partners get it
	Versions    []PlanVersionSummary
}

// PlanVersionSummary is one version of a plan, newest first in a summary.
type PlanVersionSummary struct {
	ID          int64      `db:"id"`
	PlanID      int64      `db:"plan_id"`
	Version     int        `db:"version"`
	Status      string     `db:"status"`
	Notes       string     `db:"notes"`
	CreatedAt   time.Time  `db:"created_at"`
	PublishedAt *time.Time `db:"published_at"`
	Rules       int64      `db:"rules"`
	Partners    int64      `db:"partners"` // with a contract on it in force at the time asked, or later
}

// Plans returns every plan with its versions and the partner types that
// default to it; partners are counted on contracts not ended at now.
func (db *DB) Plans(ctx context.Context, now time.Time) ([]PlanSummary, error) {
	return db.plans(ctx, nil, now)
}

// Plan returns one plan as Plans does, or not_found.
func (db *DB) Plan(ctx context.Context, id int64, now time.Time) (*PlanSummary, error) {
	ps, err := db.plans(ctx, &id, now)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, partnerka.Errorf(partnerka.ENOTFOUND, "plan not found")
	}
	return &ps[0], nil
}

func (db *DB) plans(ctx context.Context, id *int64, now time.Time) ([]PlanSummary, error) {
	var ps []PlanSummary
	if err := db.Q.PlansList.SelectContext(ctx, &ps, id); err != nil {
		return nil, err
	}
	byID := map[int64]*PlanSummary{}
	for i := range ps {
		byID[ps[i].ID] = &ps[i]
	}
	var vs []PlanVersionSummary
	if err := db.Q.PlansVersions.SelectContext(ctx, &vs, id, now); err != nil {
		return nil, err
	}
	for _, v := range vs {
		if p := byID[v.PlanID]; p != nil {
			p.Versions = append(p.Versions, v)
		}
	}
	var types []struct {
		PlanID int64  `db:"plan_id"`
		Name   string `db:"name"`
	}
	if err := db.Q.PlansDefaultTypes.SelectContext(ctx, &types, id); err != nil {
		return nil, err
	}
	for _, t := range types {
		if p := byID[t.PlanID]; p != nil {
			p.DefaultFor = append(p.DefaultFor, t.Name)
		}
	}
	return ps, nil
}

// CreatePlan creates a plan without versions and audits it. A name already
// taken is an invalid "name".
func (db *DB) CreatePlan(ctx context.Context, by Actor, name, description string) (int64, error) {
	var id int64
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.Stmtx(db.Q.PlansInsert).GetContext(ctx, &id, name, description, db.now()); err != nil {
			if IsUniqueViolation(err, "") {
				return partnerka.FieldError("name", "a plan named %q exists already", name)
			}
			return err
		}
		return db.audit(ctx, tx, by.audit("plan.create", "plan", id, nil, map[string]any{"name": name, "description": description}))
	})
	return id, err
}

// PlanVersionDetail is a version of any status with its rules and tiers.
type PlanVersionDetail struct {
	partnerka.PlanVersion
	Status      string
	Notes       string
	CreatedAt   time.Time
	PublishedAt *time.Time
}

// Draft reports whether the version may still change.
func (v *PlanVersionDetail) Draft() bool { return v.Status == PlanDraft }

// PlanVersionByNumber returns version number n of a plan with its rules,
// or not_found.
func (db *DB) PlanVersionByNumber(ctx context.Context, planID int64, n int) (*PlanVersionDetail, error) {
	var h struct {
		ID          int64      `db:"id"`
		PlanID      int64      `db:"plan_id"`
		Plan        string     `db:"plan"`
		Version     int        `db:"version"`
		Status      string     `db:"status"`
		Notes       string     `db:"notes"`
		CreatedAt   time.Time  `db:"created_at"`
		PublishedAt *time.Time `db:"published_at"`
	}
	if err := db.Q.PlansVersionHeader.GetContext(ctx, &h, planID, n); err != nil {
		return nil, notFound(err, "plan version")
	}
	v := &PlanVersionDetail{PlanVersion: partnerka.PlanVersion{ID: h.ID, PlanID: h.PlanID, Plan: h.Plan, Version: h.Version},
		Status: h.Status, Notes: h.Notes, CreatedAt: h.CreatedAt, PublishedAt: h.PublishedAt}
	if err := db.loadRules(ctx, nil, map[int64]*partnerka.PlanVersion{v.ID: &v.PlanVersion}); err != nil {
		return nil, err
	}
	return v, nil
}

// CreatePlanVersion adds the plan's next version as a draft, empty or with
// a copy of the latest version's rules and tiers, and audits it. It returns
// the new version's number. Errors: not_found (no such plan), conflict (the
// plan has a draft already: one draft at a time keeps numbers in the order
// versions are published).
func (db *DB) CreatePlanVersion(ctx context.Context, by Actor, planID int64, copyLatest bool, notes string) (int, error) {
	var number int
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var id int64
		if err := tx.Stmtx(db.Q.PlansLock).GetContext(ctx, &id, planID); err != nil {
			return notFound(err, "plan")
		}
		var latest struct {
			ID      int64  `db:"id"`
			Version int    `db:"version"`
			Status  string `db:"status"`
		}
		err := tx.Stmtx(db.Q.PlansLatestVersion).GetContext(ctx, &latest, planID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case latest.Status == PlanDraft:
			return partnerka.Errorf(partnerka.ECONFLICT, "version %d is still a draft: edit and publish it first", latest.Version)
		}
		number = latest.Version + 1
		var versionID int64
		if err := tx.Stmtx(db.Q.InsertPlanVersion).GetContext(ctx, &versionID, planID, number, notes, db.now()); err != nil {
			return err
		}
		after := map[string]any{"plan_id": planID, "version": number, "notes": notes}
		if copyLatest && latest.ID != 0 {
			from := map[int64]*partnerka.PlanVersion{latest.ID: {ID: latest.ID}}
			if err := db.loadRules(ctx, tx, from); err != nil {
				return err
			}
			for i, r := range from[latest.ID].Rules {
				if _, err := insertRule(ctx, tx, db.Q, versionID, i, r); err != nil {
					return err
				}
			}
			after["copied_from"] = latest.Version
		}
		return db.audit(ctx, tx, by.audit("plan.version_create", "plan_version", versionID, nil, after))
	})
	return number, err
}

// lockDraft locks a version and refuses to change a published one.
func (db *DB) lockDraft(ctx context.Context, tx *sqlx.Tx, versionID int64) error {
	var status string
	if err := tx.Stmtx(db.Q.PlansVersionForUpdate).GetContext(ctx, &status, versionID); err != nil {
		return notFound(err, "plan version")
	}
	if status != PlanDraft {
		return errPublished
	}
	return nil
}

var errPublished = partnerka.Errorf(partnerka.ECONFLICT, "this version is published and cannot change; create a new version instead")

// publishedConflict turns the database's refusal to change a published
// version (the triggers of migrations/00002_plans.sql) into a conflict.
func publishedConflict(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == pgCheckViolation && strings.Contains(pe.Message, "is published") {
		return errPublished
	}
	return err
}

// SavePlanRule adds r to a draft version (r.ID 0, after its last rule) or
// replaces the rule r.ID of that version with its tiers, and audits it.
// The rule must be valid already (the form checks it; the database checks
// again). It returns the rule's id. Errors: not_found (no such version or
// rule in it), conflict (the version is published).
func (db *DB) SavePlanRule(ctx context.Context, by Actor, versionID int64, r partnerka.Rule) (int64, error) {
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockDraft(ctx, tx, versionID); err != nil {
			return err
		}
		action := "plan.rule_create"
		var before *partnerka.Rule
		if r.ID == 0 {
			var pos int
			if err := tx.Stmtx(db.Q.PlansNextPosition).GetContext(ctx, &pos, versionID); err != nil {
				return err
			}
			id, err := insertRule(ctx, tx, db.Q, versionID, pos, r)
			if err != nil {
				return publishedConflict(err)
			}
			r.ID = id
		} else {
			action = "plan.rule_update"
			old, err := db.ruleOf(ctx, tx, versionID, r.ID)
			if err != nil {
				return err
			}
			before = old
			if _, err := tx.Stmtx(db.Q.PlansDeleteTiers).ExecContext(ctx, r.ID); err != nil {
				return publishedConflict(err)
			}
			args := append([]any{r.ID, versionID}, ruleArgs(r)...)
			if _, err := tx.Stmtx(db.Q.PlansUpdateRule).ExecContext(ctx, args...); err != nil {
				return publishedConflict(err)
			}
			for _, t := range r.Tiers {
				if _, err := tx.Stmtx(db.Q.InsertPlanTier).ExecContext(ctx, r.ID, t.MinVolume.Amount, t.MinVolume.Currency, t.Percent); err != nil {
					return publishedConflict(err)
				}
			}
		}
		e := AuditEntry{ActorID: by.UserID, IP: by.IP, Action: action, Entity: "plan_version", EntityID: versionID, After: r}
		if before != nil {
			e.Before = before
		}
		return db.audit(ctx, tx, e)
	})
	return r.ID, err
}

// ruleOf reads one rule of a version with its tiers, or not_found.
func (db *DB) ruleOf(ctx context.Context, tx *sqlx.Tx, versionID, ruleID int64) (*partnerka.Rule, error) {
	var row struct {
		ID       int64 `db:"id"`
		Position int   `db:"position"`
	}
	if err := tx.Stmtx(db.Q.PlansRuleOfVersion).GetContext(ctx, &row, ruleID, versionID); err != nil {
		return nil, notFound(err, "rule")
	}
	v := map[int64]*partnerka.PlanVersion{versionID: {ID: versionID}}
	if err := db.loadRules(ctx, tx, v); err != nil {
		return nil, err
	}
	for i := range v[versionID].Rules {
		if v[versionID].Rules[i].ID == ruleID {
			return &v[versionID].Rules[i], nil
		}
	}
	return nil, partnerka.Errorf(partnerka.ENOTFOUND, "rule not found")
}

// DeletePlanRule removes a rule and its tiers from a draft version, and
// audits it. Errors: not_found, conflict (the version is published).
func (db *DB) DeletePlanRule(ctx context.Context, by Actor, versionID, ruleID int64) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockDraft(ctx, tx, versionID); err != nil {
			return err
		}
		old, err := db.ruleOf(ctx, tx, versionID, ruleID)
		if err != nil {
			return err
		}
		if _, err := tx.Stmtx(db.Q.PlansDeleteTiers).ExecContext(ctx, ruleID); err != nil {
			return publishedConflict(err)
		}
		if _, err := tx.Stmtx(db.Q.PlansDeleteRule).ExecContext(ctx, ruleID, versionID); err != nil {
			return publishedConflict(err)
		}
		return db.audit(ctx, tx, by.audit("plan.rule_delete", "plan_version", versionID, old, nil))
	})
}

// MovePlanRuleUp swaps a rule of a draft with the one above it: the first
// rule whose filters a payment passes is the one that pays, so order
// matters. The first rule stays where it is. Errors: not_found, conflict.
func (db *DB) MovePlanRuleUp(ctx context.Context, by Actor, versionID, ruleID int64) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockDraft(ctx, tx, versionID); err != nil {
			return err
		}
		type ruleRow struct {
			ID       int64 `db:"id"`
			Position int   `db:"position"`
		}
		var r, above ruleRow
		if err := tx.Stmtx(db.Q.PlansRuleOfVersion).GetContext(ctx, &r, ruleID, versionID); err != nil {
			return notFound(err, "rule")
		}
		err := tx.Stmtx(db.Q.PlansRuleBefore).GetContext(ctx, &above, versionID, r.Position)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		// Positions are unique and checked row by row: park one rule first.
		for _, step := range []ruleRow{{r.ID, -1}, {above.ID, r.Position}, {r.ID, above.Position}} {
			if _, err := tx.Stmtx(db.Q.PlansSetPosition).ExecContext(ctx, step.ID, step.Position); err != nil {
				return publishedConflict(err)
			}
		}
		return db.audit(ctx, tx, by.audit("plan.rule_move", "plan_version", versionID, map[string]any{"rule": ruleID, "position": r.Position}, map[string]any{"rule": ruleID, "position": above.Position}))
	})
}

// PublishPlanVersion publishes a draft with at least one rule and audits
// it; from then on contracts may use it and nothing in it changes.
// Errors: not_found, conflict (published already), unprocessable (no rules).
func (db *DB) PublishPlanVersion(ctx context.Context, by Actor, versionID int64) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := db.lockDraft(ctx, tx, versionID); err != nil {
			if err == errPublished {
				return partnerka.Errorf(partnerka.ECONFLICT, "this version is published already")
			}
			return err
		}
		v := map[int64]*partnerka.PlanVersion{versionID: {ID: versionID}}
		if err := db.loadRules(ctx, tx, v); err != nil {
			return err
		}
		if len(v[versionID].Rules) == 0 {
			return partnerka.Errorf(partnerka.EUNPROCESSABLE, "add at least one rule before publishing")
		}
		if _, err := tx.Stmtx(db.Q.PublishPlanVersion).ExecContext(ctx, versionID, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, by.audit("plan.publish", "plan_version", versionID, map[string]any{"status": PlanDraft}, map[string]any{"status": PlanPublished, "rules": v[versionID].Rules}))
	})
}

// PartnerOption is a partner to pick in a form.
type PartnerOption struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
	Ref  string `db:"ref"`
}

// ActivePartners lists the active partners by name.
func (db *DB) ActivePartners(ctx context.Context) ([]PartnerOption, error) {
	var out []PartnerOption
	err := db.Q.PlansActivePartners.SelectContext(ctx, &out)
	return out, err
}

// PreviewPayment is a payment of a partner's customer (level 1) or of a
// recruit's customer (level 2), as a plan preview replays it.
type PreviewPayment struct {
	PurchaseID     int64               `db:"purchase_id"`
	Level          int                 `db:"level"`
	Amount         decimal.Decimal     `db:"amount"`
	Currency       string              `db:"currency"`
	Product        string              `db:"product"`
	OccurredAt     time.Time           `db:"occurred_at"`
	BoundAt        time.Time           `db:"bound_at"`
	PaymentIndex   int                 `db:"payment_index"`
	Earned         decimal.NullDecimal `db:"earned"` // the commission actually earned for it, if any
	EarnedCurrency *string             `db:"earned_currency"`
}

// PreviewPayments returns the payments a plan preview of partnerID over
// [from, to) replays, in time order.
func (db *DB) PreviewPayments(ctx context.Context, partnerID int64, from, to time.Time) ([]PreviewPayment, error) {
	var out []PreviewPayment
	err := db.Q.PlansPreviewPayments.SelectContext(ctx, &out, partnerID, from, to)
	return out, err
}

// PreviewLead is a customer bound in the period, for lead rules.
type PreviewLead struct {
	CustomerID     int64               `db:"customer_id"`
	Level          int                 `db:"level"`
	BoundAt        time.Time           `db:"bound_at"`
	Earned         decimal.NullDecimal `db:"earned"`
	EarnedCurrency *string             `db:"earned_currency"`
}

// PreviewLeads returns the customers bound in [from, to) to the partner or
// to a partner they recruited.
func (db *DB) PreviewLeads(ctx context.Context, partnerID int64, from, to time.Time) ([]PreviewLead, error) {
	var out []PreviewLead
	err := db.Q.PlansPreviewLeads.SelectContext(ctx, &out, partnerID, from, to)
	return out, err
}

// EarnedBetween returns what a partner earned in [from, to) per currency
// (commissions not rejected, before refunds) and how many commissions.
func (db *DB) EarnedBetween(ctx context.Context, partnerID int64, from, to time.Time) (map[string]decimal.Decimal, map[string]int, error) {
	var rows []struct {
		Currency string          `db:"currency"`
		Amount   decimal.Decimal `db:"amount"`
		N        int             `db:"n"`
	}
	if err := db.Q.PlansEarned.SelectContext(ctx, &rows, partnerID, from, to); err != nil {
		return nil, nil, err
	}
	sums, counts := map[string]decimal.Decimal{}, map[string]int{}
	for _, r := range rows {
		sums[r.Currency], counts[r.Currency] = r.Amount, r.N
	}
	return sums, counts, nil
}

// PlanPreview sets what a plan version would have paid a partner over a
// period beside what the partner actually earned (computed by
// commissions.PreviewPlan with the reconciler's rules).
type PlanPreview struct {
	From, To time.Time
	Lines    []PreviewLine    // one per currency, by currency
	Items    []PreviewItem    // every payment and new customer that earned or would earn, in time order
	Outside  []PreviewOutside // per currency, by currency: commissions of the period no item replays
}

// PreviewOutside is what a partner earned in a currency over a preview's
// period on commissions none of its items replays (payments made before
// their customer was reassigned away), left out of the lines.
type PreviewOutside struct {
	Currency string
	Amount   decimal.Decimal
	Count    int
}

// PreviewLine is one currency of a preview.
type PreviewLine struct {
	Currency string
	Volume   decimal.Decimal // paid in this currency by the partner's own customers (level 1)
	Actual   decimal.Decimal // the items' commissions actually earned
	Preview  decimal.Decimal // what the version would have paid for the items
}

// Difference is what the version pays more (or, negative, less).
func (l PreviewLine) Difference() decimal.Decimal { return l.Preview.Sub(l.Actual) }

// PreviewItem is one payment or new customer of a preview.
type PreviewItem struct {
	At          time.Time
	Event       string           // partnerka.EventSale or EventLead
	Level       int              // 1 or 2
	Base        *partnerka.Money // the payment (sales only)
	Actual      *partnerka.Money // the commission earned for it, if any
	Preview     *partnerka.Money // what the version pays for it, if anything
	Explanation string           // the version's explanation, as a commission would carry it
}
