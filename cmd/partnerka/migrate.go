package main

import (
	"context"
	"flag"
	"fmt"
)

func runMigrate(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	status := fs.Bool("status", false, "print the schema version and exit")
	if err := fs.Parse(args); err != nil {
		return usagef("migrate: %v", err)
	}
	db, err := m.openDB(ctx, false)
	if err != nil {
		return err
	}
	if *status {
		current, want, err := db.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "schema version %d, this binary wants %d\n", current, want)
		return nil
	}
	from, to, err := db.Migrate(ctx, m.Logger)
	if err != nil {
		return err
	}
	if from == to {
		fmt.Fprintf(m.Stdout, "schema is current at version %d\n", to)
	} else {
		fmt.Fprintf(m.Stdout, "schema migrated from version %d to %d\n", from, to)
	}
	return nil
}
