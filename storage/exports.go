package storage

import (
	"context"
	"math"
	"time"

	"github.com/jmoiron/sqlx"
)

// Exports read their rows one page or one row at a time and hand each to
// a callback, so a file of any length passes through a bounded amount of
// memory: whatever a partner or the staff export, the process beside the
// tracker never holds the whole result.

// exportPage is how many rows a keyset page of an export reads.
const exportPage = 1000

// eachRow runs stmt and calls fn with each row as it arrives (lib/pq reads
// rows off the connection as they are asked for), stopping at fn's first
// error. It holds a connection for the whole read: for exports that are
// ordered by what no index gives (reports), and limited in number.
func eachRow[T any](ctx context.Context, stmt *sqlx.Stmt, fn func(T) error, args ...any) error {
	rows, err := stmt.QueryxContext(ctx, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.StructScan(&v); err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// eachPage reads pages of at most exportPage rows with page(cursor), from
// the cursor first on, calling fn with each row; next is the cursor after
// a row. Between pages no connection is held, so a slow download keeps
// nothing of the database's.
func eachPage[T, C any](first C, page func(C) ([]T, error), next func(T) C, fn func(T) error) error {
	cursor := first
	for {
		rows, err := page(cursor)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < exportPage {
			return nil
		}
		cursor = next(rows[len(rows)-1])
	}
}

// timeCursor is a keyset position in a list ordered by (instant, id) descending.
type timeCursor struct {
	At time.Time
	ID int64
}

// EachPartnerEarning calls fn with each of a partner's commissions earned
// in [from, to), newest first, as PartnerEarnings lists them, reading
// them by keyset pages (earned_at, id). It stops at fn's first error.
func (db *DB) EachPartnerEarning(ctx context.Context, partnerID int64, from, to time.Time, fn func(EarningRow) error) error {
	return eachPage(timeCursor{to, 0},
		func(c timeCursor) ([]EarningRow, error) {
			var rows []EarningRow
			err := db.Q.PartnerCommissions.SelectContext(ctx, &rows, partnerID, from, c.At, c.ID, exportPage)
			return rows, err
		},
		func(r EarningRow) timeCursor { return timeCursor{r.EarnedAt, r.ID} }, fn)
}

// EachPartnerManualEntry calls fn with each bonus and adjustment of a
// partner in [from, to), newest first, by keyset pages (created_at, id).
func (db *DB) EachPartnerManualEntry(ctx context.Context, partnerID int64, from, to time.Time, fn func(ManualEntry) error) error {
	return eachPage(timeCursor{to, 0},
		func(c timeCursor) ([]ManualEntry, error) {
			var rows []ManualEntry
			err := db.Q.PartnerManualEntries.SelectContext(ctx, &rows, partnerID, from, c.At, c.ID, exportPage)
			return rows, err
		},
		func(m ManualEntry) timeCursor { return timeCursor{m.CreatedAt, m.ID} }, fn)
}

// EachAdminPayout calls fn with each payout in status, in the queue's
// order (requests and approved payouts oldest first, others newest
// first), by keyset pages on the id.
func (db *DB) EachAdminPayout(ctx context.Context, status string, fn func(PayoutRow) error) error {
	return eachPage(payoutCursor(status),
		func(after int64) ([]PayoutRow, error) {
			var rows []PayoutRow
			err := db.Q.AdminPayouts.SelectContext(ctx, &rows, status, 0, exportPage, after)
			return rows, err
		},
		func(p PayoutRow) int64 { return p.ID }, fn)
}

// payoutCursor is where the queue of status starts: before the first id
// for the lists read oldest first, after the last for the others.
func payoutCursor(status string) int64 {
	if status == PayoutRequested || status == PayoutApproved {
		return 0
	}
	return math.MaxInt64
}
