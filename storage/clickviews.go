package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"partnerka"
)

// ClickViewQueries are the statements of landing page views
// (queries/click_views.sql).
type ClickViewQueries struct {
	InsertClickViews *sqlx.Stmt `query:"insert-click-views"`
}

// InsertClickViews records that the landing pages of clicks ids were seen,
// ids[i] at at[i], in one statement. A click seen before keeps its first
// view, so a batch may be applied any number of times. A view is evidence
// for the cookie stuffing rule, not a reference: the click need not be
// stored (yet, or ever).
func (db *DB) InsertClickViews(ctx context.Context, ids []partnerka.ClickID, at []time.Time) error {
	if len(ids) != len(at) {
		return fmt.Errorf("storage: %d click views with %d times", len(ids), len(at))
	}
	if len(ids) == 0 {
		return nil
	}
	list, times := newArrayLiteral(37*len(ids)), newArrayLiteral(34*len(ids))
	for i, id := range ids {
		list.Plain([]byte(id.UUID()))
		times.Time(at[i])
	}
	_, err := db.Q.InsertClickViews.ExecContext(ctx, list.String(), times.String())
	return err
}
