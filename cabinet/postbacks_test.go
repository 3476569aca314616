package cabinet

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestPostbackSettings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	b := f.Browser(t)
	b.Login("alpha@x.test", pw) // a Russian-speaking owner
	_, page := b.Do("GET", "/settings", nil)
	if !strings.Contains(page, "Постбэков пока не было") || !strings.Contains(page, "{click_id}") {
		t.Fatalf("settings page without the postback section:\n%s", page)
	}
	csrf := b.CSRF(page)

	r, page := b.Do("POST", "/settings/postback", url.Values{"postback_url": {"https://t.example/pb?c={clickid}"}, "_csrf": {csrf}})
	if r.StatusCode != 422 || !strings.Contains(page, "Адрес постбэка не сохранён") || !strings.Contains(page, "{clickid}") {
		t.Errorf("unknown placeholder: %d\n%s", r.StatusCode, page)
	}
	if r, _ := b.Do("POST", "/settings/postback", url.Values{"postback_url": {"https://t.example/pb"}}); r.StatusCode != 403 {
		t.Errorf("without CSRF: %d, want 403", r.StatusCode)
	}
	const good = "https://t.example/pb?c={click_id}&a={amount}"
	if r, _ := b.Do("POST", "/settings/postback", url.Values{"postback_url": {good}, "_csrf": {csrf}}); r.StatusCode != 303 {
		t.Fatalf("save: %d", r.StatusCode)
	}
	if got, _ := f.DB.PostbackSettings(ctx, alpha); got.URL != good {
		t.Errorf("stored %q, want %q", got.URL, good)
	}
	var audits int
	f.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'partner.postback_url' AND entity_id = $1`, alpha)
	if audits != 1 {
		t.Errorf("%d audit records, want 1", audits)
	}

	// The latest deliveries show with their outcome and error; another
	// partner's never do.
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO outbox (kind, partner_id, payload, attempts, next_at, last_error, created_at) VALUES
		('postback', $1, '{"commission_id": 41}', 2, $3::timestamptz + interval '2 minutes', 'HTTP 503', $3),
		('postback', $2, '{"commission_id": 42}', 1, $3, 'beta''s secret error', $3),
		('postback', $1, '{"commission_id": 43}', 10, '9999-12-31', 'gave up after 10 attempts: HTTP 404', $3)`, alpha, f.Seed.Partners["beta"], now); err != nil {
		t.Fatal(err)
	}
	_, page = b.Do("GET", "/settings?done=pb_saved", nil)
	for _, want := range []string{"Адрес постбэка сохранён", "#41", "HTTP 503", "следующая попытка", "#43", "не доставлен за 10 попыток", "t.example/pb?c={click_id}&amp;a={amount}"} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	if strings.Contains(page, "secret error") || strings.Contains(page, "#42") {
		t.Error("another partner's postback is shown")
	}
}

// An owner checks their endpoint with a test postback: one call with
// sample values, its outcome shown on the settings page, at most one every
// 10 seconds.
func TestSamplePostback(t *testing.T) {
	f := newFixture(t)
	var calls []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls = append(calls, r.URL.RawQuery)
		w.WriteHeader(status)
	}))
	defer srv.Close()
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/settings", nil)
	if strings.Contains(page, "/settings/postback/test") {
		t.Error("test button shown without a saved URL")
	}
	csrf := b.CSRF(page)
	if r, _ := b.Do("POST", "/settings/postback", url.Values{"postback_url": {srv.URL + "/pb?e={event}&a={amount}&cur={currency}&k={click_id}"}, "_csrf": {csrf}}); r.StatusCode != 303 {
		t.Fatalf("save: %d", r.StatusCode)
	}
	_, page = b.Do("GET", "/settings", nil)
	if !strings.Contains(page, "/settings/postback/test") {
		t.Fatal("no test button with a saved URL")
	}
	if r, _ := b.Do("POST", "/settings/postback/test", url.Values{}); r.StatusCode != 403 || len(calls) != 0 {
		t.Errorf("without CSRF: %d and %d calls, want 403 and none", r.StatusCode, len(calls))
	}
	if r, _ := b.Do("POST", "/settings/postback/test", url.Values{"_csrf": {csrf}}); r.StatusCode != 303 {
		t.Fatalf("test: %d", r.StatusCode)
	}
	if len(calls) != 1 || !regexp.MustCompile(`^e=test&a=12\.34&cur=USD&k=[0-9A-Z]{26}$`).MatchString(calls[0]) {
		t.Fatalf("calls %q, want one with the sample values", calls)
	}
	_, page = b.Do("GET", "/settings", nil)
	if !strings.Contains(page, "Тестовый постбэк доставлен") {
		t.Error("settings page does not say the test was delivered")
	}

	// Again at once: refused, nothing called. Eleven seconds later the
	// endpoint fails, and the page says how.
	r, _ := b.Do("POST", "/settings/postback/test", url.Values{"_csrf": {csrf}})
	if loc := r.Header.Get("Location"); len(calls) != 1 || !strings.Contains(loc, "pb_test_wait") {
		t.Errorf("second test at once: %d calls, redirect %q; want refused", len(calls), loc)
	}
	later := f.srv.Now().Add(11 * time.Second)
	f.srv.Now = func() time.Time { return later }
	status = http.StatusBadGateway
	b.Do("POST", "/settings/postback/test", url.Values{"_csrf": {csrf}})
	_, page = b.Do("GET", "/settings", nil)
	if len(calls) != 2 || !strings.Contains(page, "Тестовый постбэк не доставлен") || !strings.Contains(page, "HTTP 502") {
		t.Errorf("failed test: %d calls; page lacks the failure and its error", len(calls))
	}
}
