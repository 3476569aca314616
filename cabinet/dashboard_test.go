package cabinet

import (
	"context"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"partnerka/storage/storagetest"
)

func TestDashboard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks) VALUES
		('2026-11-20', $1, 1, '', 1200, 1000), ('2026-09-01', $1, 1, '', 5, 5), ('2026-11-20', $2, 1, '', 999, 999)`, alpha, beta)
	exec(`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
		('c1', $1, 'partner_ref', 'attributed', '2026-11-10', '2026-11-10', $3),
		('c2', $1, 'partner_ref', 'attributed', '2026-11-11', '2026-11-11', $3),
		('c3', $2, 'partner_ref', 'attributed', '2026-11-11', '2026-11-11', $3)`, alpha, beta, now)
	exec(`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
		('p1', 'c1', 100, 'RUB', '2026-11-12', '\x00', $1)`, now)
	exec(storagetest.Earners)
	exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at) VALUES
		($1, 'RUB', 'available', 'bonus', 12450, 'contest', $3), ($2, 'RUB', 'available', 'bonus', 777, 'contest', $3)`, alpha, beta, now)

	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	r, page := b.Do("GET", "/dashboard?period=30d", nil)
	if r.StatusCode != 200 {
		t.Fatalf("dashboard: %d\n%s", r.StatusCode, page)
	}
	for _, want := range []string{
		`id="clicks">1` + "\u00a0" + `200<`, "1\u00a0000 уникальных", `id="leads">2<`, `id="customers">2<`, `id="paying">1<`,
		"12\u00a0450,00\u00a0₽", "Alpha Media", "Переход → лид",
		// c1 and c2 came by partner ref, not by a click: no lead of the
		// 1 000 visitors, and the two are counted apart.
		`id="conv-click-lead">0,0` + "\u00a0" + `%<`, "0 из 1\u00a0000", "Клиенты без перехода: &#43;2 (партнёрская ссылка 2)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for _, foreign := range []string{"999", "777", "Beta Corp"} {
		if strings.Contains(page, foreign) {
			t.Errorf("alpha's dashboard shows beta's %q", foreign)
		}
	}
	_, page = b.Do("GET", "/dashboard?period=last_month", nil)
	if !strings.Contains(page, `id="clicks">0<`) {
		t.Errorf("last month should have no clicks")
	}
	eb := f.Browser(t)
	eb.Login("beta@x.test", pw)
	_, page = eb.Do("GET", "/dashboard", nil)
	if !strings.Contains(page, "₽777.00") || !strings.Contains(page, "Beta Corp") || strings.Contains(page, "Alpha") {
		t.Errorf("beta's dashboard in English:\n%s", page)
	}
}

// pageText is a page's HTML with its character references read, as a
// person reads it.
func pageText(page string) string { return html.UnescapeString(page) }

