package main

import (
	"context"
	"flag"
	"fmt"
)

func runVerify(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return usagef("verify: %v", err)
	}
	db, err := m.openDB(ctx, true)
	if err != nil {
		return err
	}
	bad, err := db.VerifyBalances(ctx)
	if err != nil {
		return err
	}
	for _, b := range bad {
		fmt.Fprintf(m.Stdout, "MISMATCH partner %d %s %s: ledger %s, expected %s\n",
			b.PartnerID, b.Currency, b.Check, b.Ledger, b.Expected)
	}
	if len(bad) > 0 {
		return fmt.Errorf("verify: %d mismatches", len(bad))
	}
	fmt.Fprintln(m.Stdout, "verify: every balance matches its sources")
	return nil
}
