package commissions

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
)

func money(s, cur string) partnerka.Money {
	return partnerka.Money{Amount: decimal.RequireFromString(s), Currency: cur}
}

func TestCustomerMonth(t *testing.T) {
	bound := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{bound, 1},
		{bound.AddDate(0, 1, 0).Add(-time.Nanosecond), 1},
		{bound.AddDate(0, 1, 0), 2},
		{bound.AddDate(0, 6, 0), 7},
		{bound.AddDate(1, 0, 0), 13},
	} {
		if got := CustomerMonth(bound, tc.at); got != tc.want {
			t.Errorf("CustomerMonth(%v) = %d, want %d", tc.at, got, tc.want)
		}
	}
}

// The search CustomerMonth starts part-way gives what counting months from
// 1 gives, at month ends (January 31 plus a month is March 3), in leap
// years, and across time zones.
func TestCustomerMonthAsCounted(t *testing.T) {
	counted := func(bound, at time.Time) int {
		m := 1
		for !at.Before(bound.AddDate(0, m, 0)) {
			m++
		}
		return m
	}
	moscow := time.FixedZone("MSK", 3*3600)
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 20000; i++ {
		bound := time.Date(2023+r.IntN(3), time.Month(1+r.IntN(12)), 25+r.IntN(7), r.IntN(24), 0, 0, 0, time.UTC)
		at := bound.Add(time.Duration(r.Int64N(int64(800 * 24 * time.Hour))))
		if r.IntN(2) == 0 {
			at = at.In(moscow)
		}
		if i%5 == 0 { // at the instant a month ends
			at = bound.AddDate(0, r.IntN(24), 0).Add(time.Duration(r.IntN(3)-1) * time.Nanosecond)
		}
		if got, want := CustomerMonth(bound, at), counted(bound, at); got != want {
			t.Fatalf("CustomerMonth(%v, %v) = %d, want %d", bound, at, got, want)
		}
	}
}

func TestEarnSale(t *testing.T) {
	d := decimal.RequireFromString
	bound := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	pv := &partnerka.PlanVersion{Plan: "Referral", Version: 2, Rules: []partnerka.Rule{
		{ID: 1, Event: "sale", Level: 1, Kind: "percent", Percent: d("50"), Payments: "first", Products: []string{"crm"}},
		{ID: 2, Event: "sale", Level: 1, Kind: "percent", Percent: d("20"), Payments: "all", DurationMonths: 12,
			Tiers: []partnerka.Tier{{MinVolume: money("100000", "RUB"), Percent: d("25")}, {MinVolume: money("500000", "RUB"), Percent: d("30")}}},
		{ID: 3, Event: "sale", Level: 2, Kind: "flat", Flat: money("100", "RUB"), Payments: "recurring"},
	}}
	none := func(string) decimal.Decimal { return decimal.Zero }
	vol := func(v string) func(string) decimal.Decimal {
		return func(c string) decimal.Decimal {
			if c == "RUB" {
				return d(v)
			}
			return decimal.Zero
		}
	}
	pay := func(amount, product string, index int, at time.Time) Payment {
		return Payment{Amount: money(amount, "RUB"), Product: product, Index: index, BoundAt: bound, OccurredAt: at}
	}
	for _, tc := range []struct {
		name        string
		level       int
		pay         Payment
		volume      func(string) decimal.Decimal
		wantRule    int64 // 0: nothing
		wantAmount  string
		wantUnround string
		wantExplain string
	}{
		{"first payment of the listed product", 1, pay("1000.00", "crm", 1, bound), none, 1, "500", "500", "50% of 1000.00 RUB, first payment, plan Referral v2"},
		{"first payment of another product", 1, pay("1000.00", "phone", 1, bound), none, 2, "200", "200", ""},
		{"recurring payment", 1, pay("1500.00", "crm", 2, bound.AddDate(0, 6, 0)), none, 2, "300", "300", "20% of 1500.00 RUB, recurring payment month 7, plan Referral v2"},
		{"last month of the duration", 1, pay("100.00", "crm", 5, bound.AddDate(0, 12, 0).Add(-time.Second)), none, 2, "20", "20", ""},
		{"after the duration", 1, pay("100.00", "crm", 5, bound.AddDate(0, 12, 0)), none, 0, "", "", ""},
		{"tier just reached", 1, pay("100.00", "crm", 3, bound.AddDate(0, 2, 0)), vol("100000"), 2, "25", "25", ""},
		{"tier just missed", 1, pay("100.00", "crm", 3, bound.AddDate(0, 2, 0)), vol("99999.99"), 2, "20", "20", ""},
		{"top tier", 1, pay("100.00", "crm", 3, bound.AddDate(0, 2, 0)), vol("600000"), 2, "30", "30", ""},
		{"rounding half away from zero", 1, pay("0.05", "crm", 3, bound.AddDate(0, 2, 0)), none, 2, "0.01", "0.01", ""},
		{"rounding down", 1, pay("0.02", "crm", 3, bound.AddDate(0, 2, 0)), none, 2, "0", "0.004", ""},
		{"level 2 flat on a recurring payment", 2, pay("100.00", "crm", 2, bound), none, 3, "100", "100", ""},
		{"level 2 nothing on a first payment", 2, pay("100.00", "crm", 1, bound), none, 0, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := EarnSale(pv, tc.level, tc.pay, tc.volume)
			if tc.wantRule == 0 {
				if ok {
					t.Fatalf("earned %v by rule %d, want nothing", e.Amount, e.Rule.ID)
				}
				return
			}
			if !ok || e.Rule.ID != tc.wantRule || !e.Amount.Amount.Equal(d(tc.wantAmount)) || !e.Unrounded.Equal(d(tc.wantUnround)) {
				t.Fatalf("got rule %v amount %v unrounded %v ok %v, want rule %d %s %s", e.Rule, e.Amount, e.Unrounded, ok,
					tc.wantRule, tc.wantAmount, tc.wantUnround)
			}
			if tc.wantExplain != "" && e.Explanation != tc.wantExplain {
				t.Errorf("explanation %q, want %q", e.Explanation, tc.wantExplain)
			}
		})
	}
}

