package backoffice

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"partnerka/storage/storagetest"
)

// The report exports stream rows the database ranks; the page ranks the
// same figures in Go (storage.Report). On a program of many partners with
// ties everywhere (same revenue, same customers, names that differ only
// in case or sort differently by collation), both give the same rows in
// the same order, and the same totals.
func TestReportExportsRankAsThePage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	names := []string{"alpha", "Alpha", "Émile", "Zed", "zed", "Ёлка", "ёлка", "_under", "b", "B", "alpha"}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO partners (ref, name, kind, status, created_at, updated_at)
		  SELECT 'p' || i, ($1::text[])[1 + i % cardinality($1::text[])], 'company', CASE WHEN i % 9 = 0 THEN 'suspended' ELSE 'active' END, $2, $2
		    FROM generate_series(1, 60) AS i`, []any{pq.Array(names), now}},
		{`INSERT INTO links (partner_id, code, destination_url, created_at, updated_at)
		  SELECT id, 'l-' || ref, 'https://example.com/', $1, $1 FROM partners WHERE ref ~ '^p[0-9]+$'`, []any{now}},
		{`INSERT INTO click_stats_daily (day, partner_id, link_id, clicks, unique_clicks)
		  SELECT '2026-11-10', l.partner_id, l.id, 1 + l.id % 4, l.id % 3 FROM links l WHERE l.code ~ '^l-p' AND l.id % 5 <> 0`, nil},
		{`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
		  SELECT p.ref || '-c' || k, p.id, 'partner_ref', 'attributed', '2026-11-05', '2026-11-05', $1
		    FROM partners p, generate_series(1, 3) AS k WHERE p.ref ~ '^p[0-9]+$' AND k <= p.id % 4`, []any{now}},
		{`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at)
		  SELECT c.external_id || '-' || cur, c.external_id, CASE WHEN cur = 'RUB' THEN 100 * (1 + c.id % 3) ELSE 5 END, cur,
		         '2026-11-06', '\x00', $1
		    FROM customers c, unnest(ARRAY['RUB', 'USD']) AS cur WHERE c.external_id ~ '^p[0-9]+-c' AND (cur = 'RUB' OR c.id % 2 = 0)`, []any{now}},
		{storagetest.Earners, nil},
		{`INSERT INTO commissions (partner_id, customer_id, event, level, contract_id, plan_version_id, rule_id,
		    base_amount, amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
		  SELECT c.partner_id, c.id, 'lead', 1, 1, 1, 1, 0, 10 * (c.id % 2), 10 * (c.id % 2), 'RUB', '2026-11-07', '2026-12-07', 'x', $1
		    FROM customers c WHERE c.external_id ~ '^p[0-9]+-c'`, []any{now}},
	} {
		if _, err := f.DB.ExecContext(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	from, to := time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	rep, err := f.DB.Report(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.SignIn(t, "admin@x.test")
	export := func(name, query string) [][]string {
		t.Helper()
		resp, body := b.Do("GET", "/admin/reports/"+name+".csv?"+reportQuery+query, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", name, resp.StatusCode, body)
		}
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[1:]
	}
	ids := func(recs [][]string, col int) string {
		var out []string
		for _, r := range recs {
			out = append(out, r[col])
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ currency, by string }{{"RUB", "revenue"}, {"RUB", "commissions"}, {"USD", "revenue"}} {
		var want []string
		for _, l := range rep.Leaderboard(tc.currency, tc.by) {
			want = append(want, strconv.FormatInt(l.PartnerActivity.PartnerID, 10))
		}
		got := export("leaderboard", "&currency="+tc.currency+"&by="+tc.by)
		if len(want) < 40 || ids(got, 1) != strings.Join(want, " ") {
			t.Errorf("leaderboard in %s by %s:\nexport %s\npage   %s", tc.currency, tc.by, ids(got, 1), strings.Join(want, " "))
		}
	}
	var want []string
	for _, p := range rep.Funnel() {
		want = append(want, strconv.FormatInt(p.PartnerID, 10))
	}
	if got := export("funnel", ""); len(want) < 40 || ids(got, 0) != strings.Join(want, " ") {
		t.Errorf("funnel:\nexport %s\npage   %s", ids(got, 0), strings.Join(want, " "))
	}
	tot, n, err := f.DB.ReportTotals(ctx, from, to)
	if err != nil || n != len(rep.Partners) || fmt.Sprint(totalsCSV(tot)) != fmt.Sprint(totalsCSV(rep.Totals())) {
		t.Errorf("totals of %d partners (%v):\n%v\nthe page's of %d:\n%v", n, err, totalsCSV(tot), len(rep.Partners), totalsCSV(rep.Totals()))
	}
	cs, err := f.DB.ReportConcentration(ctx, from, to)
	if err != nil || fmt.Sprint(concentrationCSV(cs)) != fmt.Sprint(concentrationCSV(rep.Concentration())) {
		t.Errorf("concentration (%v):\n%v\nthe page's:\n%v", err, concentrationCSV(cs), concentrationCSV(rep.Concentration()))
	}
	var dormant []string
	ds, _ := f.DB.DormantPartners(ctx, time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC))
	for _, d := range ds {
		dormant = append(dormant, strconv.FormatInt(d.ID, 10))
	}
	got := export("dormant", "")
	if len(dormant) < 10 || ids(got, 0) != strings.Join(dormant, " ") {
		t.Errorf("dormant:\nexport %s\npage   %s", ids(got, 0), strings.Join(dormant, " "))
	}
}

// The bank's export lists every payout of its status once, in the queue's
// order, however many pages of them it reads: oldest first for approved
// payouts, newest first for rejected ones.
func TestPayoutsExportReadsEveryPage(t *testing.T) {
	f := newFixture(t)
	alpha, owner, finance := f.Seed.Partners["alpha"], f.Seed.Users["alpha@x.test"], f.Seed.Users["finance@x.test"]
	if _, err := f.DB.Exec(`INSERT INTO payouts (partner_id, amount, currency, status, method, details, requested_by, requested_at,
		decided_by, decided_at, reason)
		SELECT $1, i, 'RUB', CASE WHEN i % 3 = 0 THEN 'rejected' ELSE 'approved' END, 'bank', '{"account": "4081"}', $2,
		       $4::timestamptz - i * interval '1 minute', $3, $4, CASE WHEN i % 3 = 0 THEN 'no' ELSE '' END
		  FROM generate_series(1, 3500) AS i`, alpha, owner, finance, now); err != nil {
		t.Fatal(err)
	}
	b, _ := f.SignIn(t, "admin@x.test")
	for _, tc := range []struct {
		status string
		want   int
		asc    bool
	}{{"approved", 2334, true}, {"rejected", 1166, false}} {
		resp, body := b.Do("GET", "/admin/payouts.csv?status="+tc.status, nil)
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if resp.StatusCode != 200 || err != nil || len(recs) != tc.want+1 {
			t.Fatalf("%s: %d, %d lines (%v), want %d payouts", tc.status, resp.StatusCode, len(recs), err, tc.want)
		}
		prev := int64(0)
		for i, r := range recs[1:] {
			id, _ := strconv.ParseInt(r[0], 10, 64)
			if r[8] != tc.status || i > 0 && (id > prev) != tc.asc || id == prev {
				t.Fatalf("%s line %d: %v after payout %d", tc.status, i+2, r, prev)
			}
			prev = id
		}
	}
}
