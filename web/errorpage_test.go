package web_test

import (
	"bytes"
	"errors"
	"html"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
	"partnerka/web/webtest"
)

// Issue 17, F11: an internal error was a bare text/plain "Internal
// error". It is the 500 page in the layout and the reader's language,
// naming a request id that the log line carries with the error; the
// error's own text stays in the log.
func TestInternalErrorPage(t *testing.T) {
	f := webtest.New(t, nil, func(site *web.Site, r fiber.Router) error {
		ok := func(c *fiber.Ctx) error {
			return c.Type("html").Send(site.Page(c, "landing", site.Locale(c), "home", fiber.Map{"Settings": partnerka.Settings{}}))
		}
		r.Get("/dashboard", ok)
		r.Get("/admin", ok)
		r.Get("/broken", func(*fiber.Ctx) error { return errors.New("pq: relation \"secret_table\" does not exist") })
		return nil
	})
	var log bytes.Buffer
	f.Site.Logger = slog.New(slog.NewJSONHandler(&log, nil))
	rid := regexp.MustCompile(`[0-9a-f]{16}`)
	for _, tc := range []struct{ email, lang, title string }{
		{"alpha@x.test", "ru", "Что-то пошло не так"}, {"beta@x.test", "en", "Something went wrong"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			log.Reset()
			b, _ := f.SignIn(t, tc.email)
			resp, page := b.Do("GET", "/broken?x=1", nil)
			if resp.StatusCode != 500 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
				t.Errorf("got %d %s, want 500 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			for _, want := range []string{`<html lang="` + tc.lang + `">`, `<header class="top">`, "<h1>" + tc.title + "</h1>",
				`<a class="button" href="/broken?x=1">` + html.EscapeString(web.T(tc.lang, "err_retry")) + `</a>`,
				`<a class="button" href="/dashboard">` + html.EscapeString(web.T(tc.lang, "err_home")) + `</a>`} {
				if !strings.Contains(page, want) {
					t.Errorf("the 500 page lacks %q:\n%s", want, page)
				}
			}
			if strings.Contains(page, "secret_table") || strings.Contains(page, "Internal error") {
				t.Errorf("the 500 page shows the error:\n%s", page)
			}
			id := rid.FindString(page)
			if id == "" || !strings.Contains(log.String(), `"request_id":"`+id+`"`) || !strings.Contains(log.String(), "secret_table") {
				t.Errorf("request id %q not logged with the error:\n%s", id, log.String())
			}
		})
	}
}
