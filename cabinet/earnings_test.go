package cabinet

import (
	"context"
	"encoding/csv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage/storagetest"
	"partnerka/web"
)

// A recruiter's earnings export shows of a level-2 commission what the
// page shows: not the vendor's invoice id or customer id of the recruit's
// customer (issue 17, F2). The recruit, whose customer it is, still sees
// the invoice in their own export.
func TestEarningsCSVHidesTheRecruitsCustomers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE partners SET recruiter_id = $1 WHERE id = $2`, []any{alpha, beta}},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
			('beta-cust-42', $1, 'click', 'attributed', '2026-11-01', '2026-11-01', '2026-11-01')`, []any{beta}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
			('INV-2026-0042', 'beta-cust-42', 1500, 'RUB', '2026-11-10', '\x00', '2026-11-10')`, nil},
		{storagetest.Earners, nil},
		{`INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id, rule_id,
			base_amount, percent, amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
		 SELECT x.partner, c.id, p.id, 'sale', x.level, 1, 1, 1, 1500, x.pct, x.amount, x.amount, 'RUB', '2026-11-10', '2026-12-10', x.expl, '2026-11-10'
		   FROM customers c, purchases p,
		        (VALUES ($2::bigint, 1, 20, 300, '20% of 1500.00 RUB, first payment, plan Referral v1'),
		                ($1::bigint, 2, 5, 75, '5% of 1500.00 RUB, first payment, plan Referral v1, level 2 (a partner you recruited brought the customer)'))
		          AS x(partner, level, pct, amount, expl)
		  WHERE c.external_id = 'beta-cust-42' AND p.external_id = 'INV-2026-0042'`, []any{alpha, beta}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	export := func(email string) [][]string {
		t.Helper()
		b := f.Browser(t)
		b.Login(email, pw)
		resp, body := b.Do("GET", "/earnings.csv?period=30d", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s's export: %d %s", email, resp.StatusCode, body)
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}

	// The recruiter: one level-2 row, as the page has it.
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/earnings", nil)
	recs := export("alpha@x.test")
	if len(recs) != 2 {
		t.Fatalf("alpha's export has %d lines, want a header and one commission:\n%v", len(recs), recs)
	}
	want := []string{"2026-11-10T00:00:00Z", "commission", "75.00", "0.00", "RUB", "pending", "2026-12-10T00:00:00Z", "",
		"5% of 1500.00 RUB, first payment, plan Referral v1, level 2 (a partner you recruited brought the customer)"}
	if got := recs[1]; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the level-2 line is\n%q\nwant\n%q", got, want)
	}
	for _, secret := range []string{"INV-2026-0042", "beta-cust-42"} {
		if strings.Contains(strings.Join(recs[1], ","), secret) {
			t.Errorf("alpha's export names the recruit's customer's %q", secret)
		}
		if strings.Contains(page, secret) {
			t.Errorf("alpha's earnings page names %q", secret)
		}
	}
	for _, shown := range []string{"75,00\u00a0₽", "10.11.2026", "10.12.2026", "2-й уровень"} {
		if !strings.Contains(page, shown) {
			t.Errorf("alpha's page lacks %q, which the export has", shown)
		}
	}

	// The recruit's own customer: the invoice is theirs.
	recs = export("beta@x.test")
	if len(recs) != 2 || recs[1][7] != "INV-2026-0042" || recs[1][2] != "300.00" {
		t.Errorf("beta's export:\n%v\nwant its commission with the invoice INV-2026-0042", recs)
	}
}

// earningLine is commission i of seedEarnings, computed a second way: the
// oracle the page's totals are checked against.
type earningLine struct {
	currency, status string
	amount, reversed decimal.Decimal // amount as listed (with its re-rate)
}

func seededLine(i int) earningLine {
	l := earningLine{currency: "RUB", status: "pending"}
	if i%3 == 0 {
		l.currency = "USD"
	}
	cents := int64(1000 + 7*i)
	if i%11 == 0 {
		cents += 5 // re-rated up by 0.05
	}
	l.amount = decimal.New(cents, -2)
	if i%10 == 0 {
		l.reversed = decimal.New(300, -2)
	}
	switch {
	case i%7 == 0:
		l.status = "rejected"
	case i%2 == 0:
		l.status = "available"
	}
	return l
}

const seededLines = 230

// seedEarnings gives alpha seededLines commissions in the last 30 days,
// "line 1" the newest, in roubles and dollars, pending, available,
// rejected, some re-rated and reversed (as seededLine says); 205 bonuses;
// a payout paid in the period; and beta one commission.
func seedEarnings(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE program_settings SET default_currency = 'RUB'`, nil},
		{`INSERT INTO commissions (partner_id, customer_id, event, level, contract_id, plan_version_id, rule_id, base_amount,
			amount_unrounded, amount, rerated_amount, reversed_amount, currency, status, earned_at, hold_until, explanation, created_at)
		  SELECT $1, i, 'lead', 1, 1, 1, 1, 0, (1000 + 7 * i) / 100.0, (1000 + 7 * i) / 100.0,
		         CASE WHEN i % 11 = 0 THEN 0.05 ELSE 0 END, CASE WHEN i % 10 = 0 THEN 3 ELSE 0 END,
		         CASE WHEN i % 3 = 0 THEN 'USD' ELSE 'RUB' END, CASE WHEN i % 7 = 0 THEN 'rejected' ELSE 'earned' END,
		         $2::timestamptz - i * interval '1 minute',
		         CASE WHEN i % 2 = 0 THEN $2::timestamptz - interval '1 day' ELSE $2::timestamptz + interval '10 days' END,
		         'line ' || i, $2
		    FROM generate_series(1, $3::int) AS i`, []any{alpha, now, seededLines}},
		{`SELECT release_holds($1)`, []any{now}},
		{`INSERT INTO commissions (partner_id, customer_id, event, level, contract_id, plan_version_id, rule_id, base_amount,
			amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
		  VALUES ($1, 1, 'lead', 1, 1, 1, 1, 0, 777, 777, 'RUB', $2, $2, 'beta line', $2)`, []any{beta, now.Add(-time.Hour)}},
		{`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
		  SELECT $1, 'RUB', 'available', 'bonus', j, 'bonus ' || j, $2::timestamptz - j * interval '1 minute'
		    FROM generate_series(1, 205) AS j`, []any{alpha, now.Add(-time.Hour)}},
		{`INSERT INTO payouts (partner_id, amount, currency, status, requested_by, requested_at, decided_by, decided_at, paid_at)
		  SELECT $1, 1234.56, 'RUB', 'paid', o.id, $2::timestamptz - interval '5 days', a.id, $2::timestamptz - interval '4 days', $2::timestamptz - interval '3 days'
		    FROM users o, users a WHERE o.email = 'alpha@x.test' AND a.email = 'finance@x.test'`, []any{alpha, now}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
}

