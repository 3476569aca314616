package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// The outbox holds what the program tells the outside world about a
// change, queued in the change's transaction: partners' postbacks and
// notices to partners by email. Each kind's step delivers its due rows and
// records each outcome here, with one retry rule for all.

// OutboxQueries are the statements every kind of message shares.
type OutboxQueries struct {
	OutboxDelivered *sqlx.Stmt `query:"outbox-delivered"`
	OutboxFailed    *sqlx.Stmt `query:"outbox-failed"`
	OutboxBacklog   *sqlx.Stmt `query:"outbox-backlog"`
}

// OutboxAttempt is the outcome of one delivery.
type OutboxAttempt struct {
	ID    int64
	Error string    // empty: delivered
	Next  time.Time // when to try again after an error (OutboxNever: given up)
}

// OutboxAttempts is how many times a message is tried before it is given up.
const OutboxAttempts = 10

// OutboxNever is the next attempt of a message that was given up.
var OutboxNever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// FailedAttempt is the outcome of try number attempts of message id, which
// failed with err at now: tried again a minute later, then doubling (at
// most six hours apart; about eight and a half hours in all), and given up
// after OutboxAttempts tries, saying so in the error kept.
func FailedAttempt(id int64, attempts int, err error, now time.Time) OutboxAttempt {
	if attempts >= OutboxAttempts {
		return OutboxAttempt{ID: id, Error: fmt.Sprintf("gave up after %d attempts: %s", OutboxAttempts, err), Next: OutboxNever}
	}
	d := time.Minute << (attempts - 1)
	if d > 6*time.Hour || d <= 0 {
		d = 6 * time.Hour
	}
	return OutboxAttempt{ID: id, Error: err.Error(), Next: now.Add(d)}
}

// deliverOutbox takes up to limit due messages with due (a statement of
// now and limit that locks its rows), calls deliver with them, and records
// each outcome, in one transaction: the rows stay locked while deliver
// works, so parallel reconcilers deliver different ones.
func deliverOutbox[T any](ctx context.Context, db *DB, due *sqlx.Stmt, now time.Time, limit int,
	deliver func([]T) []OutboxAttempt) (int, error) {
	n := 0
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var rows []T
		if err := tx.StmtxContext(ctx, due).SelectContext(ctx, &rows, now, limit); err != nil {
			return err
		}
		n = len(rows)
		if n == 0 {
			return nil
		}
		for _, a := range deliver(rows) {
			var err error
			if a.Error == "" {
				_, err = tx.StmtxContext(ctx, db.Q.OutboxDelivered).ExecContext(ctx, a.ID, now)
			} else {
				_, err = tx.StmtxContext(ctx, db.Q.OutboxFailed).ExecContext(ctx, a.ID, a.Error, a.Next)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// OutboxCount is how many messages of a kind are not delivered yet.
type OutboxCount struct {
	Kind    string `db:"kind"`
	GivenUp bool   `db:"given_up"`
	N       int64  `db:"n"`
}

// OutboxBacklog counts the messages not delivered yet, per kind, waiting
// or given up.
func (db *DB) OutboxBacklog(ctx context.Context) ([]OutboxCount, error) {
	var out []OutboxCount
	err := db.Q.OutboxBacklog.SelectContext(ctx, &out)
	return out, err
}
