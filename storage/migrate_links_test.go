package storage_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"partnerka/migrations"
	"partnerka/storage/storagetest"
)

// Migration 14 makes link codes unique ignoring case. Codes that already
// differed only in case keep the oldest link's code; each later one is
// renamed to its code and its id, and the partner keeps the link.
func TestMigrationRenamesCaseDuplicateLinkCodes(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB.DB, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.LoadSeed(ctx, testSeed())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 13); err != nil {
		t.Fatal(err)
	}
	alpha, beta := res.Partners["alpha"], res.Partners["beta"]
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	long := "Z123456789012345678901234567890123456789012345678901234567890xy" // 64 characters
	ids := map[string]int64{}
	for _, l := range []struct {
		partner int64
		code    string
	}{
		{beta, "beta-secret"}, {alpha, "BETA-SECRET"}, {alpha, "Beta-Secret"},
		{beta, "z123456789012345678901234567890123456789012345678901234567890xy"}, {alpha, long},
		{alpha, "solo"},
	} {
		var id int64
		if err := db.GetContext(ctx, &id, `INSERT INTO links (partner_id, code, destination_url, created_at, updated_at)
			VALUES ($1, $2, 'https://example.com/', $3, $3) RETURNING id`, l.partner, l.code, now); err != nil {
			t.Fatal(err)
		}
		ids[l.code] = id
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	code := func(id int64) string {
		var c string
		if err := db.GetContext(ctx, &c, `SELECT code FROM links WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		return c
	}
	itoa := func(id int64) string { return strconv.FormatInt(id, 10) }
	for _, tc := range []struct {
		was, want string
	}{
		{"beta-secret", "beta-secret"},
		{"BETA-SECRET", "BETA-SECRET-" + itoa(ids["BETA-SECRET"])},
		{"Beta-Secret", "Beta-Secret-" + itoa(ids["Beta-Secret"])},
		{"z123456789012345678901234567890123456789012345678901234567890xy", "z123456789012345678901234567890123456789012345678901234567890xy"},
		{long, long[:64-1-len(itoa(ids[long]))] + "-" + itoa(ids[long])},
		{"solo", "solo"},
	} {
		if got := code(ids[tc.was]); got != tc.want {
			t.Errorf("%s became %s, want %s", tc.was, got, tc.want)
		}
	}
	var owner int64
	db.GetContext(ctx, &owner, `SELECT partner_id FROM links WHERE id = $1`, ids["BETA-SECRET"])
	if owner != alpha {
		t.Errorf("the renamed link belongs to partner %d, want alpha (%d)", owner, alpha)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO links (partner_id, code, destination_url, created_at, updated_at)
		VALUES ($1, 'SOLO', 'https://example.com/', $2, $2)`, beta, now); err == nil {
		t.Error("after the migration a case variant of a code is stored")
	}
}
