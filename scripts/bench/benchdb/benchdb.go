// Package benchdb holds what the benchmark drivers share.
package benchdb

import (
	"context"
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

// FreeAddr returns a loopback address nothing listens on.
func FreeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
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
