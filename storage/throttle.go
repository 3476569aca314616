package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// Limits on guessing passwords and on anonymous requests that send email
// (queries/throttle.sql). The policy (which counts, how many) is web's;
// this is the bookkeeping, made so that parallel requests cannot all pass
// a limit together. A sign-in attempt is recorded first and then counted
// with the others, its own row included: a request counts every attempt
// recorded before it counts, so of any number of parallel attempts at
// most a limit's worth see themselves within it (under a burst, some may
// be refused that a slower sequence would have let through; never the
// other way round). It stays recorded only if it is a failure: no lock is
// held while the password is checked. An email request is judged under
// locks of its email and its address, held for as long as counting and
// recording it take.

// ThrottleQueries are the statements of sign-in and email limits.
type ThrottleQueries struct {
	InsertLoginAttempt    *sqlx.Stmt `query:"insert-login-attempt"`
	LoginCounts           *sqlx.Stmt `query:"login-counts"`
	ForgetLoginAttempt    *sqlx.Stmt `query:"forget-login-attempt"`
	RememberSignInAddress *sqlx.Stmt `query:"remember-sign-in-address"`
	LockEmailRequests     *sqlx.Stmt `query:"lock-email-requests"`
	InsertEmailRequest    *sqlx.Stmt `query:"insert-email-request"`
	EmailRequestCounts    *sqlx.Stmt `query:"email-request-counts"`
}

// LoginWindows are the instants a sign-in attempt's counts start from.
type LoginWindows struct {
	Failures time.Time // failed sign-ins counted since
	Recent   time.Time // the account's attempts counted since (RecentByEmail)
	Known    time.Time // a sign-in from the address since then makes it known
}

// LoginAttempt is a sign-in attempt being judged, with what the limits
// judge it by. Counts include the attempt itself.
type LoginAttempt struct {
	ID            int64 `db:"-"`
	ByPair        int   `db:"by_pair"`         // failures of this email from this address
	ByAddress     int   `db:"by_address"`      // failures from this address, any email
	ByEmail       int   `db:"by_email"`        // failures of this email, any address
	RecentByEmail int   `db:"recent_by_email"` // attempts of this email since LoginWindows.Recent
	KnownAddress  bool  `db:"known_address"`   // the email's user signed in from this address
}

// BeginLoginAttempt records a sign-in attempt of email from address (an
// address key, see web.AddressKey) at now as a failure, and returns it
// with its counts. End it with ForgetLoginAttempt when it is refused or
// its password is right; otherwise it stays a failed sign-in.
func (db *DB) BeginLoginAttempt(ctx context.Context, email, address string, now time.Time, w LoginWindows) (*LoginAttempt, error) {
	a := &LoginAttempt{}
	if err := db.Q.InsertLoginAttempt.GetContext(ctx, &a.ID, email, address, now); err != nil {
		return nil, err
	}
	if err := db.Q.LoginCounts.GetContext(ctx, a, email, address, w.Failures, w.Recent, w.Known); err != nil {
		return nil, err
	}
	return a, nil
}

// ForgetLoginAttempt removes an attempt that is not a failed sign-in.
func (db *DB) ForgetLoginAttempt(ctx context.Context, id int64) error {
	_, err := db.Q.ForgetLoginAttempt.ExecContext(ctx, id)
	return err
}

// RememberSignInAddress records that a user signed in (or set a new
// password) from an address at now.
func (db *DB) RememberSignInAddress(ctx context.Context, userID int64, address string, now time.Time) error {
	_, err := db.Q.RememberSignInAddress.ExecContext(ctx, userID, address, now)
	return err
}

// Kinds of anonymous requests that email an address.
const (
	EmailPasswordReset = "password_reset"
	EmailApplication   = "application"
)

// EmailLimit is how many requests of a kind are allowed within a window,
// per email they go to and per address they come from.
type EmailLimit struct {
	Window               time.Duration
	PerEmail, PerAddress int
}

// AllowEmailRequest reports whether a request of kind to email email from
// address at now is within limit, and records it if it is: refused
// requests are not recorded, so a stranger's cannot push the owner's own
// past the limit.
func (db *DB) AllowEmailRequest(ctx context.Context, kind, email, address string, now time.Time, limit EmailLimit) (bool, error) {
	ok := false
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		// Always the email's lock, then the address's: a request waits for
		// an address only while it holds nothing but its email's, so two
		// requests never wait for each other.
		for _, key := range []string{kind + " email " + email, kind + " address " + address} {
			if _, err := tx.StmtxContext(ctx, db.Q.LockEmailRequests).ExecContext(ctx, key); err != nil {
				return err
			}
		}
		var n struct {
			ByEmail   int `db:"by_email"`
			ByAddress int `db:"by_address"`
		}
		if err := tx.StmtxContext(ctx, db.Q.EmailRequestCounts).GetContext(ctx, &n, kind, email, address, now.Add(-limit.Window)); err != nil {
			return err
		}
		if ok = n.ByEmail < limit.PerEmail && n.ByAddress < limit.PerAddress; !ok {
			return nil
		}
		_, err := tx.StmtxContext(ctx, db.Q.InsertEmailRequest).ExecContext(ctx, kind, email, address, now)
		return err
	})
	return ok && err == nil, err
}
