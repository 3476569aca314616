package storage_test

import (
	"context"
	"fmt"
	"net"
	"os"
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
	url, _ := storagetest.StartRedisCluster(t)
	ctx := context.Background()
	r, err := storage.OpenRedis(ctx, url, fmt.Sprintf("t%d:", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, ok := r.UniversalClient.(*redis.ClusterClient); !ok {
		t.Fatalf("a redis+cluster URL opened a %T", r.UniversalClient)
	}

	// The slots of the shards' keys are the cluster's own.
	cc := r.UniversalClient.(*redis.ClusterClient)
	for i := range 8 {
		key := r.Key(storage.ClickShard(i))
		if want, err := cc.ClusterKeySlot(ctx, key).Result(); err != nil || int64(storage.KeySlot([]byte(key))) != want {
			t.Errorf("slot of %s: %d, the cluster says %d (%v)", key, storage.KeySlot([]byte(key)), want, err)
		}
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

// Issue 21, point 1: a primary found through Sentinel. A primary, its
// replica and a Sentinel watching them on loopback, behind a
// redis+sentinel:// URL: streams work through it, and after the primary
// is killed the Sentinel promotes the replica and the same client writes
// to it.
func TestRedisSentinel(t *testing.T) {
	primary, primaryCmd := storagetest.StartRedisServer(t)
	_, primaryPort, _ := strings.Cut(primary, ":")
	replica, _ := storagetest.StartRedisServer(t, "--replicaof", "127.0.0.1", primaryPort)
	conf := t.TempDir() + "/sentinel.conf"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sentinel := ln.Addr().String()
	ln.Close()
	_, sentinelPort, _ := strings.Cut(sentinel, ":")
	if err := os.WriteFile(conf, []byte("port "+sentinelPort+"\nbind 127.0.0.1\n"+
		"sentinel monitor pk 127.0.0.1 "+primaryPort+" 1\n"+
		"sentinel down-after-milliseconds pk 1000\nsentinel failover-timeout pk 5000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ctx := context.Background()
	sc := redis.NewSentinelClient(&redis.Options{Addr: sentinel})
	defer sc.Close()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 30 s", what)
			}
		}
	}
	waitFor("the Sentinel sees the replica", func() bool {
		rs, err := sc.Replicas(ctx, "pk").Result()
		return err == nil && len(rs) == 1
	})

	r, err := storage.OpenRedis(ctx, "redis+sentinel://"+sentinel+"?master_name=pk", "t:")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	key := r.Key(storage.ClickStream)
	if err := r.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"n", 1}}).Err(); err != nil {
		t.Fatal(err)
	}
	direct := redis.NewClient(&redis.Options{Addr: primary})
	if n, err := direct.XLen(ctx, key).Result(); err != nil || n != 1 {
		t.Fatalf("the entry is not on the primary: %d, %v", n, err)
	}
	direct.Close()
	// Let the replica have it, then lose the primary.
	if n, err := r.Do(ctx, "wait", 1, 2000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT: %d replicas, %v", n, err)
	}
	primaryCmd.Process.Kill()
	waitFor("the Sentinel promotes the replica", func() bool {
		addr, err := sc.GetMasterAddrByName(ctx, "pk").Result()
		return err == nil && len(addr) == 2 && addr[0]+":"+addr[1] == replica
	})
	waitFor("the client writes to the promoted replica", func() bool {
		return r.XAdd(ctx, &redis.XAddArgs{Stream: key, Values: []any{"n", 2}}).Err() == nil
	})
	if n, err := r.XLen(ctx, key).Result(); err != nil || n != 2 {
		t.Errorf("after the failover the stream has %d entries (%v), want both", n, err)
	}
}
