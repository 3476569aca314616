package cabinet

import (
	"encoding/csv"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"partnerka/web/webtest"
)

// exportRows is how many commissions the export tests give alpha.
const exportRows = 200000

// exportServer serves the fixture's app on a real socket, as the binary
// does: a streamed response reaches the client as it is written, which
// fiber's App.Test (it gathers the whole response) would hide.
func exportServer(t *testing.T, f *fixture) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go f.App.Server().Serve(ln)
	t.Cleanup(func() { f.App.Shutdown() })
	return "http://" + ln.Addr().String()
}

// get sends a GET with the browser's cookies over the socket.
func get(t *testing.T, base string, b *webtest.Browser, path string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.Cookies {
		req.AddCookie(c)
	}
	resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// seedExport gives alpha exportRows commissions in the last 30 days,
// two to each instant (the keyset pages must split ties by id), commission
// i of i kopecks, and exportBonuses bonuses, bonus j of j roubles.
func seedExport(t *testing.T, f *fixture) {
	t.Helper()
	if _, err := f.DB.Exec(`INSERT INTO commissions (partner_id, customer_id, event, level, contract_id, plan_version_id, rule_id,
		base_amount, amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
		SELECT $1, i, 'lead', 1, 1, 1, 1, 0, i / 100.0, i / 100.0, 'RUB', $2::timestamptz - (i / 2) * interval '10 seconds',
		       $2::timestamptz + interval '30 days', (i / 100.0)::numeric(20,2) || ' RUB for a new customer, plan Referral v1', $2
		  FROM generate_series(1, $3::int) AS i`, f.Seed.Partners["alpha"], now.Add(-time.Minute), exportRows); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.Exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
		SELECT $1, 'RUB', 'available', 'bonus', j, 'bonus ' || j, $2::timestamptz - (j / 2) * interval '1 minute'
		  FROM generate_series(1, $3::int) AS j`, f.Seed.Partners["alpha"], now.Add(-time.Hour), exportBonuses); err != nil {
		t.Fatal(err)
	}
}

// exportBonuses is how many bonuses the export tests give alpha: more
// than a page of them too.
const exportBonuses = 2500

// Issue 17, F12: six concurrent exports of a partner's earnings took the
// server from 57 MB to 3.6 GB and cost the tracker clicks. The export now
// streams: 200,000 commissions pass through a few megabytes of heap, every
// one of them in the file exactly once, in the page's order.
func TestEarningsExportStreams(t *testing.T) {
	f := newFixture(t)
	seedExport(t, f)
	base := exportServer(t, f)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)

	// The heap is sampled with the collector kept close behind: with the
	// default pacing, garbage may pile up to the size of whatever earlier
	// tests left live, and the peak would measure them, not the export.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()

	resp := get(t, base, b, "/earnings.csv?period=30d")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	counted := &countingReader{r: resp.Body}
	r := csv.NewReader(counted)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil || strings.Join(header, ",") != "date,kind,amount,reversed,currency,status,available_from,purchase,explanation" {
		t.Fatalf("header %v %v", header, err)
	}
	seen := make([]bool, exportRows+1)
	seenBonus := make([]bool, exportBonuses+1)
	var last, lastBonus time.Time
	n, bonuses := 0, 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("line %d: %v", n+bonuses+2, err)
		}
		if rec[1] == "bonus" {
			bonuses++
			at, _ := time.Parse(time.RFC3339, rec[0])
			j, err := strconv.Atoi(strings.TrimSuffix(rec[2], ".00"))
			if n != exportRows || err != nil || j < 1 || j > exportBonuses || seenBonus[j] || rec[8] != "bonus "+strconv.Itoa(j) ||
				bonuses > 1 && at.After(lastBonus) {
				t.Fatalf("bonus %d, after %d commissions: %v", bonuses, n, rec)
			}
			seenBonus[j], lastBonus = true, at
			continue
		}
		n++
		at, err := time.Parse(time.RFC3339, rec[0])
		if err != nil || n > 1 && at.After(last) {
			t.Fatalf("line %d: %q after %s: not newest first", n+1, rec[0], last)
		}
		last = at
		cents, err := strconv.Atoi(strings.Replace(rec[2], ".", "", 1))
		if err != nil || cents < 1 || cents > exportRows || seen[cents] {
			t.Fatalf("line %d: amount %q unknown or seen before", n+1, rec[2])
		}
		seen[cents] = true
		if want := rec[2] + " RUB for a new customer, plan Referral v1"; rec[8] != want || rec[4] != "RUB" || rec[5] != "pending" {
			t.Fatalf("line %d: %v", n+1, rec)
		}
	}
	resp.Body.Close()
	close(done)
	<-sampled
	if n != exportRows || bonuses != exportBonuses {
		t.Errorf("%d commissions and %d bonuses exported, want %d and %d", n, bonuses, exportRows, exportBonuses)
	}
	growth := int64(peak.Load()) - int64(before.HeapAlloc)
	t.Logf("exported %d bytes; heap at most %.1f MB above where it started", counted.n, float64(growth)/(1<<20))
	// Held in memory, the rows take several times the file's size: the
	// export that gathered them peaked 180 MB above the start here, for a
	// file of 26 MB; streamed, the heap stays within a few megabytes.
	if limit := counted.n / 2; growth > limit {
		t.Errorf("the heap grew by %d bytes during an export of %d: more than half the file", growth, counted.n)
	}
}

// One export at a time per partner, and a few in all: another is answered
// 429 with a page saying why, and a client that goes away frees its slot.
func TestExportLimits(t *testing.T) {
	f := newFixture(t)
	seedExport(t, f)
	f.Site.MaxExports = 1
	base := exportServer(t, f)
	alpha := f.Browser(t)
	alpha.Login("alpha@x.test", pw)
	beta := f.Browser(t)
	beta.Login("beta@x.test", pw)

	// alpha's export starts, and its client reads nothing more than the
	// headers: the export waits on the socket.
	first := get(t, base, alpha, "/earnings.csv?period=30d")
	if first.StatusCode != 200 {
		t.Fatalf("first export: %d", first.StatusCode)
	}
	for _, tc := range []struct {
		name string
		b    *webtest.Browser
		want string
	}{
		{"the same partner again", alpha, "Ваша предыдущая выгрузка ещё готовится"},
		{"the same partner's customers", alpha, "Ваша предыдущая выгрузка ещё готовится"},
		{"another partner beyond the program's limit", beta, "Several exports are being prepared right now"},
	} {
		path, back := "/earnings.csv?period=30d", `href="/earnings?period=30d"`
		if strings.Contains(tc.name, "customers") {
			path, back = "/customers.csv?q=a-1", `href="/customers?q=a-1"`
		}
		resp := get(t, base, tc.b, path)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), tc.want) ||
			resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), back) {
			t.Errorf("%s: %d, want 429 saying %q with a way back:\n%s", tc.name, resp.StatusCode, tc.want, body)
		}
	}
	if got := f.Site.ExportsRunning(); got != 1 {
		t.Errorf("%d exports running, want 1", got)
	}

	// alpha's client goes away: the export stops and frees its slot.
	first.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for f.Site.ExportsRunning() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned export still holds its slot after 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp := get(t, base, beta, "/earnings.csv?period=30d")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "date,kind,amount,reversed,currency,status,available_from,purchase,explanation\n" {
		t.Errorf("beta's export after alpha's ended: %d\n%s", resp.StatusCode, body)
	}
	if got := f.Site.ExportsRunning(); got != 0 {
		t.Errorf("%d exports running after they ended, want 0", got)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
