package cabinet

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"partnerka"
	"partnerka/web"
	"partnerka/web/webtest"
)

// applyAs submits the application form from a new browser with email.
func (f *fixture) applyAs(t *testing.T, email, ip string) (status int, location, page string) {
	t.Helper()
	b := f.Browser(t)
	if ip != "" {
		b.Header = map[string]string{"X-Forwarded-For": ip}
	}
	_, form := b.Do("GET", "/apply", nil)
	r, _ := b.Do("POST", "/apply", url.Values{"kind": {"person"}, "name": {"Mallory Deals"}, "contact_name": {"Mallory"},
		"email": {email}, "password": {"long enough password"}, "promotion": {"Call +1-555-0100 now"}, "_csrf": {b.CSRF(form)}})
	_, page = b.Do("GET", r.Header.Get("Location"), nil)
	return r.StatusCode, r.Header.Get("Location"), strings.ReplaceAll(page, b.CSRF(page), "(token)") // each browser has its own
}

// Issue 17, F13: the anonymous application answered "an account with this
// email exists" (staff emails too), so anyone could test which emails
// have accounts. Now a taken email is answered as a new one, and the
// address gets an email either way: the new applicant that the
// application is received, the account's owner that someone applied
// with their address and how to sign in.
func TestApplicationRevealsNoAccount(t *testing.T) {
	f := newFixture(t)
	var before int
	f.DB.Get(&before, `SELECT count(*) FROM partners`)
	status, location, answer := f.applyAs(t, "zoe@zeta.test", "")
	if status != 303 || location != "/apply?done=1" || !strings.Contains(answer, "Check your email") {
		t.Fatalf("a new email: %d %s\n%s", status, location, answer)
	}
	for _, email := range []string{"alpha@x.test", "Manager@X.test"} {
		s, l, page := f.applyAs(t, email, "")
		if s != status || l != location || page != answer {
			t.Errorf("%s is answered %d %s, a new email %d %s (and the pages must be the same)", email, s, l, status, location)
		}
	}
	var after int
	f.DB.Get(&after, `SELECT count(*) FROM partners`)
	if after != before+1 {
		t.Errorf("%d partners created, want 1 (the new email's)", after-before)
	}
	mail := map[string]webtest.Mail{}
	for _, m := range f.Mail.Sent {
		mail[m.To] = m
	}
	if m := mail["zoe@zeta.test"]; !strings.Contains(m.Subject, "we received your partner application") {
		t.Errorf("the new applicant's email: %+v", m)
	}
	if m := mail["alpha@x.test"]; !strings.Contains(m.Subject, "заявка с вашим адресом почты") ||
		!strings.Contains(m.Body, "http://c.test/login") || !strings.Contains(m.Body, "http://c.test/password/forgot") {
		t.Errorf("alpha's notice (in alpha's Russian): %+v", m)
	}
	if m := mail["manager@x.test"]; !strings.Contains(m.Body, "already has an account, so no new application was made") {
		t.Errorf("the manager's notice: %+v", m)
	}
	for _, m := range f.Mail.Sent {
		if strings.Contains(m.Body, "Mallory") || strings.Contains(m.Body, "555") {
			t.Errorf("the email to %s repeats what the form said: %s", m.To, m.Body)
		}
	}
	if len(f.Mail.Sent) != 3 {
		t.Errorf("%d emails, want 3: %v", len(f.Mail.Sent), f.Mail.To)
	}
}

// Applying again and again with someone's email sends them at most
// ApplicationLimit.PerEmail notices an hour; the answer stays the same.
func TestApplicationEmailLimit(t *testing.T) {
	f := newFixture(t)
	var err error
	if f.Site.Proxies, err = partnerka.ParseTrustedProxies("0.0.0.0/0"); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		if s, l, _ := f.applyAs(t, "beta@x.test", fmt.Sprintf("203.0.113.%d", i+1)); s != 303 || l != "/apply?done=1" {
			t.Fatalf("application %d: %d %s", i, s, l)
		}
	}
	if len(f.Mail.To) != web.ApplicationLimit.PerEmail {
		t.Errorf("6 applications with beta's email: %d notices, want %d", len(f.Mail.To), web.ApplicationLimit.PerEmail)
	}
}

