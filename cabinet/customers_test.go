package cabinet

import (
	"context"
	"encoding/csv"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"partnerka/storage/storagetest"
)

// seedCustomers gives alpha 450 customers, a-0001 (bound first) to a-0450
// (bound last), an hour apart, with emails userN@corpK.example (K = N mod
// 3); and beta ten, b-0001 to b-0010, at the same domains. a-0003 pays in
// roubles and dollars, a-0007 most in roubles, a-0009 most in dollars.
// The program's main currency is the rouble.
func seedCustomers(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE program_settings SET default_currency = 'RUB'`, nil},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, email, created_at)
		  SELECT 'a-' || lpad(i::text, 4, '0'), $1, 'click', 'attributed', '2026-01-01'::timestamptz + i * interval '1 hour',
		         '2026-01-01', 'user' || i || '@corp' || (i % 3) || '.example', $2
		    FROM generate_series(1, 450) AS i`, []any{alpha, now}},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, email, created_at)
		  SELECT 'b-' || lpad(i::text, 4, '0'), $1, 'click', 'attributed', '2026-03-01'::timestamptz + i * interval '1 hour',
		         '2026-03-01', 'user' || i || '@corp' || (i % 3) || '.example', $2
		    FROM generate_series(1, 10) AS i`, []any{beta, now}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
			('inv-3a', 'a-0003', 1000.10, 'RUB', '2026-06-01', '\x00', $1), ('inv-3b', 'a-0003', 1999.90, 'RUB', '2026-06-02', '\x00', $1),
			('inv-3c', 'a-0003', 100, 'USD', '2026-06-03', '\x00', $1),
			('inv-3d', 'a-0003', 999, 'USD', '2025-12-01', '\x00', $1), -- before the binding: not the partner's
			('inv-7', 'a-0007', 5000, 'RUB', '2026-06-01', '\x00', $1), ('inv-9', 'a-0009', 200, 'USD', '2026-06-01', '\x00', $1),
			('inv-b1', 'b-0001', 900000, 'RUB', '2026-06-01', '\x00', $1)`, []any{now}},
		{storagetest.Earners, nil},
		{`INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id, rule_id,
			base_amount, amount_unrounded, amount, reversed_amount, currency, status, earned_at, hold_until, explanation, created_at)
		  SELECT $1, c.id, p.id, 'sale', 1, 1, 1, 1, p.amount, x.amount, x.amount, x.reversed, p.currency, x.status, p.occurred_at,
		         p.occurred_at + interval '30 days', 'x', $2
		    FROM (VALUES ('inv-3a', 200.02, 0, 'earned'), ('inv-3b', 399.98, 100, 'earned'), ('inv-3c', 20.5, 0, 'earned'),
		                 ('inv-7', 1000, 0, 'rejected')) AS x(purchase, amount, reversed, status)
		    JOIN purchases p ON p.external_id = x.purchase JOIN customers c ON c.external_id = p.customer_external_id`, []any{alpha, now}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
}

var customerCell = regexp.MustCompile(`<td data-label="(?:Клиент|Customer)">([ab]-[0-9]{4})`)

