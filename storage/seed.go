package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

// Seed describes a program to load idempotently: the demo program, and the
// starting point of tests. Loading it twice changes nothing the second time;
// rows are matched by natural key (plan name and version, partner ref, email,
// link code, promo code).
type Seed struct {
	Settings     *partnerka.Settings
	MinPayouts   []partnerka.Money
	Plans        []SeedPlan
	PartnerTypes []SeedPartnerType
	Partners     []SeedPartner
	Staff        []partnerka.User // PasswordHash set by the caller
}

// SeedPlan is a plan with one published version.
type SeedPlan struct {
	Name        string
	Description string
	Version     int
	Rules       []partnerka.Rule
}

// SeedPartnerType is a partner type with its default plan (by name).
type SeedPartnerType struct {
	Code, Name, Plan string
}

// SeedPartner is a partner with its people, contract, links and promo codes.
type SeedPartner struct {
	partnerka.Partner
	Type          string // partner type code
	RecruiterRef  string
	Plan          string // plan name; its seeded version becomes the contract
	ContractStart time.Time
	Users         []partnerka.User
	Links         []partnerka.Link
	PromoCodes    []string
}

// SeedResult holds the ids of what was loaded.
type SeedResult struct {
	PlanVersions map[string]int64 // plan name -> version id
	Partners     map[string]int64 // ref -> id
	Users        map[string]int64 // email -> id
	Links        map[string]int64 // code -> id
	PromoCodes   map[string]int64 // code -> id
}