// Finding 2: customers bound by promo code or partner ref were divided
// by the period's clicks ("Переход → лид 233,3 %"). The funnel counts one
// cohort, the period's visitors, so each step is a subset of the one
// before, and the customers without a click stand beside it.
func TestDashboardFunnel(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	var betaLink int64
	if err := f.DB.GetContext(ctx, &betaLink, `INSERT INTO links (partner_id, code, destination_url, created_at, updated_at)
		VALUES ($1, 'beta1', 'https://example.com/', $2, $2) RETURNING id`, beta, now); err != nil {
		t.Fatal(err)
	}
	storagetest.SeedFunnel(t, f.DB, storagetest.FunnelLink{Partner: alpha, Link: f.Seed.Links["alpha"]},
		storagetest.FunnelLink{Partner: beta, Link: betaLink})
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	r, page := b.Do("GET", "/dashboard?period=custom&from=2026-11-01&to=2026-11-22", nil)
	if r.StatusCode != 200 {
		t.Fatalf("dashboard: %d\n%s", r.StatusCode, page)
	}
	page = pageText(page)
	for _, want := range []string{
		`id="clicks">5<`, "4 уникальных", `id="leads">10<`,
		"<div class=\"value\" id=\"conv-click-lead\">75,0\u00a0%</div><div class=\"muted\">3 из 4</div>",
		"<div class=\"value\" id=\"conv-lead-paying\">66,7\u00a0%</div><div class=\"muted\">2 из 3</div>",
		`<p class="no-click" id="no-click">Клиенты без перехода: +7 (промокод 5, партнёрская ссылка 2)</p>`,
		`<p class="muted funnel-def" id="funnel-def">Проценты считаются по одним и тем же посетителям: из уникальных переходов за период`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	for _, m := range regexp.MustCompile(`(\d+),\d\x{a0}%`).FindAllStringSubmatch(page, -1) {
		if n, _ := strconv.Atoi(m[1]); n > 100 {
			t.Errorf("the dashboard shows %s", m[0])
		}
	}
	// In English too; beta's one click, one lead, is its own.
	eb := f.Browser(t)
	eb.Login("beta@x.test", pw)
	_, page = eb.Do("GET", "/dashboard?period=custom&from=2026-11-01&to=2026-11-22", nil)
	page = pageText(page)
	for _, want := range []string{`id="conv-click-lead">100.0%<`, "1 of 1", `id="conv-lead-paying">0.0%<`, "0 of 1",
		"Percentages follow one group of visitors"} {
		if !strings.Contains(page, want) {
			t.Errorf("beta's dashboard lacks %q", want)
		}
	}
	if strings.Contains(page, `id="no-click"`) {
		t.Error("beta has no customer without a click")
	}
}

// Finding 7: earnings in every currency the partner has, not only RUB:
// the chart and the day table follow a currency picker (the program's
// main currency first and by default), and the balances are one table,
// main currency first, a next release only where money is on hold.
func TestDashboardCurrencies(t *testing.T) {
	f := newFixture(t) // the program's currency is USD
	seedDashboardMoney(t, f)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	const period = "/dashboard?period=custom&from=2026-11-19&to=2026-11-22"
	day := func(page, date string) string { // the day table's row of date
		i := strings.Index(page, `<td data-label="День">`+date+`</td>`)
		if i < 0 {
			t.Fatalf("no day %s in the table", date)
		}
		return page[i : i+strings.Index(page[i:], "</tr>")]
	}
	_, page := b.Do("GET", period, nil)
	for _, want := range []string{
		`<option value="USD" selected>USD</option><option value="RUB">RUB</option><option value="EUR">EUR</option>`,
		`<input type="hidden" name="from" value="2026-11-19"><input type="hidden" name="to" value="2026-11-22">`,
		"<title>21 ноя: Переходы 0 · Лиды 0 · Вознаграждение 50,00\u00a0$</title>", "Начислено, USD",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard in USD lacks %q", want)
		}
	}
	if got := day(page, "21.11.2026"); !strings.Contains(got, "50,00\u00a0$") {
		t.Errorf("21.11 in USD: %s", got)
	}
	if strings.Contains(page, "1\u00a0234,00\u00a0₽</td>") {
		t.Error("the USD day table shows roubles")
	}
	_, page = b.Do("GET", period+"&currency=RUB", nil)
	for _, want := range []string{`<option value="RUB" selected>RUB</option>`,
		"<title>20 ноя: Переходы 0 · Лиды 0 · Вознаграждение 1\u00a0234,00\u00a0₽</title>", "Начислено, RUB", ">1\u00a0500,00\u00a0₽<"} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard in RUB lacks %q", want)
		}
	}
	if got := day(page, "20.11.2026"); !strings.Contains(got, "1\u00a0234,00\u00a0₽") {
		t.Errorf("20.11 in RUB: %s", got)
	}
	// A currency the partner has no money in is the main currency.
	if _, page = b.Do("GET", period+"&currency=JPY", nil); !strings.Contains(page, `<option value="USD" selected>`) {
		t.Error("?currency=JPY did not fall back to USD")
	}

	i := strings.Index(page, `id="balances"`)
	if i < 0 {
		t.Fatal("no balances table")
	}
	table := page[i : i+strings.Index(page[i:], "</table>")]
	rows := regexp.MustCompile(`<tr data-currency="([A-Z]{3})">`).FindAllStringSubmatch(table, -1)
	var order []string
	for _, r := range rows {
		order = append(order, r[1])
	}
	if got := strings.Join(order, " "); got != "USD RUB EUR" {
		t.Errorf("balance rows %s, want USD (main) RUB EUR", got)
	}
	if n := strings.Count(table, "Ближайшее освобождение"); n != 1 || !strings.Contains(table, "20.12.2026") {
		t.Errorf("next release shown %d times (want once, on RUB, 20.12.2026):\n%s", n, table)
	}
	rub := table[strings.Index(table, `data-currency="RUB"`):]
	if !strings.HasPrefix(rub[:strings.Index(rub, "</tr>")], `data-currency="RUB"`) || !strings.Contains(rub[:strings.Index(rub, "</tr>")], "20.12.2026") {
		t.Error("the next release is not on the RUB row")
	}
	if strings.Count(page, `class="card pending"`) != 0 {
		t.Error("balances are still cards")
	}
}

// seedDashboardMoney gives alpha money in three currencies: 1 234 RUB
// earned on Nov 20 and on hold until Dec 20 with 12 450 RUB available,
// 50 USD earned on Nov 21 and available, 300 EUR available.
func seedDashboardMoney(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	for _, q := range []string{
		`INSERT INTO commissions (id, partner_id, customer_id, event, level, contract_id, plan_version_id, rule_id, base_amount,
			amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at) VALUES
		 (901, $1, 1, 'lead', 1, 1, 1, 1, 0, 1234, 1234, 'RUB', '2026-11-20T12:00:00Z', '2026-12-20T12:00:00Z', 'r', $2),
		 (902, $1, 2, 'lead', 1, 1, 1, 1, 0, 50, 50, 'USD', '2026-11-21T12:00:00Z', '2026-11-21T12:00:00Z', 'u', $2)`,
		`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, commission_id, available_at, created_at) VALUES
		 ($1, 'RUB', 'pending', 'commission', 1234, '', 901, '2026-12-20T12:00:00Z', $2),
		 ($1, 'RUB', 'available', 'bonus', 12450, 'contest', NULL, NULL, $2),
		 ($1, 'USD', 'available', 'bonus', 50, 'contest', NULL, NULL, $2),
		 ($1, 'EUR', 'available', 'bonus', 300, 'contest', NULL, NULL, $2)`,
	} {
		if _, err := f.DB.ExecContext(ctx, q, alpha, now); err != nil {
			t.Fatal(err)
		}
	}
}
