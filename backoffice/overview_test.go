package backoffice

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka/storage/storagetest"
)

// seedOverview gives the program a period [Nov 10, Nov 20) to report
// (seen as ?period=custom&from=2026-11-10&to=2026-11-19) and the ten days
// before it, in roubles and dollars:
//
//	current: alpha's a1 (bound Nov 11) pays 1 000 RUB and 20 USD, a2 (Nov 12)
//	pays 500 RUB of which 100 are refunded on Nov 14; beta's b1 (Nov 15)
//	pays 300 RUB. Commissions: 100 RUB (released), 50 RUB less a 10 RUB
//	reversal (pending), 2 USD and 30 RUB (pending). 40 RUB paid out Nov 16.
//	Clicks: 10 on Nov 11, 5 on Nov 12.
//	previous: a0 (bound Nov 1) pays 800 RUB on Nov 2, earning 68 RUB
//	(pending); 4 clicks.
//
// Then alpha requests a payout of 25 RUB (webtest.RequestPayout: a bonus of
// as much, reserved at once).
func seedOverview(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE program_settings SET default_currency = 'RUB'`, nil},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
		    ('a0', $1, 'partner_ref', 'attributed', '2026-11-01T09:00:00Z', '2026-11-01T09:00:00Z', $3),
		    ('a1', $1, 'partner_ref', 'attributed', '2026-11-11T09:00:00Z', '2026-11-11T09:00:00Z', $3),
		    ('a2', $1, 'partner_ref', 'attributed', '2026-11-12T09:00:00Z', '2026-11-12T09:00:00Z', $3),
		    ('b1', $2, 'partner_ref', 'attributed', '2026-11-15T09:00:00Z', '2026-11-15T09:00:00Z', $3)`, []any{alpha, beta, now}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
		    ('p0', 'a0', 800, 'RUB', '2026-11-02T10:00:00Z', '\x00', $1),
		    ('p1', 'a1', 1000, 'RUB', '2026-11-11T10:00:00Z', '\x00', $1),
		    ('p2', 'a2', 500, 'RUB', '2026-11-12T10:00:00Z', '\x00', $1),
		    ('p3', 'a1', 20, 'USD', '2026-11-13T10:00:00Z', '\x00', $1),
		    ('p4', 'b1', 300, 'RUB', '2026-11-15T10:00:00Z', '\x00', $1)`, []any{now}},
		{storagetest.Earners, nil},
		{`INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, body_hash, received_at)
		  SELECT 'r2', id, 100, 'RUB', '2026-11-14T10:00:00Z', '\x00', $1 FROM purchases WHERE external_id = 'p2'`, []any{now}},
		{`INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id, rule_id,
		    base_amount, amount_unrounded, amount, reversed_amount, currency, earned_at, hold_until, explanation, created_at)
		  SELECT cu.partner_id, cu.id, pu.id, 'sale', 1, 1, 1, 1, pu.amount, v.amount, v.amount, v.reversed, pu.currency,
		         pu.occurred_at, v.hold::timestamptz, 'x ' || pu.external_id, $1
		    FROM (VALUES ('p0', 68, 0, '2026-12-02'), ('p1', 100, 0, '2026-11-18'), ('p2', 50, 10, '2026-12-12'),
		                 ('p3', 2, 0, '2026-12-13'), ('p4', 30, 0, '2026-12-15')) AS v(purchase, amount, reversed, hold)
		    JOIN purchases pu ON pu.external_id = v.purchase JOIN customers cu ON cu.external_id = pu.customer_external_id`, []any{now}},
		{`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
		  SELECT partner_id, currency, 'pending', 'commission', amount, id, hold_until, $1 FROM commissions`, []any{now}},
		{`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
		  SELECT partner_id, currency, 'pending', 'reversal', -reversed_amount, id, hold_until, $1 FROM commissions WHERE reversed_amount > 0`, []any{now}},
		{`SELECT release_holds($1)`, []any{now}},
		{`WITH po AS (
		    INSERT INTO payouts (partner_id, amount, currency, status, requested_by, requested_at, decided_by, decided_at, paid_at)
		    SELECT $1, 40, 'RUB', 'paid', o.id, '2026-11-15T12:00:00Z', a.id, '2026-11-16T09:00:00Z', '2026-11-16T12:00:00Z'
		      FROM users o, users a WHERE o.email = 'alpha@x.test' AND a.email = 'finance@x.test' RETURNING id)
		  INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, payout_id, created_at)
		  SELECT $1, 'RUB', b.bucket, b.kind, b.amount, po.id, b.at::timestamptz FROM po, (VALUES
		    ('available', 'payout', -40, '2026-11-15T12:00:00Z'), ('reserved', 'payout', 40, '2026-11-15T12:00:00Z'),
		    ('reserved', 'payout_paid', -40, '2026-11-16T12:00:00Z'), ('paid', 'payout_paid', 40, '2026-11-16T12:00:00Z')) AS b(bucket, kind, amount, at)`,
			[]any{alpha}},
		{`INSERT INTO click_stats_daily (day, partner_id, link_id, clicks, unique_clicks)
		  SELECT d::date, $1, (SELECT id FROM links WHERE code = 'alpha'), n, n FROM (VALUES ('2026-11-02', 4), ('2026-11-11', 10), ('2026-11-12', 5)) AS v(d, n)`,
			[]any{alpha}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	f.requestPayout(t, "25")
}

const overviewPeriod = "/admin?period=custom&from=2026-11-10&to=2026-11-19"

// between is the part of page from the first start on to the next end
// after it ("" when start is missing).
func between(page, start, end string) string {
	i := strings.Index(page, start)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	if j := strings.Index(rest, end); j >= 0 {
		return rest[:j]
	}
	return rest
}

// Finding 11: the overview was four counters. It shows the program's
// figures for a period against the ten days before: funnel counts, money
// per currency (revenue, commissions by bucket, paid out, reversed, each
// with its trend), the top partners and a chart whose table adds up to
// the same totals; and what the program owes, per currency.
func TestOverviewAnalytics(t *testing.T) {
	f := newFixture(t)
	seedOverview(t, f)
	adm, _ := f.SignIn(t, "admin@x.test") // reads English
	_, page := adm.Do("GET", overviewPeriod, nil)

	if want := "Compared with the previous 10 days (Oct 31, 2026 – Nov 9, 2026)."; !strings.Contains(page, want) {
		t.Errorf("the overview does not say what it compares with (%q)", want)
	}
	analytics := between(page, `id="analytics"`, `id="overview-money"`)
	for _, want := range []string{
		`Clicks</div><div class="value">15</div><div class="trend up">▲ 275.0% <span class="muted">before: 4</span>`,
		`Leads</div><div class="value">3</div><div class="trend up">▲ 200.0% <span class="muted">before: 1</span>`,
		`New customers</div><div class="value">3</div><div class="trend up">▲ 200.0%`,
		`Of them paying</div><div class="value">3</div><div class="trend up">▲ 200.0%`,
	} {
		if !strings.Contains(analytics, want) {
			t.Errorf("the counts lack %s:\n%s", want, analytics)
		}
	}
	money := between(page, `id="overview-money"`, `</table>`)
	rub := between(money, `<tr data-currency="RUB">`, `</tr>`)
	for _, want := range []string{"<strong>₽1,700.00</strong>", `▲ 112.5%</span> <span class="muted">before: ₽800.00`,
		"₽170.00", `▲ 150.0%</span> <span class="muted">before: ₽68.00`, ">₽70.00<", ">₽100.00<", ">₽40.00<", ">₽10.00<"} {
		if !strings.Contains(rub, want) {
			t.Errorf("the RUB line lacks %s:\n%s", want, rub)
		}
	}
	usd := between(money, `<tr data-currency="USD">`, `</tr>`)
	for _, want := range []string{"<strong>$20.00</strong>", "▲ from zero", ">$2.00<", ">$0.00<"} {
		if !strings.Contains(usd, want) {
			t.Errorf("the USD line lacks %s (never summed with roubles):\n%s", want, usd)
		}
	}
	top := between(page, `id="overview-top"`, `</table>`)
	a, b := strings.Index(top, "Alpha Media"), strings.Index(top, "Beta Corp")
	if a < 0 || b < a || !strings.Contains(top, "₽1,400.00") || !strings.Contains(top, "₽140.00") || !strings.Contains(top, "₽300.00") {
		t.Errorf("top partners by revenue: alpha (₽1,400.00, earning ₽140.00) then beta (₽300.00):\n%s", top)
	}

	// The chart's table adds up to the period's figures.
	days := between(page, `id="overview-days"`, `</table>`)
	if n := strings.Count(days, "<tr><td"); n != 10 {
		t.Errorf("the chart's table has %d days, want 10", n)
	}
	for _, want := range []string{
		`Nov 11, 2026</td><td data-label="Clicks" class="num">10</td><td data-label="New customers" class="num">1</td><td data-label="Attributed revenue" class="num">₽1,000.00</td><td data-label="Commissions earned" class="num">₽100.00</td>`,
		`Nov 14, 2026</td><td data-label="Clicks" class="num">0</td><td data-label="New customers" class="num">0</td><td data-label="Attributed revenue" class="num">−₽100.00</td>`,
	} {
		if !strings.Contains(days, want) {
			t.Errorf("the chart's table lacks %s:\n%s", want, days)
		}
	}
	ctx := context.Background()
	from, to := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	pd, err := f.DB.ProgramDays(ctx, from, to, "RUB")
	if err != nil {
		t.Fatal(err)
	}
	tot, _, err := f.DB.ReportTotals(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var clicks, customers int64
	revenue, earned := decimal.Zero, decimal.Zero
	for _, d := range pd {
		clicks, customers, revenue, earned = clicks+d.Clicks, customers+d.Leads, revenue.Add(d.Revenue), earned.Add(d.Earned)
	}
	m := moneyIn(tot, "RUB")
	if clicks != tot.Clicks || customers != tot.Customers || !revenue.Equal(m.Revenue()) || !earned.Equal(m.Commissions()) {
		t.Errorf("the days add up to %d clicks, %d customers, %s revenue, %s commissions; the period has %d, %d, %s, %s",
			clicks, customers, revenue, earned, tot.Clicks, tot.Customers, m.Revenue(), m.Commissions())
	}
	if !strings.Contains(page, `class="chart-svg"`) {
		t.Error("no chart")
	}

	// The chart in dollars: the top partners and the days in USD.
	_, page = adm.Do("GET", overviewPeriod+"&currency=USD", nil)
	if top := between(page, `id="overview-top"`, `</table>`); !strings.Contains(top, "$20.00") || strings.Contains(top, "Beta Corp") {
		t.Errorf("top partners in USD:\n%s", top)
	}

	// What the program owes today, per currency: pending 40 + 68 + 30,
	// available 100 − 40 paid + 25 bonus − 25 requested.
	liab := between(page, `id="liabilities"`, `</section>`)
	rubOwed := between(liab, `<tr data-currency="RUB">`, `</tr>`)
	for _, want := range []string{">₽138.00<", ">₽60.00<", "<strong>₽198.00</strong>", ">₽25.00</a> <span class=\"muted\">(1)", ">₽0.00</a> <span class=\"muted\">(0)"} {
		if !strings.Contains(rubOwed, want) {
			t.Errorf("liabilities in RUB lack %s:\n%s", want, rubOwed)
		}
	}
	if usdOwed := between(liab, `<tr data-currency="USD">`, `</tr>`); !strings.Contains(usdOwed, "<strong>$2.00</strong>") {
		t.Errorf("liabilities in USD:\n%s", usdOwed)
	}
}

// Finding 11 and "only the cards the role can act on": managers see the
// queues they decide and the analytics; finance the payouts and what is
// owed; admins everything. Every card links to a page the role may open.
func TestOverviewCardsByRole(t *testing.T) {
	f := newFixture(t)
	seedOverview(t, f)
	for _, tc := range []struct {
		email     string
		want, not []string
	}{
		{"manager@x.test", []string{`id="card-applications"`, `id="card-registrations"`, `id="card-code-requests"`, `id="analytics"`},
			[]string{`id="card-payout-requests"`, `id="card-approved-payouts"`, `id="liabilities"`}},
		{"finance@x.test", []string{`id="card-payout-requests"`, `id="card-approved-payouts"`, `id="liabilities"`, "25,00\u00a0₽"},
			[]string{`id="card-applications"`, `id="card-registrations"`, `id="card-code-requests"`, `id="analytics"`}},
		{"admin@x.test", []string{`id="card-applications"`, `id="card-registrations"`, `id="card-code-requests"`, `id="analytics"`,
			`id="card-payout-requests"`, `id="card-approved-payouts"`, `id="liabilities"`}, nil},
	} {
		t.Run(tc.email, func(t *testing.T) {
			b, _ := f.SignIn(t, tc.email)
			resp, page := b.Do("GET", "/admin", nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d", resp.StatusCode)
			}
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("lacks %s", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(page, n) {
					t.Errorf("shows %s", n)
				}
			}
			// Every card leads somewhere the role may go.
			for _, href := range cardLinks.FindAllStringSubmatch(between(page, `id="queues"`, `</section>`), -1) {
				if resp, _ := b.Do("GET", href[1], nil); resp.StatusCode != 200 {
					t.Errorf("card %s: %d", href[1], resp.StatusCode)
				}
			}
		})
	}
}

var cardLinks = regexp.MustCompile(`<a class="card[^"]*" href="([^"]+)"`)

func TestTrendView(t *testing.T) {
	d := decimal.RequireFromString
	for _, tc := range []struct {
		name, now, before, lc, want, class string
	}{
		{"up", "150", "100", "en", "▲ 50.0%", "up"},
		{"down", "75", "100", "ru", "▼ 25,0\u00a0%", "down"},
		{"same", "100", "100", "en", "= 0.0%", "flat"},
		{"from zero", "5", "0", "en", "▲ from zero", "up"},
		{"from a negative figure", "50", "-100", "en", "▲ 150.0%", "up"},
		{"a third", "2", "3", "en", "▼ 33.3%", "down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := trendView(d(tc.now), d(tc.before), tc.before, tc.lc)
			if v["Text"] != tc.want || v["Class"] != tc.class {
				t.Errorf("trend %s against %s: %v %v, want %s %s", tc.now, tc.before, v["Text"], v["Class"], tc.want, tc.class)
			}
		})
	}
	if v := trendView(decimal.Zero, decimal.Zero, "0", "en"); v != nil {
		t.Errorf("nothing either time: %v, want no trend", v)
	}
}
