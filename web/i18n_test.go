package web

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
)

func TestFormatMoney(t *testing.T) {
	m := func(s, c string) partnerka.Money {
		return partnerka.Money{Amount: decimal.RequireFromString(s), Currency: c}
	}
	for _, tc := range []struct {
		m            partnerka.Money
		locale, want string
	}{
		{m("12450", "RUB"), "ru", "12\u00a0450,00\u00a0₽"},
		{m("12450", "RUB"), "en", "₽12,450.00"},
		{m("-5.5", "USD"), "en", "−$5.50"},
		{m("1234567.891", "KWD"), "en", "1,234,567.891\u00a0KWD"},
		{m("1000", "JPY"), "ru", "1\u00a0000\u00a0¥"},
		{m("0", "EUR"), "ru", "0,00\u00a0€"},
		{m("999", "RUB"), "en", "₽999.00"},
	} {
		if got := FormatMoney(tc.m, tc.locale); got != tc.want {
			t.Errorf("FormatMoney(%v, %s) = %q, want %q", tc.m, tc.locale, got, tc.want)
		}
	}
	if got := FormatDate(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), "ru"); got != "23.11.2026" {
		t.Errorf("ru date %q", got)
	}
	if got := FormatDate(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), "en"); got != "Nov 23, 2026" {
		t.Errorf("en date %q", got)
	}
	if got := FormatInt(1234567, "en"); got != "1,234,567" {
		t.Errorf("FormatInt %q", got)
	}
	if got := FormatPercent(1, 8, "ru"); got != "12,5\u00a0%" {
		t.Errorf("FormatPercent %q", got)
	}
	for key := range messages["en"] {
		if messages["ru"][key] == "" {
			t.Errorf("message %q has no Russian text", key)
		}
	}
}

// Every message a template asks for exists, in both languages.
func TestTemplateMessages(t *testing.T) {
	for _, m := range MissingMessages(templateFS, "templates") {
		t.Errorf("no text for %s", m)
	}
}

func TestDescribeRule(t *testing.T) {
	d := decimal.RequireFromString
	rub := func(s string) partnerka.Money { return partnerka.Money{Amount: d(s), Currency: "RUB"} }
	for _, tc := range []struct {
		rule   partnerka.Rule
		locale string
		want   string
	}{
		{partnerka.Rule{Event: "sale", Kind: "percent", Percent: d("20"), Payments: "all",
			Tiers: []partnerka.Tier{{MinVolume: rub("100000"), Percent: d("25")}}}, "en",
			"20% of every payment; 25% from ₽100,000.00 paid last month"},
		{partnerka.Rule{Event: "sale", Kind: "percent", Percent: d("30"), Payments: "first", DurationMonths: 12, Products: []string{"crm"}}, "ru",
			"30% от первого платежа, за crm, в первые 12 мес. жизни клиента"},
		{partnerka.Rule{Event: "lead", Kind: "flat", Flat: rub("500")}, "ru", "500,00\u00a0₽ за каждого нового клиента"},
	} {
		if got := DescribeRule(tc.rule, tc.locale); got != tc.want {
			t.Errorf("describeRule = %q, want %q", got, tc.want)
		}
	}
}

func TestTierProgress(t *testing.T) {
	d := decimal.RequireFromString
	rub := func(s string) partnerka.Money { return partnerka.Money{Amount: d(s), Currency: "RUB"} }
	pv := &partnerka.PlanVersion{Rules: []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent", Percent: d("20"),
		Tiers: []partnerka.Tier{{MinVolume: rub("100000"), Percent: d("25")}, {MinVolume: rub("500000"), Percent: d("30")}}}}}
	vol := func(v string) func(string) decimal.Decimal { return func(string) decimal.Decimal { return d(v) } }
	for _, tc := range []struct {
		last, this, percent string
		progress            int
	}{
		{"0", "50000", "20%", 50},
		{"100000", "250000", "25%", 50},
		{"600000", "600000", "30%", 100},
	} {
		got := TierProgress(pv, vol(tc.last), vol(tc.this), "en")
		if got == nil || got.Percent != tc.percent || got.Progress != tc.progress {
			t.Errorf("last %s this %s: %+v, want %s %d", tc.last, tc.this, got, tc.percent, tc.progress)
		}
	}
	if TierProgress(&partnerka.PlanVersion{}, vol("0"), vol("0"), "en") != nil {
		t.Error("a plan without tiers has a tier badge")
	}
}
