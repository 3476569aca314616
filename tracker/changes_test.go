package tracker

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"partnerka/storage"
)

// secondTracker starts another tracker on the fixture's database and
// Redis, syncing every sync and reloading everything every reload, as a
// second machine behind the load balancer would.
func (f *fixture) secondTracker(t *testing.T, sync, reload time.Duration) *fiber.App {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := &Server{DB: f.db, Redis: f.rdb, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: NewMetrics(prometheus.NewRegistry()), Secret: []byte(testSecret),
		RedirectTimeout: 300 * time.Millisecond, SyncInterval: sync, FullReloadInterval: reload, Now: f.now}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	srv.Mount(app)
	return app
}

// within polls check on every app until it holds on all of them, failing
// the test after d.
func within(t *testing.T, d time.Duration, what string, apps []*fiber.App, check func(app *fiber.App) (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	for i, app := range apps {
		for {
			ok, got := check(app)
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: tracker %d still says %s after %s", what, i+1, got, d)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func redirectsTo(t *testing.T, target, prefix string) func(*fiber.App) (bool, string) {
	return func(app *fiber.App) (bool, string) {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("User-Agent", browserUA)
		resp, err := app.Test(req, 5000)
		if err != nil {
			t.Fatal(err)
		}
		loc := resp.Header.Get("Location")
		return strings.HasPrefix(loc, prefix), loc
	}
}

func promoSays(t *testing.T, code string, wantStatus int, wantValid bool) func(*fiber.App) (bool, string) {
	return func(app *fiber.App) (bool, string) {
		req := httptest.NewRequest("GET", "/api/v1/promo-codes/"+code, nil)
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := app.Test(req, 5000)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		var out struct {
			Valid bool `json:"valid"`
		}
		json.Unmarshal(b, &out)
		return resp.StatusCode == wantStatus && out.Valid == wantValid, string(b)
	}
}

// TestChangesReachEveryTrackerWithinASecond: a disabled link, a suspended
// or reactivated partner, a new and a disabled promo code take effect on
// every tracker within one second, carried by the change messages alone
// (the trackers' sweeps and reloads are set to an hour here).
func TestChangesReachEveryTrackerWithinASecond(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	ctx := context.Background()
	apps := []*fiber.App{f.secondTracker(t, time.Hour, time.Hour), f.secondTracker(t, time.Hour, time.Hour)}
	alpha := f.seed.Partners["alpha"]
	const landing = "https://example.com/welcome"
	within(t, time.Second, "the link before any change", apps, redirectsTo(t, "/r/alpha-blog", "https://shop.example.com/"))

	// A link disabled (as the cabinet and the back office do it).
	if _, err := f.db.SetLinkDisabled(ctx, alpha, f.seed.Links["alpha-blog"], true); err != nil {
		t.Fatal(err)
	}
	if err := f.rdb.Announce(ctx, storage.LinkChanged("alpha-blog")); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "a disabled link", apps, redirectsTo(t, "/r/alpha-blog", landing))

	// A partner suspended: every link of theirs stops attributing.
	if err := f.db.SuspendPartner(ctx, alpha, true, "broke the rules", storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := f.rdb.Announce(ctx, storage.PartnerChanged(alpha)); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "a suspended partner's link", apps, redirectsTo(t, "/r/alpha", landing))
	within(t, time.Second, "a suspended partner's promo code", apps, promoSays(t, "ALPHA10", 200, false))

	// And reactivated.
	if err := f.db.SuspendPartner(ctx, alpha, false, "", storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	if err := f.rdb.Announce(ctx, storage.PartnerChanged(alpha)); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "a reactivated partner's link", apps, redirectsTo(t, "/r/alpha", "https://example.com/landing"))
	within(t, time.Second, "a reactivated partner's promo code", apps, promoSays(t, "alpha10", 200, true))

	// A promo code created through the API of the first tracker is known
	// to the others within a second; so is its disabling.
	if status, out := f.api(t, "POST", "/api/v1/promo-codes", "application/json", `{"partner_ref":"alpha","code":"WINTER26","discount":"two weeks free"}`); status != 201 {
		t.Fatalf("create: %d %v", status, out)
	}
	within(t, time.Second, "a new promo code", apps, promoSays(t, "winter26", 200, true))
	if status, out := f.api(t, "DELETE", "/api/v1/promo-codes/WINTER26", "", ""); status != 200 || out["status"] != "disabled" {
		t.Fatalf("disable: %d %v", status, out)
	}
	within(t, time.Second, "a disabled promo code", apps, promoSays(t, "WINTER26", 200, false))
}

// TestFullReloadIsTheSafetyNet: a change that no message announced and
// that the sweep cannot see (its row dated by a writer whose clock is an
// hour behind) is picked up by the full reload.
func TestFullReloadIsTheSafetyNet(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	// The tracker's clock is past every row the seed dated (by the real
	// clock), so the sweep sees only what changes from here on.
	now := time.Now().Add(24 * time.Hour)
	f.setClock(now)
	app := f.secondTracker(t, 100*time.Millisecond, 700*time.Millisecond)
	behind := now.Add(-time.Hour)
	f.db.Now = func() time.Time { return behind }
	if _, err := f.db.SetLinkDisabled(ctx, f.seed.Partners["alpha"], f.seed.Links["alpha-blog"], true); err != nil {
		t.Fatal(err)
	}
	// The sweep alone would never see it: a second of sweeps changes nothing.
	time.Sleep(300 * time.Millisecond)
	if ok, _ := redirectsTo(t, "/r/alpha-blog", "https://shop.example.com/")(app); !ok {
		_, got := redirectsTo(t, "/r/alpha-blog", "")(app)
		t.Fatalf("the sweep saw a change dated an hour ago (%s): this test no longer tests the reload", got)
	}
	within(t, 2*time.Second, "a change only the full reload sees", []*fiber.App{app}, redirectsTo(t, "/r/alpha-blog", "https://example.com/welcome"))
}

// TestPromoCodeAPI covers POST, GET and DELETE /api/v1/promo-codes.
func TestPromoCodeAPI(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	ctx := context.Background()
	body := `{"partner_ref":"alpha","code":"Spring-26","label":"newsletter","discount":"20% off the first year","valid_from":"2026-11-01T00:00:00Z","valid_until":"2026-12-01T00:00:00Z","max_uses":100}`
	status, out := f.api(t, "POST", "/api/v1/promo-codes", "application/json", body)
	if status != 201 || out["code"] != "Spring-26" || out["status"] != "active" || out["max_uses"] != float64(100) || out["partner_ref"] != "alpha" {
		t.Fatalf("create: %d %v", status, out)
	}
	// A retry of the same request is the same code, 200.
	if status, again := f.api(t, "POST", "/api/v1/promo-codes", "application/json", body); status != 200 || again["id"] != out["id"] {
		t.Errorf("retry: %d %v", status, again)
	}
	for _, tc := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"the code in another case for another partner", `{"partner_ref":"beta","code":"SPRING-26"}`, 409, "conflict", "code"},
		{"the same code on other terms", `{"partner_ref":"alpha","code":"Spring-26","discount":"30%"}`, 409, "conflict", "code"},
		{"an unknown partner", `{"partner_ref":"nobody","code":"X1"}`, 422, "unprocessable", "partner_ref"},
		{"a suspended partner", `{"partner_ref":"susp","code":"SUSP1"}`, 409, "conflict", ""},
		{"a bad code", `{"partner_ref":"alpha","code":"no spaces"}`, 400, "invalid", "code"},
		{"a period ending before it starts", `{"partner_ref":"alpha","code":"P1","valid_from":"2026-12-01T00:00:00Z","valid_until":"2026-11-01T00:00:00Z"}`, 400, "invalid", "valid_until"},
		{"a zero cap", `{"partner_ref":"alpha","code":"P2","max_uses":0}`, 400, "invalid", "max_uses"},
		{"a bad time", `{"partner_ref":"alpha","code":"P3","valid_from":"tomorrow"}`, 400, "invalid", "valid_from"},
		{"a code and a prefix", `{"partner_ref":"alpha","code":"P4","prefix":"AL-"}`, 400, "invalid", "prefix"},
		{"a control character in the discount", "{\"partner_ref\":\"alpha\",\"code\":\"P5\",\"discount\":\"a\\u0007b\"}", 400, "invalid", "discount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := f.api(t, "POST", "/api/v1/promo-codes", "application/json", tc.body)
			code, field := errField(out)
			if status != tc.status || code != tc.code || field != tc.field {
				t.Errorf("%d %s %s, want %d %s %s: %v", status, code, field, tc.status, tc.code, tc.field, out)
			}
		})
	}
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM promo_codes`); err != nil || n != 2 {
		t.Errorf("%d codes stored (%v), want ALPHA10 and Spring-26: a refused request wrote something", n, err)
	}

	// A generated code carries the prefix.
	status, gen := f.api(t, "POST", "/api/v1/promo-codes", "application/json", `{"partner_ref":"alpha","prefix":"AL-"}`)
	if code, _ := gen["code"].(string); status != 201 || !strings.HasPrefix(code, "AL-") || len(code) != 9 {
		t.Errorf("generated: %d %v", status, gen)
	}

	// The checkout's check, at the tracker's clock (testNow is inside the period).
	if status, chk := f.api(t, "GET", "/api/v1/promo-codes/spring-26", "", ""); status != 200 || chk["valid"] != true || chk["discount"] != "20% off the first year" {
		t.Errorf("check: %d %v", status, chk)
	}
	f.setClock(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if status, chk := f.api(t, "GET", "/api/v1/promo-codes/Spring-26", "", ""); status != 200 || chk["valid"] != false || chk["reason"] != "expired" {
		t.Errorf("check after the period: %d %v", status, chk)
	}
	if status, _ := f.api(t, "GET", "/api/v1/promo-codes/NOPE", "", ""); status != 404 {
		t.Errorf("an unknown code: %d", status)
	}

	// The list, by partner, a page at a time.
	status, list := f.api(t, "GET", "/api/v1/promo-codes?partner_ref=alpha&limit=2", "", "")
	codes, _ := list["promo_codes"].([]any)
	if status != 200 || len(codes) != 2 || list["next_before"] == nil {
		t.Fatalf("list: %d %v", status, list)
	}
	status, rest := f.api(t, "GET", "/api/v1/promo-codes?partner_ref=alpha&limit=2&before="+jsonNumber(list["next_before"]), "", "")
	if more, _ := rest["promo_codes"].([]any); status != 200 || len(more) != 1 || rest["next_before"] != nil {
		t.Errorf("second page: %d %v", status, rest)
	}
	if status, bad := f.api(t, "GET", "/api/v1/promo-codes?status=gone", "", ""); status != 400 {
		t.Errorf("a bad status: %d %v", status, bad)
	}

	// DELETE disables, with the reason; a second DELETE answers the same.
	status, del := f.api(t, "DELETE", "/api/v1/promo-codes/SPRING-26?reason=leaked", "", "")
	if status != 200 || del["status"] != "disabled" || del["reason"] != "leaked" {
		t.Errorf("delete: %d %v", status, del)
	}
	if status, again := f.api(t, "DELETE", "/api/v1/promo-codes/SPRING-26", "", ""); status != 200 || again["status"] != "disabled" {
		t.Errorf("delete again: %d %v", status, again)
	}
	var actor string
	if err := f.db.Get(&actor, `SELECT actor FROM audit_log WHERE action = 'promo_code.disable'`); err != nil || !strings.HasPrefix(actor, "api_key:") {
		t.Errorf("the disable is audited as %q (%v), want the API key", actor, err)
	}
	if pc, err := f.db.PromoCodeByCode(ctx, "spring-26"); err != nil || pc.DisabledAt == nil {
		t.Errorf("stored: %+v %v", pc, err)
	}
	if status, _ := f.api(t, "DELETE", "/api/v1/promo-codes/NOPE", "", ""); status != 404 {
		t.Errorf("delete an unknown code: %d", status)
	}
}

func jsonNumber(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// A settings change (the cookie domain set in the back office) reaches the
// trackers at the reload message: the next cookie carries the domain.
func TestCookieDomainReachesTheTracker(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	app := f.secondTracker(t, time.Hour, time.Hour)
	st, err := f.db.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.CookieDomain = "example.com"
	if err := f.db.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := f.rdb.Announce(ctx, storage.ReloadAll); err != nil {
		t.Fatal(err)
	}
	within(t, time.Second, "the cookie domain", []*fiber.App{app}, func(app *fiber.App) (bool, string) {
		req := httptest.NewRequest("GET", "/r/alpha", nil)
		req.Header.Set("User-Agent", browserUA)
		resp, err := app.Test(req, 5000)
		if err != nil {
			t.Fatal(err)
		}
		c := resp.Header.Get("Set-Cookie")
		return strings.HasSuffix(c, "; Domain=example.com") && strings.Contains(c, "HttpOnly; SameSite=Lax"), c
	})
}
