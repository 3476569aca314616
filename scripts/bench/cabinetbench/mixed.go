package main

// make bench-mixed: the tracker under wrk and cabinet users on the largest
// partner's pages at the same time, each against itself alone in the same
// run.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"partnerka/scripts/bench/benchdb"
	"partnerka/storage"
)

// mixedConfig is what -mixed runs.
type mixedConfig struct {
	users int           // concurrent cabinet users
	conns int           // wrk connections on the tracker
	dur   time.Duration // one phase
	reps  int           // rounds of alone, alone, together
}

// cabinetResult is what the cabinet users saw in one phase.
type cabinetResult struct {
	pages          int
	p95, serverP95 float64 // ms: end to end, and the server's own time
}

// mixedSessions signs in users team members of the largest partner, one
// session each, and returns their tokens.
func mixedSessions(ctx context.Context, db *sqlx.DB, users int, at time.Time) ([]string, error) {
	tokens := make([]string, users)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("bench-mixed-%03d", i)
		sum := sha256.Sum256([]byte(tokens[i]))
		if _, err := db.ExecContext(ctx, `WITH u AS (
			INSERT INTO users (email, password_hash, role, partner_id, created_at) VALUES ($1, 'x', 'member', 1, $3) RETURNING id)
			INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, created_at, last_seen_at)
			SELECT $2, id, 'x', $3::timestamptz + interval '1 day', $3, $3 FROM u`,
			fmt.Sprintf("member%03d@bench.test", i), sum[:], at); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}

