package tracker

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
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

const testSecret = "0123456789abcdef0123456789abcdef"

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

type fixture struct {
	db    *storage.DB
	rdb   *storage.Redis
	srv   *Server
	app   *fiber.App
	seed  *storage.SeedResult
	clock atomic.Pointer[time.Time] // the server's clock; its link sync reads it while tests move it
}

func trackerSeed() storage.Seed {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return storage.Seed{
		Settings: &partnerka.Settings{
			Name: "Test", DefaultCurrency: "USD", DefaultLandingURL: "https://example.com/welcome",
			AllowedDomains: []string{"example.com"}, AttributionWindowDays: 90, AttributionModel: "last_click",
			HoldDays: 30, RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click",
		},
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha", Kind: "company", Status: "active"}, ContractStart: start,
				Links: []partnerka.Link{
					{Code: "alpha", Destination: "https://example.com/landing?ref=1#top", IsDefault: true},
					{Code: "alpha-blog", Destination: "https://shop.example.com/", SubID: "blog"},
					{Code: "off-link", Destination: "https://example.com/"},
					{Code: "evil-link", Destination: "https://evil.test/steal"},
				},
				PromoCodes: []string{"ALPHA10"}},
			{Partner: partnerka.Partner{Ref: "susp", Name: "Suspended", Kind: "person", Status: "suspended"}, ContractStart: start,
				Links: []partnerka.Link{{Code: "susp-link", Destination: "https://example.com/"}}},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta", Kind: "company", Status: "active"}, ContractStart: start,
				Links: []partnerka.Link{{Code: "beta-secret", Destination: "https://example.com/beta"}}},
		},
	}
}