var lineCell = regexp.MustCompile(`class="muted">line ([0-9]+)<`)

// Issue 12: the earnings page stopped at 200 commissions, its "more in
// the CSV" notice never shown. It pages through all of them, with the
// period's totals per currency and bucket above, each the exact sum of
// the lines (checked against an oracle and against the lines read back).
func TestEarningsPagesWithTotals(t *testing.T) {
	f := newFixture(t)
	seedEarnings(t, f)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)

	lines := func(page string) []int {
		var out []int
		for _, m := range lineCell.FindAllStringSubmatch(page, -1) {
			n, _ := strconv.Atoi(m[1])
			out = append(out, n)
		}
		return out
	}
	span := func(from, to int) []int {
		var out []int
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
		return out
	}
	_, page := b.Do("GET", "/earnings", nil)
	if got := lines(page); !slices.Equal(got, span(1, 200)) || !strings.Contains(page, "Показаны 1–200 из 230") ||
		!strings.Contains(page, `href="/earnings?page=2&amp;period=30d" rel="next"`) {
		t.Errorf("page 1: %d lines\n%s", len(got), pagerOf(page))
	}
	if strings.Contains(page, "beta line") || strings.Contains(page, "Показаны последние 200") {
		t.Error("page 1 shows beta's commission or the old cut-off notice")
	}
	_, page = b.Do("GET", "/earnings?period=30d&page=2", nil)
	if got := lines(page); !slices.Equal(got, span(201, 230)) || !strings.Contains(page, "Показаны 201–230 из 230") ||
		!strings.Contains(page, `href="/earnings?period=30d" rel="prev"`) || strings.Contains(page, `&amp;page=3`) {
		t.Errorf("page 2 shows lines %v, want 201 to 230\n%s", got, pagerOf(page))
	}
	// The bonuses page too, the commissions' page kept.
	if !strings.Contains(page, "Показаны 1–200 из 205") || !strings.Contains(page, `href="/earnings?mpage=2&amp;page=2&amp;period=30d#manual" rel="next"`) {
		t.Errorf("the bonuses' pager:\n%s", pagerOf(page[strings.Index(page, `id="manual"`):]))
	}
	_, page = b.Do("GET", "/earnings?period=30d&mpage=2", nil)
	if !strings.Contains(page, "Показаны 201–205 из 205") || !strings.Contains(page, "bonus 205<") || strings.Contains(page, "bonus 200<") {
		t.Error("the bonuses' second page lacks bonuses 201 to 205")
	}

	// The oracle: the totals per currency of seededLine.
	type sums struct {
		lines                                          int64
		earned, pending, available, rejected, reversed decimal.Decimal
	}
	want := map[string]*sums{"RUB": {}, "USD": {}}
	for i := 1; i <= seededLines; i++ {
		l := seededLine(i)
		s := want[l.currency]
		s.lines++
		s.earned, s.reversed = s.earned.Add(l.amount), s.reversed.Add(l.reversed)
		net := l.amount.Sub(l.reversed)
		switch l.status {
		case "pending":
			s.pending = s.pending.Add(net)
		case "available":
			s.available = s.available.Add(net)
		case "rejected":
			s.rejected = s.rejected.Add(net)
		}
	}
	totals, err := f.DB.CabinetEarningTotals(context.Background(), f.Seed.Partners["alpha"], now.AddDate(0, 0, -30), now.Add(time.Hour))
	if err != nil || len(totals) != 2 {
		t.Fatalf("totals %v %v", totals, err)
	}
	// The lines as the pages list them, summed.
	read := map[string]*sums{"RUB": {}, "USD": {}}
	for off := 0; ; off += listPageRows {
		rows, _, err := f.DB.CabinetEarnings(context.Background(), f.Seed.Partners["alpha"], now.AddDate(0, 0, -30), now.Add(time.Hour), listPageRows, off)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			s := read[r.Currency]
			s.lines++
			s.earned, s.reversed = s.earned.Add(r.Amount), s.reversed.Add(r.Reversed)
			net := r.Amount.Sub(r.Reversed)
			switch r.Status {
			case "pending":
				s.pending = s.pending.Add(net)
			case "available":
				s.available = s.available.Add(net)
			case "rejected":
				s.rejected = s.rejected.Add(net)
			}
		}
		if len(rows) < listPageRows {
			break
		}
	}
	_, page = b.Do("GET", "/earnings", nil)
	table := page[strings.Index(page, `id="earning-totals"`):]
	table = table[:strings.Index(table, "</table>")]
	if strings.Index(table, "<strong>RUB</strong>") > strings.Index(table, "<strong>USD</strong>") {
		t.Error("the totals do not put the main currency (RUB) first")
	}
	for _, tot := range totals {
		w, r := want[tot.Currency], read[tot.Currency]
		for _, c := range []struct {
			name           string
			got, want, row decimal.Decimal
		}{
			{"earned", tot.Earned, w.earned, r.earned}, {"pending", tot.Pending, w.pending, r.pending},
			{"available", tot.Available, w.available, r.available}, {"rejected", tot.Rejected, w.rejected, r.rejected},
			{"reversed", tot.Reversed, w.reversed, r.reversed},
		} {
			if !c.got.Equal(c.want) || !c.got.Equal(c.row) {
				t.Errorf("%s %s: total %s, oracle %s, lines %s", tot.Currency, c.name, c.got, c.want, c.row)
			}
		}
		if tot.Lines != w.lines || tot.Lines != r.lines {
			t.Errorf("%s: %d lines, oracle %d, read %d", tot.Currency, tot.Lines, w.lines, r.lines)
		}
		if !tot.Pending.Add(tot.Available).Add(tot.Rejected).Add(tot.Reversed).Equal(tot.Earned) {
			t.Errorf("%s: the buckets do not add up to earned", tot.Currency)
		}
		row := table[strings.Index(table, "<strong>"+tot.Currency+"</strong>"):]
		row = row[:strings.Index(row, "</tr>")]
		money := func(d decimal.Decimal) string {
			return web.FormatMoney(partnerka.Money{Amount: d, Currency: tot.Currency}, "ru")
		}
		for _, s := range []string{"<strong>" + money(w.earned) + "</strong>", `"status pending">` + money(w.pending) + "<",
			`"status available">` + money(w.available) + "<", `"status rejected">` + money(w.rejected) + "<", `"status rejected">` + money(w.reversed) + "<"} {
			if !strings.Contains(row, s) {
				t.Errorf("the %s totals row lacks %s:\n%s", tot.Currency, s, row)
			}
		}
	}
	rub := table[strings.Index(table, "<strong>RUB</strong>"):]
	if !strings.Contains(rub, `"Бонусы и корректировки">21`+"\u00a0"+`115,00`+"\u00a0₽<") || !strings.Contains(rub, `"status paid">1`+"\u00a0"+`234,56`+"\u00a0₽<") {
		t.Errorf("the RUB totals lack the bonuses (1 + … + 205 = 21 115) or the payout paid in the period:\n%s", rub[:strings.Index(rub, "</tr>")])
	}
	usd := table[strings.Index(table, "<strong>USD</strong>"):]
	if usd = usd[:strings.Index(usd, "</tr>")]; !strings.Contains(usd, `"status paid">0,00`+"\u00a0$<") {
		t.Errorf("the USD totals:\n%s", usd)
	}

	// beta's totals are beta's own.
	eb := f.Browser(t)
	eb.Login("beta@x.test", pw)
	_, page = eb.Do("GET", "/earnings", nil)
	if !strings.Contains(page, "beta line") || strings.Contains(page, "line 1<") || !strings.Contains(page, "Shown 1–1 of 1") ||
		strings.Contains(page, "<strong>USD</strong>") {
		t.Errorf("beta's earnings show alpha's:\n%s", page)
	}
}

