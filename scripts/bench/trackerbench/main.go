// Command trackerbench drives make bench-tracker: it loads 10,000 links,
// starts the real partnerka tracker, the bare fasthttp baseline and the
// floor (bare plus the least group commit to Redis, see scripts/bench/bare),
// loads them with wrk in alternating rounds, and compares throughput,
// latency and the clicks that reached the stream with the redirects
// answered.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"

	"partnerka"
	"partnerka/scripts/bench/benchdb"
	"partnerka/storage"
)

var (
	profileFile  string
	floorWriters int
)

func main() {
	adminURL := flag.String("db", os.Getenv("PARTNERKA_BENCH_DATABASE_URL"), "PostgreSQL admin URL")
	redisURL := flag.String("redis", os.Getenv("PARTNERKA_BENCH_REDIS_URL"), "Redis URL")
	bin := flag.String("bin", "bin", "folder with partnerka and bare binaries")
	links := flag.Int("links", 10000, "links to load")
	conns := flag.Int("c", 64, "connections")
	dur := flag.Duration("d", 10*time.Second, "duration of one run")
	reps := flag.Int("reps", 3, "repetitions")
	flag.IntVar(&floorWriters, "floor-writers", 2, "batches the floor keeps in flight; 0: one XADD per request instead of group commit; -1: one XADD per request through go-redis's automatic pipelining")
	flag.StringVar(&profileFile, "cpuprofile", "", "write a CPU profile of the tracker during the first run to this file")
	clusterURL := flag.String("cluster", "", "a Redis Cluster URL: compare a tracker on it (its click stream sharded) with one on the single Redis, instead of the bare baselines")
	shards := flag.Int("shards", 3, "click stream shards of the tracker on the cluster")
	flag.Parse()
	if *clusterURL != "" {
		if err := runCluster(*adminURL, *redisURL, *clusterURL, *bin, *links, *conns, *shards, *dur, *reps); err != nil {
			fmt.Fprintln(os.Stderr, "bench-tracker:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*adminURL, *redisURL, *bin, *links, *conns, *dur, *reps); err != nil {
		fmt.Fprintln(os.Stderr, "bench-tracker:", err)
		os.Exit(1)
	}
}

func run(adminURL, redisURL, bin string, nlinks, conns int, dur time.Duration, reps int) error {
	ctx := context.Background()
	dsn, script, cleanup, err := prepare(ctx, adminURL, nlinks)
	if err != nil {
		return err
	}
	defer cleanup()

	trackerAddr, cabinetAddr, bareAddr, floorAddr := benchdb.FreeAddr(), benchdb.FreeAddr(), benchdb.FreeAddr(), benchdb.FreeAddr()
	metricsAddr := benchdb.FreeAddr()
	prefix := fmt.Sprintf("bench%d:", time.Now().Unix())
	tracker := exec.Command(filepath.Join(bin, "partnerka"), "serve")
	tracker.Env = append(os.Environ(),
		"PARTNERKA_DATABASE_URL="+dsn, "PARTNERKA_REDIS_URL="+redisURL, "PARTNERKA_REDIS_PREFIX="+prefix,
		"PARTNERKA_SECRET=bench-secret-0123456789abcdef0123456789",
		"PARTNERKA_TRACKER_ADDR="+trackerAddr, "PARTNERKA_CABINET_ADDR="+cabinetAddr, "PARTNERKA_METRICS_ADDR="+metricsAddr,
		"PARTNERKA_RECONCILE_INTERVAL=0", "PARTNERKA_LOG_LEVEL=warn")
	debugAddr := benchdb.FreeAddr()
	if profileFile != "" {
		tracker.Env = append(tracker.Env, "PARTNERKA_DEBUG_ADDR="+debugAddr)
	}
	tracker.Stdout, tracker.Stderr = os.Stderr, os.Stderr
	bare := exec.Command(filepath.Join(bin, "bare"), "-addr", bareAddr)
	floor := exec.Command(filepath.Join(bin, "bare"), "-addr", floorAddr, "-redis", redisURL, "-stream", prefix+"floor",
		"-writers", strconv.Itoa(floorWriters))
	for _, c := range []*exec.Cmd{tracker, bare, floor} {
		if err := c.Start(); err != nil {
			return err
		}
		defer func(c *exec.Cmd) { c.Process.Signal(syscall.SIGTERM); c.Wait() }(c)
	}
	if err := benchdb.WaitReady("http://"+trackerAddr+"/readyz", "http://"+bareAddr+"/", "http://"+floorAddr+"/"); err != nil {
		return err
	}
	rdb, err := storage.OpenRedis(ctx, redisURL, prefix)
	if err != nil {
		return err
	}
	defer rdb.Close()
	defer rdb.Del(ctx, prefix+"floor")

	fmt.Printf("tracker bench: %d links, %d connections, %s per run, %d repetitions, wrk on the same machine\n",
		nlinks, conns, dur, reps)
	for _, addr := range []string{bareAddr, floorAddr, trackerAddr} { // warm up
		benchdb.Wrk(script, "http://"+addr, conns, 2*time.Second)
	}

	var bareRes, floorRes, trkRes []benchdb.WrkResult
	var ratios, floorRatios, trkFloor []float64
	var lost, answeredTotal, inStreamTotal int64
	for i := 1; i <= reps; i++ {
		cpuBare := benchdb.ProcCPU(bare.Process.Pid)
		b, err := benchdb.Wrk(script, "http://"+bareAddr, conns, dur)
		if err != nil {
			return err
		}
		cpuBare = benchdb.ProcCPU(bare.Process.Pid) - cpuBare
		cpuFloor, redisBefore := benchdb.ProcCPU(floor.Process.Pid), redisCPU(ctx, rdb)
		f, err := benchdb.Wrk(script, "http://"+floorAddr, conns, dur)
		if err != nil {
			return err
		}
		cpuFloor, cpuFloorRedis := benchdb.ProcCPU(floor.Process.Pid)-cpuFloor, redisCPU(ctx, rdb)-redisBefore
		before := lastEntry(ctx, rdb)
		recBefore := metric("http://"+metricsAddr+"/metrics", `partnerka_clicks_total{outcome="recorded"}`)
		cpuBefore, redisBefore := benchdb.ProcCPU(tracker.Process.Pid), redisCPU(ctx, rdb)
		if i == 1 && profileFile != "" {
			go fetchProfile("http://"+debugAddr+"/debug/pprof/profile?seconds="+strconv.Itoa(int(dur.Seconds())-2), profileFile)
		}
		t, err := benchdb.Wrk(script, "http://"+trackerAddr, conns, dur)
		cpuTracker, cpuRedis := benchdb.ProcCPU(tracker.Process.Pid)-cpuBefore, redisCPU(ctx, rdb)-redisBefore
		if err != nil {
			return err
		}
		time.Sleep(300 * time.Millisecond) // let in-flight writes of closed connections land
		recAfter := metric("http://"+metricsAddr+"/metrics", `partnerka_clicks_total{outcome="recorded"}`)
		inStream, entries, err := countClicks(ctx, rdb, before)
		if err != nil {
			return err
		}
		l := t.Answered - inStream
		if l < 0 {
			l = 0
		}
		lost += l
		answeredTotal += t.Answered
		inStreamTotal += inStream
		ratio := t.RPS / b.RPS
		ratios, floorRatios = append(ratios, ratio), append(floorRatios, f.RPS/b.RPS)
		trkFloor = append(trkFloor, t.RPS/f.RPS) // tracker/floor of the same round
		bareRes, floorRes, trkRes = append(bareRes, b), append(floorRes, f), append(trkRes, t)
		fmt.Printf("run %d  bare    %8.0f req/s  p50 %5.2f ms  p99 %5.2f ms  cpu per request: server %.1f us, wrk %.1f us\n",
			i, b.RPS, b.P50, b.P99, benchdb.PerReq(cpuBare, b), benchdb.PerReq(b.WrkCPU, b))
		fmt.Printf("run %d  floor   %8.0f req/s  p50 %5.2f ms  p99 %5.2f ms  floor/bare %.2f  cpu per request: server %.1f us, redis %.1f us, wrk %.1f us\n",
			i, f.RPS, f.P50, f.P99, f.RPS/b.RPS, benchdb.PerReq(cpuFloor, f), benchdb.PerReq(cpuFloorRedis, f), benchdb.PerReq(f.WrkCPU, f))
		fmt.Printf("run %d  tracker %8.0f req/s  p50 %5.2f ms  p99 %5.2f ms  ratio %.2f  302s %d  clicks in stream %d  recorded (metric) %.0f  lost %d  (%d stream entries)  cpu per request: server %.1f us, redis %.1f us, wrk %.1f us\n",
			i, t.RPS, t.P50, t.P99, ratio, t.Answered, inStream, recAfter-recBefore, l, entries,
			benchdb.PerReq(cpuTracker, t), benchdb.PerReq(cpuRedis, t), benchdb.PerReq(t.WrkCPU, t))
	}
	med := benchdb.Median
	of := benchdb.MedianOf[benchdb.WrkResult]
	rps := func(r benchdb.WrkResult) float64 { return r.RPS }
	p99 := func(r benchdb.WrkResult) float64 { return r.P99 }
	fmt.Printf("median over %d runs: tracker %.0f req/s, bare %.0f req/s, ratio %.2f (runs: %s), tracker p99 %.2f ms; 302s %d, clicks in stream %d\n",
		reps, of(trkRes, rps), of(bareRes, rps),
		med(ratios), benchdb.FmtList(ratios), of(trkRes, p99), answeredTotal, inStreamTotal)
	floorKind := "the least group commit to Redis"
	switch {
	case floorWriters == 0:
		floorKind = "one XADD per request"
	case floorWriters < 0:
		floorKind = "one XADD per request, automatically pipelined by go-redis"
	}
	// tracker/floor as the last line gives it: the median of each round's
	// ratio (the median tracker over the median floor can pair rounds of
	// different machine states).
	fmt.Printf("floor (bare + %s): median %.0f req/s, floor/bare %.2f (runs: %s), tracker/floor %.2f (runs: %s)\n", floorKind,
		of(floorRes, rps), med(floorRatios), benchdb.FmtList(floorRatios), med(trkFloor), benchdb.FmtList(trkFloor))
	fmt.Printf("bench-tracker: ratio=%.2f floor_ratio=%.2f floor_bare=%.2f rps=%.0f bare_rps=%.0f p99_ms=%.2f lost=%d\n",
		med(ratios), med(trkFloor), med(floorRatios), of(trkRes, rps),
		of(bareRes, rps),
		of(trkRes, p99), lost)
	return nil
}

// prepare makes a fresh database with nlinks links and the wrk script
// that asks for them; cleanup removes the script's folder.
func prepare(ctx context.Context, adminURL string, nlinks int) (dsn, script string, cleanup func(), err error) {
	if dsn, err = benchdb.Fresh(adminURL, "bench_tracker"); err != nil {
		return "", "", nil, err
	}
	codes, err := seed(ctx, dsn, nlinks)
	if err != nil {
		return "", "", nil, err
	}
	work, err := os.MkdirTemp("", "bench-tracker")
	if err != nil {
		return "", "", nil, err
	}
	if script, err = benchdb.LinksScript(work, codes); err != nil {
		os.RemoveAll(work)
		return "", "", nil, err
	}
	return dsn, script, func() { os.RemoveAll(work) }, nil
}

func metric(url, name string) float64 {
	resp, err := http.Get(url)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, _ := strconv.ParseFloat(v, 64)
			return f
		}
	}
	return -1
}

