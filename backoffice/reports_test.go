package backoffice

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
	"partnerka/storage/storagetest"
	"partnerka/web"
)

// reportData is the known program the report tests read, built through the
// storage functions and the reconciler's steps (now is 2026-11-23 12:00 UTC):
//
//	alpha (plan 10%): 3 clicks from 2 addresses on Nov 20 (and a bot click),
//	  1 click on Oct 1; customers c0 (Sep 1, paid 700 RUB on Sep 10),
//	  c1 (Oct 20, paid 1000 RUB on Oct 21), c2 (Nov 5, paid 2000 RUB on Nov 6,
//	  500 refunded on Nov 8), c3 (Nov 10, never paid), c5 (Nov 15, bound by a
//	  registration made on Nov 1); a pending registration of Nov 12; a payout
//	  of 150 RUB paid on Nov 17.
//	beta (plan 30%): 1 click on Oct 1; customer c4 (Nov 1, paid 1000 RUB on
//	  Nov 2 and 50 USD on Nov 3).
//	delta (no plan): 1 click on Nov 21.
//	gamma: applied, not approved.
type reportData struct {
	alpha, beta, delta, gamma int64
	payout                    int64
}

func buildReportData(t *testing.T, f *fixture) reportData {
	t.Helper()
	ctx := context.Background()
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 12, 0, 0, 0, time.UTC) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pct := func(p string) []partnerka.Rule {
		return []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent", Percent: decimal.RequireFromString(p), Payments: "all"}}
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := f.DB.LoadSeed(ctx, storage.Seed{
		Plans: []storage.SeedPlan{{Name: "Standard", Version: 1, Rules: pct("10")}, {Name: "Gold", Version: 1, Rules: pct("30")}},
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: "active"}, Plan: "Standard", ContractStart: start},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta Corp", Kind: "company", Status: "active"}, Plan: "Gold", ContractStart: start,
				Links: []partnerka.Link{{Code: "beta1", Destination: "https://example.com/"}}},
			{Partner: partnerka.Partner{Ref: "delta", Name: "Delta Ltd", Kind: "company", Status: "active"},
				Links: []partnerka.Link{{Code: "delta1", Destination: "https://example.com/"}}},
		},
	})
	must(err)
	d := reportData{alpha: res.Partners["alpha"], beta: res.Partners["beta"], delta: res.Partners["delta"],
		gamma: f.Seed.Partners["gamma"]}

	click := func(link string, partner int64, at time.Time, ip string, flags int) storage.StreamClick {
		return storage.StreamClick{ID: partnerka.NewClickID(at).String(), LinkID: res.Links[link], PartnerID: partner,
			At: at, IP: ip, Flags: flags}
	}
	if res.Links["alpha"] == 0 {
		res.Links["alpha"] = f.Seed.Links["alpha"]
	}
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, time.UTC) }
	must(f.DB.InsertClicks(ctx, []storage.StreamClick{
		click("alpha", d.alpha, at(11, 20, 10, 0), "10.0.0.1", 0),
		click("alpha", d.alpha, at(11, 20, 10, 5), "10.0.0.1", 0),
		click("alpha", d.alpha, at(11, 20, 11, 0), "10.0.0.2", 0),
		click("alpha", d.alpha, at(11, 20, 11, 30), "10.0.0.9", 1), // a bot
		click("alpha", d.alpha, at(10, 1, 9, 0), "10.0.0.1", 0),
		click("beta1", d.beta, at(10, 1, 9, 0), "10.0.0.4", 0),
		click("delta1", d.delta, at(11, 21, 9, 0), "10.0.0.3", 0),
	}, true))

	register := func(partner int64, email string, at time.Time) int64 {
		reg, err := commissions.RegisterLead(ctx, f.DB, partner, commissions.RegistrationInput{Email: email}, at)
		must(err)
		return reg.ID
	}
	won := register(d.alpha, "boss@bigco.test", day(11, 1))
	register(d.alpha, "lead@prospect.test", day(11, 12))
	bind := func(customer string, partner int64, source string, at time.Time, registration int64) {
		must(f.DB.InLeadTx(ctx, func(tx *storage.LeadTx) error {
			c, err := tx.LockCustomer(ctx, customer, at, "", "")
			if err != nil {
				return err
			}
			if err := tx.BindCustomer(ctx, c.ID, storage.Binding{PartnerID: partner, Source: source, BoundAt: at,
				RegistrationID: registration}); err != nil {
				return err
			}
			return tx.InsertDecision(ctx, storage.Decision{CustomerID: c.ID, PartnerID: partner, Source: source,
				RegistrationID: registration, OccurredAt: at, Reason: "attributed"})
		}))
	}
	bind("c0", d.alpha, "partner_ref", day(9, 1), 0)
	bind("c1", d.alpha, "partner_ref", day(10, 20), 0)
	bind("c2", d.alpha, "partner_ref", day(11, 5), 0)
	bind("c3", d.alpha, "partner_ref", day(11, 10), 0)
	bind("c5", d.alpha, "registration", day(11, 15), won)
	bind("c4", d.beta, "partner_ref", day(11, 1), 0)

	buy := func(id, customer, amount, currency string, at time.Time) {
		p := &partnerka.Purchase{ExternalID: id, CustomerID: customer,
			Amount: partnerka.Money{Amount: decimal.RequireFromString(amount), Currency: currency}, OccurredAt: at}
		_, _, err := f.DB.CreatePurchase(ctx, p, []byte("hash-"+id))
		must(err)
	}
	buy("a0", "c0", "700", "RUB", day(9, 10))
	buy("a1", "c1", "1000", "RUB", day(10, 21))
	buy("a2", "c2", "2000", "RUB", day(11, 6))
	buy("b1", "c4", "1000", "RUB", day(11, 2))
	buy("b2", "c4", "50", "USD", day(11, 3))
	_, _, err = f.DB.CreateRefund(ctx, &partnerka.Refund{ExternalID: "r1", PurchaseExternalID: "a2", OccurredAt: day(11, 8)},
		decimal.RequireFromString("500"), []byte("hash-r1"))
	must(err)
	r := &commissions.Reconciler{Steps: []commissions.Step{&commissions.PurchaseStep{DB: f.DB}, &commissions.RefundStep{DB: f.DB}, &commissions.RerateStep{DB: f.DB},
		&commissions.ReleaseStep{DB: f.DB, Now: func() time.Time { return now }}}}
	_, err = r.RunOnce(ctx)
	must(err)

	must(f.DB.SetPayoutDetails(ctx, d.alpha, "bank", map[string]string{"account": "40702810900000001234"}))
	d.payout, err = f.DB.RequestPayout(ctx, d.alpha, f.Seed.Users["alpha@x.test"],
		partnerka.Money{Amount: decimal.RequireFromString("150"), Currency: "RUB"}, day(11, 15))
	must(err)
	finance := f.Seed.Users["finance@x.test"]
	must(f.DB.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: d.payout, To: storage.PayoutApproved, ActorID: finance, At: day(11, 16)}))
	must(f.DB.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: d.payout, To: storage.PayoutPaid, ActorID: f.Seed.Users["admin@x.test"],
		Reference: "PP-1", At: day(11, 17)}))
	return d
}

