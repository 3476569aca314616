package cabinet

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

const pw = "correct horse battery"

type fixture struct {
	db   *storage.DB
	srv  *Server
	app  *fiber.App
	seed *storage.SeedResult
	mail *recordingMailer
}

// recordingMailer keeps what would have been sent.
type recordingMailer struct{ to, body []string }

func (m *recordingMailer) Send(_ context.Context, to, _, body string) error {
	m.to, m.body = append(m.to, to), append(m.body, body)
	return nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storagetest.NewDB(t)
	db.Now = func() time.Time { return now } // the seed is dated by the fixture's clock too
	hash, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	user := func(email, role, locale string) partnerka.User {
		return partnerka.User{Email: email, Role: role, Locale: locale, PasswordHash: hash}
	}
	res, err := db.LoadSeed(context.Background(), storage.Seed{
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: "active"},
				Users: []partnerka.User{user("alpha@x.test", "owner", "ru")},
				Links: []partnerka.Link{{Code: "alpha", Destination: "https://example.com/", IsDefault: true}}},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta Corp", Kind: "company", Status: "active"},
				Users: []partnerka.User{user("beta@x.test", "owner", "en")}},
			{Partner: partnerka.Partner{Ref: "gamma", Name: "Gamma", Kind: "person", Status: "applied"},
				Users: []partnerka.User{user("gamma@x.test", "owner", "en")}},
		},
		Staff: []partnerka.User{user("admin@x.test", "admin", "en"), user("manager@x.test", "manager", "en"),
			user("finance@x.test", "finance", "ru")},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{DB: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrackerURL: "http://t.test",
		Now: func() time.Time { return now }}
	db.Now = func() time.Time { return s.Now() } // one clock: rows are dated as the pages see them
	s.RegisterLead = func(ctx context.Context, partnerID int64, r LeadRegistration, at time.Time) (time.Time, error) {
		reg, err := commissions.RegisterLead(ctx, db, partnerID, commissions.RegistrationInput(r), at)
		if err != nil {
			return time.Time{}, err
		}
		return reg.ProtectedUntil, nil
	}
	s.AddManualEntry = func(ctx context.Context, partnerID int64, kind, amount, currency, reason string, by storage.Actor) (int64, error) {
		return commissions.AddManualEntry(ctx, db, partnerID, kind, amount, currency, reason, by)
	}
	s.SamplePostback = func(ctx context.Context, tmpl, currency string, at time.Time) error {
		return commissions.SendSamplePostback(ctx, commissions.PostbackClient(true), tmpl, currency, at)
	}
	mail := &recordingMailer{}
	s.Mailer, s.CabinetURL = mail, "http://c.test"
	app := fiber.New()
	if err := s.Mount(app); err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, srv: s, app: app, seed: res, mail: mail}
}

// browser keeps cookies between requests, as a person's browser does.
type browser struct {
	t       *testing.T
	app     *fiber.App
	cookies map[string]*http.Cookie
	header  map[string]string // sent with every request
}

func (f *fixture) browser(t *testing.T) *browser {
	return &browser{t: t, app: f.app, cookies: map[string]*http.Cookie{}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	for k, v := range b.header {
		req.Header.Set(k, v)
	}
	resp, err := b.app.Test(req, 10000)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) csrf(page string) string {
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatalf("no CSRF field in page:\n%s", page)
	}
	return m[1]
}

func (b *browser) login(email, password string) (*http.Response, string) {
	_, page := b.do("GET", "/login", nil)
	return b.do("POST", "/login", url.Values{"email": {email}, "password": {password}, "_csrf": {b.csrf(page)}})
}

func TestLogin(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	resp, page := b.do("GET", "/login", nil)
	if resp.StatusCode != 200 || b.cookies[csrfCookie] == nil || !b.cookies[csrfCookie].HttpOnly {
		t.Fatalf("login page: %d cookies %v", resp.StatusCode, b.cookies)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("security headers missing")
	}
	if r, _ := b.do("POST", "/login", url.Values{"email": {"alpha@x.test"}, "password": {pw}}); r.StatusCode != 403 {
		t.Errorf("login without CSRF token: %d, want 403", r.StatusCode)
	}
	if r, _ := b.do("POST", "/login", url.Values{"email": {"alpha@x.test"}, "password": {pw}, "_csrf": {"forged"}}); r.StatusCode != 403 {
		t.Errorf("login with a forged CSRF token: %d, want 403", r.StatusCode)
	}
	r, page := b.do("POST", "/login", url.Values{"email": {"Alpha@X.test"}, "password": {"wrong password!"}, "_csrf": {b.csrf(page)}})
	if r.StatusCode != 401 || !strings.Contains(page, "The email or password is wrong.") || !strings.Contains(page, `value="alpha@x.test"`) {
		t.Errorf("wrong password: %d\n%s", r.StatusCode, page)
	}
	r, _ = b.login("alpha@x.test", pw)
	sess := b.cookies[sessionCookie]
	if r.StatusCode != 303 || r.Header.Get("Location") != "/dashboard" || sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode {
		t.Fatalf("login: %d %s session %+v", r.StatusCode, r.Header.Get("Location"), sess)
	}
	first := sess.Value
	_, dash := b.do("GET", "/dashboard", nil)
	b.do("POST", "/login", url.Values{"email": {"alpha@x.test"}, "password": {pw}, "_csrf": {b.csrf(dash)}})
	if b.cookies[sessionCookie].Value == first {
		t.Error("the session token was not rotated on sign-in")
	}
	old := f.browser(t)
	old.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: first}
	if r, _ := old.do("GET", "/dashboard", nil); r.StatusCode != 303 {
		t.Errorf("the replaced session still works: %d", r.StatusCode)
	}

	for _, tc := range []struct{ email, want string }{
		{"gamma@x.test", "being reviewed"},
		{"nobody@x.test", "wrong"},
	} {
		r, page := f.browser(t).login(tc.email, pw)
		if r.StatusCode < 400 || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d, page lacks %q", tc.email, r.StatusCode, tc.want)
		}
	}
}