// cabinetUsers runs one goroutine per token for dur, each asking for the
// pages in turn as soon as the last one came back (a partner refreshing
// without pause), and returns the latencies' 95th percentiles.
func cabinetUsers(base string, tokens, pages []string, dur time.Duration) (cabinetResult, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: len(tokens)}}
	var mu sync.Mutex
	var ends, servers []float64
	var firstErr error
	deadline := time.Now().Add(dur) // wall: the load runs for real time
	var wg sync.WaitGroup
	for u, token := range tokens {
		wg.Go(func() {
			for i := u; time.Now().Before(deadline); i++ { // wall: as above
				req, _ := http.NewRequest("GET", base+pages[i%len(pages)], nil)
				req.AddCookie(&http.Cookie{Name: "pk_session", Value: token})
				start := time.Now() // wall: end-to-end latency
				resp, err := client.Do(req)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						err = fmt.Errorf("%s: status %d", pages[i%len(pages)], resp.StatusCode)
					}
				}
				end := float64(time.Since(start).Microseconds()) / 1000
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				ends = append(ends, end)
				if d, err := strconv.ParseFloat(strings.TrimPrefix(resp.Header.Get("Server-Timing"), "app;dur="), 64); err == nil {
					servers = append(servers, d)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return cabinetResult{}, firstErr
	}
	if len(ends) == 0 {
		return cabinetResult{}, fmt.Errorf("no cabinet page came back in %s", dur)
	}
	return cabinetResult{pages: len(ends), p95: p95(ends), serverP95: p95(servers)}, nil
}

func p95(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	sort.Float64s(xs)
	return xs[len(xs)*95/100]
}

// runMixed loads the tracker and the cabinet served at trackerBase and
// cabinetBase, alone and together, reps rounds, and prints the medians.
func runMixed(ctx context.Context, db *sqlx.DB, cfg mixedConfig, redisURL, prefix, trackerBase, cabinetBase string, at time.Time) error {
	if err := benchdb.WaitReady(trackerBase + "/readyz"); err != nil {
		return err
	}
	tokens, err := mixedSessions(ctx, db, cfg.users, at)
	if err != nil {
		return err
	}
	var codes []string
	if err := db.SelectContext(ctx, &codes, `SELECT code FROM links ORDER BY id`); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "bench-mixed")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	script, err := benchdb.LinksScript(work, codes)
	if err != nil {
		return err
	}
	rdb, err := storage.OpenRedis(ctx, redisURL, prefix)
	if err != nil {
		return err
	}
	defer rdb.Close()
	pages := []string{"/dashboard?period=30d", "/dashboard?period=this_month", "/earnings?period=30d", "/customers"}

	var lost int64
	// tracker runs wrk once and counts the answered redirects whose clicks
	// did not reach the stream.
	tracker := func() (benchdb.WrkResult, error) {
		before := benchdb.LastEntryOf(ctx, rdb, storage.ClickStream)
		r, err := benchdb.Wrk(script, trackerBase, cfg.conns, cfg.dur)
		if err != nil {
			return r, err
		}
		time.Sleep(300 * time.Millisecond) // let in-flight writes of closed connections land
		in, _, err := benchdb.CountClicksOf(ctx, rdb, storage.ClickStream, before)
		if err != nil {
			return r, err
		}
		lost += max(r.Answered-in, 0)
		return r, nil
	}
	fmt.Printf("mixed bench: wrk with %d connections on the tracker, %d cabinet users on %s, %s per phase, %d rounds, one serve process\n",
		cfg.conns, cfg.users, strings.Join(pages, " "), cfg.dur, cfg.reps)
	benchdb.Wrk(script, trackerBase, cfg.conns, 2*time.Second) // warm up
	if _, err := cabinetUsers(cabinetBase, tokens, pages, 2*time.Second); err != nil {
		return err
	}
	var trkAlone, trkMixed []benchdb.WrkResult
	var cabAlone, cabMixed []cabinetResult
	for i := 1; i <= cfg.reps; i++ {
		t, err := tracker()
		if err != nil {
			return err
		}
		c, err := cabinetUsers(cabinetBase, tokens, pages, cfg.dur)
		if err != nil {
			return err
		}
		var tm benchdb.WrkResult
		var cm cabinetResult
		var terr, cerr error
		var wg sync.WaitGroup
		wg.Go(func() { tm, terr = tracker() })
		wg.Go(func() { cm, cerr = cabinetUsers(cabinetBase, tokens, pages, cfg.dur) })
		wg.Wait()
		if terr != nil {
			return terr
		}
		if cerr != nil {
			return cerr
		}
		trkAlone, trkMixed = append(trkAlone, t), append(trkMixed, tm)
		cabAlone, cabMixed = append(cabAlone, c), append(cabMixed, cm)
		fmt.Printf("run %d  tracker alone %7.0f req/s p99 %6.2f ms | together %7.0f req/s p99 %6.2f ms (%.2f of alone)\n",
			i, t.RPS, t.P99, tm.RPS, tm.P99, tm.RPS/t.RPS)
		fmt.Printf("run %d  cabinet alone %5d pages p95 %7.1f ms (server %6.1f ms) | together %5d pages p95 %7.1f ms (server %6.1f ms)\n",
			i, c.pages, c.p95, c.serverP95, cm.pages, cm.p95, cm.serverP95)
	}
	var ratios []float64
	for i := range trkAlone {
		ratios = append(ratios, trkMixed[i].RPS/trkAlone[i].RPS)
	}
	wrkOf, cabOf := benchdb.MedianOf[benchdb.WrkResult], benchdb.MedianOf[cabinetResult]
	rps := func(r benchdb.WrkResult) float64 { return r.RPS }
	p99 := func(r benchdb.WrkResult) float64 { return r.P99 }
	e2e := func(r cabinetResult) float64 { return r.p95 }
	fmt.Printf("median over %d rounds: tracker together/alone %.2f (rounds: %s)\n", cfg.reps, benchdb.Median(ratios), benchdb.FmtList(ratios))
	fmt.Printf("bench-mixed: tracker_rps=%.0f alone_rps=%.0f ratio=%.2f p99_ms=%.2f alone_p99_ms=%.2f cabinet_p95_ms=%.1f cabinet_alone_p95_ms=%.1f users=%d lost=%d\n",
		wrkOf(trkMixed, rps), wrkOf(trkAlone, rps), benchdb.Median(ratios), wrkOf(trkMixed, p99), wrkOf(trkAlone, p99),
		cabOf(cabMixed, e2e), cabOf(cabAlone, e2e), cfg.users, lost)
	return nil
}
