package cabinet

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"partnerka"
)

// Issue 17, F1: beta owns beta-secret; alpha creating BETA-SECRET (or any
// other case of it) is told on the form that the code is taken.
func TestLinkCodeTakenInAnyCase(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st, err := f.DB.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.AllowedDomains = []string{"example.com"}
	if err := f.DB.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := f.DB.CreateLink(ctx, &partnerka.Link{PartnerID: f.Seed.Partners["beta"], Code: "beta-secret", Destination: "https://example.com/"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ email, want string }{
		{"alpha@x.test", "Этот код ссылки занят: BETA-SECRET — код другой ссылки (регистр букв не различается)"},
		{"beta@x.test", "This link code is taken: BETA-SECRET is another link&#39;s code (codes do not differ by case)"},
	} {
		b := f.Browser(t)
		b.Login(tc.email, pw)
		_, page := b.Do("GET", "/links", nil)
		resp, out := b.Post(b.CSRF(page), "/links", url.Values{"destination": {"https://example.com/mine"}, "code": {"BETA-SECRET"}})
		if resp.StatusCode != 422 || !strings.Contains(out, tc.want) || !strings.Contains(out, `value="BETA-SECRET"`) {
			t.Errorf("%s creating BETA-SECRET: %d, want 422 with %q and the code kept in the form:\n%s", tc.email, resp.StatusCode, tc.want, out)
		}
	}
	var n int
	if err := f.DB.Get(&n, `SELECT count(*) FROM links WHERE lower(code) = 'beta-secret'`); err != nil || n != 1 {
		t.Errorf("%d links answer to beta-secret, want 1: %v", n, err)
	}
}
