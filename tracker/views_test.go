package tracker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"partnerka"
)

// views returns the stored views, click id (26 characters) to seen_at.
func (f *fixture) views(t *testing.T) map[string]time.Time {
	t.Helper()
	var rows []struct {
		ID     string    `db:"click_id"`
		SeenAt time.Time `db:"seen_at"`
	}
	if err := f.db.Select(&rows, `SELECT click_id::text, seen_at FROM click_views`); err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, r := range rows {
		id, err := partnerka.ParseClickUUID(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		out[id.String()] = r.SeenAt.UTC()
	}
	return out
}

// viewCount returns partnerka_click_views_total{outcome}.
func (f *fixture) viewCount(outcome string) int {
	return int(testutil.ToFloat64(f.srv.ViewMetrics.Views.WithLabelValues(outcome)))
}

// waitViews waits until n views have been written (stored or failed).
func (f *fixture) waitViews(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for f.viewCount(ViewStored)+f.viewCount(ViewWriteFailed) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d views written after 5 s, want %d", f.viewCount(ViewStored)+f.viewCount(ViewWriteFailed), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The script confirms a view with a beacon (an image where there is
// none), next to where it was loaded from, only on a visible page that is
// not in a frame, and only for a click id it stores.
func TestPkJSConfirmsVisibleView(t *testing.T) {
	f := newFixture(t, nil)
	resp := f.do(t, "GET", "/pk.js", nil)
	b, _ := io.ReadAll(resp.Body)
	js := string(b)
	for _, want := range []string{
		`document.currentScript.src`,
		`"pk/seen?c=" + id`,
		`navigator.sendBeacon(url)`,
		`new Image().src = url`,
		`document.visibilityState === "visible"`,
		`!document.prerendering`,
		`addEventListener("visibilitychange", send)`,
		`addEventListener("prerenderingchange", send)`,
		`window.top !== window.self`,
		`seen(id);`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("pk.js lacks %s:\n%s", want, js)
		}
	}
	if i, j := strings.Index(js, "document.cookie = name"), strings.Index(js, "seen(id);"); i < 0 || j < i {
		t.Errorf("pk.js confirms the view before it stores the cookie:\n%s", js)
	}
}

// GET and POST /pk/seen answer 204 at once and store the view once, at
// the tracker's clock when it arrived; a repeat adds nothing.
func TestSeenStoresOneView(t *testing.T) {
	f := newFixture(t, nil)
	written := 0
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			id := partnerka.NewClickID(f.now()).String()
			first := f.now()
			for i, target := range []string{"/pk/seen?c=" + id, "/pk/seen?c=" + strings.ToLower(id)} {
				resp := f.do(t, method, target, nil)
				if resp.StatusCode != 204 || resp.Header.Get("Cache-Control") != "no-store" ||
					resp.Header.Get("Access-Control-Allow-Origin") != "*" {
					t.Fatalf("%s %s: %d, Cache-Control %q, Access-Control-Allow-Origin %q", method, target, resp.StatusCode,
						resp.Header.Get("Cache-Control"), resp.Header.Get("Access-Control-Allow-Origin"))
				}
				written++
				f.waitViews(t, written)
				if got := f.views(t); !got[id].Equal(first) {
					t.Errorf("after view %d: seen at %v, want %v (%v)", i+1, got[id], first, got)
				}
				f.setClock(f.now().Add(time.Minute)) // a repeat keeps the first view's time
			}
		})
	}
	if got := f.views(t); len(got) != 2 {
		t.Errorf("%d views stored, want 2: %v", len(got), got)
	}
	if n := f.viewCount(ViewWriteFailed); n != 0 {
		t.Errorf("%d views failed", n)
	}
}

// A request that does not carry a click id is answered the same way,
// counted, and stores nothing.
func TestSeenBadIDStoresNothing(t *testing.T) {
	f := newFixture(t, nil)
	valid := partnerka.NewClickID(f.now()).String()
	bad := []struct{ name, target string }{
		{"no parameter", "/pk/seen"},
		{"empty", "/pk/seen?c="},
		{"short", "/pk/seen?c=" + valid[:25]},
		{"long", "/pk/seen?c=" + valid + "0"},
		{"not base32", "/pk/seen?c=U" + valid[1:]},
		{"over 128 bits", "/pk/seen?c=8" + valid[1:]},
		{"another parameter", "/pk/seen?id=" + valid},
	}
	for i, c := range bad {
		for _, method := range []string{"GET", "POST"} {
			resp := f.do(t, method, c.target, nil)
			if resp.StatusCode != 204 || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: %s %s: %d, Cache-Control %q", c.name, method, c.target, resp.StatusCode, resp.Header.Get("Cache-Control"))
			}
		}
		if got, want := f.viewCount(ViewInvalid), 2*(i+1); got != want {
			t.Errorf("%s: %d invalid views counted, want %d", c.name, got, want)
		}
	}
	// A valid view after them is written alone.
	f.do(t, "GET", "/pk/seen?c="+valid, nil)
	f.waitViews(t, 1)
	if got := f.views(t); len(got) != 1 || got[valid].IsZero() {
		t.Errorf("views stored: %v, want only %s", got, valid)
	}
	if n := f.viewCount(ViewStored); n != 1 {
		t.Errorf("%d views stored, want 1", n)
	}
}

