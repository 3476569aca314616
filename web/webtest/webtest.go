// Package webtest is what the cabinet's, the back office's and the
// notices' tests share: a seeded database whose clock stands at Now, the
// web site mounted on a fiber app, and a browser that keeps cookies
// between requests, as a person's does.
package webtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
	"partnerka/web"
)

// Now is the instant the fixtures stand at; the site and the database
// handle share the clock (a test may move it with Fixture.Site.Now).
var Now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// Password is every seeded user's password.
const Password = "correct horse battery"

// UserFunc makes a seeded user with Password.
type UserFunc func(email, role, locale string) partnerka.User

// StandardSeed is the program most tests start from: alpha (Russian,
// with the default link "alpha"), beta (English) and gamma (an
// application), and an admin, a manager and finance (Russian).
func StandardSeed(user UserFunc) storage.Seed {
	return storage.Seed{
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: "active"},
				Users: []partnerka.User{user("alpha@x.test", "owner", "ru")},
				Links: []partnerka.Link{{Code: "alpha", Destination: "https://example.com/", IsDefault: true}}},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta Corp", Kind: "company", Status: "active"},
				Users: []partnerka.User{user("beta@x.test", "owner", "en")}},
			{Partner: partnerka.Partner{Ref: "gamma", Name: "Gamma", Kind: "person", Status: "applied"},
				Users: []partnerka.User{user("gamma@x.test", "owner", "en")}},
		},
		Staff: Staff(user),
	}
}

// Staff are the seeded program team.
func Staff(user UserFunc) []partnerka.User {
	return []partnerka.User{user("admin@x.test", "admin", "en"), user("manager@x.test", "manager", "en"),
		user("finance@x.test", "finance", "ru")}
}

// NewDB returns a fresh database loaded with seed (StandardSeed when
// nil), its clock at Now.
func NewDB(t *testing.T, seed func(UserFunc) storage.Seed) (*storage.DB, *storage.SeedResult) {
	t.Helper()
	return seedDB(t, storagetest.NewDB(t), seed)
}

func seedDB(t *testing.T, db *storage.DB, seed func(UserFunc) storage.Seed) (*storage.DB, *storage.SeedResult) {
	t.Helper()
	db.Now = func() time.Time { return Now } // the seed is dated by the fixture's clock too
	hash, err := web.HashPassword(Password)
	if err != nil {
		t.Fatal(err)
	}
	if seed == nil {
		seed = StandardSeed
	}
	res, err := db.LoadSeed(context.Background(), seed(func(email, role, locale string) partnerka.User {
		return partnerka.User{Email: email, Role: role, Locale: locale, PasswordHash: hash}
	}))
	if err != nil {
		t.Fatal(err)
	}
	return db, res
}

// RecordingMailer keeps what would have been sent: each message, and
// their recipients and bodies in order. Background work sends from
// several goroutines; a test reads after the work is done (Browser.Wait).
type RecordingMailer struct {
	mu       sync.Mutex
	Sent     []Mail
	To, Body []string
}

// Mail is one message a RecordingMailer kept.
type Mail struct{ To, Subject, Body string }

// Send implements web.Mailer.
func (m *RecordingMailer) Send(_ context.Context, to, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Kept past the request: copies, as a handler's strings may be the
	// request's own bytes, which fiber reuses.
	to, subject, body = strings.Clone(to), strings.Clone(subject), strings.Clone(body)
	m.Sent = append(m.Sent, Mail{to, subject, body})
	m.To, m.Body = append(m.To, to), append(m.Body, body)
	return nil
}

// Fixture is a seeded database and the web site over it.
type Fixture struct {
	DB      *storage.DB
	Replica *storage.DB // the streaming replica the site reads on (NewReplicated), or nil
	Seed    *storage.SeedResult
	Site    *web.Site
	App     *fiber.App
	Mail    *RecordingMailer
}

// New seeds a database (see NewDB), builds the site over it and calls
// mount with the site's router: the test's package mounts its surfaces
// (the back office before the cabinet, as cmd does).
func New(t *testing.T, seed func(UserFunc) storage.Seed, mount func(site *web.Site, r fiber.Router) error) *Fixture {
	t.Helper()
	db, res := NewDB(t, seed)
	return newFixture(t, db, nil, res, nil, mount)
}

