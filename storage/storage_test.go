package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

func testSeed() storage.Seed {
	pct := decimal.RequireFromString
	return storage.Seed{
		MinPayouts: []partnerka.Money{{Amount: pct("1000"), Currency: "RUB"}},
		Plans: []storage.SeedPlan{{Name: "Referral", Version: 1, Rules: []partnerka.Rule{
			{Event: "sale", Level: 1, Kind: "percent", Percent: pct("20"), Payments: "all",
				Tiers: []partnerka.Tier{{MinVolume: partnerka.Money{Amount: pct("100000"), Currency: "RUB"}, Percent: pct("25")}}},
			{Event: "lead", Level: 1, Kind: "flat", Flat: partnerka.Money{Amount: pct("500"), Currency: "RUB"}, Payments: "all"},
		}}},
		PartnerTypes: []storage.SeedPartnerType{{Code: "referral", Name: "Referral", Plan: "Referral"}},
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha", Kind: "company", Status: "active"}, Type: "referral",
				Plan: "Referral", ContractStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
				Users:      []partnerka.User{{Email: "Owner@Alpha.test", Role: "owner", PasswordHash: "x"}},
				Links:      []partnerka.Link{{Code: "alpha", Destination: "https://example.com/", IsDefault: true}},
				PromoCodes: []string{"ALPHA10"}},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta", Kind: "person", Status: "active"}, RecruiterRef: "alpha",
				Plan: "Referral", ContractStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
		Staff: []partnerka.User{{Email: "admin@x.test", Role: "admin", PasswordHash: "x"}},
	}
}

func count(t *testing.T, db *storage.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSeedIsIdempotent(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	first, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	tables := []string{"plans", "plan_versions", "plan_rules", "plan_rule_tiers", "partner_types",
		"partners", "users", "contracts", "links", "promo_codes", "min_payouts"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = count(t, db, tb)
	}
	second, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if got := count(t, db, tb); got != before[tb] {
			t.Errorf("%s: %d rows after the second load, want %d", tb, got, before[tb])
		}
	}
	if first.Partners["beta"] != second.Partners["beta"] || first.PlanVersions["Referral"] != second.PlanVersions["Referral"] {
		t.Errorf("ids changed between loads: %v vs %v", first, second)
	}
	u, err := db.UserByEmail(ctx, "owner@alpha.test")
	if err != nil {
		t.Fatal(err)
	}
	if u.PartnerID == nil || *u.PartnerID != first.Partners["alpha"] {
		t.Errorf("owner belongs to %v, want partner %d", u.PartnerID, first.Partners["alpha"])
	}
	p, err := db.PartnerByRef(ctx, "beta")
	if err != nil {
		t.Fatal(err)
	}
	if p.RecruiterID == nil || *p.RecruiterID != first.Partners["alpha"] {
		t.Errorf("beta's recruiter is %v, want alpha", p.RecruiterID)
	}
	if _, err := db.PartnerByRef(ctx, "nobody"); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Errorf("missing partner: %v, want not_found", err)
	}
}