func TestEarnSaleCurrencies(t *testing.T) {
	d := decimal.RequireFromString
	pv := &partnerka.PlanVersion{Plan: "P", Version: 1, Rules: []partnerka.Rule{
		{ID: 1, Event: "sale", Level: 1, Kind: "percent", Percent: d("12.5"), Payments: "all"}}}
	for _, tc := range []struct{ amount, currency, want string }{
		{"1005", "JPY", "126"},     // 125.625 -> 126
		{"1003", "JPY", "125"},     // 125.375 -> 125
		{"10.004", "KWD", "1.251"}, // 1.2505 -> 1.251
		{"10.001", "KWD", "1.25"},  // 1.250125 -> 1.250
		{"99.99", "USD", "12.5"},   // 12.49875 -> 12.50
	} {
		e, _ := EarnSale(pv, 1, Payment{Amount: money(tc.amount, tc.currency), Index: 1}, func(string) decimal.Decimal { return decimal.Zero })
		if !e.Amount.Amount.Equal(d(tc.want)) || e.Amount.Currency != tc.currency {
			t.Errorf("12.5%% of %s %s = %v, want %s", tc.amount, tc.currency, e.Amount, tc.want)
		}
	}
}

func TestReversalFor(t *testing.T) {
	d := decimal.RequireFromString
	c := money("10.00", "USD")
	purchase := d("30.00")
	// Three refunds of a third add up to the whole commission.
	var total decimal.Decimal
	before := decimal.Zero
	for i := 0; i < 3; i++ {
		r := ReversalFor(c, purchase, before, d("10.00"))
		total = total.Add(r.Amount)
		before = before.Add(d("10.00"))
	}
	if !total.Equal(d("10.00")) {
		t.Errorf("three thirds reversed %s, want 10.00", total)
	}
	if r := ReversalFor(c, purchase, decimal.Zero, d("10.00")); !r.Amount.Equal(d("3.33")) {
		t.Errorf("first third %s, want 3.33", r.Amount)
	}
	if r := ReversalFor(c, purchase, decimal.Zero, purchase); !r.Amount.Equal(d("10.00")) {
		t.Errorf("full refund %s, want 10.00", r.Amount)
	}
}

func TestPreviousMonth(t *testing.T) {
	for _, tc := range []struct{ at, want time.Time }{
		{time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 2, 28, 23, 59, 59, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC), time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if got := previousMonth(tc.at); !got.Equal(tc.want) {
			t.Errorf("previousMonth(%v) = %v, want %v", tc.at, got, tc.want)
		}
	}
}