// The period of the report tests: Oct 15 to Nov 22, 2026, both included.
const reportQuery = "period=custom&from=2026-10-15&to=2026-11-22"

func TestReportNumbers(t *testing.T) {
	f := newFixture(t)
	d := buildReportData(t, f)
	rep, err := f.DB.Report(context.Background(), time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	tot := rep.Totals()
	if got, want := [5]int64{tot.Clicks, tot.UniqueClicks, tot.Leads, tot.Customers, tot.Paying}, [5]int64{4, 3, 6, 5, 3}; got != want {
		t.Errorf("clicks, unique, leads, customers, paying = %v, want %v", got, want)
	}
	money := map[string]string{}
	for _, m := range tot.Money {
		money[m.Currency] = fmt.Sprintf("paid %s refunded %s revenue %s pending %s available %s rejected %s reversed %s",
			m.Paid.StringFixed(2), m.Refunded.StringFixed(2), m.Revenue().StringFixed(2), m.Pending.StringFixed(2),
			m.Available.StringFixed(2), m.Rejected.StringFixed(2), m.Reversed.StringFixed(2))
	}
	for cur, want := range map[string]string{
		// a1 100 (released), a2 200 less 50 reversed, b1 300; a0 is before the period.
		"RUB": "paid 4000.00 refunded 500.00 revenue 3500.00 pending 450.00 available 100.00 rejected 0.00 reversed 50.00",
		"USD": "paid 50.00 refunded 0.00 revenue 50.00 pending 15.00 available 0.00 rejected 0.00 reversed 0.00",
	} {
		if money[cur] != want {
			t.Errorf("%s: %s, want %s", cur, money[cur], want)
		}
	}
	if len(tot.Money) != 2 {
		t.Errorf("currencies %v, want RUB and USD", rep.Currencies())
	}
	if len(tot.Payouts) != 1 || tot.Payouts[0].Currency != "RUB" || tot.Payouts[0].Count != 1 || !tot.Payouts[0].Amount.Equal(decimal.NewFromInt(150)) {
		t.Errorf("payouts %+v, want one of 150 RUB", tot.Payouts)
	}
	order := func(rows []storage.LeaderRow) []int64 {
		var ids []int64
		for _, r := range rows {
			ids = append(ids, r.PartnerActivity.PartnerID)
		}
		return ids
	}
	for _, tc := range []struct {
		currency, by string
		want         []int64
	}{
		{"RUB", "revenue", []int64{d.alpha, d.beta, d.delta}},     // 2500, 1000, 0
		{"RUB", "commissions", []int64{d.beta, d.alpha, d.delta}}, // 300, 250, 0
		{"USD", "revenue", []int64{d.beta, d.alpha, d.delta}},     // 50, then more customers first
	} {
		if got := order(rep.Leaderboard(tc.currency, tc.by)); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("leaderboard %s by %s: %v, want %v", tc.currency, tc.by, got, tc.want)
		}
	}
	conc := rep.Concentration()
	if len(conc) != 2 || conc[0].Currency != "RUB" || conc[0].Partners != 3 || conc[0].Top != 1 ||
		conc[0].Share.StringFixed(4) != "0.7143" || fmt.Sprint(conc[0].TopNames) != "[Alpha Media]" {
		t.Errorf("concentration %+v, want RUB: 1 of 3 partners, Alpha Media, 0.7143", conc)
	}
	// No customer here came by a click: the funnel has no lead, and the
	// customers bound by partner ref or registration are counted apart.
	funnel := rep.Funnel()
	type step struct{ id, clicks, unique, leads, paying, noClick int64 }
	var got []step
	for _, p := range funnel {
		got = append(got, step{p.PartnerID, p.Clicks, p.Visitors, p.Leads, p.Paying, p.NoClick.Total()})
	}
	want := []step{{d.alpha, 3, 2, 0, 0, 4}, {d.delta, 1, 1, 0, 0, 0}, {d.beta, 0, 0, 0, 0, 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("funnel %v, want %v", got, want)
	}
	dormant, err := f.DB.DormantPartners(context.Background(), time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(dormant) != 1 || dormant[0].ID != d.beta || dormant[0].LastClick == nil || dormant[0].LastClick.Format(time.DateOnly) != "2026-10-01" {
		t.Errorf("dormant %+v, want beta, last click 2026-10-01", dormant)
	}
}

func TestReportsPage(t *testing.T) {
	f := newFixture(t)
	d := buildReportData(t, f)
	b, _ := f.SignIn(t, "manager@x.test")
	resp, page := b.Do("GET", "/admin/reports?"+reportQuery, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("reports: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{
		`id="rep-clicks">4<`, "3 unique", `id="rep-leads">6<`, `id="rep-customers">5<`, "Of them paying: 3",
		`<strong class="rep-revenue">₽3,500.00</strong>`, "Paid by customers ₽4,000.00 · Refunded ₽500.00",
		"Pending ₽450.00", "Available ₽100.00", "Taken back by refunds: ₽50.00", `<span class="rep-payouts">₽150.00</span> <span class="muted">(1)</span>`,
		`<strong class="rep-revenue">$50.00</strong>`,
		`<div class="value rep-share">71.4%</div>`, "The top 1 of 3 partners brought ₽2,500.00 of ₽3,500.00.",
		`<div class="value rep-share">100.0%</div>`,
		"Oct 15, 2026 – Nov 22, 2026 (UTC)",
		"Active partners without a click in 30 days (since Oct 25, 2026).", "Oct 1, 2026",
		// The leaderboard is in the program's currency (USD) until another is chosen.
		"/admin/reports/leaderboard.csv?by=revenue&amp;currency=USD&amp;from=2026-10-15&amp;period=custom&amp;to=2026-11-22",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("reports page lacks %q", want)
		}
	}
	section := func(page, id string) string {
		i := strings.Index(page, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no table %s", id)
		}
		j := strings.Index(page[i:], "</table>")
		return page[i : i+j]
	}
	inOrder := func(what, s string, names ...string) {
		t.Helper()
		last := -1
		for _, n := range names {
			i := strings.Index(s, n)
			if i <= last {
				t.Errorf("%s: %q out of order (want %v)", what, n, names)
			}
			last = i
		}
	}
	inOrder("leaderboard in USD", section(page, "rep-leaders"), "Beta Corp", "Alpha Media", "Delta Ltd")
	funnel := section(page, "rep-funnel")
	inOrder("funnel", funnel, "Alpha Media", "Delta Ltd", "Beta Corp")
	// alpha: 2 unique clicks, no lead from them; 4 customers without a
	// click (3 by partner ref, 1 by registration), never divided by clicks.
	for _, want := range []string{"2 unique", "0.0%", "—", "+4", "partner link 3, registration 1"} {
		if !strings.Contains(html.UnescapeString(funnel), want) {
			t.Errorf("funnel lacks %q", want)
		}
	}
	if strings.Contains(funnel, "250.0%") {
		t.Error("the funnel divides customers without a click by clicks")
	}
	dormant := section(page, "rep-dormant")
	if !strings.Contains(dormant, fmt.Sprintf(`href="/admin/partners/%d">Beta Corp`, d.beta)) || strings.Contains(dormant, "Alpha") {
		t.Errorf("dormant partners:\n%s", dormant)
	}
	if strings.Contains(page, "Gamma") {
		t.Error("an applied partner is in the reports")
	}
	_, page = b.Do("GET", "/admin/reports?"+reportQuery+"&currency=RUB", nil)
	inOrder("leaderboard by revenue", section(page, "rep-leaders"), "Alpha Media", "Beta Corp", "Delta Ltd")
	if !strings.Contains(section(page, "rep-leaders"), "<td data-label=\"Revenue\">₽2,500.00</td>") {
		t.Error("alpha's revenue is not ₽2,500.00 on the leaderboard")
	}
	_, page = b.Do("GET", "/admin/reports?"+reportQuery+"&currency=RUB&by=commissions", nil)
	inOrder("leaderboard by commissions", section(page, "rep-leaders"), "Beta Corp", "Alpha Media", "Delta Ltd")

	// Finance reads Russian; the presets work.
	fb, _ := f.SignIn(t, "finance@x.test")
	resp, page = fb.Do("GET", "/admin/reports?period=this_month", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "01.11.2026 – 30.11.2026") || !strings.Contains(page, "Рейтинг партнёров") {
		t.Errorf("this month in Russian: %d", resp.StatusCode)
	}

	for _, tc := range []struct{ query, want string }{
		{"period=custom&from=2026-11-22&to=2026-11-01", "To: enter a last day on or after the first"},
		{"period=custom&from=yesterday&to=2026-11-01", "From: enter the first day"},
	} {
		resp, page := b.Do("GET", "/admin/reports?"+tc.query, nil)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
			t.Errorf("%s: %d, want 422 with %q", tc.query, resp.StatusCode, tc.want)
		}
		if resp, _ := b.Do("GET", "/admin/reports/totals.csv?"+tc.query, nil); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("totals.csv?%s: %d, want 422", tc.query, resp.StatusCode)
		}
	}
}

