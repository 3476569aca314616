package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerka"
	"partnerka/web"
	"partnerka/web/webtest"
)

// behindProxy makes the fixture believe X-Forwarded-For, so each browser
// can come from an address of its own.
func behindProxy(t *testing.T, f *webtest.Fixture) {
	t.Helper()
	var err error
	if f.Site.Proxies, err = partnerka.ParseTrustedProxies("0.0.0.0/0"); err != nil {
		t.Fatal(err)
	}
}

// from is a new browser coming from address ip.
func from(t *testing.T, f *webtest.Fixture, ip string) *webtest.Browser {
	b := f.Browser(t)
	b.Header = map[string]string{"X-Forwarded-For": ip}
	return b
}

// Issue 17, F3: five wrong passwords from any address refused the right
// one for 15 minutes, so whoever knew the finance team's email kept them
// out of the back office. Now they refuse only the guesser's address.
func TestStrangerCannotLockAccountOut(t *testing.T) {
	f := newSiteFixture(t)
	behindProxy(t, f)
	attacker := from(t, f, "203.0.113.7")
	for i := range web.MaxPairFailures {
		if r, _ := attacker.Login("finance@x.test", fmt.Sprintf("guess number %d", i)); r.StatusCode != 401 {
			t.Fatalf("guess %d: %d, want 401", i, r.StatusCode)
		}
	}
	// Guessing from one address is still stopped: the right password too.
	if r, page := attacker.Login("finance@x.test", webtest.Password); r.StatusCode != 429 || !strings.Contains(page, "from this address") {
		t.Errorf("the guesser's address after %d failures, right password: %d, want 429", web.MaxPairFailures, r.StatusCode)
	}
	if r, _ := attacker.Login("finance@x.test", "one more guess"); r.StatusCode != 429 {
		t.Errorf("the guesser's next guess: %d, want 429", r.StatusCode)
	}
	// The owner, from their own address, signs in.
	owner := from(t, f, "198.51.100.20")
	if r, _ := owner.Login("finance@x.test", webtest.Password); r.StatusCode != 303 || r.Header.Get("Location") != "/admin" {
		t.Fatalf("the owner from another address: %d %s, want 303 to /admin", r.StatusCode, r.Header.Get("Location"))
	}
	// Refused attempts are not failures: the guesser's address keeps its
	// five, no more, and the window frees it.
	var n int
	f.DB.Get(&n, `SELECT count(*) FROM login_failures WHERE email = 'finance@x.test'`)
	if n != web.MaxPairFailures {
		t.Errorf("%d failures recorded, want %d", n, web.MaxPairFailures)
	}
	later := webtest.Now.Add(web.FailureWindow + time.Second)
	f.Site.Now = func() time.Time { return later }
	if r, _ := attacker.Login("finance@x.test", webtest.Password); r.StatusCode != 303 {
		t.Errorf("the address %s later: %d, want 303", web.FailureWindow, r.StatusCode)
	}
}