// listed is the customers a page lists, in its order.
func listed(page string) []string {
	var out []string
	for _, m := range customerCell.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

func ids(from, to int) []string {
	var out []string
	step := 1
	if from > to {
		step = -1
	}
	for i := from; ; i += step {
		out = append(out, "a-"+pad4(i))
		if i == to {
			return out
		}
	}
}

func pad4(i int) string { s := "000" + itoa(int64(i)); return s[len(s)-4:] }

// Issue 10 and 12: the customers page stopped at the 200 latest with no
// word of the others, no search, no order, no export. It now pages through
// all of them with honest counts, the links keeping the search and order.
func TestCustomersPagesThroughAll(t *testing.T) {
	f := newFixture(t)
	seedCustomers(t, f)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)

	_, page := b.Do("GET", "/customers", nil)
	if got := listed(page); !slices.Equal(got, ids(450, 251)) {
		t.Errorf("page 1 lists %d customers %v…, want a-0450 to a-0251", len(got), got[:min(3, len(got))])
	}
	if !strings.Contains(page, "Показаны 1–200 из 450") || !strings.Contains(page, `href="/customers?page=2" rel="next"`) || strings.Contains(page, `rel="prev"`) {
		t.Errorf("page 1's pager:\n%s", pagerOf(page))
	}
	_, page = b.Do("GET", "/customers?page=2", nil)
	if got := listed(page); !slices.Equal(got, ids(250, 51)) {
		t.Errorf("page 2 lists %v…, want a-0250 to a-0051 (rows 201 to 400)", got[:min(3, len(got))])
	}
	if !strings.Contains(page, "Показаны 201–400 из 450") || !strings.Contains(page, `href="/customers" rel="prev"`) ||
		!strings.Contains(page, `href="/customers?page=3" rel="next"`) {
		t.Errorf("page 2's pager:\n%s", pagerOf(page))
	}
	_, page = b.Do("GET", "/customers?page=3", nil)
	if got := listed(page); !slices.Equal(got, ids(50, 1)) || !strings.Contains(page, "Показаны 401–450 из 450") || strings.Contains(page, `rel="next"`) {
		t.Errorf("page 3 lists %d, pager:\n%s", len(got), pagerOf(page))
	}
	// A page past the end leads to the last one.
	if r, _ := b.Do("GET", "/customers?page=9&sort=oldest", nil); r.StatusCode != 303 || r.Header.Get("Location") != "/customers?page=3&sort=oldest" {
		t.Errorf("page 9: %d %s", r.StatusCode, r.Header.Get("Location"))
	}

	// The order and the search are kept from page to page.
	_, page = b.Do("GET", "/customers?sort=oldest&q=a-0", nil)
	if got := listed(page); !slices.Equal(got, ids(1, 200)) || !strings.Contains(page, "Показаны 1–200 из 450") ||
		!strings.Contains(page, `href="/customers?page=2&amp;q=a-0&amp;sort=oldest" rel="next"`) {
		t.Errorf("oldest first: %v…\n%s", got[:min(3, len(got))], pagerOf(page))
	}
	_, page = b.Do("GET", "/customers?page=2&q=a-0&sort=oldest", nil)
	if got := listed(page); !slices.Equal(got, ids(201, 400)) || !strings.Contains(page, `href="/customers?q=a-0&amp;sort=oldest" rel="prev"`) {
		t.Errorf("oldest first, page 2: %v…\n%s", got[:min(3, len(got))], pagerOf(page))
	}
	for _, p := range []string{"/customers", "/customers?page=2", "/customers?page=3", "/customers?q=corp1", "/customers?sort=paid-RUB&q=.example"} {
		if _, page := b.Do("GET", p, nil); strings.Contains(page, "b-00") || strings.Contains(page, "900\u00a0000") {
			t.Errorf("%s shows beta's customers", p)
		}
	}
}

func pagerOf(page string) string {
	if i := strings.Index(page, `<nav class="pager"`); i >= 0 {
		return page[i:min(len(page), i+400)]
	}
	return "(no pager)"
}

