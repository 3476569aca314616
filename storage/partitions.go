package storage

import (
	"context"
	"time"
)

// EnsureClickPartitions creates the monthly click partitions for the month
// of at and the next ahead months. It is idempotent.
func (db *DB) EnsureClickPartitions(ctx context.Context, at time.Time, ahead int) error {
	_, err := db.ExecContext(ctx, `/* storage.EnsureClickPartitions */ SELECT ensure_click_partitions($1, $2)`, at, ahead)
	return err
}