func TestLoginLimit(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	for i := 0; i < maxEmailFailure; i++ {
		if r, _ := b.login("beta@x.test", "not the password"); r.StatusCode != 401 {
			t.Fatalf("attempt %d: %d", i, r.StatusCode)
		}
	}
	if r, page := b.login("beta@x.test", pw); r.StatusCode != 429 || !strings.Contains(page, "Too many") {
		t.Errorf("after %d failures the right password got %d, want 429", maxEmailFailure, r.StatusCode)
	}
	if r, _ := f.browser(t).login("alpha@x.test", pw); r.StatusCode != 303 {
		t.Errorf("another account from the same address: %d (the per-address limit is %d)", r.StatusCode, maxIPFailure)
	}
}

// Behind a trusted proxy the per-address limit counts each visitor's
// address, not the proxy's: one guesser does not lock everyone out.
func TestLoginLimitBehindProxy(t *testing.T) {
	f := newFixture(t)
	var err error
	if f.srv.Proxies, err = partnerka.ParseTrustedProxies("0.0.0.0/0"); err != nil { // the test connection's address
		t.Fatal(err)
	}
	guesser := f.browser(t)
	guesser.header = map[string]string{"X-Forwarded-For": "203.0.113.66"}
	for i := 0; i < maxIPFailure; i++ {
		if r, _ := guesser.login(fmt.Sprintf("nobody%d@x.test", i), "guess"); r.StatusCode != 401 {
			t.Fatalf("guess %d: %d", i, r.StatusCode)
		}
	}
	if r, _ := guesser.login("alpha@x.test", pw); r.StatusCode != 429 {
		t.Errorf("the guesser's address after %d failures: %d, want 429", maxIPFailure, r.StatusCode)
	}
	other := f.browser(t)
	other.header = map[string]string{"X-Forwarded-For": "198.51.100.5"}
	if r, _ := other.login("alpha@x.test", pw); r.StatusCode != 303 {
		t.Errorf("another visitor through the same proxy: %d, want 303", r.StatusCode)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t)
	b.login("beta@x.test", pw)
	_, page := b.do("GET", "/dashboard", nil)
	token := b.cookies[sessionCookie].Value
	if r, _ := b.do("POST", "/logout", url.Values{}); r.StatusCode != 403 {
		t.Errorf("logout without CSRF: %d, want 403", r.StatusCode)
	}
	if r, _ := b.do("POST", "/logout", url.Values{"_csrf": {b.csrf(page)}}); r.StatusCode != 303 {
		t.Errorf("logout: %d", r.StatusCode)
	}
	again := f.browser(t)
	again.cookies[sessionCookie] = &http.Cookie{Name: sessionCookie, Value: token}
	if r, _ := again.do("GET", "/dashboard", nil); r.StatusCode != 303 || r.Header.Get("Location") != "/login" {
		t.Errorf("dashboard after logout: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestDashboard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.seed.Partners["alpha"], f.seed.Partners["beta"]
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks) VALUES
		('2026-11-20', $1, 1, '', 1200, 1000), ('2026-09-01', $1, 1, '', 5, 5), ('2026-11-20', $2, 1, '', 999, 999)`, alpha, beta)
	exec(`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
		('c1', $1, 'partner_ref', 'attributed', '2026-11-10', '2026-11-10', $3),
		('c2', $1, 'partner_ref', 'attributed', '2026-11-11', '2026-11-11', $3),
		('c3', $2, 'partner_ref', 'attributed', '2026-11-11', '2026-11-11', $3)`, alpha, beta, now)
	exec(`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, partner_id, received_at) VALUES
		('p1', 'c1', 100, 'RUB', '2026-11-12', '\x00', $1, $2)`, alpha, now)
	exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at) VALUES
		($1, 'RUB', 'available', 'bonus', 12450, 'contest', $3), ($2, 'RUB', 'available', 'bonus', 777, 'contest', $3)`, alpha, beta, now)

	b := f.browser(t)
	b.login("alpha@x.test", pw)
	r, page := b.do("GET", "/dashboard?period=30d", nil)
	if r.StatusCode != 200 {
		t.Fatalf("dashboard: %d\n%s", r.StatusCode, page)
	}
	for _, want := range []string{
		`id="clicks">1` + "\u00a0" + `200<`, "1\u00a0000 уникальных", `id="leads">2<`, `id="customers">2<`, `id="paying">1<`,
		"12\u00a0450,00\u00a0₽", "Alpha Media", "Переход → лид", "0,2\u00a0%",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for _, foreign := range []string{"999", "777", "Beta Corp"} {
		if strings.Contains(page, foreign) {
			t.Errorf("alpha's dashboard shows beta's %q", foreign)
		}
	}
	_, page = b.do("GET", "/dashboard?period=last_month", nil)
	if !strings.Contains(page, `id="clicks">0<`) {
		t.Errorf("last month should have no clicks")
	}
	eb := f.browser(t)
	eb.login("beta@x.test", pw)
	_, page = eb.do("GET", "/dashboard", nil)
	if !strings.Contains(page, "₽777.00") || !strings.Contains(page, "Beta Corp") || strings.Contains(page, "Alpha") {
		t.Errorf("beta's dashboard in English:\n%s", page)
	}
}
