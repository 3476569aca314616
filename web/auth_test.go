package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
	"partnerka/web/webtest"
)

// newSiteFixture is the site alone over the standard seed, with a stand-in
// for each surface's home: signed-in users' pages, signed-out visitors
// sent to sign in.
func newSiteFixture(t *testing.T) *webtest.Fixture {
	return webtest.New(t, nil, func(site *web.Site, r fiber.Router) error {
		home := func(c *fiber.Ctx) error {
			if web.CurrentUser(c) == nil {
				return c.Redirect("/login", fiber.StatusSeeOther)
			}
			return c.Type("html").Send(site.Page(c, "landing", site.Locale(c), "home", fiber.Map{"Settings": partnerka.Settings{}}))
		}
		r.Get("/dashboard", home)
		r.Get("/admin", home)
		return nil
	})
}

func TestLogin(t *testing.T) {
	f := newSiteFixture(t)
	b := f.Browser(t)
	resp, page := b.Do("GET", "/login", nil)
	if resp.StatusCode != 200 || b.Cookies[web.CSRFCookie] == nil || !b.Cookies[web.CSRFCookie].HttpOnly {
		t.Fatalf("login page: %d cookies %v", resp.StatusCode, b.Cookies)
	}
	if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Content-Security-Policy") == "" {
		t.Error("security headers missing")
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-cache, private" {
		t.Errorf("a page's Cache-Control is %q: a browser may show it again in the language or account it was first shown in", cc)
	}
	if r, _ := b.Do("POST", "/login", url.Values{"email": {"alpha@x.test"}, "password": {webtest.Password}}); r.StatusCode != 403 {
		t.Errorf("login without CSRF token: %d, want 403", r.StatusCode)
	}
	if r, _ := b.Do("POST", "/login", url.Values{"email": {"alpha@x.test"}, "password": {webtest.Password}, "_csrf": {"forged"}}); r.StatusCode != 403 {
		t.Errorf("login with a forged CSRF token: %d, want 403", r.StatusCode)
	}
	r, page := b.Do("POST", "/login", url.Values{"email": {"Alpha@X.test"}, "password": {"wrong password!"}, "_csrf": {b.CSRF(page)}})
	if r.StatusCode != 401 || !strings.Contains(page, "The email or password is wrong.") || !strings.Contains(page, `value="alpha@x.test"`) {
		t.Errorf("wrong password: %d\n%s", r.StatusCode, page)
	}
	r, _ = b.Login("alpha@x.test", webtest.Password)
	sess := b.Cookies[web.SessionCookie]
	if r.StatusCode != 303 || r.Header.Get("Location") != "/dashboard" || sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode {
		t.Fatalf("login: %d %s session %+v", r.StatusCode, r.Header.Get("Location"), sess)
	}
	first := sess.Value
	_, dash := b.Do("GET", "/dashboard", nil)
	b.Do("POST", "/login", url.Values{"email": {"alpha@x.test"}, "password": {webtest.Password}, "_csrf": {b.CSRF(dash)}})
	if b.Cookies[web.SessionCookie].Value == first {
		t.Error("the session token was not rotated on sign-in")
	}
	old := f.Browser(t)
	old.Cookies[web.SessionCookie] = &http.Cookie{Name: web.SessionCookie, Value: first}
	if r, _ := old.Do("GET", "/dashboard", nil); r.StatusCode != 303 {
		t.Errorf("the replaced session still works: %d", r.StatusCode)
	}

	if r, page := f.Browser(t).Login("nobody@x.test", webtest.Password); r.StatusCode < 400 || !strings.Contains(page, "wrong") {
		t.Errorf("nobody@x.test: %d, page lacks %q", r.StatusCode, "wrong")
	}
	// An applicant signs in to their application's page (the cabinet's).
	if r, _ := f.Browser(t).Login("gamma@x.test", webtest.Password); r.StatusCode != 303 || r.Header.Get("Location") != web.ApplicantHome {
		t.Errorf("gamma@x.test, an applicant: %d to %q, want 303 to %s", r.StatusCode, r.Header.Get("Location"), web.ApplicantHome)
	}
}

func TestLoginLimit(t *testing.T) {
	f := newSiteFixture(t)
	b := f.Browser(t)
	for i := 0; i < web.MaxPairFailures; i++ {
		if r, _ := b.Login("beta@x.test", "not the password"); r.StatusCode != 401 {
			t.Fatalf("attempt %d: %d", i, r.StatusCode)
		}
	}
	if r, page := b.Login("beta@x.test", webtest.Password); r.StatusCode != 429 || !strings.Contains(page, "Too many") {
		t.Errorf("after %d failures the right password got %d, want 429", web.MaxPairFailures, r.StatusCode)
	}
	if r, _ := f.Browser(t).Login("alpha@x.test", webtest.Password); r.StatusCode != 303 {
		t.Errorf("another account from the same address: %d (the per-address limit is %d)", r.StatusCode, web.MaxAddressFailures)
	}
}

// Behind a trusted proxy the per-address limit counts each visitor's
// address, not the proxy's: one guesser does not lock everyone out.
func TestLoginLimitBehindProxy(t *testing.T) {
	f := newSiteFixture(t)
	var err error
	if f.Site.Proxies, err = partnerka.ParseTrustedProxies("0.0.0.0/0"); err != nil { // the test connection's address
		t.Fatal(err)
	}
	guesser := f.Browser(t)
	guesser.Header = map[string]string{"X-Forwarded-For": "203.0.113.66"}
	for i := 0; i < web.MaxAddressFailures; i++ {
		if r, _ := guesser.Login(fmt.Sprintf("nobody%d@x.test", i), "guess"); r.StatusCode != 401 {
			t.Fatalf("guess %d: %d", i, r.StatusCode)
		}
	}
	if r, _ := guesser.Login("alpha@x.test", webtest.Password); r.StatusCode != 429 {
		t.Errorf("the guesser's address after %d failures: %d, want 429", web.MaxAddressFailures, r.StatusCode)
	}
	other := f.Browser(t)
	other.Header = map[string]string{"X-Forwarded-For": "198.51.100.5"}
	if r, _ := other.Login("alpha@x.test", webtest.Password); r.StatusCode != 303 {
		t.Errorf("another visitor through the same proxy: %d, want 303", r.StatusCode)
	}
}

func TestLogout(t *testing.T) {
	f := newSiteFixture(t)
	b := f.Browser(t)
	b.Login("beta@x.test", webtest.Password)
	_, page := b.Do("GET", "/dashboard", nil)
	token := b.Cookies[web.SessionCookie].Value
	if r, _ := b.Do("POST", "/logout", url.Values{}); r.StatusCode != 403 {
		t.Errorf("logout without CSRF: %d, want 403", r.StatusCode)
	}
	if r, _ := b.Do("POST", "/logout", url.Values{"_csrf": {b.CSRF(page)}}); r.StatusCode != 303 {
		t.Errorf("logout: %d", r.StatusCode)
	}
	again := f.Browser(t)
	again.Cookies[web.SessionCookie] = &http.Cookie{Name: web.SessionCookie, Value: token}
	if r, _ := again.Do("GET", "/dashboard", nil); r.StatusCode != 303 || r.Header.Get("Location") != "/login" {
		t.Errorf("dashboard after logout: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}