// A full buffer drops the view and counts it, and the request is answered
// without waiting.
func TestSeenFullBufferDropsWithoutBlocking(t *testing.T) {
	f := newFixture(t, nil)
	m := NewViewMetrics(prometheus.NewRegistry())
	w := NewViewWriter(f.db.InsertClickViews, 2, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.Interval = time.Hour // only the shutdown writes
	now := f.now()
	ids := []partnerka.ClickID{partnerka.NewClickID(now), partnerka.NewClickID(now), partnerka.NewClickID(now)}
	added := make(chan []bool, 1)
	go func() {
		var ok []bool
		for _, id := range ids {
			ok = append(ok, w.Add(id, now))
		}
		added <- ok
	}()
	select {
	case ok := <-added:
		if fmt.Sprint(ok) != "[true true false]" {
			t.Errorf("Add into a buffer of 2: %v, want [true true false]", ok)
		}
	case <-time.After(time.Second):
		t.Fatal("Add blocked on a full buffer")
	}
	if n := testutil.ToFloat64(m.Views.WithLabelValues(ViewOverload)); n != 1 {
		t.Errorf("%v views counted as overload, want 1", n)
	}

	// The shutdown writes what the buffer holds.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w.Run(ctx)
	<-w.Done()
	got := f.views(t)
	if len(got) != 2 || got[ids[0].String()].IsZero() || got[ids[1].String()].IsZero() {
		t.Errorf("after shutdown: %v, want %s and %s", got, ids[0], ids[1])
	}

	// Through the server: a writer that takes nothing (a buffer of none,
	// never run) still lets every request through at once.
	f.srv.views = NewViewWriter(f.db.InsertClickViews, 0, f.srv.ViewMetrics, f.srv.Logger)
	start := time.Now()
	for range 20 {
		if resp := f.do(t, "POST", "/pk/seen?c="+partnerka.NewClickID(now).String(), nil); resp.StatusCode != 204 {
			t.Fatalf("POST /pk/seen with a full buffer: %d", resp.StatusCode)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("20 views with a full buffer took %v", d)
	}
	if n := f.viewCount(ViewOverload); n != 20 {
		t.Errorf("%d views counted as overload, want 20", n)
	}
}

// A batch PostgreSQL refuses is dropped and counted; the writer goes on.
func TestViewWriterFailureDropsTheBatch(t *testing.T) {
	m := NewViewMetrics(prometheus.NewRegistry())
	fail := true
	var stored []partnerka.ClickID
	w := NewViewWriter(func(_ context.Context, ids []partnerka.ClickID, _ []time.Time) error {
		if fail {
			return errors.New("database unavailable")
		}
		stored = append(stored, ids...)
		return nil
	}, 10, m, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.Interval = time.Hour
	w.MaxBatch = 3 // a full batch is written at once
	ctx, cancel := context.WithCancel(context.Background())
	go w.Run(ctx)
	count := func(o string) int { return int(testutil.ToFloat64(m.Views.WithLabelValues(o))) }
	wait := func(o string, n int) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for count(o) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d after 5 s, want %d", o, count(o), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	at := testNow
	for range 3 {
		w.Add(partnerka.NewClickID(at), at)
	}
	wait(ViewWriteFailed, 3)
	fail = false // read by the writer only after the next Add
	id := partnerka.NewClickID(at)
	w.Add(id, at)
	cancel()
	<-w.Done()
	if count(ViewStored) != 1 || len(stored) != 1 || stored[0] != id {
		t.Errorf("after the failure: stored %v (counted %d), want %s", stored, count(ViewStored), id)
	}
	if count(ViewWriteFailed) != 3 {
		t.Errorf("%d views failed, want 3", count(ViewWriteFailed))
	}
}

// In Chromium, pk.js on a landing page (on another origin than the
// tracker's) confirms the view of a visible page, and not of the same
// page loaded in a hidden frame.
func TestPkJSViewInBrowser(t *testing.T) {
	browser := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is not installed; make test installs it")
		}
		t.Skip("Chromium is not installed: run `make test`, which installs it")
	}
	f := newFixture(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	f.srv.Mount(app)
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	trackerURL := "http://" + ln.Addr().String()
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/landing":
			fmt.Fprintf(w, `<!doctype html><title>Landing</title><p>Welcome</p><script src="%s/pk.js"></script>`, trackerURL)
		case "/framed": // what a cookie stuffer's page does with a landing page
			fmt.Fprintf(w, `<!doctype html><title>Other</title><iframe style="display:none" src="/landing?%s"></iframe>`, r.URL.RawQuery)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	actx, acancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatal(err)
	}
	eval := func(js string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 20*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	navigate := func(u string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 20*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, chromedp.Navigate(u)); err != nil {
			t.Fatalf("navigate to %s: %v", u, err)
		}
	}
	framed, seen := partnerka.NewClickID(f.now()).String(), partnerka.NewClickID(f.now()).String()

	// The hidden frame runs pk.js (it stores the id) but confirms nothing.
	navigate(site.URL + "/framed?pk_click=" + framed)
	deadline := time.Now().Add(10 * time.Second)
	for eval(`(function(){ try { var d = document.querySelector("iframe").contentWindow;
		return d.partnerka ? String(d.partnerka.clickId()) : ""; } catch (e) { return ""; } })()`) != framed {
		if time.Now().After(deadline) {
			t.Fatal("pk.js did not store the click id in the frame")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// The visible page confirms its view.
	navigate(site.URL + "/landing?pk_click=" + seen)
	if got := eval(`document.visibilityState + " " + String(window.partnerka && window.partnerka.clickId())`); got != "visible "+seen {
		t.Fatalf("landing page: %q, want %q", got, "visible "+seen)
	}
	f.waitViews(t, 1)
	time.Sleep(2 * f.srv.views.Interval) // time for a beacon sent later to be written too
	got := f.views(t)
	if got[seen].IsZero() || !got[framed].IsZero() || len(got) != 1 || f.viewCount(ViewStored) != 1 {
		t.Errorf("views: %v (%d written), want only %s (the framed %s is not one)", got, f.viewCount(ViewStored), seen, framed)
	}
}
