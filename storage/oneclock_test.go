package storage_test

import (
	"context"
	"testing"

	"partnerka/storage/storagetest"
)

// dbClockPattern matches what would take the database server's time.
const dbClockPattern = `(?i)(now\s*\(\s*\)|current_timestamp|current_date|current_time|localtimestamp|localtime|transaction_timestamp|statement_timestamp|clock_timestamp|timeofday)`

// The migrated schema takes no instant from the database's clock: no
// column default and no function of ours reads it, so every instant a row
// carries was passed in from the program's clock (storage.DB.Now). The one
// exception is bookkeeping no code reads: goose_db_version.tstamp, when
// the migration tool applied a version.
func TestSchemaHasOneClock(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var defaults []struct {
		Table   string `db:"table_name"`
		Column  string `db:"column_name"`
		Default string `db:"column_default"`
	}
	if err := db.SelectContext(ctx, &defaults, `
		SELECT table_name, column_name, column_default FROM information_schema.columns
		 WHERE table_schema = 'public' AND table_name <> 'goose_db_version' AND column_default ~ $1
		 ORDER BY 1, 2`, dbClockPattern); err != nil {
		t.Fatal(err)
	}
	for _, d := range defaults {
		t.Errorf("%s.%s defaults to %s: the program's clock must date it", d.Table, d.Column, d.Default)
	}
	var funcs []string
	if err := db.SelectContext(ctx, &funcs, `
		SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		 WHERE n.nspname = 'public' AND p.prokind = 'f' AND p.prosrc ~ $1 ORDER BY 1`, dbClockPattern); err != nil {
		t.Fatal(err)
	}
	for _, f := range funcs {
		t.Errorf("function %s reads the database's clock: take the instant as a parameter", f)
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type = 'timestamp with time zone'`); err != nil || n < 30 {
		t.Fatalf("%d timestamp columns, %v: the check did not see the schema", n, err)
	}
}
