package tracker

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// Issue 21, point 2: with WaitReplicas the group commit answers a click
// only once a replica holds it. A real replica of the test Redis (a
// redis-server started with --replicaof on loopback) has the click the
// moment Write returns; stopped (SIGSTOP), it confirms nothing, and the
// click is still answered at the deadline, counted as unreplicated.
func TestClickWriterWaitsForReplica(t *testing.T) {
	rdb := storagetest.NewSingleRedis(t) // a primary and its replica, not a cluster's
	primary, err := url.Parse(storagetest.SingleRedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	addr, replicaCmd := storagetest.StartRedisServer(t, "--replicaof", primary.Hostname(), primary.Port())
	replica := linkedReplica(t, addr)

	m := NewMetrics(prometheus.NewRegistry())
	stream := rdb.Key(storage.ClickStream)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	writer := func(deadline time.Duration) *ClickWriter {
		w := NewClickWriter(rdb.UniversalClient, []string{stream}, deadline, m, slog.New(slog.DiscardHandler))
		w.WaitReplicas = 1
		go w.Run(ctx)
		return w
	}
	// A deadline a loaded machine's replication meets: a WAIT that timed
	// out would answer the click before the replica has it.
	w := writer(5 * time.Second)

	click := func(i int) *storage.StreamClick {
		return &storage.StreamClick{ID: fmt.Sprintf("01JREPLICA%016d", i), LinkID: 1, PartnerID: 1, At: time.Now(), IP: "203.0.113.7"}
	}
	for i := range 20 {
		if err := w.Write(click(i)); err != nil {
			t.Fatalf("click %d: %v", i, err)
		}
		// Read on the replica at once: WAIT returned, so it holds the batch.
		if n, err := replica.XLen(ctx, stream).Result(); err != nil || n < 1 {
			t.Fatalf("after click %d the replica's stream has %d entries (%v)", i, n, err)
		}
		if got := replicaClicks(t, replica, stream); got != i+1 {
			t.Fatalf("after click %d the replica holds %d clicks", i, got)
		}
	}
	if n := testutil.ToFloat64(m.Unreplicated); n != 0 {
		t.Errorf("%v batches unreplicated with the replica up", n)
	}

	// The replica stops answering: the click waits until its deadline,
	// is answered all the same (the redirect never fails) and counted.
	replicaCmd.Process.Signal(syscall.SIGSTOP)
	w = writer(500 * time.Millisecond)
	start := time.Now()
	if err := w.Write(click(99)); err != nil {
		t.Errorf("with the replica stopped: %v, want the click answered", err)
	}
	if took := time.Since(start); took < 400*time.Millisecond || took > 2*time.Second {
		t.Errorf("with the replica stopped the click took %s, want about the 500 ms deadline", took)
	}
	if n := testutil.ToFloat64(m.Unreplicated); n != 1 {
		t.Errorf("%v batches counted unreplicated, want 1", n)
	}
	replicaCmd.Process.Signal(syscall.SIGCONT)
}

// replicaClicks counts the clicks in the replica's copy of stream.
func replicaClicks(t *testing.T, replica *redis.Client, stream string) int {
	t.Helper()
	entries, err := replica.XRange(context.Background(), stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		lines, _ := e.Values["c"].(string)
		n += strings.Count(lines, "\n")
	}
	return n
}

// linkedReplica returns a client of the replica at addr once its link to
// the primary is up.
func linkedReplica(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	for range 200 {
		if info, err := c.Info(context.Background(), "replication").Result(); err == nil && strings.Contains(info, "master_link_status:up") {
			return c
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the replica never linked to the test Redis")
	return nil
}
