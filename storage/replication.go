package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// LSN is a position in PostgreSQL's write-ahead log. A streaming replica
// that has replayed up to an LSN holds every transaction the primary had
// committed before it: comparing a primary's position with a replica's
// replay position says whether the replica has caught up with a write.
type LSN uint64

// ParseLSN reads an LSN as PostgreSQL prints it ("16/B374D848").
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("%q is not a WAL position", s)
	}
	return LSN(h<<32 | l), nil
}

// String prints the LSN as PostgreSQL does.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF) }

func (db *DB) lsn(ctx context.Context, query string) (LSN, error) {
	var s sql.NullString
	if err := db.GetContext(ctx, &s, query); err != nil {
		return 0, err
	}
	if !s.Valid {
		return 0, errors.New("no WAL position: the server is not a streaming replica")
	}
	return ParseLSN(s.String)
}

// WALInsertLSN is the primary's position after every record inserted so
// far, committed or not yet written out: a replica past it holds every
// transaction that committed before the call, whatever synchronous_commit
// says (a read-your-writes mark).
func (db *DB) WALInsertLSN(ctx context.Context) (LSN, error) {
	return db.lsn(ctx, `SELECT /* storage.WALInsertLSN */ pg_current_wal_insert_lsn()::text`)
}

// WALFlushLSN is the primary's position flushed to disk so far: what a
// streaming replica can have received, and past every transaction
// committed with synchronous_commit on. It stands still while nothing is
// written, where the insert position may stay a page header ahead.
func (db *DB) WALFlushLSN(ctx context.Context) (LSN, error) {
	return db.lsn(ctx, `SELECT /* storage.WALFlushLSN */ pg_current_wal_flush_lsn()::text`)
}

// ReplayLSN is a streaming replica's position replayed so far; not_found
// when the server is not in recovery (a primary, or a promoted replica:
// no longer following the primary).
func (db *DB) ReplayLSN(ctx context.Context) (LSN, error) {
	return db.lsn(ctx, `SELECT /* storage.ReplayLSN */ CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END`)
}

// SystemIdentifier names the database cluster: a primary and its
// streaming replicas share it, any other server has its own.
func (db *DB) SystemIdentifier(ctx context.Context) (string, error) {
	var id string
	err := db.GetContext(ctx, &id, `SELECT /* storage.SystemIdentifier */ system_identifier::text FROM pg_control_system()`)
	return id, err
}
