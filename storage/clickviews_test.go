package storage_test

import (
	"context"
	"testing"
	"time"

	"partnerka"
	"partnerka/storage/storagetest"
)

// A view is stored once: a repeat of a batch, a click twice in one batch
// and a later view of a click seen before add nothing and keep the first
// view's time.
func TestInsertClickViewsIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := storagetest.NewDB(t)
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	a, b, c := partnerka.NewClickID(at), partnerka.NewClickID(at), partnerka.NewClickID(at)
	rows := func() map[string]time.Time {
		t.Helper()
		var got []struct {
			ID     string    `db:"click_id"`
			SeenAt time.Time `db:"seen_at"`
		}
		if err := db.Select(&got, `SELECT click_id::text, seen_at FROM click_views`); err != nil {
			t.Fatal(err)
		}
		out := map[string]time.Time{}
		for _, r := range got {
			out[r.ID] = r.SeenAt.UTC()
		}
		return out
	}
	steps := []struct {
		name string
		ids  []partnerka.ClickID
		at   []time.Time
		want map[string]time.Time
	}{
		{"empty batch", nil, nil, map[string]time.Time{}},
		{"first views", []partnerka.ClickID{a, b}, []time.Time{at, at.Add(time.Second)},
			map[string]time.Time{a.UUID(): at, b.UUID(): at.Add(time.Second)}},
		{"the same batch again", []partnerka.ClickID{a, b}, []time.Time{at, at.Add(time.Second)},
			map[string]time.Time{a.UUID(): at, b.UUID(): at.Add(time.Second)}},
		{"a later view and a click twice in the batch",
			[]partnerka.ClickID{a, c, c}, []time.Time{at.Add(time.Hour), at.Add(2 * time.Second), at.Add(3 * time.Second)},
			map[string]time.Time{a.UUID(): at, b.UUID(): at.Add(time.Second), c.UUID(): at.Add(2 * time.Second)}},
	}
	for _, s := range steps {
		if err := db.InsertClickViews(ctx, s.ids, s.at); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got := rows()
		if len(got) != len(s.want) {
			t.Errorf("%s: %d views, want %d: %v", s.name, len(got), len(s.want), got)
		}
		for id, want := range s.want {
			if !got[id].Equal(want) {
				t.Errorf("%s: view of %s at %v, want %v", s.name, id, got[id], want)
			}
		}
	}
	if err := db.InsertClickViews(ctx, []partnerka.ClickID{a}, nil); err == nil {
		t.Error("ids without times: no error")
	}
}
