package web

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"partnerka"
)

// A commission stores its explanation as the engine wrote it, in English
// (commissions.EarnSale and EarnLead): that sentence is the evidence and
// never changes. Pages in another language show it translated from its
// parts, with amounts in the reader's format; a sentence these patterns do
// not know is shown as stored.
var (
	explainSale = regexp.MustCompile(`^(?:([0-9.]+)% of ([0-9.]+) ([A-Z]{3})|([0-9.]+) ([A-Z]{3}) per payment)` +
		`(?:, first payment|, recurring payment month ([0-9]+))` +
		`(?:, tier from ([0-9.]+) ([A-Z]{3}) paid in ([0-9]{4}-[0-9]{2}))?` +
		`, plan (.+) v([0-9]+)(, level 2 \(a partner you recruited brought the customer\))?$`)
	explainRerate = regexp.MustCompile(`^re-rated from ([0-9.]+)% to ([0-9.]+)% \((?:tier from ([0-9.]+) ([A-Z]{3}) paid in|no tier reached in) ([0-9]{4}-[0-9]{2})\): ([+-]?[0-9.]+) ([A-Z]{3})` +
		`(?:, after (?:payment (.+) of ([0-9.]+) ([A-Z]{3})|refund (.+) of ([0-9.]+) ([A-Z]{3}) of payment (.+)) arrived)?$`)
	explainLead = regexp.MustCompile(`^([0-9.]+) ([A-Z]{3}) for a new customer, plan (.+) v([0-9]+)` +
		`(, level 2 \(a partner you recruited brought the customer\))?$`)
)

// ExplainCommission returns a commission's explanation in locale, followed
// by its latest re-rate's when it was re-rated (rerate "" if never).
func ExplainCommission(text, rerate, locale string) string {
	if rerate == "" {
		return Explain(text, locale)
	}
	return Explain(text, locale) + "; " + Explain(rerate, locale)
}

// Explain returns a commission's stored explanation in locale.
func Explain(text, locale string) string {
	if locale != "ru" {
		return text
	}
	money := func(amount, currency string) string {
		a, err := decimal.NewFromString(amount)
		if err != nil {
			return amount + " " + currency
		}
		return FormatMoney(partnerka.Money{Amount: a, Currency: currency}, locale)
	}
	var b strings.Builder
	level2 := func(m string) {
		if m != "" {
			b.WriteString(", 2-й уровень (клиента привёл приглашённый вами партнёр)")
		}
	}
	if m := explainSale.FindStringSubmatch(text); m != nil {
		if m[1] != "" {
			b.WriteString(strings.Replace(m[1], ".", ",", 1) + "\u00a0% от " + money(m[2], m[3]))
		} else {
			b.WriteString(money(m[4], m[5]) + " за платёж")
		}
		if m[6] == "" {
			b.WriteString(", первый платёж")
		} else {
			b.WriteString(", повторный платёж, месяц " + m[6])
		}
		if m[7] != "" {
			b.WriteString(", уровень от " + money(m[7], m[8]) + " оплат за " + m[9])
		}
		b.WriteString(", тариф " + m[10] + " v" + m[11])
		level2(m[12])
		return b.String()
	}
	if m := explainRerate.FindStringSubmatch(text); m != nil {
		pct := func(s string) string { return strings.Replace(s, ".", ",", 1) + "\u00a0%" }
		b.WriteString("пересчитано с " + pct(m[1]) + " на " + pct(m[2]) + " (")
		if m[3] != "" {
			b.WriteString("уровень от " + money(m[3], m[4]) + " оплат за " + m[5])
		} else {
			b.WriteString("ни один уровень не достигнут за " + m[5])
		}
		change := money(strings.TrimPrefix(m[6], "+"), m[7])
		if strings.HasPrefix(m[6], "+") {
			change = "+" + change
		}
		b.WriteString("): " + change)
		switch {
		case m[8] != "":
			b.WriteString(", когда пришёл платёж " + m[8] + " на " + money(m[9], m[10]))
		case m[11] != "":
			b.WriteString(", когда пришёл возврат " + m[11] + " на " + money(m[12], m[13]) + " по платежу " + m[14])
		}
		return b.String()
	}
	if m := explainLead.FindStringSubmatch(text); m != nil {
		b.WriteString(money(m[1], m[2]) + " за нового клиента, тариф " + m[3] + " v" + m[4])
		level2(m[5])
		return b.String()
	}
	return text
}
