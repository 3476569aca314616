package cabinet

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
)

// A commission re-rated by a late payment shows on the earnings page at
// its new amount, with the re-rate's sentence naming the payment, in the
// partner's language, and in the CSV as stored (issue 16).
func TestEarningsShowRerate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rub := func(s string) partnerka.Money {
		return partnerka.Money{Amount: decimal.RequireFromString(s), Currency: "RUB"}
	}
	if _, err := f.DB.LoadSeed(ctx, storage.Seed{
		Plans: []storage.SeedPlan{{Name: "Tiered", Version: 1, Rules: []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent",
			Percent: decimal.NewFromInt(20), Payments: "all",
			Tiers: []partnerka.Tier{{MinVolume: rub("100000"), Percent: decimal.NewFromInt(25)}}}}}},
		Partners: []storage.SeedPartner{{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: "active"},
			Plan: "Tiered", ContractStart: now.AddDate(0, -3, 0)}},
	}); err != nil {
		t.Fatal(err)
	}
	alpha := f.Seed.Partners["alpha"]
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
		VALUES ('c-late', $1, 'click', 'attributed', $2, $2, $2)`, alpha, month.AddDate(0, -2, 0)); err != nil {
		t.Fatal(err)
	}
	clock := f.DB.Now
	defer func() { f.DB.Now = clock }()
	rec := commissions.Reconciler{Steps: []commissions.Step{&commissions.PurchaseStep{DB: f.DB}, &commissions.RefundStep{DB: f.DB},
		&commissions.RerateStep{DB: f.DB}}}
	pay := func(id, amount string, at, received time.Time) {
		t.Helper()
		f.DB.Now = func() time.Time { return received }
		p := &partnerka.Purchase{ExternalID: id, CustomerID: "c-late", Amount: rub(amount), OccurredAt: at}
		if _, _, err := f.DB.CreatePurchase(ctx, p, []byte(id)); err != nil {
			t.Fatal(err)
		}
		if _, err := rec.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pay("this-month", "30000.00", month.Add(50*time.Hour), month.Add(50*time.Hour))
	pay("last-month", "150000.00", month.Add(-72*time.Hour), month.Add(100*time.Hour)) // reported late

	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/earnings", nil)
	for _, want := range []string{"7\u00a0500,00", "пересчитано с 20\u00a0% на 25\u00a0%", "1\u00a0500,00\u00a0₽, когда пришёл платёж last-month на 150\u00a0000,00\u00a0₽"} {
		if !strings.Contains(page, want) {
			t.Errorf("earnings page lacks %q", want)
		}
	}
	_, csv := b.Do("GET", "/earnings.csv", nil)
	if !strings.Contains(csv, "7500.00") || !strings.Contains(csv, "re-rated from 20% to 25% (tier from 100000.00 RUB paid in ") {
		t.Errorf("earnings CSV lacks the re-rate:\n%s", csv)
	}
}