// Issue 10: an earnings line named neither the customer nor the payment,
// and a reversal gave no reason or date. Each line names the partner's
// own customer (a link to it) and payment, and each reversal its refund
// and dates; a recruit's customer stays unnamed.
func TestEarningsLinesNameCustomerAndReversal(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE partners SET recruiter_id = $1 WHERE id = $2`, []any{alpha, beta}},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
			('cust-r', $1, 'click', 'attributed', '2026-11-01', '2026-11-01', '2026-11-01'),
			('beta-cust-42', $2, 'click', 'attributed', '2026-11-01', '2026-11-01', '2026-11-01')`, []any{alpha, beta}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
			('INV-1', 'cust-r', 1500, 'RUB', '2026-11-10', '\x00', '2026-11-10'),
			('INV-2026-0042', 'beta-cust-42', 1500, 'RUB', '2026-11-10', '\x00', '2026-11-10')`, nil},
		{storagetest.Earners, nil},
		{`INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, body_hash, received_at)
		  SELECT 'R-' || p.external_id, p.id, 500, 'RUB', '2026-11-14T10:00:00Z', '\x00', '2026-11-14' FROM purchases p`, nil},
		{`INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id, rule_id,
			base_amount, amount_unrounded, amount, reversed_amount, currency, earned_at, hold_until, explanation, created_at)
		  SELECT x.partner, c.id, p.id, 'sale', x.level, 1, 1, 1, 1500, x.amount, x.amount, x.amount / 3, 'RUB', '2026-11-10', '2026-12-10', x.expl, '2026-11-10'
		    FROM (VALUES ($1::bigint, 'cust-r', 1, 300, '20% of 1500.00 RUB, first payment, plan Referral v1'),
		                 ($2::bigint, 'beta-cust-42', 1, 300, '20% of 1500.00 RUB, first payment, plan Referral v1'),
		                 ($1::bigint, 'beta-cust-42', 2, 75, '5% of 1500.00 RUB, first payment, plan Referral v1, level 2 (a partner you recruited brought the customer)'))
		         AS x(partner, customer, level, amount, expl)
		    JOIN customers c ON c.external_id = x.customer JOIN purchases p ON p.customer_external_id = c.external_id`, []any{alpha, beta}},
		{`INSERT INTO commission_reversals (commission_id, refund_id, amount, currency, explanation, created_at)
		  SELECT k.id, f.id, k.reversed_amount, 'RUB', 'refund of 500 of a 1500 payment takes back ' || k.reversed_amount || ' RUB', '2026-11-15T09:00:00Z'
		    FROM commissions k JOIN refunds f ON f.purchase_id = k.purchase_id`, nil},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/earnings", nil)
	for _, want := range []string{
		`<a href="/customers?q=cust-r">cust-r</a><br><span class="muted">платёж INV-1</span>`,
		"Сторно 100,00\u00a0₽ от 15.11.2026: возврат R-INV-1 на 500,00\u00a0₽ по платежу INV-1 на 1\u00a0500,00\u00a0₽, сделан 14.11.2026.",
		`<span class="muted">клиент приглашённого вами партнёра</span>`,
		"Сторно 25,00\u00a0₽ от 15.11.2026: возврат 500,00\u00a0₽ по платежу на 1\u00a0500,00\u00a0₽, сделан 14.11.2026.",
		`"status rejected">125,00` + "\u00a0₽<", // the period's reversed total: 100 + 25
	} {
		if !strings.Contains(page, want) {
			t.Errorf("alpha's earnings lack %q", want)
		}
	}
	for _, secret := range []string{"INV-2026-0042", "beta-cust-42", "R-INV-2026-0042"} {
		if strings.Contains(page, secret) {
			t.Errorf("alpha's earnings name the recruit's customer's %q", secret)
		}
	}
	// In English, for the recruit, whose customer it is.
	eb := f.Browser(t)
	eb.Login("beta@x.test", pw)
	_, page = eb.Do("GET", "/earnings", nil)
	if want := "Reversed ₽100.00 on Nov 15, 2026: refund R-INV-2026-0042 of ₽500.00 of payment INV-2026-0042 of ₽1,500.00, made on Nov 14, 2026."; !strings.Contains(page, want) ||
		!strings.Contains(page, `<a href="/customers?q=beta-cust-42">beta-cust-42</a>`) || strings.Contains(page, "cust-r") {
		t.Errorf("beta's earnings lack %q or show alpha's", want)
	}
}
