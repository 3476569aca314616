package commissions

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// previewWorld: alpha recruited beta; both earn under "Current" (20 % of
// every payment, 25 % from 1,000 USD paid the month before; 5 % of the
// payments of recruits' customers; 10 USD per new customer). "Dealer" is
// another published plan nobody uses yet. Purchases of May and June 2026
// are reconciled.
func previewWorld(t *testing.T) (*storage.DB, int64, map[string]int64) {
	t.Helper()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	d := decimal.RequireFromString
	usd := func(s string) partnerka.Money { return money(s, "USD") }
	res, err := db.LoadSeed(ctx, storage.Seed{
		Settings: &partnerka.Settings{Name: "T", DefaultCurrency: "USD", DefaultLandingURL: "https://example.com/",
			AllowedDomains: []string{"example.com"}, AttributionWindowDays: 30, AttributionModel: "last_click", HoldDays: 30,
			RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click"},
		Plans: []storage.SeedPlan{
			{Name: "Current", Version: 1, Rules: []partnerka.Rule{
				{Event: "sale", Level: 1, Kind: "percent", Percent: d("20"), Payments: "all",
					Tiers: []partnerka.Tier{{MinVolume: usd("1000"), Percent: d("25")}}},
				{Event: "sale", Level: 2, Kind: "percent", Percent: d("5"), Payments: "all"},
				{Event: "lead", Level: 1, Kind: "flat", Flat: usd("10"), Payments: "all"},
			}},
			{Name: "Dealer", Version: 1, Rules: []partnerka.Rule{
				{Event: "sale", Level: 1, Kind: "percent", Percent: d("30"), Payments: "first", Products: []string{"crm"}},
				{Event: "sale", Level: 1, Kind: "flat", Flat: usd("5"), Payments: "recurring", DurationMonths: 2},
				{Event: "sale", Level: 1, Kind: "percent", Percent: d("10"), Payments: "all",
					Tiers: []partnerka.Tier{{MinVolume: usd("1000"), Percent: d("15")}}},
			}},
		},
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha", Kind: "company", Status: "active"},
				Plan: "Current", ContractStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta", Kind: "company", Status: "active"}, RecruiterRef: "alpha",
				Plan: "Current", ContractStart: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	at := func(month time.Month, day int) time.Time { return time.Date(2026, month, day, 12, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		id, partner string
		bound       time.Time
	}{{"a1", "alpha", at(4, 10)}, {"a2", "alpha", at(6, 5)}, {"b1", "beta", at(5, 1)}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
			VALUES ($1, $2, 'partner_ref', 'attributed', $3, $3, $3)`, c.id, res.Partners[c.partner], c.bound); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []struct {
		id, customer, amount, currency, product string
		at                                      time.Time
	}{
		{"p1", "a1", "1200.00", "USD", "", at(5, 10)}, // May: alpha's volume reaches the 1,000 USD tier for June
		{"p2", "a1", "100.00", "USD", "", at(6, 10)},
		{"p3", "a2", "50.00", "USD", "crm", at(6, 5)},
		{"p4", "a2", "40.00", "EUR", "", at(6, 20)},
		{"p5", "b1", "10.00", "USD", "", at(5, 2)},
		{"p6", "b1", "200.00", "USD", "", at(6, 15)},
		{"p7", "a1", "3.33", "USD", "", time.Date(2026, 6, 30, 23, 59, 59, 0, time.UTC)},
		{"p8", "a1", "500.00", "USD", "", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}, // July: outside the period
	} {
		pu := &partnerka.Purchase{ExternalID: p.id, CustomerID: p.customer, Product: p.product,
			Amount: money(p.amount, p.currency), OccurredAt: p.at}
		if _, _, err := db.CreatePurchase(ctx, pu, []byte(p.id)); err != nil {
			t.Fatal(err)
		}
	}
	rec := Reconciler{Steps: []Step{&PurchaseStep{DB: db}, &LeadRuleStep{DB: db}}}
	if _, err := rec.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return db, res.Partners["alpha"], res.PlanVersions
}

func TestPreviewPlan(t *testing.T) {
	db, alpha, versions := previewWorld(t)
	ctx := context.Background()
	plans, err := db.PlanVersions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	june, july := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	type line struct{ volume, actual, preview string }
	for _, tc := range []struct {
		name     string
		plan     string
		from, to time.Time
		want     map[string]line
		items    int // payments and new customers listed
	}{
		// Under the version alpha earns by, the preview is what the reconciler
		// paid: USD 25.00 (p2 at the 25 % tier) + 12.50 (p3) + 0.83 (p7) +
		// 10.00 (5 % of beta's customer's p6) + 10.00 (a2 bound in June);
		// EUR 10.00 (p4: the tier counts May's volume in its own currency,
		// USD, whatever the payment's currency, so 25 %).
		{"the partner's own version", "Current", june, july, map[string]line{
			"USD": {"153.33", "58.33", "58.33"}, "EUR": {"40.00", "10.00", "10.00"}}, 6},
		// Dealer: p2 15 % (tier) = 15.00; p3 first crm payment 30 % = 15.00;
		// p4 recurring in the customer's first month: flat 5.00 USD; p7 in the
		// customer's third month: 15 % = 0.4995 -> 0.50; no level-2 or lead
		// rules, so beta's customer and a2's sign-up earn nothing.
		{"another version", "Dealer", june, july, map[string]line{
			"USD": {"153.33", "58.33", "35.50"}, "EUR": {"40.00", "10.00", "0"}}, 6},
		// July holds p8 only; June's 153.33 USD is under both tiers: Current
		// paid 20 % = 100.00, Dealer would pay 10 % = 50.00.
		{"tiers from the month before", "Dealer", july, july.AddDate(0, 1, 0), map[string]line{
			"USD": {"500.00", "100.00", "50.00"}}, 1},
		{"a month with nothing", "Dealer", june.AddDate(0, -3, 0), june.AddDate(0, -2, 0), map[string]line{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PreviewPlan(ctx, db, alpha, plans[versions[tc.plan]], tc.from, tc.to)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Lines) != len(tc.want) {
				t.Fatalf("lines %+v, want %v", got.Lines, tc.want)
			}
			for _, l := range got.Lines {
				w, ok := tc.want[l.Currency]
				if !ok || !l.Volume.Equal(decimal.RequireFromString(w.volume)) || !l.Actual.Equal(decimal.RequireFromString(w.actual)) ||
					!l.Preview.Equal(decimal.RequireFromString(w.preview)) {
					t.Errorf("%s: volume %s actual %s preview %s, want %+v", l.Currency, l.Volume, l.Actual, l.Preview, w)
				}
			}
			// Each line is the sum of the items: a page's totals add up to its rows.
			sums := map[string][2]decimal.Decimal{}
			for _, it := range got.Items {
				if it.Actual != nil {
					s := sums[it.Actual.Currency]
					s[0] = s[0].Add(it.Actual.Amount)
					sums[it.Actual.Currency] = s
				}
				if it.Preview != nil {
					s := sums[it.Preview.Currency]
					s[1] = s[1].Add(it.Preview.Amount)
					sums[it.Preview.Currency] = s
				}
			}
			for _, l := range got.Lines {
				if s := sums[l.Currency]; !s[0].Equal(l.Actual) || !s[1].Equal(l.Preview) {
					t.Errorf("%s: line %s / %s, items sum to %s / %s", l.Currency, l.Actual, l.Preview, s[0], s[1])
				}
			}
			if len(got.Outside) != 0 {
				t.Errorf("commissions outside the items: %+v", got.Outside)
			}
			if len(got.Items) != tc.items {
				t.Errorf("%d items, want %d: %+v", len(got.Items), tc.items, got.Items)
			}
			for i := 1; i < len(got.Items); i++ {
				if got.Items[i].At.Before(got.Items[i-1].At) {
					t.Errorf("items out of time order at %d", i)
				}
			}
		})
	}

	t.Run("each payment under the own version earns what it earned", func(t *testing.T) {
		got, err := PreviewPlan(ctx, db, alpha, plans[versions["Current"]], june, july)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range got.Items {
			if it.Actual == nil || it.Preview == nil || it.Actual.Currency != it.Preview.Currency || !it.Actual.Amount.Equal(it.Preview.Amount) {
				t.Errorf("%s level %d at %v: actual %v, preview %v", it.Event, it.Level, it.At, it.Actual, it.Preview)
			}
			if it.Explanation == "" {
				t.Errorf("%s at %v has no explanation", it.Event, it.At)
			}
		}
	})
}