// NewReplicated is New with the site's read-only pages reading on a
// streaming replica of the database (storagetest.NewDBWithReplica), when
// the tests have one (storagetest.HasReplica); else it is New. Before
// each GET its browsers wait until the replica has replayed everything
// the primary holds (CatchUp), so a test that writes rows and reads a
// page sees them as it would on the primary alone: the suite runs every
// page's reads on a hot standby, where a page that writes fails.
func NewReplicated(t *testing.T, seed func(UserFunc) storage.Seed, mount func(site *web.Site, r fiber.Router) error) *Fixture {
	t.Helper()
	if !storagetest.HasReplica() {
		return New(t, seed, mount)
	}
	primary, replica := storagetest.NewDBWithReplica(t)
	return NewOn(t, primary, replica, seed, mount, nil)
}

// NewOn is New over primary, fresh from storagetest, and replica, a
// streaming replica's handle on the same database (or nil); tune, when
// not nil, sets the site's fields before it is mounted (the replica's
// intervals).
func NewOn(t *testing.T, primary, replica *storage.DB, seed func(UserFunc) storage.Seed, mount func(site *web.Site, r fiber.Router) error, tune func(*web.Site)) *Fixture {
	t.Helper()
	db, res := seedDB(t, primary, seed)
	return newFixture(t, db, replica, res, tune, mount)
}

