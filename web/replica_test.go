package web_test

import (
	"testing"
	"time"

	"partnerka/web"
)

// How old a replica's figures may be, in both languages: whole seconds
// rounded up, then minutes from two.
func TestStaleText(t *testing.T) {
	for _, tc := range []struct {
		lag    time.Duration
		locale string
		want   string
	}{
		{5200 * time.Millisecond, "en", "Figures on this page may be up to 6\u00a0s old; the latest changes will show shortly."},
		{5200 * time.Millisecond, "ru", "Цифры на странице могут отставать до 6\u00a0с — последние изменения появятся чуть позже."},
		{119 * time.Second, "en", "Figures on this page may be up to 119\u00a0s old; the latest changes will show shortly."},
		{150 * time.Second, "ru", "Цифры на странице могут отставать до 3\u00a0мин — последние изменения появятся чуть позже."},
	} {
		if got := web.StaleText(tc.lag, tc.locale); got != tc.want {
			t.Errorf("StaleText(%v, %s) = %q, want %q", tc.lag, tc.locale, got, tc.want)
		}
	}
}

// Without a replica nothing is marked: a form sent sets no WriteCookie.
func TestNoReplicaNoWriteMark(t *testing.T) {
	f := newSiteFixture(t)
	b := f.Browser(t)
	if r, _ := b.Login("alpha@x.test", "correct horse battery"); r.StatusCode != 303 {
		t.Fatalf("sign in: %d", r.StatusCode)
	}
	if c := b.Cookies[web.WriteCookie]; c != nil {
		t.Errorf("a site without a replica set %s=%s", c.Name, c.Value)
	}
}
