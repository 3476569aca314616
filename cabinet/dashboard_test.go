package cabinet

import (
	"context"
	"strings"
	"testing"
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
	exec(`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, partner_id, received_at) VALUES
		('p1', 'c1', 100, 'RUB', '2026-11-12', '\x00', $1, $2)`, alpha, now)
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
		"12\u00a0450,00\u00a0₽", "Alpha Media", "Переход → лид", "0,2\u00a0%",
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