func TestCustomersSortAndSearch(t *testing.T) {
	f := newFixture(t)
	seedCustomers(t, f)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	for _, tc := range []struct {
		query string
		first []string
		shown string
	}{
		{"", []string{"a-0450", "a-0449", "a-0448"}, "Показаны 1–200 из 450"},
		{"sort=newest", []string{"a-0450", "a-0449"}, "из 450"},
		{"sort=oldest", []string{"a-0001", "a-0002", "a-0003"}, "из 450"},
		// Most paid in a currency; the rest newest first.
		{"sort=paid-RUB", []string{"a-0007", "a-0003", "a-0450", "a-0449"}, "из 450"},
		{"sort=paid-USD", []string{"a-0009", "a-0003", "a-0450"}, "из 450"},
		{"sort=paid", []string{"a-0007", "a-0003", "a-0450"}, "из 450"}, // the program's main currency
		{"sort=bogus", []string{"a-0450", "a-0449"}, "из 450"},
		// The search looks at what the page shows: the id, the masked email.
		{"q=a-000", ids(9, 1), "Показаны 1–9 из 9"},
		{"q=A-0450", ids(450, 450), "Показаны 1–1 из 1"},
		{"q=a-000&sort=paid-USD", []string{"a-0009", "a-0003", "a-0008", "a-0007"}, "Показаны 1–9 из 9"},
		{"q=%40corp1.example", []string{"a-0448", "a-0445", "a-0442"}, "Показаны 1–150 из 150"},
		{"q=US***%40CORP2", []string{"a-0449", "a-0446"}, "Показаны 1–150 из 150"},
	} {
		_, page := b.Do("GET", "/customers?"+tc.query, nil)
		got := listed(page)
		if len(got) < len(tc.first) || !slices.Equal(got[:len(tc.first)], tc.first) || !strings.Contains(page, tc.shown) {
			t.Errorf("%s: lists %v…, want %v… and %q", tc.query, got[:min(len(got), len(tc.first)+1)], tc.first, tc.shown)
		}
	}
	// corp1 matches N mod 3 = 1, newest first: a-0448, a-0445, a-0442.
	if _, page := b.Do("GET", "/customers?q=corp1", nil); !slices.Equal(listed(page)[:3], []string{"a-0448", "a-0445", "a-0442"}) {
		t.Errorf("q=corp1: %v", listed(page)[:3])
	}
	// What the page hides of an email is not searched: "user7" is in
	// a-0007's email, which the page shows as us***@corp1.example.
	for _, q := range []string{"user7", "er7@", "user7@corp1.example"} {
		_, page := b.Do("GET", "/customers?"+url.Values{"q": {q}}.Encode(), nil)
		if got := listed(page); len(got) != 0 || !strings.Contains(page, "Нет клиентов, подходящих под «"+q+"».") {
			t.Errorf("q=%s finds %v: the search reads the hidden part of the email", q, got)
		}
	}
	// The order select offers the currencies and marks the chosen one.
	_, page := b.Do("GET", "/customers?sort=paid-USD", nil)
	for _, want := range []string{`<option value="oldest">Сначала старые</option>`, `<option value="paid-RUB">Больше всего оплат, RUB</option>`,
		`<option value="paid-USD" selected>Больше всего оплат, USD</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the order select lacks %s", want)
		}
	}
}

// Issue 12: a customer's "total paid" added roubles and dollars under one
// code. Each currency is its own figure, earned too (net of reversals,
// rejected commissions left out).
func TestCustomerPaysInTwoCurrencies(t *testing.T) {
	f := newFixture(t)
	seedCustomers(t, f)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/customers?q=a-0003", nil)
	row := rowOf(t, page, "a-0003")
	for _, want := range []string{
		`<td class="num" data-label="Платежи">3</td>`, "01.06.2026",
		`data-label="Оплачено всего">3` + "\u00a0" + `000,00` + "\u00a0₽<br>100,00\u00a0$</td>",
		`data-label="Вознаграждение"><strong>500,00` + "\u00a0₽<br>20,50\u00a0$</strong>",
	} {
		if !strings.Contains(row, want) {
			t.Errorf("a-0003's row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(row, "1\u00a0099") || strings.Contains(row, "3\u00a0100") {
		t.Errorf("a-0003's row adds currencies or a payment from before the binding:\n%s", row)
	}
	_, page = b.Do("GET", "/customers?q=a-0007", nil)
	if row := rowOf(t, page, "a-0007"); !strings.Contains(row, "5\u00a0000,00\u00a0₽") || !strings.Contains(row, "<strong>—</strong>") {
		t.Errorf("a-0007 (its only commission rejected):\n%s", row)
	}
}

func rowOf(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `">`+id)
	if i < 0 {
		t.Fatalf("no row for %s", id)
	}
	start := strings.LastIndex(page[:i], "<tr>")
	end := strings.Index(page[i:], "</tr>")
	return page[start : i+end]
}

// Issue 10: "ссылка" and "партнёрская ссылка" read alike. Each way a
// customer was bound reads in its own words, naming the partner's own
// link, code or registration.
func TestCustomerBindingSources(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO promo_codes (partner_id, code, created_at, updated_at) VALUES ($1, 'ALPHA10', $2, $2)`, []any{alpha, now}},
		{`INSERT INTO links (partner_id, code, destination_url, label, created_at, updated_at) VALUES ($1, 'beta-link', 'https://example.com/', 'Beta secret', $2, $2)`, []any{beta, now}},
		{`INSERT INTO lead_registrations (partner_id, company, email, protected_until, created_at, status) VALUES ($1, 'Initech', 'boss@initech.example', $2, $2, 'bound')`, []any{alpha, now}},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at, link_id, promo_code_id, registration_id)
		  SELECT x.id, $1, x.source, 'attributed', $2, $2, $2,
		         (SELECT id FROM links WHERE code = x.link), (SELECT id FROM promo_codes WHERE code = x.promo),
		         (SELECT id FROM lead_registrations WHERE company = x.reg)
		    FROM (VALUES ('c-click', 'click', 'alpha', NULL, NULL), ('c-ref', 'partner_ref', NULL, NULL, NULL),
		                 ('c-promo', 'promo_code', NULL, 'ALPHA10', NULL), ('c-reg', 'registration', NULL, NULL, 'Initech'),
		                 ('c-manual', 'manual', NULL, NULL, NULL),
		                 ('c-moved', 'click', 'beta-link', NULL, NULL)) AS x(id, source, link, promo, reg)`, []any{alpha, now.Add(-24 * 3600e9)}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct{ locale, email string }{{"ru", "alpha@x.test"}} {
		b := f.Browser(t)
		b.Login(tc.email, pw)
		_, page := b.Do("GET", "/customers", nil)
		for id, want := range map[string]string{
			"c-click":  "переход по вашей реферальной ссылке alpha",
			"c-ref":    "ваш реферальный код alpha",
			"c-promo":  "промокод ALPHA10",
			"c-reg":    "ваша регистрация лида: Initech",
			"c-manual": "закреплён за вами менеджером программы",
			// Reassigned from beta: beta's link is not named.
			"c-moved": `<td data-label="Источник">переход по вашей реферальной ссылке</td>`,
		} {
			if row := rowOf(t, page, id); !strings.Contains(row, want) {
				t.Errorf("%s's source is not %q:\n%s", id, want, row)
			}
		}
		if strings.Contains(page, "beta-link") || strings.Contains(page, "Beta secret") {
			t.Error("alpha's page names beta's link")
		}
	}
	b := f.Browser(t)
	b.Login("beta@x.test", pw)
	if _, page := b.Do("GET", "/customers", nil); strings.Contains(page, "c-click") || strings.Contains(page, "c-moved") {
		t.Error("beta sees alpha's customers")
	}
}

// The CSV has the customers the search matches, in the page's order, a
// line per currency, exact amounts, and nothing of another partner's.
func TestCustomersCSV(t *testing.T) {
	f := newFixture(t)
	seedCustomers(t, f)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/customers?q=a-000&sort=paid-RUB", nil)
	if !strings.Contains(page, `href="/customers.csv?q=a-000&amp;sort=paid-RUB"`) {
		t.Fatal("the page does not export the list as searched and sorted")
	}
	r, body := b.Do("GET", "/customers.csv?q=a-000&sort=paid-RUB", nil)
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("export: %d %s", r.StatusCode, body)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"customer", "email", "source", "source_detail", "bound_at", "currency", "payments", "first_payment", "paid", "earned"},
		{"a-0007", "us***@corp1.example", "click", "переход по вашей реферальной ссылке", "2026-01-01T07:00:00Z", "RUB", "1", "2026-06-01T00:00:00Z", "5000.00", "0.00"},
		{"a-0003", "us***@corp0.example", "click", "переход по вашей реферальной ссылке", "2026-01-01T03:00:00Z", "RUB", "2", "2026-06-01T00:00:00Z", "3000.00", "500.00"},
		{"a-0003", "us***@corp0.example", "click", "переход по вашей реферальной ссылке", "2026-01-01T03:00:00Z", "USD", "1", "2026-06-03T00:00:00Z", "100.00", "20.50"},
		{"a-0009", "us***@corp0.example", "click", "переход по вашей реферальной ссылке", "2026-01-01T09:00:00Z", "USD", "1", "2026-06-01T00:00:00Z", "200.00", "0.00"},
		{"a-0008", "us***@corp2.example", "click", "переход по вашей реферальной ссылке", "2026-01-01T08:00:00Z", "", "", "", "", ""},
	}
	if len(recs) != 1+9+1 {
		t.Errorf("%d lines, want a header and 10 (9 customers, a-0003 in two currencies):\n%s", len(recs), body)
	}
	for i, w := range want {
		if i >= len(recs) || strings.Join(recs[i], "|") != strings.Join(w, "|") {
			t.Errorf("line %d:\n%q\nwant\n%q", i+1, recs[min(i, len(recs)-1)], w)
		}
	}
	if strings.Contains(body, "b-00") || strings.Contains(body, "user") {
		t.Errorf("the export has beta's customers or unmasked emails:\n%s", body)
	}
}

