package backoffice

import (
	"context"
	"encoding/csv"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"partnerka/storage/storagetest"
)

// generatedPartners is how many partners seedPartnerList adds to the
// standard three.
const generatedPartners = 117

// seedPartnerList is seedOverview (alpha: 3 customers, 2 200 RUB and 20
// USD of revenue, 233 RUB and 2 USD earned; beta: 1 customer, 300 RUB,
// 30 RUB) plus partners p1…p117 ("Partner 001"…), created i hours before
// now, suspended when i is a multiple of 10, each with i%7 customers who
// pay 100·(i%13) RUB each, 50 RUB of it refunded when i is a multiple of
// 5, the first also 3 USD when i is a multiple of 4; each earns a bonus
// of i RUB (and 1 USD when i is a multiple of 4). genPartner states the
// same figures in Go.
func seedPartnerList(t *testing.T, f *fixture) {
	t.Helper()
	seedOverview(t, f)
	ctx := context.Background()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO partners (ref, name, kind, status, contact_email, created_at, updated_at)
		  SELECT 'p' || i, 'Partner ' || lpad(i::text, 3, '0'), 'company', CASE WHEN i % 10 = 0 THEN 'suspended' ELSE 'active' END,
		         'p' || i || '@mail.test', $1::timestamptz - i * interval '1 hour', $1
		    FROM generate_series(1, $2::int) AS i`, []any{now, generatedPartners}},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
		  SELECT p.ref || '-c' || k, p.id, 'partner_ref', 'attributed', '2026-11-01', '2026-11-01', $1
		    FROM partners p, generate_series(1, 6) AS k WHERE p.ref ~ '^p[0-9]+$' AND k <= substr(p.ref, 2)::int % 7`, []any{now}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at)
		  SELECT c.external_id || '-RUB', c.external_id, 100 * (substr(p.ref, 2)::int % 13), 'RUB', '2026-11-02', '\x00', $1
		    FROM customers c JOIN partners p ON p.id = c.partner_id WHERE p.ref ~ '^p[0-9]+$' AND substr(p.ref, 2)::int % 13 > 0`, []any{now}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at)
		  SELECT c.external_id || '-USD', c.external_id, 3, 'USD', '2026-11-02', '\x00', $1
		    FROM customers c JOIN partners p ON p.id = c.partner_id
		   WHERE p.ref ~ '^p[0-9]+$' AND substr(p.ref, 2)::int % 4 = 0 AND c.external_id = p.ref || '-c1'`, []any{now}},
		{storagetest.Earners, nil},
		{`INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, body_hash, received_at)
		  SELECT pu.external_id || '-r', pu.id, 50, 'RUB', '2026-11-03', '\x00', $1
		    FROM purchases pu JOIN partners p ON pu.external_id = p.ref || '-c1-RUB' WHERE p.ref ~ '^p[0-9]+$' AND substr(p.ref, 2)::int % 5 = 0`, []any{now}},
		{`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
		  SELECT p.id, 'RUB', 'available', 'bonus', substr(p.ref, 2)::int, 'contest', $1 FROM partners p WHERE p.ref ~ '^p[0-9]+$'`, []any{now}},
		{`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
		  SELECT p.id, 'USD', 'available', 'bonus', 1, 'contest', $1 FROM partners p
		   WHERE p.ref ~ '^p[0-9]+$' AND substr(p.ref, 2)::int % 4 = 0`, []any{now}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
}

// listed is a partner as the oracle knows them.
type listed struct {
	id                   int64
	name, status         string
	hoursOld             int // before now
	customers            int64
	rub, usd             decimal.Decimal // revenue
	earnedRUB, earnedUSD decimal.Decimal
}

