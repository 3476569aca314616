package backoffice

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"partnerka/web/webtest"
)

var routeParam = regexp.MustCompile(`:[a-z_]+`)

// Every back-office route answers only the roles the table grants it: a
// signed-out visitor is sent to sign in, a partner gets a 404, staff
// without the role a 403.
func TestAdminRoles(t *testing.T) {
	f := newFixture(t)
	type who struct {
		email string
		role  string
	}
	people := []who{{"alpha@x.test", "owner"}, {"manager@x.test", "manager"}, {"finance@x.test", "finance"}, {"admin@x.test", "admin"}}
	browsers := map[string]*webtest.Browser{}
	tokens := map[string]string{}
	for _, p := range people {
		browsers[p.role], tokens[p.role] = f.SignIn(t, p.email)
	}
	anon := f.Browser(t)
	for _, r := range (&Server{}).adminRoutes() {
		path := routeParam.ReplaceAllString(r.path, "999999")
		resp, _ := anon.Do(r.method, path, nil)
		if r.method == "GET" && (resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login") {
			t.Errorf("signed out %s %s: %d %s, want 303 to /login", r.method, path, resp.StatusCode, resp.Header.Get("Location"))
		}
		if r.method != "GET" && resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusSeeOther {
			t.Errorf("signed out %s %s: %d", r.method, path, resp.StatusCode)
		}
		for _, p := range people {
			var form url.Values
			if r.method != "GET" {
				form = url.Values{"_csrf": {tokens[p.role]}}
			}
			resp, body := browsers[p.role].Do(r.method, path, form)
			allowed := slices.Contains(r.roles, p.role)
			switch {
			case p.role == "owner" && resp.StatusCode != http.StatusNotFound:
				t.Errorf("partner %s %s: %d, want 404", r.method, path, resp.StatusCode)
			case p.role != "owner" && !allowed && resp.StatusCode != http.StatusForbidden:
				t.Errorf("%s %s %s: %d, want 403", p.role, r.method, path, resp.StatusCode)
			case allowed && (resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 500):
				t.Errorf("%s %s %s: %d, want it allowed:\n%s", p.role, r.method, path, resp.StatusCode, body)
			}
		}
	}
}

func TestStaffSignIn(t *testing.T) {
	f := newFixture(t)
	b := f.Browser(t)
	resp, _ := b.Login("finance@x.test", pw)
	if loc := resp.Header.Get("Location"); loc != "/admin" {
		t.Fatalf("staff land on %q, want /admin", loc)
	}
	_, page := b.Do("GET", "/admin", nil)
	for _, want := range []string{"Обзор", "Заявки на выплату", "Партнёры"} { // finance@ reads Russian
		if !strings.Contains(page, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	resp, _ = b.Do("GET", "/dashboard", nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin" {
		t.Errorf("staff on a partner page: %d %s, want 303 to /admin", resp.StatusCode, resp.Header.Get("Location"))
	}
}
