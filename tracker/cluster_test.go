package tracker

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// Issue 21, point 6: a Redis Cluster master killed (SIGKILL) during a
// burst of redirects. The tracker spreads its clicks over three shards
// and waits for a replica (WAIT 1) before answering. Every visitor is
// redirected throughout; while the dead master's slots wait for their
// replica to take over, its shard's batches go to the other shards; and
// after the failover every click a visitor was answered as recorded is
// in the stream.
func TestClusterMasterKilledDuringBurst(t *testing.T) {
	clusterURL, nodes := storagetest.StartRedisCluster(t, "--cluster-node-timeout", "1000",
		"--cluster-require-full-coverage", "no") // the other shards keep taking writes while one fails over
	ctx := context.Background()
	rdb, err := storage.OpenRedis(ctx, clusterURL, fmt.Sprintf("t%d:", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Close() })
	f := newFixture(t, rdb)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	srv := &Server{DB: f.db, Redis: rdb, Logger: slog.New(slog.DiscardHandler),
		Metrics: NewMetrics(prometheus.NewRegistry()), Secret: []byte(testSecret),
		RedirectTimeout: time.Second, SyncInterval: time.Second, Now: f.now, ClickShards: 3, WaitReplicas: 1}
	if err := srv.Start(sctx); err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	srv.Mount(app)
	for !srv.writer.registered.Load() {
		time.Sleep(10 * time.Millisecond)
	}

	// The master serving shard 1.
	cc := rdb.UniversalClient.(*redis.ClusterClient)
	master, err := cc.MasterForKey(ctx, rdb.Key(storage.ClickShard(1)))
	if err != nil {
		t.Fatal(err)
	}
	var victim *storagetest.ClusterNode
	var survivors []string
	for i := range nodes {
		if nodes[i].Addr == master.Options().Addr {
			victim = &nodes[i]
		} else {
			survivors = append(survivors, nodes[i].Addr)
		}
	}
	if victim == nil {
		t.Fatalf("shard 1's master %s is none of the nodes", master.Options().Addr)
	}

	var mu sync.Mutex
	acked := map[string]bool{}
	var redirected, unrecorded atomic.Int64
	var done atomic.Bool
	var visitors sync.WaitGroup
	for range 8 {
		visitors.Go(func() {
			for !done.Load() {
				resp, ok := visit(t, app)
				if !ok {
					return
				}
				redirected.Add(1)
				if resp.Header.Get(HeaderReason) != "" {
					unrecorded.Add(1)
					continue
				}
				loc, _ := url.Parse(resp.Header.Get("Location"))
				id, err := partnerka.ParseClickID(loc.Query().Get("pk_click"))
				if err != nil {
					t.Errorf("a recorded redirect without its click id: %s", resp.Header.Get("Location"))
					return
				}
				mu.Lock()
				acked[id.String()] = true
				mu.Unlock()
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	before := redirected.Load()
	mu.Lock()
	ackedBefore := len(acked)
	mu.Unlock()
	killedAt := time.Now()
	victim.Cmd.Process.Signal(syscall.SIGKILL)
	// Failed over: a survivor serves shard 1's slot, and the cluster is ok.
	sc := redis.NewClient(&redis.Options{Addr: survivors[0]})
	defer sc.Close()
	slot, err := sc.ClusterKeySlot(ctx, rdb.Key(storage.ClickShard(1))).Result()
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		slots, _ := sc.ClusterSlots(ctx).Result()
		moved := false
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 && s.Nodes[0].Addr != victim.Addr {
				moved = true
			}
		}
		if moved {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replica took over shard 1's slot %d: %+v", slot, slots)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, a := range survivors {
		storagetest.WaitClusterOK(t, a, 30*time.Second)
	}
	failover := time.Since(killedAt)
	time.Sleep(time.Second) // and a while on the promoted replica
	done.Store(true)
	visitors.Wait()

	// Every acknowledged click, read back from the shards (the cluster
	// client finds the promoted replica for shard 1's slot).
	inStream := map[string]bool{}
	for i := range 3 {
		var msgs []redis.XMessage
		for try := 0; ; try++ {
			msgs, err = rdb.XRange(ctx, rdb.Key(storage.ClickShard(i)), "-", "+").Result()
			if err == nil || try > 50 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("shard %d after the failover: %v", i, err)
		}
		for _, m := range msgs {
			clicks, err := storage.DecodeClickBatch(m.Values)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range clicks {
				inStream[c.ID] = true
			}
		}
	}
	missing := 0
	for id := range acked {
		if !inStream[id] {
			missing++
		}
	}
	unreplicated := testutil.ToFloat64(srv.Metrics.Unreplicated)
	t.Logf("%d redirects (%d before the kill), %d answered as recorded, %d without a click, failover took %s; %d batches unreplicated, %d stream errors",
		redirected.Load(), before, len(acked), unrecorded.Load(), failover.Round(time.Millisecond), int(unreplicated),
		int(testutil.ToFloat64(srv.Metrics.StreamErrors)))
	if len(acked) <= ackedBefore || redirected.Load() <= before {
		t.Fatal("no click was recorded after the kill: the burst did not go on through the failover")
	}
	if missing > 0 {
		t.Errorf("%d of %d clicks answered as recorded are missing after the failover", missing, len(acked))
	}
}