// Issue 17, F13: inviting an email that has an account elsewhere said so.
// Now it is invited as a new one: the same answer and pending invitation,
// and the address gets a notice in place of the link.
func TestInvitationRevealsNoAccount(t *testing.T) {
	f := newFixture(t)
	owner, csrf := f.SignIn(t, "alpha@x.test")
	emails := []string{"new@example.test", "beta@x.test", "Manager@X.test"}
	for _, email := range emails {
		r, out := owner.Do("POST", "/settings/team/invite", url.Values{"email": {email}, "_csrf": {csrf}})
		if r.StatusCode != 303 || r.Header.Get("Location") != "/settings?done=team_invited#team" {
			t.Errorf("invite %s: %d %s\n%s", email, r.StatusCode, r.Header.Get("Location"), out)
		}
	}
	_, page := owner.Do("GET", "/settings?done=team_invited", nil)
	for _, email := range emails {
		if e := partnerka.NormalizeEmail(email); !strings.Contains(page, e) || !strings.Contains(page, "/settings/team/revoke") {
			t.Errorf("the invitation of %s is not listed as pending", e)
		}
	}
	if len(f.Mail.Sent) != 3 {
		t.Fatalf("%d emails, want one to each address: %v", len(f.Mail.Sent), f.Mail.To)
	}
	for _, m := range f.Mail.Sent {
		link := inviteLink.MatchString(m.Body)
		switch m.To {
		case "new@example.test":
			if !link {
				t.Errorf("the new address got no link:\n%s", m.Body)
			}
		default:
			if link || !strings.Contains(m.Body, "already has an account") || !strings.Contains(m.Body, "Alpha Media") {
				t.Errorf("the notice to %s (a link: %v):\n%s", m.To, link, m.Body)
			}
		}
	}
	var n int
	f.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'team.invite'`)
	if n != 3 {
		t.Errorf("%d team.invite audit records, want 3", n)
	}
}

// errorLog counts the log lines at ERROR level.
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) Enabled(_ context.Context, level slog.Level) bool { return level >= slog.LevelError }
func (l *errorLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Message)
	return nil
}
func (l *errorLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *errorLog) WithGroup(string) slog.Handler      { return l }

// Issue 17, F15: a zero byte or invalid UTF-8 in any form field (signed
// out too, on /login and /apply) answered 500 and logged an ERROR. Every
// form value now passes one check before any page reads it: the page the
// form was on is shown again with status 400, naming the field, and
// nothing is logged or stored.
func TestUnstorableFormValues(t *testing.T) {
	f := newFixture(t)
	errs := &errorLog{}
	f.Site.Logger = slog.New(errs)
	var partners, invitations int
	count := func() (int, int) {
		var p, i int
		f.DB.Get(&p, `SELECT count(*) FROM partners`)
		f.DB.Get(&i, `SELECT count(*) FROM invitations`)
		return p, i
	}
	partners, invitations = count()

	anon := f.Browser(t)
	_, login := anon.Do("GET", "/login", nil)
	_, apply := anon.Do("GET", "/apply", nil)
	owner, csrf := f.SignIn(t, "alpha@x.test")
	admin, adminCSRF := f.SignIn(t, "admin@x.test")
	for _, tc := range []struct {
		name    string
		b       *webtest.Browser
		method  string
		path    string
		form    url.Values
		referer string
		want    []string // on the page answered
	}{
		{"login, NUL", anon, "POST", "/login", url.Values{"email": {"alpha@x.test\x00"}, "password": {pw}, "_csrf": {anon.CSRF(login)}}, "",
			[]string{"The field “Email” contains a character that cannot be saved", `action="/login"`}},
		{"login, invalid UTF-8", anon, "POST", "/login", url.Values{"email": {"alpha@x.test"}, "password": {"\xff\xfe password"}, "_csrf": {anon.CSRF(login)}}, "",
			[]string{"The field “Password”", `action="/login"`}},
		{"apply", anon, "POST", "/apply", url.Values{"kind": {"person"}, "name": {"Zeta"}, "contact_name": {"Zoe"}, "email": {"zoe@zeta.test"},
			"password": {"long enough password"}, "promotion": {"Blog\x00"}, "_csrf": {anon.CSRF(apply)}}, "",
			[]string{"The field “How will you promote us?”", `action="/apply"`}},
		{"forgot", anon, "POST", "/password/forgot", url.Values{"email": {"\xc3"}, "_csrf": {anon.CSRF(login)}}, "",
			[]string{"The field “Email”", `action="/password/forgot"`}},
		{"invite, from the settings page", owner, "POST", "/settings/team/invite", url.Values{"email": {"nina\xff@example.test"}, "_csrf": {csrf}},
			"http://example.com/settings", []string{"Поле «Эл. почта» содержит символ", `action="/settings/team/invite"`}},
		{"a form without a page of its own", owner, "POST", "/settings/team/revoke", url.Values{"email": {"a\x00"}, "_csrf": {csrf}}, "",
			[]string{"Поле «Эл. почта» содержит символ", "Запрос не выполнен"}},
		{"a search", admin, "GET", "/admin/partners?status=active&q=%00", nil, "", []string{"contains a character that cannot be saved", `name="q"`}},
		{"an audit filter", admin, "GET", "/admin/audit?actor=%FF", nil, "", []string{"contains a character that cannot be saved"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.Header = map[string]string{}
			if tc.referer != "" {
				tc.b.Header["Referer"] = tc.referer
			}
			r, out := tc.b.Do(tc.method, tc.path, tc.form)
			if r.StatusCode != 400 {
				t.Errorf("%d, want 400\n%s", r.StatusCode, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the page lacks %q:\n%s", w, out)
				}
			}
		})
	}
	t.Run("an upload", func(t *testing.T) {
		admin.Header = map[string]string{}
		r, out := admin.Upload("/admin/materials", map[string]string{"kind": "text", "title": "Spring\x00", "body": "Buy now", "_csrf": adminCSRF}, "", nil)
		if r.StatusCode != 400 || !strings.Contains(out, "contains a character that cannot be saved") {
			t.Errorf("%d, want 400 naming the field:\n%s", r.StatusCode, out)
		}
	})
	if p, i := count(); p != partners || i != invitations {
		t.Errorf("refused forms stored something: partners %d → %d, invitations %d → %d", partners, p, invitations, i)
	}
	var materials int
	f.DB.Get(&materials, `SELECT count(*) FROM materials`)
	if materials != 0 {
		t.Errorf("%d materials stored", materials)
	}
	if len(errs.lines) != 0 {
		t.Errorf("ERROR log lines: %v", errs.lines)
	}
	// The forms still work.
	if r, _ := f.Browser(t).Login("alpha@x.test", pw); r.StatusCode != 303 {
		t.Errorf("sign-in after the refusals: %d", r.StatusCode)
	}
}