// Many addresses guessing one account (a few guesses each, under the
// per-address limits): after SlowAfterFailures the account takes one
// attempt a minute from addresses it was never signed in to from, and
// the owner's own addresses are never slowed.
func TestManyAddressesGuessingOneAccount(t *testing.T) {
	f := newSiteFixture(t)
	behindProxy(t, f)
	clock := webtest.Now
	f.Site.Now = func() time.Time { return clock }
	home := from(t, f, "198.51.100.20") // the owner signed in from home last week
	clock = webtest.Now.Add(-7 * 24 * time.Hour)
	if r, _ := home.Login("beta@x.test", webtest.Password); r.StatusCode != 303 {
		t.Fatalf("the owner's first sign-in: %d", r.StatusCode)
	}
	clock = webtest.Now
	guesses := 0
	for a := 1; guesses < web.SlowAfterFailures; a++ {
		bot := from(t, f, fmt.Sprintf("203.0.113.%d", a))
		for i := 0; i < web.MaxPairFailures-1 && guesses < web.SlowAfterFailures; i++ {
			if r, _ := bot.Login("beta@x.test", "a guess"); r.StatusCode != 401 {
				t.Fatalf("guess %d from address %d: %d, want 401", guesses, a, r.StatusCode)
			}
			guesses++
		}
	}
	// A new address is slowed, whatever the password.
	if r, page := from(t, f, "203.0.113.100").Login("beta@x.test", "another guess"); r.StatusCode != 429 || !strings.Contains(page, "one attempt a minute") {
		t.Errorf("a new address after %d failures: %d, want 429 saying why", guesses, r.StatusCode)
	}
	// A minute later the account takes one attempt from new addresses.
	clock = clock.Add(web.SlowEvery + time.Second)
	if r, _ := from(t, f, "203.0.113.101").Login("beta@x.test", "another guess"); r.StatusCode != 401 {
		t.Errorf("a new address a minute later: %d, want its one attempt (401)", r.StatusCode)
	}
	if r, _ := from(t, f, "203.0.113.102").Login("beta@x.test", "another guess"); r.StatusCode != 429 {
		t.Errorf("the next new address in that minute: %d, want 429", r.StatusCode)
	}
	// The owner from home is not slowed, within the same minute.
	if r, _ := from(t, f, "198.51.100.20").Login("beta@x.test", webtest.Password); r.StatusCode != 303 {
		t.Errorf("the owner from an address they signed in from: %d, want 303", r.StatusCode)
	}
	// From a new address the owner is slowed as the attackers are, until
	// they use a reset link there: that address is then theirs.
	cafe := from(t, f, "192.0.2.55")
	if r, _ := cafe.Login("beta@x.test", webtest.Password); r.StatusCode != 429 {
		t.Errorf("the owner from a new address during the attack: %d, want 429", r.StatusCode)
	}
	_, page := cafe.Do("GET", "/password/forgot", nil)
	cafe.Do("POST", "/password/forgot", url.Values{"email": {"beta@x.test"}, "_csrf": {cafe.CSRF(page)}})
	if len(f.Mail.Body) != 1 {
		t.Fatalf("reset emails: %v", f.Mail.To)
	}
	link, _ := url.Parse(f.Mail.Body[0])
	_, page = cafe.Do("GET", link.RequestURI(), nil)
	if r, _ := cafe.Do("POST", "/password/reset", url.Values{"token": {link.Query().Get("token")}, "password": {"a new password for beta"},
		"_csrf": {cafe.CSRF(page)}}); r.StatusCode != 303 {
		t.Fatalf("reset: %d", r.StatusCode)
	}
	if r, _ := cafe.Login("beta@x.test", "a new password for beta"); r.StatusCode != 303 {
		t.Errorf("the owner where they used the reset link: %d, want 303", r.StatusCode)
	}
}

// IPv6 addresses count by their /64: a guesser cannot take a fresh
// address of their network for each guess.
func TestIPv6AddressesCountByNetwork(t *testing.T) {
	for ip, want := range map[string]string{
		"2001:db8:1:2:aaaa::1": "2001:db8:1:2::/64", "2001:db8:1:2:ffff::9": "2001:db8:1:2::/64",
		"203.0.113.9": "203.0.113.9", "::ffff:203.0.113.9": "203.0.113.9", "not an address": "not an address",
	} {
		if got := web.AddressKey(ip); got != want {
			t.Errorf("AddressKey(%q) = %q, want %q", ip, got, want)
		}
	}
	f := newSiteFixture(t)
	behindProxy(t, f)
	for i := range web.MaxPairFailures {
		from(t, f, fmt.Sprintf("2001:db8:1:2::%x", i+1)).Login("alpha@x.test", "a guess")
	}
	if r, _ := from(t, f, "2001:db8:1:2::beef").Login("alpha@x.test", webtest.Password); r.StatusCode != 429 {
		t.Errorf("another address of the guesser's /64: %d, want 429", r.StatusCode)
	}
	if r, _ := from(t, f, "2001:db8:1:3::1").Login("alpha@x.test", webtest.Password); r.StatusCode != 303 {
		t.Errorf("another /64: %d, want 303", r.StatusCode)
	}
}

