package storage_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// A new batch stored the fast way (no conflict check on clicks) leaves
// exactly the stats and unique clicks that the way which skips stored
// clicks leaves, including uniques already stored by an earlier batch,
// bots, clicks without an address, and hours and days that end inside the
// batch.
func TestInsertNewClicksCountsAsStored(t *testing.T) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 5, 31, 22, 30, 0, 0, time.UTC)
	batch := func(n int) []storage.StreamClick {
		out := make([]storage.StreamClick, n)
		for i := range out {
			at := start.Add(time.Duration(r.IntN(3*3600*1000)) * time.Millisecond)
			c := storage.StreamClick{ID: partnerka.NewClickID(at).String(), LinkID: int64(1 + r.IntN(3)), PartnerID: int64(1 + r.IntN(2)),
				SubID: []string{"", "a", "b"}[r.IntN(3)], At: at, IP: fmt.Sprintf("192.0.2.%d", r.IntN(20))}
			switch r.IntN(10) {
			case 0:
				c.Flags = storage.FlagBot
			case 1:
				c.IP = ""
			case 2:
				c.IP = "2001:db8::" + fmt.Sprint(r.IntN(5))
			}
			out[i] = c
		}
		return out
	}
	first, second := batch(400), batch(400)
	read := func(db *storage.DB) (stats, uniques []string) {
		t.Helper()
		if err := db.Select(&stats, `SELECT concat_ws(' ', day, partner_id, link_id, sub_id, clicks, unique_clicks, bot_clicks)
			FROM click_stats_daily ORDER BY 1`); err != nil {
			t.Fatal(err)
		}
		if err := db.Select(&uniques, `SELECT concat_ws(' ', link_id, ip, hour, partner_id, sub_id) FROM click_uniques ORDER BY 1`); err != nil {
			t.Fatal(err)
		}
		return stats, uniques
	}
	var got [2][2][]string
	for i, fast := range []bool{true, false} {
		db := storagetest.NewDB(t)
		if err := db.EnsureClickPartitions(ctx, start, 1); err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]storage.StreamClick{first, second} {
			if err := db.InsertClicks(ctx, b, !fast); err != nil {
				t.Fatal(err)
			}
		}
		got[i][0], got[i][1] = read(db)
	}
	if len(got[0][0]) == 0 || len(got[0][1]) == 0 {
		t.Fatal("nothing counted")
	}
	for k, what := range []string{"stats", "uniques"} {
		if fmt.Sprint(got[0][k]) != fmt.Sprint(got[1][k]) {
			t.Errorf("%s differ:\nfast    %v\nstored  %v", what, got[0][k], got[1][k])
		}
	}
}
