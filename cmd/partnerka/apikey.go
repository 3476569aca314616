package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"partnerka/storage"
)

func runAPIKey(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return usagef("apikey: usage: partnerka apikey create --name NAME")
	}
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	name := fs.String("name", "", "what the key is for, e.g. billing-backend")
	if err := fs.Parse(args[1:]); err != nil {
		return usagef("apikey create: %v", err)
	}
	if strings.TrimSpace(*name) == "" {
		return usagef("apikey create: --name is required")
	}
	db, err := m.openDB(ctx, true)
	if err != nil {
		return err
	}
	key, prefix, hash, err := storage.MintAPIKey()
	if err != nil {
		return err
	}
	id, err := db.CreateAPIKey(ctx, *name, prefix, hash)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "API key %d (%s) created. It is shown only now; store it in the vendor's backend:\n\n  %s\n\nSend it as: Authorization: Bearer %s\n",
		id, *name, key, key)
	return nil
}