func newFixture(t *testing.T, rdb *storage.Redis) *fixture {
	t.Helper()
	f := &fixture{db: storagetest.NewDB(t)}
	f.setClock(testNow)
	if rdb == nil {
		rdb = storagetest.NewRedis(t)
	}
	f.rdb = rdb
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var err error
	if f.seed, err = f.db.LoadSeed(ctx, trackerSeed()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.SetLinkDisabled(ctx, f.seed.Partners["alpha"], f.seed.Links["off-link"], true); err != nil {
		t.Fatal(err)
	}
	f.srv = &Server{DB: f.db, Redis: rdb, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: NewMetrics(prometheus.NewRegistry()), Secret: []byte(testSecret),
		RedirectTimeout: 300 * time.Millisecond, SyncInterval: 200 * time.Millisecond,
		Now: f.now}
	if err := f.srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	f.app = fiber.New(fiber.Config{BodyLimit: 32 << 20})
	f.srv.Mount(f.app)
	return f
}

func (f *fixture) now() time.Time       { return *f.clock.Load() }
func (f *fixture) setClock(t time.Time) { f.clock.Store(&t) }

func (f *fixture) do(t *testing.T, method, target string, header map[string]string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := f.app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// stream returns every click in the stream, in order.
func (f *fixture) stream(t *testing.T) []storage.StreamClick {
	t.Helper()
	msgs, err := f.rdb.XRange(context.Background(), f.rdb.Key(storage.ClickStream), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []storage.StreamClick
	for _, m := range msgs {
		clicks, err := storage.DecodeClickBatch(m.Values)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, clicks...)
	}
	return out
}

const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"

func TestRedirect(t *testing.T) {
	f := newFixture(t, nil)
	alpha := f.seed.Partners["alpha"]
	for _, tc := range []struct {
		name, method, target string
		header               map[string]string
		wantLocation         string // prefix; pk_click is checked separately
		wantClickParam       bool
		wantCookie           bool
		wantReason           string
		wantFlags            int // -1 = nothing recorded
		wantSub              string
	}{
		{name: "known code", target: "/r/alpha",
			wantLocation: "https://example.com/landing?ref=1&pk_click=", wantClickParam: true, wantCookie: true, wantFlags: 0},
		{name: "code with sub id", target: "/r/alpha/spring",
			wantLocation: "https://example.com/landing?ref=1&pk_click=", wantClickParam: true, wantCookie: true, wantFlags: 0, wantSub: "spring"},
		{name: "link's own sub id", target: "/r/alpha-blog",
			wantLocation: "https://shop.example.com/?pk_click=", wantClickParam: true, wantCookie: true, wantFlags: 0, wantSub: "blog"},
		{name: "query passes through, visitor's click id dropped", target: "/r/alpha?utm_source=tg&pk_click=FORGED&x=1",
			wantLocation: "https://example.com/landing?ref=1&utm_source=tg&x=1&pk_click=", wantClickParam: true, wantCookie: true, wantFlags: 0},
		// Issue 17, F9: a percent-encoded name reached the landing page before the real one.
		{name: "visitor's click id dropped when its name is percent-encoded", target: "/r/alpha?pk%5Fclick=FORGED&utm_term=%D0%BF%D1%80%D0%B8",
			wantLocation: "https://example.com/landing?ref=1&utm_term=%D0%BF%D1%80%D0%B8&pk_click=", wantClickParam: true, wantCookie: true, wantFlags: 0},
		{name: "visitor's click id dropped when its name is encoded otherwise", target: "/r/alpha?%70k_click=FORGED&a+b=1",
			wantLocation: "https://example.com/landing?ref=1&a+b=1&pk_click=", wantClickParam: true, wantCookie: true, wantFlags: 0},
		{name: "unknown code", target: "/r/nosuchcode?utm_source=tg",
			wantLocation: "https://example.com/welcome?utm_source=tg", wantReason: OutcomeUnknownCode, wantFlags: -1},
		{name: "malformed code", target: "/r/a",
			wantLocation: "https://example.com/welcome", wantReason: OutcomeUnknownCode, wantFlags: -1},
		{name: "disabled link", target: "/r/off-link",
			wantLocation: "https://example.com/welcome", wantReason: OutcomeDisabled, wantFlags: -1},
		{name: "suspended partner", target: "/r/susp-link",
			wantLocation: "https://example.com/welcome", wantReason: OutcomeDisabled, wantFlags: -1},
		{name: "destination not in allowed domains", target: "/r/evil-link",
			wantLocation: "https://example.com/welcome", wantReason: OutcomeNotAllowed, wantFlags: -1},
		{name: "bot", target: "/r/alpha", header: map[string]string{"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
			wantLocation: "https://example.com/landing?ref=1", wantReason: OutcomeBot, wantFlags: 1},
		{name: "no user agent is a bot", target: "/r/alpha", header: map[string]string{"User-Agent": ""},
			wantLocation: "https://example.com/landing?ref=1", wantReason: OutcomeBot, wantFlags: 1},
		{name: "prefetch", target: "/r/alpha", header: map[string]string{"Sec-Purpose": "prefetch;prerender"},
			wantLocation: "https://example.com/landing?ref=1", wantReason: OutcomePrefetch, wantFlags: 2},
		{name: "HEAD", method: http.MethodHead, target: "/r/alpha",
			wantLocation: "https://example.com/landing?ref=1", wantReason: OutcomeHead, wantFlags: 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(f.stream(t))
			h := map[string]string{"User-Agent": browserUA, "Referer": "https://blog.example.org/post"}
			for k, v := range tc.header {
				h[k] = v
			}
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			resp := f.do(t, method, tc.target, h)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			loc := resp.Header.Get("Location")
			if !strings.HasPrefix(loc, tc.wantLocation) {
				t.Errorf("Location %q, want prefix %q", loc, tc.wantLocation)
			}
			u, _ := url.Parse(loc)
			id := u.Query().Get("pk_click")
			if (id != "") != tc.wantClickParam {
				t.Errorf("pk_click %q, want present=%v", id, tc.wantClickParam)
			}
			if strings.HasPrefix(tc.wantLocation, "https://example.com/landing") && !strings.HasSuffix(loc, "#top") {
				t.Errorf("Location %q lost the fragment", loc)
			}
			cookie := resp.Header.Get("Set-Cookie")
			if (cookie != "") != tc.wantCookie {
				t.Errorf("Set-Cookie %q, want present=%v", cookie, tc.wantCookie)
			}
			if tc.wantCookie {
				for _, attr := range []string{"pk_ref=", "Max-Age=7776000", "HttpOnly", "SameSite=Lax", "Path=/"} {
					if !strings.Contains(cookie, attr) {
						t.Errorf("cookie %q lacks %s", cookie, attr)
					}
				}
			}
			if got := resp.Header.Get(HeaderReason); got != tc.wantReason {
				t.Errorf("%s %q, want %q", HeaderReason, got, tc.wantReason)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Error("redirect is cacheable")
			}
			msgs := f.stream(t)
			if tc.wantFlags < 0 {
				if len(msgs) != before {
					t.Errorf("%d clicks recorded, want none", len(msgs)-before)
				}
				return
			}
			if len(msgs) != before+1 {
				t.Fatalf("%d clicks recorded, want 1", len(msgs)-before)
			}
			c := msgs[len(msgs)-1]
			if c.Flags != tc.wantFlags || c.PartnerID != alpha || c.SubID != tc.wantSub || c.UserAgent != h["User-Agent"] ||
				c.Referer != "https://blog.example.org/post" || !c.At.Equal(f.now()) || c.IP == "" ||
				!strings.HasPrefix(c.Landing, "https://example.com/") && !strings.HasPrefix(c.Landing, "https://shop.example.com/") {
				t.Errorf("stream entry %+v", c)
			}
			if id != "" && c.ID != id {
				t.Errorf("stream id %v, pk_click %s", c.ID, id)
			}
		})
	}
	if got := testutil.ToFloat64(f.srv.Metrics.Clicks.WithLabelValues(OutcomeRecorded)); got != 6 {
		t.Errorf("recorded clicks metric %v, want 6", got)
	}
	if got := testutil.ToFloat64(f.srv.Metrics.Clicks.WithLabelValues(OutcomeUnknownCode)); got != 2 {
		t.Errorf("unknown code metric %v, want 2", got)
	}
}

// A click records the visitor's address: the socket's, or, behind a
// trusted proxy, the one the proxy forwarded; anyone else's
// X-Forwarded-For is ignored.
func TestClickAddressBehindProxy(t *testing.T) {
	f := newFixture(t, nil)
	xff := map[string]string{"User-Agent": browserUA, "X-Forwarded-For": "1.1.1.1, 203.0.113.7"}
	f.do(t, "GET", "/r/alpha", xff).Body.Close()
	socket := f.stream(t)[0].IP
	if socket == "" || socket == "203.0.113.7" || socket == "1.1.1.1" {
		t.Fatalf("no proxy trusted: recorded %q, want the socket's address", socket)
	}
	var err error
	if f.srv.Proxies, err = partnerka.ParseTrustedProxies(socket); err != nil {
		t.Fatal(err)
	}
	f.do(t, "GET", "/r/alpha", xff).Body.Close()
	if got := f.stream(t)[1].IP; got != "203.0.113.7" {
		t.Errorf("behind a trusted proxy: recorded %q, want 203.0.113.7 (the address the proxy saw)", got)
	}
}

func TestCookieChain(t *testing.T) {
	f := newFixture(t, nil)
	first := f.do(t, "GET", "/r/alpha", map[string]string{"User-Agent": browserUA})
	cookie := strings.SplitN(first.Header.Get("Set-Cookie"), ";", 2)[0]
	firstID, _ := url.Parse(first.Header.Get("Location"))
	for _, tc := range []struct {
		name, cookie, wantPrev string
		advance                time.Duration
	}{
		{"valid cookie names the earlier click", cookie, firstID.Query().Get("pk_click"), time.Hour},
		{"tampered cookie is ignored", cookie[:len(cookie)-3] + "AAA", "", time.Hour},
		{"expired cookie is ignored", cookie, "", 91 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.setClock(f.now().Add(tc.advance))
			f.do(t, "GET", "/r/alpha", map[string]string{"User-Agent": browserUA, "Cookie": tc.cookie})
			msgs := f.stream(t)
			if got := msgs[len(msgs)-1].PrevClick; got != tc.wantPrev {
				t.Errorf("prev %q, want %q", got, tc.wantPrev)
			}
		})
	}
}

func TestRedisUnavailable(t *testing.T) {
	dead, err := storage.OpenRedis(context.Background(), storagetest.RedisURL(t), "dead:")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, dead)
	dead.Close() // every write now fails at once, like a Redis that went away
	for i := 0; i < 3; i++ {
		start := time.Now()
		resp := f.do(t, "GET", "/r/alpha", map[string]string{"User-Agent": browserUA})
		took := time.Since(start)
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "https://example.com/landing") {
			t.Fatalf("status %d Location %q: visitor not redirected", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp.Header.Get(HeaderReason) != "click_not_recorded" || resp.Header.Get("Set-Cookie") != "" ||
			strings.Contains(resp.Header.Get("Location"), "pk_click") {
			t.Errorf("unrecorded click still attributes: %v", resp.Header)
		}
		if took > time.Second {
			t.Errorf("redirect took %s with Redis down, want within the %s timeout", took, f.srv.RedirectTimeout)
		}
	}
	if got := testutil.ToFloat64(f.srv.Metrics.Clicks.WithLabelValues(OutcomeNotRecorded)); got != 3 {
		t.Errorf("not_recorded metric %v, want 3", got)
	}
	if testutil.ToFloat64(f.srv.Metrics.StreamErrors) < 1 {
		t.Error("stream errors not counted")
	}
}

// silentRedis is a Redis client of a server that accepts connections but
// never answers.
func silentRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln := httptest.NewUnstartedServer(nil).Listener
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	return redis.NewClient(&redis.Options{Addr: ln.Addr().String(), MaxRetries: -1})
}

