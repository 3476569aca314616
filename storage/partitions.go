package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// EnsureClickPartitions creates the monthly click partitions for the month
// of at and the next ahead months. It is idempotent.
func (db *DB) EnsureClickPartitions(ctx context.Context, at time.Time, ahead int) error {
	// One at a time: two reconcilers creating the same partition at once
	// would fail one of them ("relation already exists").
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `/* storage.EnsureClickPartitions */ SELECT pg_advisory_xact_lock(hashtext('partnerka.partitions'))`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `/* storage.EnsureClickPartitions */ SELECT ensure_click_partitions($1, $2)`, at, ahead)
		return err
	})
}
