// Package storage is where partnerka's data lives: PostgreSQL through sqlx
// with named SQL kept in queries/*.sql, and Redis for streams and caches.
// It knows nothing of HTTP.
package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partnerka"
)

// DB is the PostgreSQL handle with its prepared queries.
type DB struct {
	*sqlx.DB
	Q *Queries // nil until Prepare
	// Now is the program's clock. Every instant storage writes on its own
	// (when a row was created, received, decided or changed) comes from it
	// and travels to SQL as a parameter: the database's now() is never
	// used, so rows and the pages that group them agree on one clock.
	Now partnerka.Clock
}

// now is the instant of a write the caller did not date itself.
func (db *DB) now() time.Time {
	if db.Now == nil {
		return partnerka.SystemClock()
	}
	return db.Now()
}

// Open connects to PostgreSQL and checks that it answers. The error is one
// sentence that names the server, never the password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := Dial(dsn)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.DB.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %s", RedactURL(dsn), firstLine(err))
	}
	return db, nil
}

// Dial is Open without asking the server anything: for a database the
// process can do without for a while (the read replica, web/replica.go),
// whose outage at boot must not stop it. Prepare it once it answers.
func Dial(dsn string) (*DB, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("database URL %s is not valid: %w", RedactURL(dsn), err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(10)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{DB: db}, nil
}

// Prepare prepares every named query. Run it after the schema is current:
// a query that does not match the schema stops the process here, at boot.
func (db *DB) Prepare(ctx context.Context) error {
	q, err := prepareQueries(ctx, db.DB)
	if err != nil {
		return err
	}
	db.Q = q
	return nil
}

// Close closes the prepared statements and the pool.
func (db *DB) Close() error {
	if db.Q != nil {
		db.Q.close()
	}
	return db.DB.Close()
}

// InTx runs fn in a transaction, committing if fn returns nil and rolling
// back otherwise.
func (db *DB) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			tx.Rollback()
			panic(p)
		}
		if err != nil {
			tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// RedactURL returns a URL with its password replaced, for messages and logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// PostgreSQL error codes that map to domain errors.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
	pgCheckViolation      = "23514"
	pgExclusionViolation  = "23P01"
)

// IsUniqueViolation reports whether err is a unique-constraint violation,
// optionally of the named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pe *pq.Error
	if !errors.As(err, &pe) || pe.Code != pgUniqueViolation {
		return false
	}
	return constraint == "" || pe.Constraint == constraint
}

// notFound turns sql.ErrNoRows into a domain not_found error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return partnerka.Errorf(partnerka.ENOTFOUND, "%s not found", what)
	}
	return err
}

func pgCode(err error) string {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return string(pe.Code)
	}
	return ""
}

// IsForeignKeyViolation reports whether err refers to a missing row.
func IsForeignKeyViolation(err error) bool { return pgCode(err) == pgForeignKeyViolation }

// IsCheckViolation reports whether err broke a CHECK constraint or a rule
// a trigger enforces the same way (an unpublished plan version).
func IsCheckViolation(err error) bool {
	c := pgCode(err)
	return c == pgCheckViolation || c == pgExclusionViolation
}

// IsRecoveryConflict reports whether a query on a streaming replica was
// cancelled because replaying the primary's changes needed what it held
// (class 40: "canceling statement due to conflict with recovery"). On the
// primary the same read would have succeeded.
func IsRecoveryConflict(err error) bool { return strings.HasPrefix(pgCode(err), "40") }

// IsUnavailable reports whether err says the database cannot be reached
// or is not taking work (refused or broken connections, a server shutting
// down or starting up): an outage to retry after, not a bug.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	var pe *pq.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &ne):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57: operator intervention
		// (shutdown, crash, cannot connect now); 53300: too many connections.
		c := string(pe.Code)
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57") || c == "53300"
	}
	return false
}