func TestRedisTimeout(t *testing.T) {
	// A Redis that accepts connections but never answers: the redirect waits
	// at most the timeout.
	f := newFixture(t, nil)
	f.srv.writer.rdb = silentRedis(t)
	start := time.Now()
	resp := f.do(t, "GET", "/r/alpha", map[string]string{"User-Agent": browserUA})
	if took := time.Since(start); took > f.srv.RedirectTimeout+300*time.Millisecond {
		t.Errorf("redirect took %s, timeout is %s", took, f.srv.RedirectTimeout)
	}
	if resp.StatusCode != http.StatusFound || resp.Header.Get(HeaderReason) != "click_not_recorded" {
		t.Errorf("status %d reason %q", resp.StatusCode, resp.Header.Get(HeaderReason))
	}
}

func TestLinkChangesReachTheTracker(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	alpha := f.seed.Partners["alpha"]
	waitFor := func(target, wantPrefix string, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			loc := f.do(t, "GET", target, map[string]string{"User-Agent": browserUA}).Header.Get("Location")
			if strings.HasPrefix(loc, wantPrefix) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still redirects to %q after %s, want %q", target, loc, within, wantPrefix)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	l := &partnerka.Link{PartnerID: alpha, Code: "fresh-link", Destination: "https://example.com/fresh"}
	if err := f.db.CreateLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := f.rdb.PublishLinkChange(ctx, l.Code); err != nil {
		t.Fatal(err)
	}
	waitFor("/r/fresh-link", "https://example.com/fresh", time.Second)

	code, err := f.db.SetLinkDisabled(ctx, alpha, l.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	f.rdb.PublishLinkChange(ctx, code)
	waitFor("/r/fresh-link", "https://example.com/welcome", time.Second)

	// Without a message, the periodic sync still finds the change.
	if _, err := f.db.SetLinkDisabled(ctx, alpha, l.ID, false); err != nil {
		t.Fatal(err)
	}
	waitFor("/r/fresh-link", "https://example.com/fresh", 2*time.Second)
}

func TestPkJS(t *testing.T) {
	f := newFixture(t, nil)
	resp := f.do(t, "GET", "/pk.js", nil)
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") ||
		!strings.Contains(string(b), `name = "pk_click"`) || !strings.Contains(string(b), "maxAge = 7776000") {
		t.Errorf("pk.js: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
}

// Concurrent clicks share stream writes, and every answered click is there.
func TestGroupCommit(t *testing.T) {
	f := newFixture(t, nil)
	const n = 200
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := f.do(t, "GET", "/r/alpha", map[string]string{"User-Agent": browserUA})
			u, _ := url.Parse(resp.Header.Get("Location"))
			ids <- u.Query().Get("pk_click")
		}()
	}
	wg.Wait()
	close(ids)
	inStream := map[string]bool{}
	for _, c := range f.stream(t) {
		inStream[c.ID] = true
	}
	for id := range ids {
		if id == "" || !inStream[id] {
			t.Errorf("answered click %q is not in the stream", id)
		}
	}
	entries, _ := f.rdb.XLen(context.Background(), f.rdb.Key(storage.ClickStream)).Result()
	if len(inStream) != n || entries >= n {
		t.Errorf("%d clicks in %d stream entries, want %d clicks in fewer entries", len(inStream), entries, n)
	}
}
