package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// DayChart is a chart of figures per day, drawn on the server as SVG: no
// chart library, no network. Each panel has its own y axis with 3 to 5
// round ticks in the viewer's locale and a legend; the panels share an x
// axis of dates (the first, the last and a few between). Every day is a
// focusable column whose <title> holds its values ("4 дек: Переходы 12 ·
// Вознаграждение 1 234,00 ₽"): a hover shows it, and the `// chart` block
// of app.js shows the focused or tapped day in the caption. The SVG has
// no viewBox: x positions are percentages of its width and text is sized
// in CSS pixels (12 px), so labels read the same at 390 px as at 1 000;
// the y axes' labels sit in a gutter beside the plots.
// The page keeps a table of the same numbers (UI.md).
//
// A day-series of several lines, e.g. the program's clicks and leads over
// its earnings in one currency:
//
//	web.DayChart{Label: web.T(lc, "chart"), Days: days, Panels: []web.ChartPanel{
//		{Series: []web.ChartSeries{
//			{Name: web.T(lc, "clicks"), Class: "c-clicks", Values: clicks},
//			{Name: web.T(lc, "leads"), Class: "c-leads", Values: leads}}},
//		{Bars: true, Series: []web.ChartSeries{
//			{Name: web.T(lc, "earnings"), Class: "c-earned", Currency: "RUB", Values: earned}}},
//	}}.SVG(lc)
type DayChart struct {
	Label  string      // what the chart shows, for screen readers
	Days   []time.Time // the days shown, each at its start in the viewer's time zone
	Panels []ChartPanel
}

// ChartPanel is one band of a DayChart: its series share one y axis, so
// give them one unit (counts, or money in one currency).
type ChartPanel struct {
	Bars   bool // bars, side by side within a day; otherwise lines with a point a day
	Series []ChartSeries
}

// ChartSeries is one line (or row of bars) of a panel.
type ChartSeries struct {
	Name     string            // the legend's and the titles' word: "Clicks"
	Class    string            // the CSS class that colours it: c-clicks, c-leads, c-earned, c-s1 … c-s4 (app.css)
	Currency string            // "" for counts; else Values are money in this currency
	Values   []decimal.Decimal // one per day; missing ones are zero, negative ones are drawn at zero
}

// The chart's geometry, in CSS pixels.
const (
	chartLegendH = 18 // a panel's legend line
	chartTickH   = 6  // room above the top grid line for half its tick label
	chartPlotH   = 72 // a panel's plot
	chartGapH    = 12 // between panels
	chartAxisH   = 20 // the dates under the last panel
	chartDates   = 4  // at most this many dates on the x axis
	chartCharW   = 7  // a 12 px label's widest characters, for the gutter of the y axes
)