// seed migrates, loads one active partner and n links with COPY, and returns
// the codes.
func seed(ctx context.Context, dsn string, n int) ([]string, error) {
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if _, _, err := db.Migrate(ctx, nil); err != nil {
		return nil, err
	}
	if err := db.Prepare(ctx); err != nil {
		return nil, err
	}
	res, err := db.LoadSeed(ctx, storage.Seed{
		Settings: &partnerka.Settings{Name: "Bench", DefaultCurrency: "USD", DefaultLandingURL: "https://example.com/",
			AllowedDomains: []string{"example.com"}, AttributionWindowDays: 90, AttributionModel: "last_click",
			HoldDays: 30, RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click"},
		Partners: []storage.SeedPartner{{Partner: partnerka.Partner{Ref: "bench", Name: "Bench", Kind: "company", Status: "active"}}},
	})
	if err != nil {
		return nil, err
	}
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	stmt, err := tx.Prepare(pq.CopyIn("links", "partner_id", "code", "destination_url", "sub_id", "created_at", "updated_at"))
	if err != nil {
		return nil, err
	}
	codes := make([]string, n)
	at := time.Now() // wall: the benchmark's server runs on the system clock
	for i := range codes {
		codes[i] = fmt.Sprintf("bench-%06d", i)
		dest := fmt.Sprintf("https://example.com/landing/%d?ref=1#top", i%8)
		if _, err := stmt.Exec(res.Partners["bench"], codes[i], dest, "", at, at); err != nil {
			return nil, err
		}
	}
	if _, err := stmt.Exec(); err != nil {
		return nil, err
	}
	stmt.Close()
	return codes, tx.Commit()
}

// redisCPU returns the CPU seconds the Redis server has used.
func redisCPU(ctx context.Context, rdb *storage.Redis) float64 {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	var total float64
	for _, line := range strings.Split(info, "\r\n") {
		for _, k := range []string{"used_cpu_user:", "used_cpu_sys:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
			}
		}
	}
	return total
}

func fetchProfile(url, file string) {
	resp, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		return
	}
	io.Copy(f, resp.Body)
	f.Close()
}

// lastEntry returns the id of the newest stream entry ("0" when empty).
func lastEntry(ctx context.Context, rdb *storage.Redis) string {
	return benchdb.LastEntryOf(ctx, rdb, storage.ClickStream)
}

// countClicks counts the clicks in entries after the entry id after,
// decoding every batch: a click counts only if it is really there.
func countClicks(ctx context.Context, rdb *storage.Redis, after string) (clicks, entries int64, err error) {
	return benchdb.CountClicksOf(ctx, rdb, storage.ClickStream, after)
}
