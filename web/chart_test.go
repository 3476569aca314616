package web

import (
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka/storage"
)

func TestChartTicks(t *testing.T) {
	one, kopeck := decimal.NewFromInt(1), decimal.New(1, -2)
	for _, tc := range []struct {
		max   string
		least decimal.Decimal
		want  string
	}{
		{"0", one, "0 1 2"},
		{"1", one, "0 1 2"},
		{"3", one, "0 1 2 3"},
		{"7", one, "0 2 4 6 8"},
		{"12", one, "0 5 10 15"},
		{"100", one, "0 50 100"},
		{"1000", one, "0 500 1000"},
		{"1234.5", kopeck, "0 500 1000 1500"},
		{"0.37", kopeck, "0 0.1 0.2 0.3 0.4"},
		{"0.01", kopeck, "0 0.01 0.02"},
		{"98765", one, "0 50000 100000"},
	} {
		var got []string
		for _, v := range chartTicks(decimal.RequireFromString(tc.max), tc.least) {
			got = append(got, v.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("ticks to %s: %v, want %s", tc.max, got, tc.want)
		}
	}
	// Any maximum: 3 to 5 ticks from zero, evenly spaced by a round step,
	// the last at or above the maximum.
	round := regexp.MustCompile(`^[125]0*$|^0\.0*[125]$`)
	for _, max := range []string{"0.5", "1.01", "2.5", "9", "10", "11", "19", "21", "49", "51", "99.99", "101", "399", "401", "777777", "1000001"} {
		m := decimal.RequireFromString(max)
		ticks := chartTicks(m, kopeck)
		step := ticks[1]
		if n := len(ticks); n < 3 || n > 5 || !ticks[0].IsZero() || ticks[n-1].LessThan(m) || !round.MatchString(step.String()) {
			t.Errorf("ticks to %s: %v", max, ticks)
		}
		for i, v := range ticks {
			if !v.Equal(step.Mul(decimal.NewFromInt(int64(i)))) {
				t.Errorf("ticks to %s: %v not evenly spaced", max, ticks)
			}
		}
	}
}

// chartDays is Nov 20 to Dec 4, 2026 in Moscow: 15 days, a click on each
// (12 on Dec 4), a lead on Dec 4 and 1 234 RUB earned on it.
func chartDays() []storage.DayStat {
	msk := time.FixedZone("MSK", 3*3600)
	var days []storage.DayStat
	for d := time.Date(2026, 11, 20, 0, 0, 0, 0, msk); !d.After(time.Date(2026, 12, 4, 0, 0, 0, 0, msk)); d = d.AddDate(0, 0, 1) {
		days = append(days, storage.DayStat{Day: d, Clicks: 1, Earned: decimal.Zero, Currency: "RUB"})
	}
	last := &days[len(days)-1]
	last.Clicks, last.Leads, last.Earned = 12, 1, decimal.RequireFromString("1234")
	return days
}

// wellFormed fails unless s parses as XML: the SVG is served inline, and
// a browser drops what does not parse.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		if _, err := d.Token(); err == io.EOF {
			return
		} else if err != nil {
			t.Fatalf("chart is not well-formed: %v\n%s", err, s)
		}
	}
}