func TestReportCSV(t *testing.T) {
	f := newFixture(t)
	d := buildReportData(t, f)
	b, _ := f.SignIn(t, "finance@x.test")
	id := func(n int64) string { return fmt.Sprint(n) }
	for _, tc := range []struct {
		name, query, file string
		want              []string
	}{
		{"totals", reportQuery, "partnerka-totals-2026-10-15-2026-11-22.csv", []string{
			"metric,currency,value", "clicks,,4", "unique_clicks,,3", "leads,,6", "new_customers,,5", "paying_customers,,3",
			"paid,RUB,4000.00", "refunded,RUB,500.00", "revenue,RUB,3500.00", "commissions_pending,RUB,450.00",
			"commissions_available,RUB,100.00", "commissions_rejected,RUB,0.00", "commissions_reversed,RUB,50.00",
			"paid,USD,50.00", "refunded,USD,0.00", "revenue,USD,50.00", "commissions_pending,USD,15.00",
			"commissions_available,USD,0.00", "commissions_rejected,USD,0.00", "commissions_reversed,USD,0.00",
			"payouts_paid,RUB,150.00", "payouts_paid_count,RUB,1"}},
		{"leaderboard", reportQuery + "&currency=RUB&by=commissions", "partnerka-leaderboard-2026-10-15-2026-11-22.csv", []string{
			"rank,partner_id,ref,name,currency,revenue,commissions,clicks,unique_clicks,leads,customers",
			"1," + id(d.beta) + ",beta,Beta Corp,RUB,1000.00,300.00,0,0,1,1",
			"2," + id(d.alpha) + ",alpha,Alpha Media,RUB,2500.00,250.00,3,2,5,4",
			"3," + id(d.delta) + ",delta,Delta Ltd,RUB,0.00,0.00,1,1,0,0"}},
		{"leaderboard", reportQuery + "&currency=USD", "partnerka-leaderboard-2026-10-15-2026-11-22.csv", []string{
			"rank,partner_id,ref,name,currency,revenue,commissions,clicks,unique_clicks,leads,customers",
			"1," + id(d.beta) + ",beta,Beta Corp,USD,50.00,15.00,0,0,1,1",
			"2," + id(d.alpha) + ",alpha,Alpha Media,USD,0.00,0.00,3,2,5,4",
			"3," + id(d.delta) + ",delta,Delta Ltd,USD,0.00,0.00,1,1,0,0"}},
		{"concentration", reportQuery, "partnerka-concentration-2026-10-15-2026-11-22.csv", []string{
			"currency,partners,top_partners,top_revenue,total_revenue,share",
			"RUB,3,1,2500.00,3500.00,0.7143", "USD,3,1,50.00,50.00,1.0000"}},
		{"funnel", reportQuery, "partnerka-funnel-2026-10-15-2026-11-22.csv", []string{
			funnelCSVHeader,
			id(d.alpha) + ",alpha,Alpha Media,3,2,0,0,0.0000,,4,0,3,1,0",
			id(d.delta) + ",delta,Delta Ltd,1,1,0,0,0.0000,,0,0,0,0,0",
			id(d.beta) + ",beta,Beta Corp,0,0,0,0,,,1,0,1,0,0"}},
		{"dormant", reportQuery, "partnerka-dormant-2026-11-23.csv", []string{
			"partner_id,ref,name,partner_since,last_click",
			id(d.beta) + ",beta,Beta Corp," + now.Format(time.DateOnly) + ",2026-10-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := b.Do("GET", "/admin/reports/"+tc.name+".csv?"+tc.query, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("%d\n%s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got, want := resp.Header.Get("Content-Disposition"), `attachment; filename="`+tc.file+`"`; got != want {
				t.Errorf("Content-Disposition %q, want %q", got, want)
			}
			if got, want := body, strings.Join(tc.want, "\n")+"\n"; got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

const funnelCSVHeader = "partner_id,ref,name,clicks,unique_clicks,leads_from_clicks,paying_of_them,click_to_lead,lead_to_paying," +
	"customers_without_click,promo_code,partner_ref,registration,manual"

// Finding 2: customers bound by promo code outnumber the clicks, and were
// divided by them (1333 %, 2100 %). The funnel per partner now counts one
// cohort, each step a subset of the one before, and shows the customers
// without a click beside it, on the page and in its file.
func TestReportFunnelCohort(t *testing.T) {
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
	const query = "period=custom&from=2026-11-01&to=2026-11-22"
	percent := regexp.MustCompile(`(\d+)[.,]\d\s?%`)
	for _, tc := range []struct {
		user string
		want []string
	}{
		{"manager@x.test", []string{"4 unique", "Clicks: 5", "<td data-label=\"Leads from these clicks\">3</td>", "<td data-label=\"Of them paying\">2</td>",
			"75.0%", "66.7%", "+7", "promo code 5, partner link 2",
			"Percentages follow one group of visitors: of the period's unique clicks, the share that became leads through that click"}},
		{"finance@x.test", []string{"4 уникальных", "75,0\u00a0%", "66,7\u00a0%", "+7", "промокод 5, партнёрская ссылка 2",
			"Проценты считаются по одним и тем же посетителям"}},
	} {
		b, _ := f.SignIn(t, tc.user)
		resp, page := b.Do("GET", "/admin/reports?"+query, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("reports: %d", resp.StatusCode)
		}
		i := strings.Index(page, `id="funnel"`)
		section := html.UnescapeString(page[i : i+strings.Index(page[i:], "</table>")])
		for _, want := range tc.want {
			if !strings.Contains(section, want) {
				t.Errorf("%s: funnel lacks %q:\n%s", tc.user, want, section)
			}
		}
		for _, m := range percent.FindAllStringSubmatch(section, -1) {
			if n, _ := strconv.Atoi(m[1]); n > 100 {
				t.Errorf("%s: the funnel shows %s", tc.user, m[0])
			}
		}
	}
	b, _ := f.SignIn(t, "finance@x.test")
	_, body := b.Do("GET", "/admin/reports/funnel.csv?"+query, nil)
	want := strings.Join([]string{funnelCSVHeader,
		fmt.Sprintf("%d,alpha,Alpha Media,5,4,3,2,0.7500,0.6667,7,5,2,0,0", alpha),
		fmt.Sprintf("%d,beta,Beta Corp,1,1,1,0,1.0000,0.0000,0,0,0,0,0", beta)}, "\n") + "\n"
	if body != want {
		t.Errorf("funnel.csv:\n%s\nwant\n%s", body, want)
	}
}

// auditRows counts the entries a page of the audit log lists.
func auditRows(page string) int { return strings.Count(page, `<tr id="audit-`) }

func TestAuditLog(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	d := buildReportData(t, f) // payout.approved and payout.paid by finance
	manager, admin := f.Seed.Users["manager@x.test"], f.Seed.Users["admin@x.test"]
	if _, err := commissions.AddManualEntry(ctx, f.DB, d.alpha, "bonus", "500", "RUB", "contest winner", storage.Actor{UserID: manager}); err != nil {
		t.Fatal(err)
	}
	var firstKey int64
	for i := 0; i < 55; i++ {
		id, _, err := f.DB.IssueAPIKey(ctx, fmt.Sprintf("key %02d", i), storage.Actor{UserID: admin, IP: "192.0.2.7"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			firstKey = id
		}
	}
	// 58 entries: 2 payout steps, 1 bonus, 55 keys.
	b, _ := f.SignIn(t, "manager@x.test")
	resp, page := b.Do("GET", "/admin/audit", nil)
	if resp.StatusCode != 200 || auditRows(page) != 50 {
		t.Fatalf("first page: %d with %d entries, want 50", resp.StatusCode, auditRows(page))
	}
	if !strings.Contains(page, "key 54") || strings.Contains(page, "payout.approved") {
		t.Error("the first page is not the newest 50")
	}
	next := regexpFind(t, page, `href="(/admin/audit\?before=\d+)" rel="next"`)
	resp, page = b.Do("GET", next, nil)
	if resp.StatusCode != 200 || auditRows(page) != 8 || strings.Contains(page, `rel="next"`) || !strings.Contains(page, "Newest entries") {
		t.Fatalf("second page: %d with %d entries, want the last 8 and no next page", resp.StatusCode, auditRows(page))
	}
	if !strings.Contains(page, `<del>requested</del> → <ins>approved</ins>`) || !strings.Contains(page, `<del>approved</del> → <ins>paid</ins>`) {
		t.Error("the payout entries do not show status: old → new")
	}

	// Finance approved the payout on Nov 16 and paid it on Nov 17
	// (buildReportData); the bonus was booked today, by the same clock.
	today := now.Format(time.DateOnly)
	tomorrow := now.AddDate(0, 0, 1).Format(time.DateOnly)
	for _, tc := range []struct {
		name, query string
		rows        int
		want        []string
	}{
		{"by email", "actor=Manager@x.test", 1, []string{"ledger.bonus",
			fmt.Sprintf(`<a href="/admin/partners/%d">Partner: Alpha Media</a>`, d.alpha), "Amount:</span> ₽500.00", "Reason:</span> contest winner"}},
		{"by action prefix", "action=payout.", 2, []string{fmt.Sprintf(`<a href="/admin/payouts/%d">Payout: `, d.payout),
			"finance@x.test"}},
		{"by entity and id", fmt.Sprintf("entity=api_key&entity_id=%d", firstKey), 1, []string{"api_key.create", "Name:</span> key 00",
			"192.0.2.7", "admin@x.test"}},
		{"by entity, action and actor", "entity=api_key&action=api_key.create&actor=admin@x.test", 50, nil},
		{"nobody", "actor=nobody@x.test", 0, []string{"No entries match."}},
		{"system", "actor=system", 0, nil},
		{"the payout's days", "from=2026-11-16&to=2026-11-17&action=payout", 2, nil},
		{"the approval's day", "from=2026-11-16&to=2026-11-16&action=payout", 1, []string{"approved"}},
		{"today", "from=" + today + "&to=" + today + "&action=ledger.", 1, []string{"contest winner"}},
		{"from tomorrow", "from=" + tomorrow, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := b.Do("GET", "/admin/audit?"+tc.query, nil)
			if resp.StatusCode != 200 || auditRows(page) != tc.rows {
				t.Errorf("%d with %d entries, want %d", resp.StatusCode, auditRows(page), tc.rows)
			}
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
	// The next page keeps the filter.
	_, page = b.Do("GET", "/admin/audit?entity=api_key", nil)
	next = regexpFind(t, page, `href="(/admin/audit\?[^"]*before=\d+[^"]*)" rel="next"`)
	if !strings.Contains(next, "entity=api_key") {
		t.Errorf("next page link %q lost the filter", next)
	}
	if _, page = b.Do("GET", next, nil); auditRows(page) != 5 || strings.Contains(page, "payout.approved") {
		t.Errorf("second page of api_key entries: %d, want 5", auditRows(page))
	}
	resp, page = b.Do("GET", "/admin/audit?from=2026-13-01&actor=admin@x.test", nil)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "From: a day as YYYY-MM-DD") || !strings.Contains(page, `value="admin@x.test"`) {
		t.Errorf("a bad day: %d, want 422 naming From and keeping the input", resp.StatusCode)
	}
}

func regexpFind(t *testing.T, page, expr string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no %s in page", expr)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

func TestReportCSVText(t *testing.T) {
	for in, want := range map[string]string{"Alpha Media": "Alpha Media", "=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+7 media": "'+7 media", "-minus": "'-minus", "@home": "'@home", "": ""} {
		if got := web.CSVSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