// post sends a form from a browser-less client: cookies and fields as
// given, for requests sent in parallel.
func post(t *testing.T, f *webtest.Fixture, path string, cookies []*http.Cookie, form url.Values, ip string) int {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", ip)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := f.App.Test(req, 30000)
	if err != nil {
		t.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// Parallel guesses cannot all pass a limit together: each is counted
// before it is judged.
func TestParallelGuessesAreCounted(t *testing.T) {
	f := newSiteFixture(t)
	behindProxy(t, f)
	b := from(t, f, "203.0.113.7")
	_, page := b.Do("GET", "/login", nil)
	token, cookies := b.CSRF(page), []*http.Cookie{b.Cookies[web.CSRFCookie]}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			s := post(t, f, "/login", cookies, url.Values{"email": {"alpha@x.test"}, "password": {"a guess"}, "_csrf": {token}}, "203.0.113.7")
			mu.Lock()
			statuses[s]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[401] > web.MaxPairFailures || statuses[401]+statuses[429] != 30 {
		t.Errorf("30 parallel guesses: %v, want at most %d checked (401) and the rest 429", statuses, web.MaxPairFailures)
	}
}

// Issue 17, F4: /password/forgot had no limit: 30 requests made 30 reset
// links and 30 emails to the victim. Now three an hour per email and ten
// per address, answered as every other request.
func TestForgotLimit(t *testing.T) {
	f := newSiteFixture(t)
	behindProxy(t, f)
	ctx := context.Background()
	first := ""
	forgot := func(b *webtest.Browser, email string) {
		t.Helper()
		_, page := b.Do("GET", "/password/forgot", nil)
		r, out := b.Do("POST", "/password/forgot", url.Values{"email": {email}, "_csrf": {b.CSRF(page)}})
		if first == "" {
			first = out + "|"
		}
		if r.StatusCode != 303 || r.Header.Get("Location") != "/password/forgot?sent=1" || out+"|" != first {
			t.Fatalf("forgot %s: %d %s %q (every answer must be the same)", email, r.StatusCode, r.Header.Get("Location"), out)
		}
	}
	a := from(t, f, "203.0.113.7")
	for range 30 {
		forgot(a, "beta@x.test")
	}
	var resets int
	f.DB.GetContext(ctx, &resets, `SELECT count(*) FROM password_resets`)
	if resets != web.ResetLimit.PerEmail || len(f.Mail.To) != web.ResetLimit.PerEmail {
		t.Fatalf("30 requests: %d reset links, %d emails, want %d", resets, len(f.Mail.To), web.ResetLimit.PerEmail)
	}
	// Per account: from another address too.
	forgot(from(t, f, "198.51.100.20"), "beta@x.test")
	if len(f.Mail.To) != web.ResetLimit.PerEmail {
		t.Errorf("beta's fourth link from another address was sent")
	}
	// Per address: a's three for beta and seven more fill it.
	for i := range web.ResetLimit.PerAddress - web.ResetLimit.PerEmail {
		forgot(a, fmt.Sprintf("nobody%d@x.test", i))
	}
	forgot(a, "alpha@x.test")
	if len(f.Mail.To) != web.ResetLimit.PerEmail {
		t.Errorf("a link for alpha was sent from an address past its limit: %v", f.Mail.To)
	}
	forgot(from(t, f, "198.51.100.21"), "alpha@x.test")
	if got := f.Mail.To[len(f.Mail.To)-1]; got != "alpha@x.test" {
		t.Errorf("alpha's own request from another address was not sent (last email to %s)", got)
	}
	// An hour later beta may ask again.
	later := webtest.Now.Add(web.ResetLimit.Window + time.Second)
	f.Site.Now = func() time.Time { return later }
	sent := len(f.Mail.To)
	forgot(a, "beta@x.test")
	if len(f.Mail.To) != sent+1 {
		t.Errorf("beta's request an hour later was not sent")
	}
}

func TestParallelForgotRequests(t *testing.T) {
	f := newSiteFixture(t)
	behindProxy(t, f)
	b := from(t, f, "203.0.113.7")
	_, page := b.Do("GET", "/password/forgot", nil)
	token, cookies := b.CSRF(page), []*http.Cookie{b.Cookies[web.CSRFCookie]}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			if s := post(t, f, "/password/forgot", cookies, url.Values{"email": {"beta@x.test"}, "_csrf": {token}},
				fmt.Sprintf("203.0.113.%d", i+1)); s != 303 {
				t.Errorf("request %d: %d", i, s)
			}
		})
	}
	wg.Wait()
	f.Site.WaitLater()
	if len(f.Mail.To) != web.ResetLimit.PerEmail {
		t.Errorf("30 parallel requests from 30 addresses: %d emails, want %d", len(f.Mail.To), web.ResetLimit.PerEmail)
	}
}

