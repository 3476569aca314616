package main

import (
	"context"
	"flag"
	"fmt"

	"partnerka/commissions"
)

func runVerify(ctx context.Context, m *Main, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	sample := fs.Int("sample", 0, "recompute the commissions of this many customers drawn at random (0: every customer)")
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
	comm, err := db.VerifyCommissionEntries(ctx)
	if err != nil {
		return err
	}
	for _, c := range comm {
		fmt.Fprintf(m.Stdout, "MISMATCH commission %d of partner %d (%s): entries add up to %s (%s at another instant than its state says), expected %s\n",
			c.ID, c.PartnerID, c.Status, c.Ledger, c.Misplaced, c.Expected)
	}
	checked, diffs, err := commissions.RecomputeCommissions(ctx, db, *sample)
	if err != nil {
		return err
	}
	for _, d := range diffs {
		fmt.Fprintf(m.Stdout, "MISMATCH %s\n", d)
	}
	if n := len(bad) + len(comm) + len(diffs); n > 0 {
		return fmt.Errorf("verify: %d mismatches", n)
	}
	fmt.Fprintf(m.Stdout, "verify: every balance matches its sources; %d commissions recomputed from purchases, refunds, bindings and contracts match\n", checked)
	return nil
}
