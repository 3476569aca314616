package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// layoutTab is one browser tab of the layout test, with its timeouts.
type layoutTab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b layoutTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func layoutEval[T any](b layoutTab, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// submit fills a form's fields by selector, submits it and waits for the
// page that answers.
func (b layoutTab) submit(form string, fields map[string]string) {
	b.t.Helper()
	f, _ := json.Marshal(form)
	v, _ := json.Marshal(fields)
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const f = document.querySelector(%s);
		for (const [sel, v] of Object.entries(%s || {})) f.querySelector(sel).value = v;
		f.requestSubmit();
	})()`, f, v))); err != nil {
		b.t.Fatalf("submit %s: %v", form, err)
	}
}

func (b layoutTab) signIn(email string) {
	b.t.Helper()
	b.do("open /login", chromedp.Navigate(b.base+"/login"))
	b.submit(`form[action="/login"]`, map[string]string{"#email": email, "#password": DemoPassword})
	if path := layoutEval[string](b, `location.pathname`); path == "/login" {
		b.t.Fatalf("sign in as %s failed", email)
	}
}

// phoneFacts is what the phone test reads off a page with the menu
// closed and then open.
type phoneFacts struct {
	Header        float64  `json:"header"`        // the header's height, menu closed
	MenuShown     bool     `json:"menuShown"`     // any nav link visible, menu closed
	Expanded      string   `json:"expanded"`      // the toggle's aria-expanded, menu closed
	OpenExpanded  string   `json:"openExpanded"`  // and after a tap
	OpenLinks     int      `json:"openLinks"`     // nav links visible once open
	Current       []string `json:"current"`       // hrefs of the nav links marked current
	CurrentWeight string   `json:"currentWeight"` // the current link's font weight
	OtherWeight   string   `json:"otherWeight"`   // another nav link's
	Small         []string `json:"small"`         // visible links and buttons under 24 px tall
	Overflow      int      `json:"overflow"`      // how much wider than the screen the page is
	CardRow       []int    `json:"cardRow"`       // how many of the first KPI cards share the first row
}

// phoneFactsJS measures the page as phoneFacts says, tapping the menu
// button between the closed and the open readings.
const phoneFactsJS = `(() => {
	const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== "hidden"; };
	const links = () => [...document.querySelectorAll("header nav a")];
	const toggle = document.querySelector(".menu-toggle");
	const out = {header: document.querySelector("header.top").getBoundingClientRect().height,
		menuShown: links().some(visible), expanded: toggle.getAttribute("aria-expanded")};
	toggle.click();
	out.openExpanded = toggle.getAttribute("aria-expanded");
	out.openLinks = links().filter(visible).length;
	const current = links().filter(a => a.getAttribute("aria-current") === "page");
	out.current = current.map(a => a.getAttribute("href"));
	const other = links().find(a => !a.hasAttribute("aria-current"));
	out.currentWeight = current.length ? getComputedStyle(current[0]).fontWeight : "";
	out.otherWeight = other ? getComputedStyle(other).fontWeight : "";
	out.small = [...document.querySelectorAll("main a, main button, nav a, header button")].filter(visible)
		.filter(el => el.getBoundingClientRect().height < 24)
		.map(el => el.tagName + " " + (el.getAttribute("href") || el.textContent.trim()).slice(0, 40) + " " + el.getBoundingClientRect().height.toFixed(1));
	out.overflow = document.documentElement.scrollWidth - screen.width; // a phone zooms out to a wider page: innerWidth grows with it
	const cards = [...document.querySelectorAll("main .cards > .card")].filter(visible);
	if (cards.length) {
		const top = cards[0].getBoundingClientRect().top;
		out.cardRow = [cards.filter(c => Math.abs(c.getBoundingClientRect().top - top) < 2).length, cards.length];
	}
	toggle.click();
	return out;
})()`

// Finding 8: on a phone the header's navigation took a third of the
// screen and no page was marked as current. At 390 × 844 the menu is
// folded behind a button, opens on a tap, marks the page shown in both
// the cabinet and the back office, every link and button is at least
// 24 px tall, nothing scrolls sideways and KPI cards sit two per row; at
// 1366 px the navigation is laid out in full. The rule form of the back
// office shows only the fields of the chosen kind of rule.
func TestPhoneLayout(t *testing.T) {
	browser := chromium(t)
	e, _, cabinet := demoEnv(t, "--activity=false")
	serveFor(t, e)
	bctx := headlessBrowser(t, browser)
	phone := func(b layoutTab) {
		b.do("phone viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	}

	for _, tc := range []struct {
		name, email, page, current string
		cards                      bool
	}{
		{"partner dashboard", "alpha@demo.partnerka.test", "/dashboard", "/dashboard", true},
		{"partner earnings", "alpha@demo.partnerka.test", "/earnings", "/earnings", false},
		{"back office overview", "manager@demo.partnerka.test", "/admin", "/admin", true},
		{"a partner in the back office", "manager@demo.partnerka.test", "/admin/partners?status=active", "/admin/partners", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
			defer cancel()
			if err := chromedp.Do(tab); err != nil {
				t.Fatal(err)
			}
			b := layoutTab{t: t, ctx: tab, base: "http://" + cabinet}
			phone(b)
			b.signIn(tc.email)
			b.do("open "+tc.page, chromedp.Navigate(b.base+tc.page), chromedp.WaitReady(chromedp.CSS("main")))
			f := layoutEval[phoneFacts](b, phoneFactsJS)
			if f.Header >= 120 || f.MenuShown || f.Expanded != "false" {
				t.Errorf("menu closed: header %.0f px (want < 120), nav links shown %v, aria-expanded %q", f.Header, f.MenuShown, f.Expanded)
			}
			if f.OpenExpanded != "true" || f.OpenLinks < 3 {
				t.Errorf("menu open: aria-expanded %q, %d nav links shown", f.OpenExpanded, f.OpenLinks)
			}
			if len(f.Current) != 1 || f.Current[0] != tc.current || f.CurrentWeight == f.OtherWeight {
				t.Errorf("current page marked %v (weight %s, others %s), want %s marked and set apart", f.Current, f.CurrentWeight, f.OtherWeight, tc.current)
			}
			if len(f.Small) > 0 {
				t.Errorf("tap targets under 24 px: %s", strings.Join(f.Small, "; "))
			}
			if f.Overflow > 0 {
				t.Errorf("the page is %d px wider than the screen", f.Overflow)
			}
			if tc.cards && (len(f.CardRow) != 2 || f.CardRow[0] != 2) {
				t.Errorf("KPI cards in the first row: %v (of all), want 2", f.CardRow)
			}

			// On a desktop the navigation is laid out in full, no menu button.
			b.do("desktop viewport", chromedp.EmulateViewport(1366, 900), chromedp.Navigate(b.base+tc.page), chromedp.WaitReady(chromedp.CSS("main")))
			type desk struct {
				Toggle bool `json:"toggle"`
				Links  int  `json:"links"`
				All    int  `json:"all"`
			}
			d := layoutEval[desk](b, `(() => {
				const visible = el => el.getBoundingClientRect().height > 0;
				const links = [...document.querySelectorAll("header nav a")];
				return {toggle: visible(document.querySelector(".menu-toggle")), links: links.filter(visible).length, all: links.length};
			})()`)
			if d.Toggle || d.Links != d.All || d.All < 3 {
				t.Errorf("desktop: menu button shown %v, %d of %d nav links shown", d.Toggle, d.Links, d.All)
			}
		})
	}

	t.Run("rule form", func(t *testing.T) {
		tab, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		defer cancel()
		if err := chromedp.Do(tab); err != nil {
			t.Fatal(err)
		}
		b := layoutTab{t: t, ctx: tab, base: "http://" + cabinet}
		phone(b)
		b.signIn("manager@demo.partnerka.test")
		b.do("open plans", chromedp.Navigate(b.base+"/admin/plans"))
		b.submit(`form[action="/admin/plans"]`, map[string]string{"#name": "Layout test"})
		b.submit(`form[action$="/versions"]`, nil)
		version := layoutEval[string](b, `location.pathname`)
		b.do("open the rule form", chromedp.Navigate(b.base+version+"/rules/new"), chromedp.WaitReady(chromedp.CSS("form[data-rule-form]")))
		shown := func() string {
			return layoutEval[string](b, `["#percent", "#flat_amount", "#products", "#payments", "#months", "#tier_volume_0"]
				.filter(s => document.querySelector(s).getBoundingClientRect().height > 0).join(" ")`)
		}
		set := func(field, value string) {
			layoutEval[bool](b, fmt.Sprintf(`(() => { const el = document.querySelector("#%s"); el.value = %q;
				el.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`, field, value))
		}
		if got, want := shown(), "#percent #products #payments #tier_volume_0"; got != want {
			t.Errorf("a percent of every payment shows %q, want %q", got, want)
		}
		set("duration", "months")
		if got, want := shown(), "#percent #products #payments #months #tier_volume_0"; got != want {
			t.Errorf("for some months: %q, want %q", got, want)
		}
		set("kind", "flat")
		if got, want := shown(), "#flat_amount #products #payments #months"; got != want {
			t.Errorf("a flat amount: %q, want %q", got, want)
		}
		set("event", "lead")
		if got, want := shown(), "#flat_amount"; got != want {
			t.Errorf("a new customer: %q, want %q", got, want)
		}
		// What is hidden is not sent: the lead rule saves.
		b.submit(`form[data-rule-form]`, map[string]string{"#flat_amount": "300", "#flat_currency": "RUB"})
		if path := layoutEval[string](b, `location.pathname`); path != version {
			t.Errorf("saving the lead rule ended on %s, want the version %s: %s", path, version,
				layoutEval[string](b, `(document.querySelector(".error") || {}).textContent || ""`))
		}
	})
}