// blockingMailer holds every message until release is closed.
type blockingMailer struct {
	entered chan string
	release chan struct{}
	mu      sync.Mutex
	sent    []string
}

func (m *blockingMailer) Send(ctx context.Context, to, subject, body string) error {
	m.entered <- to
	select {
	case <-m.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	m.mu.Lock()
	m.sent = append(m.sent, to)
	m.mu.Unlock()
	return nil
}

// Issue 17, F5: the reset email was sent inside the request for existing
// accounts only, so with a real mail server the answer's time told who
// has an account. The request no longer waits for the mailer: with the
// mailer stuck, the answer for an existing account comes at once, the
// same as for an unknown email, and the email goes out after it.
func TestForgotDoesNotWaitForTheMailer(t *testing.T) {
	f := newSiteFixture(t)
	m := &blockingMailer{entered: make(chan string, 10), release: make(chan struct{})}
	f.Site.Mailer = m
	b := f.Browser(t)
	b.Wait = nil // the request alone, not the work it hands over
	_, page := b.Do("GET", "/password/forgot", nil)
	token := b.CSRF(page)
	for _, email := range []string{"beta@x.test", "nobody@x.test"} {
		answered := make(chan int, 1)
		go func() {
			r, _ := b.Do("POST", "/password/forgot", url.Values{"email": {email}, "_csrf": {token}})
			answered <- r.StatusCode
		}()
		select {
		case s := <-answered:
			if s != 303 {
				t.Errorf("%s: %d, want 303", email, s)
			}
		case <-time.After(5 * time.Second):
			close(m.release)
			t.Fatalf("%s: the request waits for the mailer", email)
		}
	}
	select {
	case to := <-m.entered:
		if to != "beta@x.test" {
			t.Errorf("the mailer got an email to %s", to)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the reset email was never handed to the mailer")
	}
	close(m.release)
	f.Site.WaitLater()
	if len(m.sent) != 1 || m.sent[0] != "beta@x.test" {
		t.Errorf("sent after the answer: %v, want beta@x.test only", m.sent)
	}
}

// The CSRF token is taken from the form's body or the X-CSRF-Token
// header, never from the address (which browsers, proxies and logs keep).
func TestCSRFTokenNotFromQuery(t *testing.T) {
	f := newSiteFixture(t)
	b := f.Browser(t)
	_, page := b.Do("GET", "/login", nil)
	token := b.CSRF(page)
	login := url.Values{"email": {"alpha@x.test"}, "password": {webtest.Password}}
	if r, _ := b.Do("POST", "/login?_csrf="+url.QueryEscape(token), login); r.StatusCode != 403 {
		t.Errorf("token in the query string: %d, want 403", r.StatusCode)
	}
	b.Header = map[string]string{web.CSRFHeader: token}
	if r, _ := b.Do("POST", "/login", login); r.StatusCode != 303 {
		t.Errorf("token in the %s header: %d, want 303", web.CSRFHeader, r.StatusCode)
	}
	b = f.Browser(t)
	_, page = b.Do("GET", "/login", nil)
	if r, _ := b.Upload("/login", map[string]string{"email": "alpha@x.test", "password": webtest.Password, "_csrf": b.CSRF(page)}, "", nil); r.StatusCode != 303 {
		t.Errorf("token in a multipart body: %d, want 303", r.StatusCode)
	}
}
