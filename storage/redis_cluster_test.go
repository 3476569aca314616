package storage_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// Issue 21, point 1: one client for every topology. A Redis Cluster of
// three primaries with a replica each, started on loopback, behind a
// redis+cluster:// URL: the click stream's whole path (group, read, ack,
// dead letter, trim, backlog) and the link-change broadcast work on it as
// on one server.
func TestRedisCluster(t *testing.T) {
	seeds := startCluster(t, 6)
	url := "redis+cluster://" + seeds[0] + "?addr=" + seeds[1] + "&addr=" + seeds[2]
	ctx := context.Background()
	r, err := storage.OpenRedis(ctx, url, fmt.Sprintf("t%d:", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.UniversalClient.(*redis.ClusterClient); !ok {
		t.Fatalf("a redis+cluster URL opened a %T", r.UniversalClient)
	}

	// The broadcast: a subscriber hears what another client publishes.
	sub := r.Subscribe(ctx, r.Key(storage.LinkChannel))
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription is confirmed
		t.Fatal(err)
	}
	if err := r.Publish(ctx, r.Key(storage.LinkChannel), "link:1").Err(); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-sub.Channel():
		if m.Payload != "link:1" {
			t.Errorf("heard %q", m.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Error("the broadcast did not arrive")
	}

	// The stream's path, on the shard that holds the key.
	if err := r.EnsureGroup(ctx, storage.ClickStream); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if err := r.XAdd(ctx, &redis.XAddArgs{Stream: r.Key(storage.ClickStream), Values: []any{"n", i}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := r.ReadGroup(ctx, storage.ClickStream, "c1", 10, time.Minute)
	if err != nil || len(msgs) != 5 {
		t.Fatalf("read %d entries, %v", len(msgs), err)
	}
	if err := r.DeadLetter(ctx, storage.ClickStream, msgs[0], fmt.Errorf("poisoned")); err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, 4)
	for _, m := range msgs[1:] {
		ids = append(ids, m.ID)
	}
	if err := r.Ack(ctx, storage.ClickStream, ids...); err != nil {
		t.Fatal(err)
	}
	if n, err := r.Backlog(ctx, storage.ClickStream); err != nil || n != 0 {
		t.Errorf("backlog %d, %v; want 0", n, err)
	}
	if err := r.TrimAcknowledged(ctx, storage.ClickStream); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.XLen(ctx, r.Key(storage.ClickStream)).Result(); n > 1 {
		t.Errorf("%d entries left after the trim", n)
	}
}

// TestRedisURLTopologies: the scheme names the topology; a bad one is a
// clear error.
func TestRedisURLTopologies(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ url, want string }{
		{"redis+sentinel://127.0.0.1:1", "names its primary: ?master_name="},
		{"redis+ring://127.0.0.1:1", `unknown topology "ring"`},
		{"127.0.0.1:6379", "no scheme"},
	} {
		if _, err := storage.OpenRedis(ctx, tc.url, "t:"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.url, err, tc.want)
		}
	}
}

// startCluster starts n redis-server nodes in cluster mode on free
// loopback ports, joins them as a cluster with a replica per primary, and
// returns their addresses once the cluster is ok.
func startCluster(t *testing.T, n int) []string {
	t.Helper()
	var addrs []string
	for range n {
		addr, _ := storagetest.StartRedisServer(t, "--cluster-enabled", "yes", "--cluster-config-file", t.TempDir()+"/nodes.conf")
		addrs = append(addrs, addr)
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	// Every node must see the whole cluster ok (the slots' owners known
	// to all): one that does not yet answers CLUSTERDOWN.
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for i := 0; ; i++ {
			info, _ := c.ClusterInfo(context.Background()).Result()
			if strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_slots_ok:16384") {
				break
			}
			if i > 400 {
				t.Fatalf("node %s never saw the cluster ok:\n%s", a, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
	return addrs
}
