package web

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// ChartSVG draws clicks, leads and earnings per day as three rows of bars,
// each on its own scale, in plain SVG: no script, no network. The page
// also carries the same numbers as a table for screen readers.
func ChartSVG(days []storage.DayStat, locale string) template.HTML {
	if len(days) == 0 {
		return ""
	}
	const w, rowH, gap = 600.0, 50.0, 18.0
	series := []struct {
		label string
		class string
		value func(storage.DayStat) float64
	}{
		{T(locale, "clicks"), "c-clicks", func(d storage.DayStat) float64 { return float64(d.Clicks) }},
		{T(locale, "leads"), "c-leads", func(d storage.DayStat) float64 { return float64(d.Leads) }},
		{T(locale, "earnings"), "c-earned", func(d storage.DayStat) float64 { f, _ := d.Earned.Float64(); return f }},
	}
	var b strings.Builder
	h := float64(len(series)) * (rowH + gap)
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s">`, w, h, template.HTMLEscapeString(T(locale, "chart")))
	bw := w / float64(len(days))
	for i, s := range series {
		top := float64(i)*(rowH+gap) + gap
		max := 0.0
		for _, d := range days {
			if v := s.value(d); v > max {
				max = v
			}
		}
		fmt.Fprintf(&b, `<text x="0" y="%.1f" class="c-label">%s</text>`, top-4, template.HTMLEscapeString(s.label))
		for j, d := range days {
			v := s.value(d)
			bh := 0.0
			if max > 0 {
				bh = v / max * rowH
			}
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"></rect>`,
				s.class, float64(j)*bw+1, top+rowH-bh, bw-2, bh)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// TierView is the tier badge and the progress toward the next tier.
type TierView struct {
	Percent  string // the rate in force this month
	Progress int    // percent of the way to the next tier, 0..100
	Text     string
}

// TierProgress works out the partner's tier from last month's paid volume
// and how far this month's volume is toward the next step, for the first
// tiered rule of the plan.
func TierProgress(pv *partnerka.PlanVersion, last, this func(currency string) decimal.Decimal, locale string) *TierView {
	for _, r := range pv.Rules {
		if r.Event != partnerka.EventSale || r.Level != 1 || r.Kind != partnerka.KindPercent || len(r.Tiers) == 0 {
			continue
		}
		cur := r.Tiers[0].MinVolume.Currency
		rate := r.Percent
		for _, t := range r.Tiers {
			if last(cur).GreaterThanOrEqual(t.MinVolume.Amount) {
				rate = t.Percent
			}
		}
		v := &TierView{Percent: rate.String() + "%"}
		now := this(cur)
		for _, t := range r.Tiers {
			if now.LessThan(t.MinVolume.Amount) {
				p, _ := now.Div(t.MinVolume.Amount).Mul(decimal.NewFromInt(100)).Float64()
				v.Progress = int(p)
				v.Text = fmt.Sprintf(T(locale, "tier_next"), FormatMoney(partnerka.Money{Amount: now, Currency: cur}, locale),
					FormatMoney(t.MinVolume, locale), t.Percent.String())
				return v
			}
		}
		v.Progress = 100
		v.Text = T(locale, "tier_top")
		return v
	}
	return nil
}
