package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"partnerka/scripts/bench/benchdb"
	"partnerka/storage"
)

// runCluster is make bench-tracker -- -cluster: the real tracker on the
// single Redis beside the real tracker on a Redis Cluster with its click
// stream sharded, loaded by wrk in alternating rounds, with every click
// answered as recorded looked for in the streams.
func runCluster(adminURL, singleURL, clusterURL, bin string, nlinks, conns, shards int, dur time.Duration, reps int) error {
	ctx := context.Background()
	dsn, script, cleanup, err := prepare(ctx, adminURL, nlinks)
	if err != nil {
		return err
	}
	defer cleanup()
	prefix := fmt.Sprintf("bench%d:", time.Now().Unix())
	type target struct {
		name, url, addr, metrics string
		shards                   int
		rdb                      *storage.Redis
		res                      []benchdb.WrkResult
		lost                     int64
	}
	targets := []*target{{name: "single", url: singleURL, shards: 1}, {name: "cluster", url: clusterURL, shards: shards}}
	for _, tg := range targets {
		tg.addr, tg.metrics = benchdb.FreeAddr(), benchdb.FreeAddr()
		cmd := exec.Command(filepath.Join(bin, "partnerka"), "serve", "--role", "tracker")
		cmd.Env = append(os.Environ(),
			"PARTNERKA_DATABASE_URL="+dsn, "PARTNERKA_REDIS_URL="+tg.url, "PARTNERKA_REDIS_PREFIX="+prefix,
			"PARTNERKA_CLICK_SHARDS="+strconv.Itoa(tg.shards),
			"PARTNERKA_SECRET=bench-secret-0123456789abcdef0123456789",
			"PARTNERKA_TRACKER_ADDR="+tg.addr, "PARTNERKA_CABINET_ADDR="+benchdb.FreeAddr(), "PARTNERKA_METRICS_ADDR="+tg.metrics,
			"PARTNERKA_RECONCILE_INTERVAL=0", "PARTNERKA_LOG_LEVEL=warn")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return err
		}
		defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
		if tg.rdb, err = storage.OpenRedis(ctx, tg.url, prefix); err != nil {
			return err
		}
		defer tg.rdb.Close()
	}
	if err := benchdb.WaitReady("http://"+targets[0].addr+"/readyz", "http://"+targets[1].addr+"/readyz"); err != nil {
		return err
	}
	fmt.Printf("tracker bench, single Redis against a Redis Cluster of 3 primaries with a replica each (%d click stream shards): %d links, %d connections, %s per run, %d repetitions, everything on this machine\n",
		shards, nlinks, conns, dur, reps)
	for _, tg := range targets { // warm up
		benchdb.Wrk(script, "http://"+tg.addr, conns, 2*time.Second)
	}
	for i := 1; i <= reps; i++ {
		for _, tg := range targets {
			streams := make([]string, tg.shards)
			before := make([]string, tg.shards)
			for s := range streams {
				streams[s] = storage.ClickShard(s)
				before[s] = benchdb.LastEntryOf(ctx, tg.rdb, streams[s])
			}
			r, err := benchdb.Wrk(script, "http://"+tg.addr, conns, dur)
			if err != nil {
				return err
			}
			time.Sleep(300 * time.Millisecond) // let in-flight writes of closed connections land
			var inStream, entries int64
			var per []string
			for s := range streams {
				c, e, err := benchdb.CountClicksOf(ctx, tg.rdb, streams[s], before[s])
				if err != nil {
					return err
				}
				inStream, entries = inStream+c, entries+e
				per = append(per, strconv.FormatInt(c, 10))
			}
			lost := max(r.Answered-inStream, 0)
			tg.lost += lost
			tg.res = append(tg.res, r)
			fmt.Printf("run %d  %-7s %8.0f req/s  p50 %5.2f ms  p99 %5.2f ms  302s %d  clicks in streams %d (by shard: %s, %d entries)  lost %d\n",
				i, tg.name, r.RPS, r.P50, r.P99, r.Answered, inStream, strings.Join(per, " "), entries, lost)
		}
	}
	med := benchdb.MedianOf[benchdb.WrkResult]
	rps := func(r benchdb.WrkResult) float64 { return r.RPS }
	p99 := func(r benchdb.WrkResult) float64 { return r.P99 }
	var ratios []float64
	for i := range targets[1].res {
		ratios = append(ratios, targets[1].res[i].RPS/targets[0].res[i].RPS)
	}
	single, cluster := targets[0], targets[1]
	fmt.Printf("median over %d runs: cluster %.0f req/s (p99 %.2f ms), single %.0f req/s (p99 %.2f ms), cluster/single %.2f (runs: %s)\n",
		reps, med(cluster.res, rps), med(cluster.res, p99), med(single.res, rps), med(single.res, p99), benchdb.Median(ratios), benchdb.FmtList(ratios))
	fmt.Printf("bench-tracker-cluster: rps=%.0f single_rps=%.0f ratio=%.2f p99_ms=%.2f lost=%d\n",
		med(cluster.res, rps), med(single.res, rps), benchdb.Median(ratios), med(cluster.res, p99), cluster.lost+single.lost)
	return nil
}