// CatchUp waits until the replica has replayed everything the primary
// holds, then has the site look at it (web.Site.CheckReplica): the next
// read-only page reads on it, its figures current.
func (f *Fixture) CatchUp(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := storagetest.CatchUp(ctx, f.DB, f.Replica); err != nil {
		t.Fatalf("replica: %v", err)
	}
	// The site ages the replica's figures from the primary's positions it
	// saw: look until it has seen one the replica has replayed (the other
	// tests' writes keep the primary a little ahead).
	for {
		err := f.Site.CheckReplica(ctx)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("replica: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// NewBehindProxy is New over a database reached through a proxy: cutting
// it is a database outage as the site sees it.
func NewBehindProxy(t *testing.T, seed func(UserFunc) storage.Seed, mount func(site *web.Site, r fiber.Router) error) (*Fixture, *storagetest.Proxy) {
	t.Helper()
	db, proxy := storagetest.NewDBBehindProxy(t)
	db, res := seedDB(t, db, seed)
	return newFixture(t, db, nil, res, nil, mount), proxy
}

func newFixture(t *testing.T, db, replica *storage.DB, res *storage.SeedResult, tune func(*web.Site), mount func(site *web.Site, r fiber.Router) error) *Fixture {
	t.Helper()
	mail := &RecordingMailer{}
	site := &web.Site{DB: db, Replica: replica, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), TrackerURL: "http://t.test",
		CabinetURL: "http://c.test", Mailer: mail, Now: func() time.Time { return Now }}
	db.Now = func() time.Time { return site.Now() } // one clock: rows are dated as the pages see them
	if replica != nil {
		replica.Now = db.Now
	}
	if tune != nil {
		tune(site)
	}
	t.Cleanup(func() { site.Close(context.Background()) }) // the background work's goroutines end with the test
	app := fiber.New()
	r, err := site.Mount(app)
	if err == nil {
		err = mount(site, r)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &Fixture{DB: db, Replica: replica, Seed: res, Site: site, App: app, Mail: mail}
}

// Browser returns a browser with no cookies; over a replica, it waits
// for the replica to catch up before each GET (NewReplicated).
func (f *Fixture) Browser(t *testing.T) *Browser {
	b := &Browser{T: t, App: f.App, Cookies: map[string]*http.Cookie{}, Wait: f.Site.WaitLater}
	if f.Replica != nil {
		b.Before = func(req *http.Request) {
			if req.Method == http.MethodGet || req.Method == http.MethodHead {
				f.CatchUp(t)
			}
		}
	}
	return b
}

// SignIn returns a browser signed in as email, and a CSRF token for its forms.
func (f *Fixture) SignIn(t *testing.T, email string) (*Browser, string) {
	t.Helper()
	b := f.Browser(t)
	resp, _ := b.Login(email, Password)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %d", email, resp.StatusCode)
	}
	_, page := b.Do("GET", resp.Header.Get("Location"), nil)
	return b, b.CSRF(page)
}

// RequestPayout gives alpha an available balance and has alpha's owner
// request amount RUB.
func RequestPayout(t *testing.T, db *storage.DB, seed *storage.SeedResult, amount string) int64 {
	t.Helper()
	ctx := context.Background()
	alpha, owner := seed.Partners["alpha"], seed.Users["alpha@x.test"]
	m := partnerka.Money{Amount: decimal.RequireFromString(amount), Currency: "RUB"}
	if _, err := db.InsertManualEntry(ctx, alpha, m, "bonus", "test balance", storage.Actor{UserID: seed.Users["admin@x.test"]}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPayoutDetails(ctx, alpha, "bank", map[string]string{"account": "40817810000001234"}); err != nil {
		t.Fatal(err)
	}
	id, err := db.RequestPayout(ctx, alpha, owner, m, Now)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Browser keeps cookies between requests, as a person's browser does.
type Browser struct {
	T       *testing.T
	App     *fiber.App
	Cookies map[string]*http.Cookie
	Header  map[string]string // sent with every request
	// Wait, when set, runs after each response: a fixture's browser waits
	// for the work the request handed to the background (its emails), so
	// a test reads them as soon as the response is in.
	Wait func()
	// Before, when set, runs before each request is sent.
	Before func(req *http.Request)
}

// Do sends a request (a form when form is not nil) and returns the
// response and its body, keeping the cookies it sets.
func (b *Browser) Do(method, path string, form url.Values) (*http.Response, string) {
	b.T.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return b.send(req)
}

// Upload posts a multipart form as a browser does when a form has a file
// input (named "image"); fileName "" leaves the input empty.
func (b *Browser) Upload(path string, fields map[string]string, fileName string, content []byte) (*http.Response, string) {
	b.T.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := w.CreateFormFile("image", fileName)
		fw.Write(content)
	}
	w.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.send(req)
}

func (b *Browser) send(req *http.Request) (*http.Response, string) {
	b.T.Helper()
	for _, c := range b.Cookies {
		req.AddCookie(c)
	}
	for k, v := range b.Header {
		req.Header.Set(k, v)
	}
	if b.Before != nil {
		b.Before(req)
	}
	resp, err := b.App.Test(req, 10000)
	if err != nil {
		b.T.Fatal(err)
	}
	if b.Wait != nil {
		b.Wait()
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.Cookies, c.Name)
		} else {
			b.Cookies[c.Name] = c
		}
	}
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

// Post submits a form with the CSRF token and returns the response.
func (b *Browser) Post(token, path string, form url.Values) (*http.Response, string) {
	b.T.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", token)
	return b.Do("POST", path, form)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRF returns the CSRF token of a page's forms.
func (b *Browser) CSRF(page string) string {
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		b.T.Fatalf("no CSRF field in page:\n%s", page)
	}
	return m[1]
}

// Login signs in through the login form.
func (b *Browser) Login(email, password string) (*http.Response, string) {
	_, page := b.Do("GET", "/login", nil)
	return b.Do("POST", "/login", url.Values{"email": {email}, "password": {password}, "_csrf": {b.CSRF(page)}})
}

// Announcements gives the site a Redis and listens to the trackers'
// change channel: the returned function gives the changes announced so
// far (waiting up to a second for at least want of them).
func (f *Fixture) Announcements(t *testing.T) func(want int) []storage.Change {
	t.Helper()
	rdb := storagetest.NewRedis(t)
	f.Site.Redis = rdb
	sub := rdb.Subscribe(context.Background(), rdb.Key(storage.LinkChannel))
	if _, err := sub.Receive(context.Background()); err != nil { // the subscription is live
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	var mu sync.Mutex
	var got []storage.Change
	go func() {
		for m := range sub.Channel() {
			mu.Lock()
			got = append(got, storage.Change(m.Payload))
			mu.Unlock()
		}
	}()
	return func(want int) []storage.Change {
		deadline := time.Now().Add(time.Second) // elapsed: how long to wait for messages
		for {
			mu.Lock()
			out := append([]storage.Change(nil), got...)
			mu.Unlock()
			if len(out) >= want || time.Now().After(deadline) { // elapsed: the wait above
				return out
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
