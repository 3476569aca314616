package cabinet

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Finding 7, on a phone: the dashboard at 390 px in headless Chromium.
// The chart's labels render at 11 px or more and the dates do not run
// into each other; nothing scrolls sideways; a tap on a day shows its
// values in the caption (app.js), as a hover shows its title.
func TestDashboardChartOnPhone(t *testing.T) {
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("Chromium is not installed; make test installs it")
	}
	f := newFixture(t)
	seedDashboardMoney(t, f)
	if _, err := f.DB.Exec(`INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks) VALUES
		('2026-11-19', $1, $2, '', 14, 12), ('2026-11-20', $1, $2, '', 1234, 1000), ('2026-11-22', $1, $2, '', 7, 7)`,
		f.Seed.Partners["alpha"], f.Seed.Links["alpha"]); err != nil {
		t.Fatal(err)
	}
	base := exportServer(t, f)
	f.Browser(t).Do("GET", "/login", nil) // fiber builds its routes on its first request

	actx, acancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("no-first-run", true))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	for i, a := range []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base + "/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), "alpha@x.test"), chromedp.SendKeys(chromedp.CSS("#password"), pw),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#clicks")),
		chromedp.Navigate(base + "/dashboard?period=custom&from=2026-11-19&to=2026-11-22&currency=RUB"),
		chromedp.WaitVisible(chromedp.CSS(".chart-svg")),
	} {
		sctx, c := context.WithTimeout(ctx, 10*time.Second)
		err := chromedp.Do(sctx, a)
		c()
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	type layout struct {
		MinFont, Width float64
		Scroll         int
		Dates          []string
		Overlap        bool
	}
	measure := func() layout {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[layout](`(() => {
			const svg = document.querySelector(".chart-svg");
			const texts = [...document.querySelectorAll("figure.chart text")];
			const boxes = sel => [...document.querySelectorAll(sel)].map(e => e.getBoundingClientRect()).sort((a, b) => a.left - b.left);
			const dates = boxes(".c-date"), ticks = boxes(".c-tick");
			return {MinFont: Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize) * e.ownerSVGElement.getScreenCTM().a)),
				Width: svg.getBoundingClientRect().width, Scroll: document.documentElement.scrollWidth,
				Dates: [...svg.querySelectorAll(".c-date")].map(e => e.textContent),
				Overlap: dates.some((r, i) => i > 0 && r.left < dates[i - 1].right) ||
					ticks.some(r => r.right > svg.getBoundingClientRect().left)};
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	got := measure()
	if got.MinFont < 11 || got.Width < 250 || got.Scroll > 390 || got.Overlap || strings.Join(got.Dates, " ") != "19 ноя 20 ноя 21 ноя 22 ноя" {
		t.Errorf("at 390 px: %+v, want labels of 11 px or more apart from each other and from the plot, "+
			"which is most of the page's width, dates 19–22 ноя, no sideways scroll", got)
	}
	// The default period, 30 days: four dates, still apart.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(".chart-svg"))); err != nil {
		t.Fatal(err)
	}
	if got := measure(); got.MinFont < 11 || got.Scroll > 390 || got.Overlap || strings.Join(got.Dates, " ") != "25 окт 4 ноя 13 ноя 23 ноя" {
		t.Errorf("30 days at 390 px: %+v", got)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/dashboard?period=custom&from=2026-11-19&to=2026-11-22&currency=RUB"),
		chromedp.WaitVisible(chromedp.CSS(".chart-svg"))); err != nil {
		t.Fatal(err)
	}

	// A tap on Nov 20 shows its values in the caption.
	center, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const hit = document.querySelectorAll(".c-day .c-hit")[1];
		hit.scrollIntoView({block: "center"});
		const r = hit.getBoundingClientRect();
		return [r.left + r.width / 2, r.top + r.height / 2];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.TapXY(center[0], center[1])); err != nil {
		t.Fatal(err)
	}
	caption, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".chart-caption")))
	if err != nil {
		t.Fatal(err)
	}
	if want := "20 ноя: Переходы 1\u00a0234 · Лиды 0 · Вознаграждение 1\u00a0234,00\u00a0₽"; caption != want {
		t.Errorf("after a tap on Nov 20 the caption reads %q, want %q", caption, want)
	}
}
