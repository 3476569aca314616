// Package benchdb holds what the benchmark drivers share.
package benchdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"

	"github.com/jmoiron/sqlx"

	"partnerka/storage"
)

// Fresh drops and creates database name on the server adminURL points at
// and returns the new database's URL.
func Fresh(adminURL, name string) (string, error) {
	a, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return "", err
	}
	defer a.Close()
	if _, err := a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
		return "", err
	}
	if _, err := a.Exec(`CREATE DATABASE ` + name); err != nil {
		return "", err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

var given = map[int]bool{}

// FreeAddr returns a loopback address nothing listens on, a different one
// on every call. Its ports lie below Linux's ephemeral range (32768 and
// up), so an outgoing connection of a server started earlier cannot take
// the port before the server meant for it listens there.
func FreeAddr() string {
	for p := 20000 + rand.IntN(12000); ; p = 20000 + (p-20000+1)%12000 {
		if given[p] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		given[p] = true
		return l.Addr().String()
	}
}

// Migrated makes a fresh database name, migrates and prepares it, and
// returns it open with its URL. The caller closes it.
func Migrated(ctx context.Context, adminURL, name string) (*storage.DB, string, error) {
	dsn, err := Fresh(adminURL, name)
	if err != nil {
		return nil, "", err
	}
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		return nil, "", err
	}
	if _, _, err := db.Migrate(ctx, nil); err != nil {
		db.Close()
		return nil, "", err
	}
	if err := db.Prepare(ctx); err != nil {
		db.Close()
		return nil, "", err
	}
	return db, dsn, nil
}