// SVG draws the chart, or nothing when it has no days.
func (c DayChart) SVG(locale string) template.HTML {
	n := len(c.Days)
	if n == 0 || len(c.Panels) == 0 {
		return ""
	}
	panelH := chartLegendH + chartTickH + chartPlotH + chartGapH
	height := len(c.Panels)*panelH + chartAxisH
	col := 100 / float64(n) // a day's width, percent
	esc := template.HTMLEscapeString
	// The y axes' labels sit in a gutter of their own, left of the plots,
	// so they never cover a bar or a line.
	var b, axis strings.Builder
	gutter := 0

	type plot struct {
		top float64 // the y of the top tick
		max decimal.Decimal
	}
	plots := make([]plot, len(c.Panels))
	for i, p := range c.Panels {
		top := float64(i*panelH + chartLegendH + chartTickH)
		hi, unit := decimal.Zero, ""
		for _, s := range p.Series {
			unit = s.Currency
			for _, v := range s.Values {
				hi = decimal.Max(hi, v)
			}
		}
		ticks := chartTicks(hi, chartLeast(unit))
		plots[i] = plot{top: top, max: ticks[len(ticks)-1]}
		// The legend: a coloured key before each series' name.
		fmt.Fprintf(&b, `<text class="c-legend" x="0" y="%d">`, i*panelH+13)
		for j, s := range p.Series {
			dx := ""
			if j > 0 {
				dx = ` dx="12"`
			}
			fmt.Fprintf(&b, `<tspan class="c-key %s"%s>■</tspan><tspan dx="4">%s</tspan>`, esc(s.Class), dx, esc(s.Name))
		}
		b.WriteString(`</text>`)
		for k, t := range ticks {
			y := top + chartPlotH - float64(k)*chartPlotH/float64(len(ticks)-1)
			label := chartValueText(t, unit, locale)
			gutter = max(gutter, utf8.RuneCountInString(label)*chartCharW+8)
			fmt.Fprintf(&b, `<line class="c-grid" x1="0" x2="100%%" y1="%.1f" y2="%.1f"></line>`, y, y)
			fmt.Fprintf(&axis, `<text class="c-tick" x="100%%" dx="-6" y="%.1f" text-anchor="end">%s</text>`, y+4, esc(label))
		}
		if !p.Bars {
			// Lines stretch with the chart: a nested SVG in day units, its
			// strokes kept at their width.
			fmt.Fprintf(&b, `<svg x="0" y="%.1f" width="100%%" height="%d" viewBox="0 0 %d %d" preserveAspectRatio="none" overflow="visible">`,
				top, chartPlotH, n, chartPlotH)
			for _, s := range p.Series {
				var pts []string
				for d := 0; d < n; d++ {
					pts = append(pts, fmt.Sprintf("%.1f,%.1f", float64(d)+0.5, chartPlotH-chartPlotH*chartShare(chartValue(s.Values, d), plots[i].max)))
				}
				fmt.Fprintf(&b, `<polyline class="c-line %s" points="%s" vector-effect="non-scaling-stroke"></polyline>`, esc(s.Class), strings.Join(pts, " "))
			}
			b.WriteString(`</svg>`)
		}
	}

	// The days: a focusable column each, with its values in its title and
	// its bars and points inside, so hovering a bar shows the day.
	spansYears := c.Days[0].Year() != c.Days[n-1].Year()
	for d, day := range c.Days {
		var vals []string
		for _, p := range c.Panels {
			for _, s := range p.Series {
				vals = append(vals, s.Name+" "+chartValueText(chartValue(s.Values, d), s.Currency, locale))
			}
		}
		date := chartDay(day, locale)
		if spansYears {
			date = FormatDate(day, locale)
		}
		title := date + ": " + strings.Join(vals, " · ")
		x := float64(d) * col
		fmt.Fprintf(&b, `<g class="c-day" tabindex="0"><title>%s</title><rect class="c-hit" x="%.3f%%" y="0" width="%.3f%%" height="%d"></rect>`,
			esc(title), x, col, height-chartAxisH)
		for i, p := range c.Panels {
			pl := plots[i]
			for j, s := range p.Series {
				share := chartShare(chartValue(s.Values, d), pl.max)
				if p.Bars {
					// Bars of a day side by side in its middle 70 %.
					w := col * 0.7 / float64(len(p.Series))
					h := chartPlotH * share
					fmt.Fprintf(&b, `<rect class="c-bar %s" x="%.3f%%" y="%.1f" width="%.3f%%" height="%.1f"></rect>`,
						esc(s.Class), x+col*0.15+float64(j)*w, pl.top+chartPlotH-h, w, h)
				} else {
					fmt.Fprintf(&b, `<circle class="c-point %s" cx="%.3f%%" cy="%.1f" r="3"></circle>`,
						esc(s.Class), x+col/2, pl.top+chartPlotH-chartPlotH*share)
				}
			}
		}
		b.WriteString(`</g>`)
	}

	// The dates: the first and the last at the edges, a few evenly between.
	y := height - 5
	for _, d := range chartDateIndexes(n) {
		anchor, x := "middle", fmt.Sprintf("%.3f%%", (float64(d)+0.5)*col)
		switch {
		case n == 1:
		case d == 0:
			anchor, x = "start", "0"
		case d == n-1:
			anchor, x = "end", "100%"
		}
		fmt.Fprintf(&b, `<text class="c-date" x="%s" y="%d" text-anchor="%s">%s</text>`, x, y, anchor, esc(chartDay(c.Days[d], locale)))
	}
	return template.HTML(fmt.Sprintf(`<figure class="chart"><div class="chart-grid">`+
		`<svg class="chart-axis" width="%d" height="%d" font-size="12" aria-hidden="true">%s</svg>`+
		`<svg class="chart-svg" width="100%%" height="%d" font-size="12" role="group" aria-label="%s">%s</svg>`+
		`</div><figcaption class="chart-caption muted" aria-live="polite">%s</figcaption></figure>`,
		gutter, height, axis.String(), height, esc(c.Label), b.String(), esc(T(locale, "chart_hint"))))
}

