package backoffice

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var customerRow = regexp.MustCompile(`<a href="/admin/customers/[0-9]+">([^<]+)</a>`)

func customerIDs(page string) []string {
	var out []string
	for _, m := range customerRow.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// Finding 12: the partner page showed a partner's customers as a count
// only. Staff list and search them: the page links to the customer search
// filtered to the partner, which pages through all of them, latest bound
// first, under an honest total.
func TestPartnerCustomers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO customers (external_id, email, partner_id, source, reason, bound_at, first_seen_at, created_at)
		SELECT 'cust-' || i, 'buyer' || i || '@shop.test', CASE WHEN i <= 60 THEN $1 ELSE $2 END::bigint, 'partner_ref', 'attributed',
		       $3::timestamptz - i * interval '1 hour', $3::timestamptz - i * interval '1 hour', $3
		  FROM generate_series(1, 63) AS i`, alpha, beta, now); err != nil {
		t.Fatal(err)
	}
	m, _ := f.SignIn(t, "manager@x.test")
	_, page := m.Do("GET", "/admin/partners/"+strconv.FormatInt(alpha, 10), nil)
	link := fmt.Sprintf(`<a href="/admin/customers?partner=%d" id="partner-customers">All 60 customers of this partner →</a>`, alpha)
	if !strings.Contains(page, link) {
		t.Fatalf("the partner page does not link to the partner's customers (%s)", link)
	}
	fin, _ := f.SignIn(t, "finance@x.test")
	if _, page := fin.Do("GET", "/admin/partners/"+strconv.FormatInt(alpha, 10), nil); strings.Contains(page, `id="partner-customers"`) {
		t.Error("finance is offered a search its role cannot open")
	}

	var want []string
	for i := 1; i <= 60; i++ {
		want = append(want, "cust-"+strconv.Itoa(i)) // the latest bound first
	}
	var got []string
	for _, tc := range []struct{ page, text string }{{"", "1–50 of 60"}, {"&page=2", "51–60 of 60"}} {
		_, page := m.Do("GET", fmt.Sprintf("/admin/customers?partner=%d%s", alpha, tc.page), nil)
		if !strings.Contains(page, tc.text) || !strings.Contains(page, "<h1>Customers of Alpha Media</h1>") {
			t.Errorf("page%s: no %q", tc.page, tc.text)
		}
		got = append(got, customerIDs(page)...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("alpha's customers:\n got %v\nwant %v", got, want)
	}
	if _, page := m.Do("GET", fmt.Sprintf("/admin/customers?partner=%d", alpha), nil); !strings.Contains(page, `href="/admin/customers?page=2&amp;partner=`+strconv.FormatInt(alpha, 10)+`" rel="next"`) {
		t.Error("the first page does not link the next one, keeping the partner")
	}

	for _, tc := range []struct {
		name, query string
		status      int
		want        []string
		text        string
	}{
		{"search within the partner", fmt.Sprintf("partner=%d&q=buyer6", alpha), 200, []string{"cust-6", "cust-60"}, "1–2 of 2"},
		{"the same search, every partner", "q=buyer6", 200, []string{"cust-6", "cust-60", "cust-61", "cust-62", "cust-63"}, "1–5 of 5"},
		{"by the partner's ref", "ref=beta", 200, []string{"cust-61", "cust-62", "cust-63"}, "Customers of Beta Corp"},
		{"an exact email", "q=BUYER7@shop.test", 200, []string{"cust-7"}, "1–1 of 1"},
		{"an unknown ref", "ref=nobody", 422, nil, "no partner has the ref"},
		{"an unknown partner", "partner=999999", 404, nil, ""},
		{"a partner without customers", fmt.Sprintf("partner=%d", f.Seed.Partners["gamma"]), 200, nil, "This partner has no customers yet."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := m.Do("GET", "/admin/customers?"+tc.query, nil)
			got := customerIDs(page)
			slices.Sort(got)
			slices.Sort(tc.want)
			if resp.StatusCode != tc.status || !slices.Equal(got, tc.want) || !strings.Contains(page, tc.text) {
				t.Errorf("%d %v, want %d %v with %q", resp.StatusCode, got, tc.status, tc.want, tc.text)
			}
		})
	}
}
