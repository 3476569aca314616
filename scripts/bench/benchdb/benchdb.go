// Package benchdb holds what the benchmark drivers share.
package benchdb

import (
	"net"
	"net/url"

	"github.com/jmoiron/sqlx"
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
