package web

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
)

// Every sentence the engine writes is translated, from the engine's own
// output: a change to its wording that these patterns miss fails here.
func TestExplainInRussian(t *testing.T) {
	rub := func(s string) partnerka.Money {
		return partnerka.Money{Amount: decimal.RequireFromString(s), Currency: "RUB"}
	}
	pv := &partnerka.PlanVersion{Plan: "Referral, annual", Version: 3, Rules: []partnerka.Rule{
		{Event: partnerka.EventSale, Level: 1, Products: []string{"flat"}, Kind: partnerka.KindFlat, Flat: rub("250"), Payments: partnerka.PaymentsAll},
		{Event: partnerka.EventSale, Level: 1, Kind: partnerka.KindPercent, Percent: decimal.RequireFromString("20"), Payments: partnerka.PaymentsAll,
			Tiers: []partnerka.Tier{{MinVolume: rub("100000"), Percent: decimal.RequireFromString("25.5")}}},
		{Event: partnerka.EventSale, Level: 2, Kind: partnerka.KindPercent, Percent: decimal.RequireFromString("5"), Payments: partnerka.PaymentsAll},
		{Event: partnerka.EventLead, Level: 1, Kind: partnerka.KindFlat, Flat: rub("1000")},
		{Event: partnerka.EventLead, Level: 2, Kind: partnerka.KindFlat, Flat: rub("100")},
	}}
	bound := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	pay := func(product string, index int, amount string, at time.Time) commissions.Payment {
		return commissions.Payment{Amount: rub(amount), Product: product, Index: index, BoundAt: bound, OccurredAt: at}
	}
	none := func(string) decimal.Decimal { return decimal.Zero }
	rich := func(string) decimal.Decimal { return decimal.NewFromInt(150000) }
	sale := func(level int, p commissions.Payment, vol func(string) decimal.Decimal) string {
		e, ok := commissions.EarnSale(pv, level, p, vol)
		if !ok {
			t.Fatalf("no earning for %+v", p)
		}
		return e.Explanation
	}
	rerate := func(from string, tier *partnerka.Tier, to, change string, cause *storage.TierMonth) string {
		k := &storage.RerateCandidate{Percent: decimal.RequireFromString(from), Month: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
		return commissions.RerateExplanation(k, decimal.RequireFromString(to), tier, rub(change), cause)
	}
	lead := func(level int) string {
		e, ok := commissions.EarnLead(pv, level)
		if !ok {
			t.Fatal("no lead earning")
		}
		return e.Explanation
	}
	for _, tc := range []struct{ en, want string }{
		{sale(1, pay("app", 1, "1500", bound), none),
			"20\u00a0% от 1\u00a0500,00\u00a0₽, первый платёж, тариф Referral, annual v3"},
		{sale(1, pay("app", 7, "1500", bound.AddDate(0, 6, 1)), rich),
			"25,5\u00a0% от 1\u00a0500,00\u00a0₽, повторный платёж, месяц 7, уровень от 100\u00a0000,00\u00a0₽ оплат за 2026-06, тариф Referral, annual v3"},
		{sale(1, pay("flat", 2, "990", bound.AddDate(0, 1, 0)), none),
			"250,00\u00a0₽ за платёж, повторный платёж, месяц 2, тариф Referral, annual v3"},
		{sale(2, pay("app", 1, "1500", bound), none),
			"5\u00a0% от 1\u00a0500,00\u00a0₽, первый платёж, тариф Referral, annual v3, 2-й уровень (клиента привёл приглашённый вами партнёр)"},
		{lead(1), "1\u00a0000,00\u00a0₽ за нового клиента, тариф Referral, annual v3"},
		{lead(2), "100,00\u00a0₽ за нового клиента, тариф Referral, annual v3, 2-й уровень (клиента привёл приглашённый вами партнёр)"},
		{rerate("20", &pv.Rules[1].Tiers[0], "25.5", "1650", &storage.TierMonth{Purchase: "jan-7", PurchaseAmount: decimal.NewFromInt(150000), Currency: "RUB"}),
			"пересчитано с 20\u00a0% на 25,5\u00a0% (уровень от 100\u00a0000,00\u00a0₽ оплат за 2026-01): +1\u00a0650,00\u00a0₽, когда пришёл платёж jan-7 на 150\u00a0000,00\u00a0₽"},
		{rerate("25.5", nil, "20", "-1650", &storage.TierMonth{Purchase: "jan-7", Refund: "r-1", RefundAmount: decimal.NewFromInt(60000), Currency: "RUB"}),
			"пересчитано с 25,5\u00a0% на 20\u00a0% (ни один уровень не достигнут за 2026-01): −1\u00a0650,00\u00a0₽, когда пришёл возврат r-1 на 60\u00a0000,00\u00a0₽ по платежу jan-7"},
	} {
		if got := Explain(tc.en, "ru"); got != tc.want {
			t.Errorf("%q\n in Russian: %q\n       want: %q", tc.en, got, tc.want)
		}
		if got := Explain(tc.en, "en"); got != tc.en {
			t.Errorf("English changed: %q", got)
		}
	}
	if got := Explain("something new", "ru"); got != "something new" {
		t.Errorf("an unknown sentence: %q, want it as stored", got)
	}
}