func TestChartSVG(t *testing.T) {
	svg := string(ChartSVG(chartDays(), "ru"))
	wellFormed(t, svg)
	for _, want := range []string{
		// y axes: clicks 0..12 by 5, leads 0..2, money 0..1 500 ₽, in the locale
		`<text class="c-tick" x="100%" dx="-6" y="100.0" text-anchor="end">0</text>`, `>5<`, `>10<`, `>15<`, `>1\u00a0500,00\u00a0₽<`, `>500,00\u00a0₽<`,
		// x axis: the first and last days, two between
		`text-anchor="start">20 ноя<`, `text-anchor="end">4 дек<`, `>25 ноя<`, `>29 ноя<`,
		// a title per day with every value
		"<title>4 дек: Переходы 12 · Лиды 1 · Вознаграждение 1\u00a0234,00\u00a0₽</title>",
		"<title>20 ноя: Переходы 1 · Лиды 0 · Вознаграждение 0,00\u00a0₽</title>",
		// a legend per panel, and the caption app.js fills
		`<tspan class="c-key c-clicks">■</tspan><tspan dx="4">Переходы</tspan>`,
		`<figcaption class="chart-caption muted" aria-live="polite">Наведите на день`,
	} {
		if want = strings.ReplaceAll(want, `\u00a0`, "\u00a0"); !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if n := strings.Count(svg, `<g class="c-day" tabindex="0">`); n != 15 {
		t.Errorf("%d focusable days, want 15", n)
	}
	if n := strings.Count(svg, `class="c-date"`); n != 4 {
		t.Errorf("%d dates on the x axis, want 4", n)
	}
	// Text is never scaled: neither SVG has a viewBox, both size text in
	// CSS pixels, so a 390 px phone shows it at 12 px; the y axes' labels
	// have a gutter as wide as the longest ("1 500,00 ₽", 10 characters).
	for _, root := range regexp.MustCompile(`<svg class="chart-[a-z]+"[^>]*>`).FindAllString(svg, -1) {
		if strings.Contains(root, "viewBox") || !strings.Contains(root, `font-size="12"`) {
			t.Errorf("chart root %q scales its text", root)
		}
	}
	if !strings.Contains(svg, `<svg class="chart-axis" width="78" height="`) || !strings.Contains(svg, `<svg class="chart-svg" width="100%" height="`) {
		t.Error("the chart is not a gutter of y axes beside plots of the page's width")
	}

	en := string(ChartSVG(chartDays(), "en"))
	for _, want := range []string{"<title>Dec 4: Clicks 12 · Leads 1 · Earnings ₽1,234.00</title>", ">₽1,500.00<", `text-anchor="start">Nov 20<`} {
		if !strings.Contains(en, want) {
			t.Errorf("English chart lacks %q", want)
		}
	}
	if ChartSVG(nil, "ru") != "" {
		t.Error("a chart of no days is drawn")
	}
}

// A day-series of several lines (the back office's overview): one y axis
// for the panel's series, a polyline each and a point per day, titles
// naming each series; money per currency in its own panel.
func TestDayChartLines(t *testing.T) {
	days := []time.Time{time.Date(2026, 12, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}
	n := func(vs ...int64) []decimal.Decimal {
		var out []decimal.Decimal
		for _, v := range vs {
			out = append(out, decimal.NewFromInt(v))
		}
		return out
	}
	svg := string(DayChart{Label: "Program", Days: days, Panels: []ChartPanel{
		{Series: []ChartSeries{{Name: "Clicks", Class: "c-s1", Values: n(40, 0, 7)}, {Name: "Leads", Class: "c-s2", Values: n(3, 1)}}},
		{Bars: true, Series: []ChartSeries{{Name: "Paid", Class: "c-s3", Currency: "USD", Values: n(5, 12, 0)}}},
	}}.SVG("en"))
	wellFormed(t, svg)
	for _, want := range []string{
		`aria-label="Program"`, `<polyline class="c-line c-s1" points="0.5,0.0 1.5,72.0 2.5,59.4"`, `<polyline class="c-line c-s2"`,
		`>0<`, `>10<`, `>20<`, `>30<`, `>40<`, `>$0.00<`, `>$5.00<`, `>$15.00<`,
		// a period across a new year names the year in its titles; the
		// missing last lead reads as zero
		"<title>Jan 1, 2027: Clicks 7 · Leads 0 · Paid $0.00</title>", "<title>Dec 30, 2026: Clicks 40 · Leads 3 · Paid $5.00</title>",
		`<tspan class="c-key c-s1">■</tspan><tspan dx="4">Clicks</tspan><tspan class="c-key c-s2" dx="12">■</tspan><tspan dx="4">Leads</tspan>`,
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("line chart lacks %q", want)
		}
	}
	if got := strings.Count(svg, `class="c-point`); got != 6 {
		t.Errorf("%d points, want 2 series × 3 days", got)
	}
	if got := strings.Count(svg, `class="c-bar c-s3"`); got != 3 {
		t.Errorf("%d bars, want 3", got)
	}
}

func TestChartDates(t *testing.T) {
	for n, want := range map[int]string{1: "[0]", 3: "[0 1 2]", 4: "[0 1 2 3]", 5: "[0 1 3 4]", 7: "[0 2 4 6]", 30: "[0 10 19 29]", 366: "[0 122 243 365]"} {
		if got := fmt.Sprint(chartDateIndexes(n)); got != want {
			t.Errorf("%d days: dates at %s, want %s", n, got, want)
		}
	}
}
