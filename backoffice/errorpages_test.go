package backoffice

import (
	"html"
	"strings"
	"testing"

	"partnerka/web"
)

// Issue 17, F11: the back office's missing pages were bare text/plain in
// English. They are pages of the back office, in the staff member's
// language, with its navigation and a way home, as the 403 of a role is.
func TestErrorPagesInTheLayout(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, email, lang, path string
		status                  int
		title                   string
	}{
		{"404 en", "admin@x.test", "en", "/admin/partners/999999", 404, web.T("en", "err_title_404")},
		{"404 ru", "finance@x.test", "ru", "/admin/payouts/999999", 404, web.T("ru", "err_title_404")},
		{"403 en", "manager@x.test", "en", "/admin/settings", 403, web.T("en", "forbidden")},
		{"403 ru", "finance@x.test", "ru", "/admin/registrations", 403, web.T("ru", "forbidden")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := f.SignIn(t, tc.email)
			resp, page := b.Do("GET", tc.path, nil)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("got %d %s, want %d text/html", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
			}
			for _, want := range []string{`<html lang="` + tc.lang + `">`, `<header class="top">`,
				`<a href="/admin">` + web.T(tc.lang, "overview") + `</a>`, "<h1>" + html.EscapeString(tc.title) + "</h1>"} {
				if !strings.Contains(page, want) {
					t.Errorf("the page lacks %q:\n%s", want, page)
				}
			}
		})
	}
}
