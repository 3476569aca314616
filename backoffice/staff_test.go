package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestStaffAccounts(t *testing.T) {
	f := newFixture(t)
	adm, token := f.SignIn(t, "admin@x.test")
	_, page := adm.Do("GET", "/admin/staff", nil)
	if strings.Contains(page, "no value") || !strings.Contains(page, "finance@x.test") {
		t.Fatalf("staff page:\n%s", page)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"taken email", url.Values{"email": {"manager@x.test"}, "role": {"finance"}}, "exists"},
		{"bad role", url.Values{"email": {"new@x.test"}, "role": {"owner"}}, "choose admin"},
		{"bad email", url.Values{"email": {"nobody"}, "role": {"finance"}}, "valid email"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("_csrf", token)
			r, page := adm.Do("POST", "/admin/staff", tc.form)
			if r.StatusCode != 422 || !strings.Contains(page, tc.want) || !strings.Contains(page, tc.form.Get("email")) {
				t.Errorf("%d, want 422 with %q and the input", r.StatusCode, tc.want)
			}
		})
	}
	r, _ := adm.Do("POST", "/admin/staff", url.Values{"_csrf": {token}, "email": {"Olga@X.test"}, "name": {"Olga"}, "role": {"finance"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d", r.StatusCode)
	}
	// The new member sets a password from the emailed link and signs in.
	if len(f.Mail.To) != 1 || f.Mail.To[0] != "olga@x.test" {
		t.Fatalf("mail to %v", f.Mail.To)
	}
	link := regexp.MustCompile(`/password/reset\?token=\S+`).FindString(f.Mail.Body[0])
	o := f.Browser(t)
	_, page = o.Do("GET", link, nil)
	tok, _ := url.Parse(link)
	if r, _ := o.Do("POST", "/password/reset", url.Values{"_csrf": {o.CSRF(page)}, "token": {tok.Query().Get("token")}, "password": {pw}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", r.StatusCode)
	}
	ob, _ := f.SignIn(t, "olga@x.test")
	if r, _ := ob.Do("GET", "/admin/payouts", nil); r.StatusCode != http.StatusOK {
		t.Errorf("the new finance member on payouts: %d", r.StatusCode)
	}
	// Disabling her signs her out; the last admin cannot go.
	u, _ := f.DB.UserByEmail(context.Background(), "olga@x.test")
	if r, _ := adm.Do("POST", "/admin/staff/"+strconv.FormatInt(u.ID, 10), url.Values{"_csrf": {token}, "role": {"finance"}, "disabled": {"1"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", r.StatusCode)
	}
	if r, _ := ob.Do("GET", "/admin/payouts", nil); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a disabled member still works: %d", r.StatusCode)
	}
	me, _ := f.DB.UserByEmail(context.Background(), "admin@x.test")
	if r, page := adm.Do("POST", "/admin/staff/"+strconv.FormatInt(me.ID, 10), url.Values{"_csrf": {token}, "role": {"manager"}}); r.StatusCode != 422 || !strings.Contains(page, "your own access") {
		t.Errorf("demoting oneself: %d", r.StatusCode)
	}
	if got := f.auditActions(t, "user", u.ID); len(got) != 2 || got[0] != "admin@x.test staff.update" || got[1] != "admin@x.test staff.add" {
		t.Errorf("audit %v", got)
	}
}
