package storage

import (
	"context"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

// AuditNameQueries are the queries of the audit log's names
// (queries/audit_names.sql).
type AuditNameQueries struct {
	AuditNames *sqlx.Stmt `query:"audit-names"`
}

// The kinds of thing an audit entry refers to by id, whose names the log
// shows instead.
const (
	AuditPartner     = "partner"
	AuditPlan        = "plan"
	AuditPlanVersion = "plan_version"
	AuditUser        = "user"
	AuditPayout      = "payout"
	AuditPartnerType = "partner_type"
)

// AuditName is what the audit log shows for an id: a name ("Pro v2" for a
// plan version, "Name <email>" for a user) and, for a payout, its amount
// beside its partner's name. A plan version has its plan and number too.
type AuditName struct {
	Name    string
	Amount  *partnerka.Money
	PlanID  int64
	Version int
}

// AuditNames resolves the ids of a page of the audit log, kind by kind
// (the Audit* kinds), in one query. An id that no longer exists is
// absent from the answer.
func (db *DB) AuditNames(ctx context.Context, ids map[string][]int64) (map[string]map[int64]AuditName, error) {
	var rows []struct {
		Kind     string              `db:"kind"`
		ID       int64               `db:"id"`
		Name     string              `db:"name"`
		Amount   decimal.NullDecimal `db:"amount"`
		Currency string              `db:"currency"`
		PlanID   int64               `db:"plan_id"`
		Version  int                 `db:"version"`
	}
	arr := func(kind string) any { return pq.Array(append([]int64{}, ids[kind]...)) }
	if err := db.Q.AuditNames.SelectContext(ctx, &rows, arr(AuditPartner), arr(AuditPlan), arr(AuditPlanVersion),
		arr(AuditUser), arr(AuditPayout), arr(AuditPartnerType)); err != nil {
		return nil, err
	}
	out := map[string]map[int64]AuditName{}
	for _, r := range rows {
		n := AuditName{Name: r.Name, PlanID: r.PlanID, Version: r.Version}
		if r.Amount.Valid {
			n.Amount = &partnerka.Money{Amount: r.Amount.Decimal, Currency: r.Currency}
		}
		if out[r.Kind] == nil {
			out[r.Kind] = map[int64]AuditName{}
		}
		out[r.Kind][r.ID] = n
	}
	return out, nil
}