// ChartSVG draws the dashboard's chart of days: clicks, leads and
// earnings (in the days' currency), each in its own panel of bars.
func ChartSVG(days []storage.DayStat, locale string) template.HTML {
	if len(days) == 0 {
		return ""
	}
	c := DayChart{Label: T(locale, "chart")}
	clicks, leads, earned := make([]decimal.Decimal, len(days)), make([]decimal.Decimal, len(days)), make([]decimal.Decimal, len(days))
	for i, d := range days {
		c.Days = append(c.Days, d.Day)
		clicks[i], leads[i], earned[i] = decimal.NewFromInt(d.Clicks), decimal.NewFromInt(d.Leads), d.Earned
	}
	c.Panels = []ChartPanel{
		{Bars: true, Series: []ChartSeries{{Name: T(locale, "clicks"), Class: "c-clicks", Values: clicks}}},
		{Bars: true, Series: []ChartSeries{{Name: T(locale, "leads"), Class: "c-leads", Values: leads}}},
		{Bars: true, Series: []ChartSeries{{Name: T(locale, "earnings"), Class: "c-earned", Currency: days[0].Currency, Values: earned}}},
	}
	return c.SVG(locale)
}

// chartTicks returns 3 to 5 round ticks from zero to at least top: a
// step of 1, 2 or 5 times a power of ten, and no finer than least (1 for
// counts, the minor unit for money).
func chartTicks(top, least decimal.Decimal) []decimal.Decimal {
	if !top.IsPositive() {
		top = least
	}
	f, _ := top.Float64()
	four := decimal.NewFromInt(4)
	var step decimal.Decimal
	// The smallest round step of which four reach top: start a power of
	// ten below the estimate, so a rounding of Log10 never skips it.
	for e := int32(math.Floor(math.Log10(f/4))) - 1; step.IsZero(); e++ {
		for _, m := range []int64{1, 2, 5} {
			if s := decimal.New(m, e); s.Mul(four).GreaterThanOrEqual(top) {
				step = s
				break
			}
		}
	}
	step = decimal.Max(step, least)
	n := max(top.Div(step).Ceil().IntPart(), 2)
	ticks := make([]decimal.Decimal, n+1)
	for i := range ticks {
		ticks[i] = step.Mul(decimal.NewFromInt(int64(i)))
	}
	return ticks
}

// chartLeast is the finest tick step of a unit: 1 for counts, the
// currency's minor unit for money.
func chartLeast(currency string) decimal.Decimal {
	if currency == "" {
		return decimal.NewFromInt(1)
	}
	n, _ := partnerka.MinorUnits(currency)
	return decimal.New(1, -int32(n))
}

// chartValueText is a value as a tick or a title reads it: a count
// ("1 000") or money with its currency's minor digits ("1 000,00 ₽").
func chartValueText(v decimal.Decimal, currency, locale string) string {
	if currency == "" {
		return FormatInt(v.IntPart(), locale)
	}
	return FormatMoney(partnerka.Money{Amount: v, Currency: currency}, locale)
}

func chartValue(vs []decimal.Decimal, d int) decimal.Decimal {
	if d < len(vs) {
		return vs[d]
	}
	return decimal.Zero
}

// chartShare is v's height as a share of the axis (0..1).
func chartShare(v, max decimal.Decimal) float64 {
	if !v.IsPositive() || !max.IsPositive() {
		return 0
	}
	f, _ := v.Div(max).Float64()
	return math.Min(f, 1)
}

// chartDateIndexes are the days the x axis names: all of a short period,
// else the first, the last and evenly between, chartDates in all.
func chartDateIndexes(n int) []int {
	if n <= chartDates {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	var out []int
	for k := 0; k < chartDates; k++ {
		out = append(out, int(math.Round(float64(k*(n-1))/float64(chartDates-1))))
	}
	return out
}

// chartDay is a short date: "4 дек" or "Dec 4".
func chartDay(t time.Time, locale string) string {
	return Tf(locale, "chart_day", t.Day(), T(locale, fmt.Sprintf("chart_m%d", t.Month())))
}

var _ = AddMessages(map[string]string{
	"chart_hint":     "Hover over a day, or tap it, to see its figures.",
	"chart_currency": "Earnings in",
	"chart_day":      "%[2]s %[1]d",
	"chart_m1":       "Jan", "chart_m2": "Feb", "chart_m3": "Mar", "chart_m4": "Apr", "chart_m5": "May", "chart_m6": "Jun",
	"chart_m7": "Jul", "chart_m8": "Aug", "chart_m9": "Sep", "chart_m10": "Oct", "chart_m11": "Nov", "chart_m12": "Dec",
}, map[string]string{
	"chart_hint":     "Наведите на день или нажмите на него, чтобы увидеть значения.",
	"chart_currency": "Вознаграждение в валюте",
	"chart_day":      "%[1]d %[2]s",
	"chart_m1":       "янв", "chart_m2": "фев", "chart_m3": "мар", "chart_m4": "апр", "chart_m5": "мая", "chart_m6": "июн",
	"chart_m7": "июл", "chart_m8": "авг", "chart_m9": "сен", "chart_m10": "окт", "chart_m11": "ноя", "chart_m12": "дек",
})

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