// Issue 10: the partner's lead registrations are listed with their status
// (pending, approved, rejected with the reason, became a customer, or
// protection expired) and dates, a page at a time.
func TestRegistrationsListed(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO lead_registrations (partner_id, company, email, status, reason, protected_until, created_at)
		SELECT $1, 'Reg ' || i, 'lead' || i || '@prospect' || i || '.example',
		       CASE i WHEN 203 THEN 'rejected' WHEN 202 THEN 'bound' WHEN 201 THEN 'approved' ELSE 'pending' END,
		       CASE i WHEN 203 THEN 'Already in talks with sales' ELSE '' END,
		       CASE i WHEN 204 THEN $2::timestamptz - interval '1 hour' ELSE $2::timestamptz + interval '60 days' END,
		       '2026-09-01'::timestamptz + i * interval '1 hour'
		  FROM generate_series(1, 205) AS i`, alpha, now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO lead_registrations (partner_id, company, email, protected_until, created_at)
		VALUES ($1, 'Beta prospect', 'ceo@betaprospect.example', $2, $2)`, beta, now); err != nil {
		t.Fatal(err)
	}
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/customers", nil)
	for _, tc := range []struct{ company, status string }{
		{"Reg 205", `<span class="status pending">на рассмотрении</span>`},
		{"Reg 204", `<span class="status cancelled">защита истекла</span>`},
		{"Reg 203", `<span class="status rejected">отклонена</span>`},
		{"Reg 202", `<span class="status available">стал клиентом</span>`},
		{"Reg 201", `<span class="status approved">одобрена</span>`},
	} {
		row := rowOf(t, page, "<strong>"+tc.company+"</strong>")
		if !strings.Contains(row, tc.status) {
			t.Errorf("%s's status is not %s:\n%s", tc.company, tc.status, row)
		}
	}
	if row := rowOf(t, page, "<strong>Reg 203</strong>"); !strings.Contains(row, "Already in talks with sales") || !strings.Contains(row, `data-label="Дата регистрации">09.09.2026<`) {
		t.Errorf("the rejection lacks its reason or date:\n%s", row)
	}
	if !strings.Contains(page, "Показаны 1–200 из 205") || !strings.Contains(page, `href="/customers?rpage=2#registrations" rel="next"`) ||
		strings.Contains(page, ">Reg 5<") || strings.Contains(page, "Beta prospect") {
		t.Errorf("the registrations' first page:\n%s", pagerOf(page[strings.Index(page, `id="registrations"`):]))
	}
	_, page = b.Do("GET", "/customers?rpage=2", nil)
	if !strings.Contains(page, "Показаны 201–205 из 205") || !strings.Contains(page, ">Reg 5<") || !strings.Contains(page, ">Reg 1<") ||
		strings.Contains(page, ">Reg 6<") {
		t.Errorf("the registrations' second page lacks Reg 5 to Reg 1")
	}
}
