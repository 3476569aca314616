package cabinet

import (
	"strings"
	"testing"
)

// A custom period shows exactly the chosen days; a range that runs
// backwards or spans more than a year falls back to 30 days.
func TestCustomPeriod(t *testing.T) {
	f := newFixture(t)
	b, _ := f.SignIn(t, "beta@x.test") // English, UTC
	for _, tc := range []struct{ query, want string }{
		{"period=custom&from=2026-10-03&to=2026-10-05", "Oct 3, 2026 – Oct 5, 2026"},
		{"period=custom&from=2026-10-05&to=2026-10-03", "Oct 25, 2026 – Nov 23, 2026"},
		{"period=custom&from=2025-01-01&to=2026-10-05", "Oct 25, 2026 – Nov 23, 2026"},
		{"period=custom&from=yesterday&to=2026-10-05", "Oct 25, 2026 – Nov 23, 2026"},
		{"period=last_month", "Oct 1, 2026 – Oct 31, 2026"},
	} {
		for _, page := range []string{"/dashboard", "/earnings"} {
			resp, body := b.Do("GET", page+"?"+tc.query, nil)
			if resp.StatusCode != 200 || !strings.Contains(body, tc.want) {
				t.Errorf("%s?%s: %d, want %q", page, tc.query, resp.StatusCode, tc.want)
			}
		}
	}
	if _, body := b.Do("GET", "/dashboard?period=custom&from=2026-10-05&to=2026-10-03", nil); !strings.Contains(body, "To: enter a last day on or after the first") {
		t.Error("a backwards range falls back without saying why")
	}
	_, body := b.Do("GET", "/earnings?period=custom&from=2026-10-03&to=2026-10-05", nil)
	if !strings.Contains(body, `/earnings.csv?period=custom&amp;from=2026-10-03&amp;to=2026-10-05`) {
		t.Error("the CSV link does not keep the custom period")
	}
	if _, body := b.Do("GET", "/dashboard?period=custom&from=2026-10-03&to=2026-10-05", nil); strings.Count(body, "<tr>") < 3 {
		t.Error("the daily table does not list the three days")
	}
}
