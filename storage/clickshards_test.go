package storage_test

import (
	"context"
	"slices"
	"testing"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

func TestClickShardNames(t *testing.T) {
	if got := storage.ClickShard(0); got != storage.ClickStream {
		t.Errorf("shard 0 is %q, want the single stream's %q", got, storage.ClickStream)
	}
	// Consecutive shards spread over the slot space: on three primaries
	// with the slots split evenly, shards 1, 2 and 3 sit on different ones.
	primary := func(i int) int { return int(storage.KeySlot([]byte(storage.ClickShard(i)))) * 3 / 16384 }
	if a, b, c := primary(1), primary(2), primary(3); a == b || b == c || a == c {
		t.Errorf("shards 1, 2, 3 on primaries %d, %d, %d of three", a, b, c)
	}
	for _, tc := range []struct {
		key  string
		slot uint16
	}{{"foo", 12182}, {"123456789", 12739}, {"{user1000}.following", 3443}, {"pk:clicks:{x}", 16287}} {
		if got := storage.KeySlot([]byte(tc.key)); got != tc.slot {
			t.Errorf("slot of %q: %d, want %d", tc.key, got, tc.slot)
		}
	}
	r := storagetest.NewRedis(t)
	ctx := context.Background()
	if got, err := r.ClickShards(ctx); err != nil || !slices.Equal(got, []string{"clicks"}) {
		t.Fatalf("with nothing registered: %v, %v; want shard 0", got, err)
	}
	if _, err := r.RegisterClickShards(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := r.RegisterClickShards(ctx, 12); err != nil {
		t.Fatal(err)
	}
	// Fewer shards later: the ones registered before are still drained.
	if _, err := r.RegisterClickShards(ctx, 2); err != nil {
		t.Fatal(err)
	}
	// Something else in the set is no shard.
	r.SAdd(ctx, r.Key("clicks:shards"), "clicks:{x}", "clicks:{03}", "leads")
	got, err := r.ClickShards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"clicks"}
	for i := 1; i < 12; i++ {
		want = append(want, storage.ClickShard(i))
	}
	if !slices.Equal(got, want) {
		t.Errorf("registered shards: %v, want %v", got, want)
	}
}
