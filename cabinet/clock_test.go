package cabinet

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// One clock, at the edges of the calendar. A partner in New York (a zone
// with summer time) is shown months and days of New York; a bonus a
// manager books at 23:59:59 there is dated by the program's clock and
// belongs to the month the partner's page shows it in, whatever the
// database server's clock says (make test-clock moves it). A day across
// the end of summer time is 25 hours long and holds its leads.
func TestCalendarEdges(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	clock := now
	f.srv.Now = func() time.Time { return clock }
	if _, err := f.DB.ExecContext(ctx, `UPDATE users SET time_zone = 'America/New_York' WHERE email = 'beta@x.test'`); err != nil {
		t.Fatal(err)
	}
	beta := f.Seed.Partners["beta"]
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	bonus := func(when time.Time, reason string) {
		t.Helper()
		clock = when
		m, token := f.SignIn(t, "manager@x.test")
		resp, _ := m.Do("POST", "/admin/partners/"+strconv.FormatInt(beta, 10)+"/entries",
			url.Values{"_csrf": {token}, "kind": {"bonus"}, "amount": {"10"}, "currency": {"USD"}, "reason": {reason}})
		if resp.StatusCode != 303 {
			t.Fatalf("booking %q: %d", reason, resp.StatusCode)
		}
	}
	bonus(at("2026-12-01T04:59:59Z"), "November's last second") // Nov 30, 23:59:59 EST; December in UTC
	bonus(at("2027-01-01T04:59:59Z"), "December's last second") // Dec 31, 23:59:59 EST; 2027 in UTC
	bonus(at("2026-11-02T04:30:00Z"), "After summer time")      // Nov 1, 23:30 EST, the 25-hour day

	for _, tc := range []struct {
		name, readAt, query, wantRange string
		shown, hidden                  []string
	}{
		{"the month's last second is in the month", "2026-12-01T04:59:59Z", "period=this_month", "Nov 1, 2026 – Nov 30, 2026",
			[]string{"November&#39;s last second"}, nil},
		{"a second later it is last month", "2026-12-01T05:00:00Z", "period=last_month", "Nov 1, 2026 – Nov 30, 2026",
			[]string{"November&#39;s last second"}, []string{"December&#39;s last second"}},
		{"and not this month", "2026-12-01T05:00:00Z", "period=this_month", "Dec 1, 2026 – Dec 31, 2026",
			nil, []string{"November&#39;s last second"}},
		{"the year's last second is in December", "2027-01-01T04:59:59Z", "period=this_month", "Dec 1, 2026 – Dec 31, 2026",
			[]string{"December&#39;s last second"}, []string{"November&#39;s last second"}},
		{"in the new year, December is last month", "2027-01-01T05:00:00Z", "period=last_month", "Dec 1, 2026 – Dec 31, 2026",
			[]string{"December&#39;s last second"}, nil},
		{"the new year's month is empty", "2027-01-01T05:00:00Z", "period=this_month", "Jan 1, 2027 – Jan 31, 2027",
			nil, []string{"December&#39;s last second"}},
		{"the 25-hour day holds its last hour", "2026-11-05T12:00:00Z", "period=custom&from=2026-11-01&to=2026-11-01", "Nov 1, 2026 – Nov 1, 2026",
			[]string{"After summer time"}, nil},
		{"the next day does not", "2026-11-05T12:00:00Z", "period=custom&from=2026-11-02&to=2026-11-02", "Nov 2, 2026 – Nov 2, 2026",
			nil, []string{"After summer time"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock = at(tc.readAt)
			b, _ := f.SignIn(t, "beta@x.test")
			resp, page := b.Do("GET", "/earnings?"+tc.query, nil)
			if resp.StatusCode != 200 || !strings.Contains(page, tc.wantRange) || !strings.Contains(page, "America/New_York") {
				t.Fatalf("%d, want the period %q in America/New_York", resp.StatusCode, tc.wantRange)
			}
			for _, s := range tc.shown {
				if !strings.Contains(page, s) {
					t.Errorf("%q is missing", s)
				}
			}
			for _, s := range tc.hidden {
				if strings.Contains(page, s) {
					t.Errorf("%q is shown, but belongs to another period", s)
				}
			}
		})
	}

	// Leads of the 25-hour day: at 00:30 EDT and at 23:30 EST, both on
	// November 1 in New York, 24 hours apart plus the repeated hour.
	for i, bound := range []string{"2026-11-01T04:30:00Z", "2026-11-02T04:30:00Z"} {
		if _, err := f.DB.ExecContext(ctx, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
			VALUES ($1, $2, 'partner_ref', 'attributed', $3, $3, $3)`, "dst-"+strconv.Itoa(i), beta, at(bound)); err != nil {
			t.Fatal(err)
		}
	}
	clock = at("2026-11-05T12:00:00Z")
	b, _ := f.SignIn(t, "beta@x.test")
	_, page := b.Do("GET", "/dashboard?period=custom&from=2026-10-31&to=2026-11-02", nil)
	for day, want := range map[string]string{"Oct 31, 2026": "0", "Nov 1, 2026": "2", "Nov 2, 2026": "0"} {
		m := regexp.MustCompile(regexp.QuoteMeta(day) + `</td><td[^>]*>[^<]*</td><td[^>]*>([^<]*)</td>`).FindStringSubmatch(page)
		if m == nil || m[1] != want {
			t.Errorf("%s: leads %v, want %s", day, m, want)
		}
	}
}