// The schema itself enforces the domain rules, whatever code writes to it.
func TestSchemaConstraints(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	res, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	alpha, vid := res.Partners["alpha"], res.PlanVersions["Referral"]
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, sql string
		args      []any
		want      string
	}{
		{"published version is immutable", `UPDATE plan_versions SET notes = 'x' WHERE id = $1`, []any{vid}, "is published"},
		{"rules of a published version are immutable", `UPDATE plan_rules SET percent = 50 WHERE plan_version_id = $1`, []any{vid}, "is published"},
		{"no rule added to a published version", `INSERT INTO plan_rules (plan_version_id, position, event, level, kind, percent) VALUES ($1, 9, 'sale', 2, 'percent', 1)`, []any{vid}, "is published"},
		{"contracts never overlap", `INSERT INTO contracts (partner_id, plan_version_id, starts_at, created_at) VALUES ($1, $2, '2026-06-01', $3)`, []any{alpha, vid, now}, "conflicting key"},
		{"contract needs a published version", `WITH v AS (INSERT INTO plan_versions (plan_id, version, created_at) SELECT plan_id, 2, $3 FROM plan_versions WHERE id = $2 RETURNING id)
			INSERT INTO contracts (partner_id, plan_version_id, starts_at, ends_at, created_at) SELECT $1, id, '2020-01-01', '2020-02-01', $3 FROM v`, []any{alpha, vid, now}, "not published"},
		{"purchase amount is positive", `INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES ('p1', 'c1', 0, 'USD', $1, '\x00', $1)`, []any{now}, "purchases_amount_check"},
		{"currency is a code", `INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES ('p1', 'c1', 1, 'usd', $1, '\x00', $1)`, []any{now}, "currency_code_check"},
		{"purchase external id is unique", `INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES ('p1', 'c1', 1, 'USD', $1, '\x00', $1), ('p1', 'c2', 2, 'USD', $1, '\x00', $1)`, []any{now}, "purchases_external_id_key"},
		{"promo codes are unique ignoring case", `INSERT INTO promo_codes (partner_id, code, created_at, updated_at) VALUES ($1, 'alpha10', $2, $2)`, []any{alpha, now}, "promo_codes_code"},
		{"ledger bonus needs a reason", `INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, created_at) VALUES ($1, 'RUB', 'available', 'bonus', 10, $2)`, []any{alpha, now}, "ledger_entries_check"},
		{"staff have no partner", `INSERT INTO users (email, password_hash, role, partner_id, created_at) VALUES ('m@x.test', 'x', 'manager', $1, $2)`, []any{alpha, now}, "users_check"},
		{"payout approver is not the requester", `WITH u AS (SELECT id FROM users WHERE email = 'owner@alpha.test')
			INSERT INTO payouts (partner_id, amount, currency, requested_by, decided_by, requested_at) SELECT $1, 10, 'RUB', id, id, $2 FROM u`, []any{alpha, now}, "payouts_check"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.ExecContext(ctx, tc.sql, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}

	t.Run("ledger is append-only", func(t *testing.T) {
		if _, err := db.ExecContext(ctx, `INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
			VALUES ($1, 'RUB', 'available', 'bonus', 10, 'contest', $2)`, alpha, now); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{`UPDATE ledger_entries SET amount = 20`, `DELETE FROM ledger_entries`} {
			if _, err := db.ExecContext(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want append-only error", stmt, err)
			}
		}
	})
}

func TestClickPartitions(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	at := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 2; i++ { // idempotent
		if err := db.EnsureClickPartitions(ctx, at, 2); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	if err := db.Select(&names, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'clicks'::regclass ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	want := "clicks_202612,clicks_202701,clicks_202702,clicks_default"
	if got := strings.Join(names, ","); got != want {
		t.Errorf("partitions %s, want %s", got, want)
	}
	// A click at the first instant of a month lands in that month's partition.
	if _, err := db.ExecContext(ctx, `INSERT INTO clicks (click_id, clicked_at, link_id, partner_id, attributable)
		VALUES (gen_random_uuid(), '2027-01-01T00:00:00Z', 1, 1, true)`); err != nil {
		t.Fatal(err)
	}
	var part string
	if err := db.Get(&part, `SELECT tableoid::regclass::text FROM clicks`); err != nil {
		t.Fatal(err)
	}
	if part != "clicks_202701" {
		t.Errorf("click landed in %s, want clicks_202701", part)
	}
}

func TestSchemaCheck(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if err := db.CheckSchema(ctx); err != nil {
		t.Fatalf("fresh schema: %v", err)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	err := db.CheckSchema(ctx)
	if err == nil || !strings.Contains(err.Error(), "run `partnerka migrate`") {
		t.Errorf("stale schema: %v, want an error naming partnerka migrate", err)
	}
}

func TestVerifyBalances(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	res, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	alpha := res.Partners["alpha"]
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	bad, err := db.VerifyBalances(ctx)
	if err != nil || len(bad) != 0 {
		t.Fatalf("empty ledger: %v %v", bad, err)
	}
	// A payout whose ledger entries are missing is caught.
	if _, err := db.ExecContext(ctx, `INSERT INTO payouts (partner_id, amount, currency, requested_by, requested_at)
		SELECT $1, 10, 'RUB', id, $2 FROM users WHERE email = 'owner@alpha.test'`, alpha, now); err != nil {
		t.Fatal(err)
	}
	bad, err = db.VerifyBalances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].Check != "reserved" || !bad[0].Expected.Equal(decimal.NewFromInt(10)) {
		t.Errorf("got %+v, want one reserved mismatch of 10", bad)
	}
	// Ledger entries carry no foreign keys: a dangling author or payout is
	// reported, and neither can be deleted from under an entry.
	if _, err := db.ExecContext(ctx, `INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_by, payout_id, created_at)
		VALUES ($1, 'RUB', 'available', 'adjustment', 1, 'test', 999999, NULL, $2),
		       ($1, 'RUB', 'available', 'adjustment', -1, 'test', NULL, 999999, $2)`, alpha, now); err != nil {
		t.Fatal(err)
	}
	// The cabinet's copy of an earning purchase with another amount than
	// the purchase's, and no commission behind it.
	if _, err := db.ExecContext(ctx, `INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at)
		VALUES ('p1', 'c1', 100, 'RUB', $1, '\x00', $1)`, now); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO purchase_earners (purchase_id, partner_id, customer_external_id, occurred_at, amount, currency)
		SELECT id, $1, customer_external_id, occurred_at, 99, currency FROM purchases WHERE external_id = 'p1'`, alpha); err != nil {
		t.Fatal(err)
	}
	if bad, err = db.VerifyBalances(ctx); err != nil {
		t.Fatal(err)
	}
	var checks []string
	for _, m := range bad {
		checks = append(checks, m.Check)
	}
	if got := strings.Join(checks, ", "); got != "reserved, earning purchase unlike its purchase, earning purchase without a commission, entry by an unknown user, entry without its payout" {
		t.Errorf("checks %q, want the reserved mismatch, the earning purchase's two, the unknown author and the missing payout", got)
	}
	for _, table := range []string{"payouts", "users"} {
		if _, err := db.ExecContext(ctx, `DELETE FROM `+table); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("DELETE FROM %s: %v, want it refused", table, err)
		}
	}
}

func TestDailyStats(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	res, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	alpha := res.Partners["alpha"]
	if _, err := db.ExecContext(ctx, `INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks) VALUES
		('2026-11-20', $1, 1, '', 7, 5), ('2026-11-20', $1, 2, 'x', 3, 3), ('2026-11-22', $1, 1, '', 1, 1), ('2026-11-10', $1, 1, '', 99, 99)`, alpha); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if _, err := db.ExecContext(ctx, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
		('c1', $1, 'click', 'attributed', '2026-11-21T23:59:59Z', '2026-11-21T23:59:59Z', $2), ('c2', $1, 'click', 'attributed', '2026-11-22T00:00:00Z', '2026-11-22T00:00:00Z', $2)`, alpha, now); err != nil {
		t.Fatal(err)
	}
	from := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	days, err := db.DailyStats(ctx, alpha, from, from.AddDate(0, 0, 3), "RUB")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range days {
		got = append(got, fmt.Sprintf("%s:%d/%d", d.Day.UTC().Format("01-02"), d.Clicks, d.Leads))
	}
	if want := "11-20:10/0 11-21:0/1 11-22:1/1"; strings.Join(got, " ") != want {
		t.Errorf("daily stats %v, want %s", got, want)
	}
}
