package web

import (
	"strings"

	"partnerka/storage"
)

// FunnelView is a funnel (storage.Funnel) as the dashboard and the back
// office's report show it: one cohort, so no percentage passes 100 %, and
// the customers who came without a click beside it, never divided by
// clicks. The pages print the definition once, T("funnel_def").
type FunnelView struct {
	Visitors, Leads, Paying string // counts
	ClickLead, LeadPaying   string // leads of visitors, paying of leads: "66,7 %", "—" when there is nothing to divide
	ClickLeadOf             string // "2 из 3": what ClickLead divides
	LeadPayingOf            string // "1 из 2"
	NoClick                 string // "Клиенты без перехода: +7 (промокод 5, партнёрская ссылка 2)", "" when none
	NoClickTotal            string // "+7", "" when none
	NoClickSources          string // "промокод 5, партнёрская ссылка 2"
}

// Funnel formats f in locale.
func Funnel(f storage.Funnel, locale string) FunnelView {
	n := func(v int64) string { return FormatInt(v, locale) }
	v := FunnelView{Visitors: n(f.Visitors), Leads: n(f.Leads), Paying: n(f.Paying),
		ClickLead: FormatPercent(f.Leads, f.Visitors, locale), LeadPaying: FormatPercent(f.Paying, f.Leads, locale),
		ClickLeadOf: Tf(locale, "funnel_of", n(f.Leads), n(f.Visitors)), LeadPayingOf: Tf(locale, "funnel_of", n(f.Paying), n(f.Leads))}
	if f.NoClick.Total() == 0 {
		return v
	}
	var by []string
	for _, s := range f.NoClick.Sources() {
		by = append(by, T(locale, "src_"+s.Source)+" "+n(s.Count))
	}
	v.NoClickTotal, v.NoClickSources = "+"+n(f.NoClick.Total()), strings.Join(by, ", ")
	v.NoClick = Tf(locale, "funnel_no_click", v.NoClickTotal, v.NoClickSources)
	return v
}

var _ = AddMessages(map[string]string{
	"funnel_def": "Percentages follow one group of visitors: of the period's unique clicks, the share that became leads through that click, " +
		"and of those leads, the share that has paid (to date); customers who came without a click are counted apart and never divided by clicks.",
	"funnel_of":       "%s of %s",
	"funnel_no_click": "Customers without a click: %s (%s)",
}, map[string]string{
	"funnel_def": "Проценты считаются по одним и тем же посетителям: из уникальных переходов за период — доля тех, кто по этому переходу стал лидом, " +
		"а из этих лидов — доля уже оплативших (на сегодня); клиенты, пришедшие без перехода, считаются отдельно и на переходы не делятся.",
	"funnel_of":       "%s из %s",
	"funnel_no_click": "Клиенты без перехода: %s (%s)",
})
