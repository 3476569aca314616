package cabinet

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"partnerka/storage"
	"partnerka/web"
	"partnerka/web/webtest"
)

// withMembers is the standard seed with a member in each partner: alpha's
// reads Russian, beta's English.
func withMembers(user webtest.UserFunc) storage.Seed {
	s := webtest.StandardSeed(user)
	s.Partners[0].Users = append(s.Partners[0].Users, user("member@alpha.test", "member", "ru"))
	s.Partners[1].Users = append(s.Partners[1].Users, user("member@beta.test", "member", "en"))
	return s
}

// errorPage checks that a response is the error page in the layout, in
// lang, with a link to home, and saying each of texts.
func errorPage(t *testing.T, resp *http.Response, page string, status int, lang, home string, texts ...string) {
	t.Helper()
	if resp.StatusCode != status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("got %d %s, want %d text/html", resp.StatusCode, resp.Header.Get("Content-Type"), status)
	}
	want := []string{`<html lang="` + lang + `">`, `<link rel="stylesheet" href="/static/app.css">`, `<header class="top">`,
		`<a class="button" href="` + home + `">` + html.EscapeString(web.T(lang, "err_home")) + `</a>`}
	for _, text := range texts {
		want = append(want, html.EscapeString(text))
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("the %d page lacks %q:\n%s", status, w, page)
		}
	}
	if strings.Contains(page, "Internal error") || strings.Contains(page, "Cannot GET") {
		t.Errorf("the %d page says what fiber says:\n%s", status, page)
	}
}

// Issue 17, F11: error pages were bare text/plain in English. A missing
// page and a forbidden action are pages of the cabinet, in the partner's
// language, with the navigation and a way home.
func TestErrorPagesInTheLayout(t *testing.T) {
	f := newSeededFixture(t, withMembers)
	for _, tc := range []struct{ email, lang string }{{"alpha@x.test", "ru"}, {"beta@x.test", "en"}} {
		t.Run("404 "+tc.lang, func(t *testing.T) {
			b, _ := f.SignIn(t, tc.email)
			resp, page := b.Do("GET", "/no-such-page", nil)
			errorPage(t, resp, page, 404, tc.lang, "/dashboard", web.T(tc.lang, "err_title_404"), web.T(tc.lang, "err_text_404"))
			if nav := `<a href="/dashboard">` + web.T(tc.lang, "dashboard") + `</a>`; !strings.Contains(page, nav) {
				t.Errorf("the 404 page lacks the partner's navigation %q", nav)
			}
		})
	}
	for _, tc := range []struct{ email, lang string }{{"member@alpha.test", "ru"}, {"member@beta.test", "en"}} {
		t.Run("403 "+tc.lang, func(t *testing.T) {
			b, csrf := f.SignIn(t, tc.email)
			resp, page := b.Post(csrf, "/payouts", map[string][]string{"amount": {"100"}, "currency": {"RUB"}})
			errorPage(t, resp, page, 403, tc.lang, "/dashboard", web.T(tc.lang, "err_title_403"), web.T(tc.lang, "members_cannot"))
		})
	}
}

// Issue 17, F11: with PostgreSQL down every signed-in page and POST
// /login answered a bare text/plain "Internal error", and the sign-in
// form still rendered, so a partner concluded the password was wrong. An
// outage is the 503 "temporarily unavailable" page, in the layout and the
// browser's language, with Retry-After; signing in says the same, never
// that the password is wrong.
func TestDatabaseOutagePage(t *testing.T) {
	f := &fixture{}
	var proxy interface{ Cut() }
	f.Fixture, proxy = webtest.NewBehindProxy(t, nil, f.mount)
	alpha, _ := f.SignIn(t, "alpha@x.test")
	alpha.Header = map[string]string{"Accept-Language": "ru-RU,ru;q=0.9"}
	visitor := f.Browser(t)
	visitor.Header = map[string]string{"Accept-Language": "en-US,en;q=0.9"}
	_, login := visitor.Do("GET", "/login", nil)
	csrf := visitor.CSRF(login)
	if resp, _ := alpha.Do("GET", "/dashboard", nil); resp.StatusCode != 200 {
		t.Fatalf("dashboard with the database up: %d", resp.StatusCode)
	}

	proxy.Cut()
	for i := 0; i < 2; i++ { // the second on a fresh connection
		resp, page := alpha.Do("GET", "/dashboard", nil)
		errorPage(t, resp, page, 503, "ru", "/", "Сервис временно недоступен", web.T("ru", "err_text_503"), web.T("ru", "err_retry"))
		if got := resp.Header.Get("Retry-After"); got != "30" {
			t.Errorf("Retry-After %q, want 30", got)
		}
		resp, page = visitor.Post(csrf, "/login", map[string][]string{"email": {"beta@x.test"}, "password": {webtest.Password}})
		errorPage(t, resp, page, 503, "en", "/", "temporarily unavailable", web.T("en", "err_text_503"))
		if strings.Contains(page, web.T("en", "bad_login")) || resp.Header.Get("Retry-After") != "30" {
			t.Errorf("sign-in during the outage: Retry-After %q\n%s", resp.Header.Get("Retry-After"), page)
		}
	}
}