// LoadSeed loads s in one transaction.
func (db *DB) LoadSeed(ctx context.Context, s Seed) (*SeedResult, error) {
	res := &SeedResult{
		PlanVersions: map[string]int64{}, Partners: map[string]int64{},
		Users: map[string]int64{}, Links: map[string]int64{}, PromoCodes: map[string]int64{},
	}
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		q, at := db.Q, db.now()
		if s.Settings != nil {
			if _, err := tx.Stmtx(q.UpdateSettings).ExecContext(ctx, settingsArgs(*s.Settings, at)...); err != nil {
				return fmt.Errorf("settings: %w", err)
			}
		}
		for _, m := range s.MinPayouts {
			if _, err := tx.Stmtx(q.UpsertMinPayout).ExecContext(ctx, m.Currency, m.Amount); err != nil {
				return fmt.Errorf("minimum payout %s: %w", m.Currency, err)
			}
		}
		planIDs := map[string]int64{}
		for _, p := range s.Plans {
			vid, planID, err := seedPlan(ctx, tx, q, at, p)
			if err != nil {
				return fmt.Errorf("plan %s: %w", p.Name, err)
			}
			res.PlanVersions[p.Name] = vid
			planIDs[p.Name] = planID
		}
		typeIDs := map[string]int64{}
		for _, t := range s.PartnerTypes {
			var id int64
			if err := tx.Stmtx(q.UpsertPartnerType).GetContext(ctx, &id, t.Code, t.Name, nullID(planIDs[t.Plan])); err != nil {
				return fmt.Errorf("partner type %s: %w", t.Code, err)
			}
			typeIDs[t.Code] = id
		}
		for _, p := range s.Partners {
			if err := seedPartner(ctx, tx, q, at, p, typeIDs, res); err != nil {
				return fmt.Errorf("partner %s: %w", p.Ref, err)
			}
		}
		for _, u := range s.Staff {
			if err := seedUser(ctx, tx, q, at, u, nil, res); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

func seedPlan(ctx context.Context, tx *sqlx.Tx, q *Queries, at time.Time, p SeedPlan) (versionID, planID int64, err error) {
	if err := tx.Stmtx(q.UpsertPlan).GetContext(ctx, &planID, p.Name, p.Description, at); err != nil {
		return 0, 0, err
	}
	err = tx.Stmtx(q.PlanVersionByNumber).GetContext(ctx, &versionID, planID, p.Version)
	if err == nil {
		return versionID, planID, nil // published before: never touched again
	}
	if err := tx.Stmtx(q.InsertPlanVersion).GetContext(ctx, &versionID, planID, p.Version, "", at); err != nil {
		return 0, 0, err
	}
	for i, r := range p.Rules {
		if _, err := insertRule(ctx, tx, q, versionID, i, r); err != nil {
			return 0, 0, err
		}
	}
	if _, err := tx.Stmtx(q.PublishPlanVersion).ExecContext(ctx, versionID, at); err != nil {
		return 0, 0, err
	}
	return versionID, planID, nil
}

// insertRule inserts a rule of a version at pos with its tiers and returns
// its id.
func insertRule(ctx context.Context, tx *sqlx.Tx, q *Queries, versionID int64, pos int, r partnerka.Rule) (int64, error) {
	var ruleID int64
	if err := tx.Stmtx(q.InsertPlanRule).GetContext(ctx, &ruleID, append([]any{versionID, pos}, ruleArgs(r)...)...); err != nil {
		return 0, fmt.Errorf("rule %d: %w", pos, err)
	}
	for _, t := range r.Tiers {
		if _, err := tx.Stmtx(q.InsertPlanTier).ExecContext(ctx, ruleID, t.MinVolume.Amount, t.MinVolume.Currency, t.Percent); err != nil {
			return 0, fmt.Errorf("rule %d tier %s: %w", pos, t.MinVolume, err)
		}
	}
	return ruleID, nil
}

// ruleArgs are the columns of a rule after its version and position, in the
// order of insert-plan-rule (and plans-update-rule).
func ruleArgs(r partnerka.Rule) []any {
	var percent, flat decimal.NullDecimal
	var flatCurrency *string
	if r.Kind == partnerka.KindPercent {
		percent = decimal.NewNullDecimal(r.Percent)
	} else {
		flat = decimal.NewNullDecimal(r.Flat.Amount)
		flatCurrency = &r.Flat.Currency
	}
	var duration *int
	if r.DurationMonths > 0 {
		duration = &r.DurationMonths
	}
	var products any
	if r.Products != nil {
		products = pq.Array(r.Products)
	}
	return []any{r.Event, r.Level, products, r.Kind, percent, flat, flatCurrency, r.Payments, duration}
}

func seedPartner(ctx context.Context, tx *sqlx.Tx, q *Queries, at time.Time, p SeedPartner, typeIDs map[string]int64, res *SeedResult) error {
	var recruiter *int64
	if p.RecruiterRef != "" {
		id, ok := res.Partners[p.RecruiterRef]
		if !ok {
			return fmt.Errorf("recruiter %s must be seeded before", p.RecruiterRef)
		}
		recruiter = &id
	}
	var id int64
	if err := tx.Stmtx(q.UpsertPartner).GetContext(ctx, &id, p.Ref, p.Name, p.Kind, p.Status, nullID(typeIDs[p.Type]),
		recruiter, p.ContactName, p.ContactEmail, p.Website, p.Promotion, at); err != nil {
		return err
	}
	res.Partners[p.Ref] = id
	if p.Plan != "" {
		vid, ok := res.PlanVersions[p.Plan]
		if !ok {
			return fmt.Errorf("plan %s is not seeded", p.Plan)
		}
		if _, err := tx.Stmtx(q.EnsureContract).ExecContext(ctx, id, vid, p.ContractStart, at); err != nil {
			return fmt.Errorf("contract: %w", err)
		}
	}
	for _, u := range p.Users {
		if err := seedUser(ctx, tx, q, at, u, &id, res); err != nil {
			return err
		}
	}
	for _, l := range p.Links {
		var lid int64
		if err := tx.Stmtx(q.UpsertLink).GetContext(ctx, &lid, id, l.Code, l.Destination, l.SubID, l.Label, l.IsDefault, at); err != nil {
			return fmt.Errorf("link %s: %w", l.Code, err)
		}
		res.Links[l.Code] = lid
	}
	for _, c := range p.PromoCodes {
		var cid int64
		if err := tx.Stmtx(q.UpsertPromoCode).GetContext(ctx, &cid, id, c, at); err != nil {
			return fmt.Errorf("promo code %s: %w", c, err)
		}
		res.PromoCodes[c] = cid
	}
	return nil
}

func seedUser(ctx context.Context, tx *sqlx.Tx, q *Queries, at time.Time, u partnerka.User, partnerID *int64, res *SeedResult) error {
	u.Email = partnerka.NormalizeEmail(u.Email)
	existing := &partnerka.User{}
	err := tx.Stmtx(q.UserByEmail).GetContext(ctx, existing, u.Email)
	if err == nil {
		res.Users[existing.Email] = existing.ID
		return nil
	}
	if err := notFound(err, "user"); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		return err
	}
	if u.Locale == "" {
		u.Locale = "en"
	}
	if err := tx.Stmtx(q.InsertUser).QueryRowxContext(ctx, u.Email, u.Name, u.PasswordHash, u.Role, partnerID, u.Locale, at).
		Scan(&u.ID, &u.CreatedAt); err != nil {
		return fmt.Errorf("user %s: %w", u.Email, err)
	}
	res.Users[u.Email] = u.ID
	return nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