// partnerOracle states the figures of seedPartnerList without the
// database's help.
func partnerOracle(t *testing.T, f *fixture) []listed {
	t.Helper()
	d := decimal.NewFromInt
	out := []listed{
		{id: f.Seed.Partners["alpha"], name: "Alpha Media", status: "active", customers: 3, rub: d(2200), usd: d(20), earnedRUB: d(233), earnedUSD: d(2)},
		{id: f.Seed.Partners["beta"], name: "Beta Corp", status: "active", customers: 1, rub: d(300), earnedRUB: d(30)},
		{id: f.Seed.Partners["gamma"], name: "Gamma", status: "applied"},
	}
	ids := map[string]int64{}
	rows, err := f.DB.Query(`SELECT ref, id FROM partners WHERE ref ~ '^p[0-9]+$'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var ref string
		var id int64
		rows.Scan(&ref, &id)
		ids[ref] = id
	}
	rows.Close()
	for i := 1; i <= generatedPartners; i++ {
		p := listed{id: ids["p"+strconv.Itoa(i)], name: fmt.Sprintf("Partner %03d", i), status: "active", hoursOld: i,
			customers: int64(i % 7), earnedRUB: d(int64(i))}
		if i%10 == 0 {
			p.status = "suspended"
		}
		p.rub = d(p.customers * 100 * int64(i%13))
		if i%5 == 0 && p.rub.IsPositive() {
			p.rub = p.rub.Sub(d(50))
		}
		if i%4 == 0 {
			p.earnedUSD = d(1)
			if p.customers > 0 {
				p.usd = d(3)
			}
		}
		out = append(out, p)
	}
	return out
}

// order sorts the oracle's partners as the list's sort key says, ties by id.
func order(ps []listed, sort string) []int64 {
	ps = slices.Clone(ps)
	key := strings.TrimPrefix(sort, "-")
	slices.SortStableFunc(ps, func(a, b listed) int {
		var c int
		switch key {
		case "name":
			c = strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
		case "created":
			c = b.hoursOld - a.hoursOld // older first
		case "revenue":
			c = a.rub.Cmp(b.rub)
		case "customers":
			c = int(a.customers - b.customers)
		}
		if strings.HasPrefix(sort, "-") {
			c = -c
		}
		if c == 0 {
			c = int(a.id - b.id)
		}
		return c
	})
	var out []int64
	for _, p := range ps {
		out = append(out, p.id)
	}
	return out
}

var listedRow = regexp.MustCompile(`<tr data-partner="([0-9]+)">`)

func rowIDs(page string) []int64 {
	var out []int64
	for _, m := range listedRow.FindAllStringSubmatch(page, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, id)
	}
	return out
}

// Finding 11: the partner list had no figures, sort, pages or export. It
// lists every partner, 50 at a time under an honest "X–Y of N", with
// customers, revenue and earnings per currency, sorted by any of four
// columns either way, filtered by status and a search.
func TestPartnerListPagesAndSorts(t *testing.T) {
	f := newFixture(t)
	seedPartnerList(t, f)
	oracle := partnerOracle(t, f)
	b, _ := f.SignIn(t, "finance@x.test") // every staff role reads the list; finance reads Russian
	total := len(oracle)

	for _, sort := range []string{"name", "-name", "created", "-created", "revenue", "-revenue", "customers", "-customers"} {
		t.Run(sort, func(t *testing.T) {
			want := order(oracle, sort)
			var got []int64
			for page := 1; page <= 3; page++ {
				_, body := b.Do("GET", "/admin/partners?sort="+sort+"&page="+strconv.Itoa(page), nil)
				ids := rowIDs(body)
				first, last := (page-1)*50+1, min(page*50, total)
				if text := fmt.Sprintf("%d–%d из %d", first, last, total); !strings.Contains(body, text) || len(ids) != last-first+1 {
					t.Fatalf("page %d: %d rows, want %d under %q", page, len(ids), last-first+1, text)
				}
				got = append(got, ids...)
			}
			if !slices.Equal(got, want) {
				t.Errorf("sorted by %s:\n got %v\nwant %v", sort, got, want)
			}
		})
	}

	// The figures of a row: the program's currency first, the others below.
	_, body := b.Do("GET", "/admin/partners?sort=-revenue&q=alpha", nil)
	alphaRow := between(body, fmt.Sprintf(`<tr data-partner="%d">`, f.Seed.Partners["alpha"]), "</tr>")
	for _, want := range []string{`class="num">3</td>`, "2\u00a0200,00\u00a0₽<br><span class=\"muted\">20,00\u00a0$</span>",
		"233,00\u00a0₽<br><span class=\"muted\">2,00\u00a0$</span>"} {
		if !strings.Contains(alphaRow, want) {
			t.Errorf("alpha's row lacks %s:\n%s", want, alphaRow)
		}
	}
	if !strings.Contains(body, `aria-sort="descending"><a href="/admin/partners?q=alpha&amp;sort=revenue">Выручка ▼</a>`) {
		t.Errorf("the revenue column does not say it sorts descending, or does not offer the other way")
	}

	// Filtered by status and a search: the total counts the filter.
	for _, tc := range []struct {
		query string
		want  func(listed) bool
	}{
		{"status=suspended", func(p listed) bool { return p.status == "suspended" }},
		{"status=active&q=partner+01", func(p listed) bool {
			return p.status == "active" && strings.Contains(strings.ToLower(p.name), "partner 01")
		}},
		{"q=P10%40MAIL", func(p listed) bool { return p.name == "Partner 010" }}, // the contact email, in any case
		{"q=50%25", func(listed) bool { return false }},                          // a % is a character, not a wildcard
	} {
		var want []int64
		for _, p := range oracle {
			if tc.want(p) {
				want = append(want, p.id)
			}
		}
		_, body := b.Do("GET", "/admin/partners?sort=name&"+tc.query, nil)
		slices.Sort(want)
		got := rowIDs(body)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, want)
		}
		if len(want) > 0 && !strings.Contains(body, fmt.Sprintf("1–%d из %d", len(want), len(want))) {
			t.Errorf("%s: no honest total of %d", tc.query, len(want))
		}
	}
	// Past the last page: the last page.
	for _, page := range []string{"9", "9223372036854775807"} {
		if resp, body := b.Do("GET", "/admin/partners?page="+page, nil); resp.StatusCode != 200 || !strings.Contains(body, fmt.Sprintf("101–%d из %d", total, total)) {
			t.Errorf("page %s of 3: %d, not the last page", page, resp.StatusCode)
		}
	}
}

// The export has the list as filtered and sorted, every page of it: one
// line per partner and currency, the program's currency first, a partner
// without money on one line.
func TestPartnersCSVMatchesTheFilter(t *testing.T) {
	f := newFixture(t)
	seedPartnerList(t, f)
	oracle := partnerOracle(t, f)
	b, _ := f.SignIn(t, "manager@x.test")
	_, page := b.Do("GET", "/admin/partners?status=active&sort=-revenue", nil)
	if !strings.Contains(page, `href="/admin/partners.csv?sort=-revenue&amp;status=active"`) {
		t.Fatalf("the list does not link its export with its filter")
	}
	resp, body := b.Do("GET", "/admin/partners.csv?sort=-revenue&status=active", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "partner_id,ref,name,status,kind,type,plan,contact_name,contact_email,created_at,customers,currency,revenue,earnings" {
		t.Errorf("header %s", got)
	}
	var active []listed
	byID := map[int64]listed{}
	for _, p := range oracle {
		if p.status == "active" {
			active = append(active, p)
		}
		byID[p.id] = p
	}
	var ids []int64
	for _, r := range recs[1:] {
		id, _ := strconv.ParseInt(r[0], 10, 64)
		if len(ids) == 0 || ids[len(ids)-1] != id {
			ids = append(ids, id)
		}
		p := byID[id]
		if r[3] != "active" || r[10] != strconv.FormatInt(p.customers, 10) {
			t.Errorf("line %v: want an active partner with %d customers", r, p.customers)
		}
		var rev, earned decimal.Decimal
		switch r[11] {
		case "RUB":
			rev, earned = p.rub, p.earnedRUB
		case "USD":
			rev, earned = p.usd, p.earnedUSD
		case "":
			if !p.rub.IsZero() || !p.earnedRUB.IsZero() {
				t.Errorf("line %v: a partner with money on a line without a currency", r)
			}
			continue
		}
		if r[12] != rev.StringFixed(2) || r[13] != earned.StringFixed(2) {
			t.Errorf("line %v: want revenue %s, earnings %s", r, rev.StringFixed(2), earned.StringFixed(2))
		}
	}
	if want := order(active, "-revenue"); !slices.Equal(ids, want) {
		t.Errorf("the export's partners:\n got %v\nwant %v", ids, want)
	}
	alpha := strconv.FormatInt(f.Seed.Partners["alpha"], 10)
	var alphaLines []string
	for _, r := range recs[1:] {
		if r[0] == alpha {
			alphaLines = append(alphaLines, strings.Join(r[11:], ","))
		}
	}
	if got := strings.Join(alphaLines, " "); got != "RUB,2200.00,233.00 USD,20.00,2.00" {
		t.Errorf("alpha's lines: %s", got)
	}
	_, body = b.Do("GET", "/admin/partners.csv?status=applied", nil)
	if lines := strings.Split(strings.TrimSpace(body), "\n"); len(lines) != 2 || !strings.HasSuffix(lines[1], ",0,,,") ||
		!strings.HasPrefix(lines[1], strconv.FormatInt(f.Seed.Partners["gamma"], 10)+",gamma,Gamma,applied,") {
		t.Errorf("the applications' export:\n%s", body)
	}
}
