package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestOneLanguagePerPage signs in as every role in Russian and in English,
// on a phone and on a desktop, walks every page the role can reach from its
// home (following links and GET forms), submits the common forms with bad
// input, and checks that each page speaks one language: no English sentence
// on a Russian page, no Cyrillic word on an English one. It reports every
// offence, one error per page, and leaves offences.txt, the text it read of
// every page, and full-page screenshots (one of each kind of page per
// language and viewport, and one of every page with an offence) in the
// folder it logs. A phone page must not scroll sideways.
func TestOneLanguagePerPage(t *testing.T) {
	browser := chromium(t)
	e, _, cabinet := demoEnv(t)
	db := openRaw(t, e["PARTNERKA_DATABASE_URL"])
	serveFor(t, e)
	w := &walk{base: "http://" + cabinet, db: db, data: storedData(t, db), shot: map[string]bool{}}
	if err := db.QueryRow(`SELECT (SELECT id FROM partners WHERE ref = 'alpha'), (SELECT id FROM plans WHERE name = 'Referral')`).Scan(&w.alphaID, &w.planID); err != nil {
		t.Fatal(err)
	}
	// make test keeps them in .artifacts/ (PARTNERKA_TEST_ARTIFACTS); a
	// single run of the package leaves them in the temporary folder.
	artifacts := os.Getenv("PARTNERKA_TEST_ARTIFACTS")
	if artifacts == "" {
		artifacts = os.TempDir()
	}
	w.shots = filepath.Join(artifacts, "partnerka-i18n-"+time.Now().Format("150405"))
	if err := os.MkdirAll(w.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots and offences.txt in %s", w.shots)
	bctx := headlessBrowser(t, browser)
	start := time.Now() // elapsed: the walk's duration, logged

	// Every role is a job with its own browser context (its own cookies),
	// and three tabs take the jobs in turn: each job signs in once per
	// language and walks both viewports.
	jobs := make(chan role)
	var wg sync.WaitGroup
	for range 3 {
		tab, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		defer cancel()
		if err := chromedp.Do(tab); err != nil { // opens the tab; no timeout on this first call
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range jobs {
				w.job(tab, r)
			}
		}()
	}
	for _, r := range roles {
		jobs <- r
	}
	close(jobs)
	wg.Wait()
	t.Logf("%d pages walked in %s (tab time: opening %s, reading %s, screenshots %s)", len(w.visits),
		time.Since(start).Round(time.Second), w.spent[0].Round(time.Second), w.spent[1].Round(time.Second), w.spent[2].Round(time.Second))

	for _, p := range w.problems {
		t.Errorf("%s", p)
	}
	w.checkRoutes(t)
	w.report(t)
}

// role is who walks: a demo login (none for a visitor), its home, the
// forms it submits with bad input, and pages its links do not lead to:
// the visitor's public pages, a search, and pages the role may not open
// or that do not exist (their error pages must speak its language too).
type role struct {
	name, email, home string
	forms             func(w *walk, s *session)
	extra             []string
}

var roles = []role{
	// A customer search (by a part of an e-mail) lists the customers whose
	// pages the walk then opens.
	{name: "admin", email: "admin@demo.partnerka.test", home: "/admin", forms: (*walk).adminForms,
		extra: []string{"/admin/customers?q=example", "/no-such-page"}},
	{name: "manager", email: "manager@demo.partnerka.test", home: "/admin",
		extra: []string{"/admin/customers?q=example", "/admin/settings", "/admin/payouts", "/no-such-page"}},
	{name: "owner", email: "alpha@demo.partnerka.test", home: "/dashboard", forms: (*walk).ownerForms, extra: []string{"/admin", "/no-such-page"}},
	{name: "finance", email: "finance@demo.partnerka.test", home: "/admin", extra: []string{"/admin/settings", "/admin/registrations", "/no-such-page"}},
	{name: "owner-beta", email: "beta@demo.partnerka.test", home: "/dashboard", extra: []string{"/no-such-page"}},
	{name: "member", email: "alpha-team@demo.partnerka.test", home: "/dashboard", extra: []string{"/no-such-page"}},
	// The demo's applicant: a pending cabinet; the partner's pages send it
	// back there. Only bad input is submitted, so its application stays.
	{name: "applicant", email: "gamma@demo.partnerka.test", home: "/pending", forms: (*walk).applicantForms,
		extra: []string{"/dashboard", "/links", "/no-such-page"}},
	{name: "visitor", home: "/", forms: (*walk).visitorForms,
		extra: []string{"/login", "/apply", "/password/forgot", "/password/reset", "/invite", "/no-such-page"}},
}

var viewports = []struct {
	name          string
	width, height int64
	opts          []chromedp.EmulateViewportOption
}{
	{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait}},
	{"desktop", 1366, 900, nil},
}

// walk is the state of the whole run, shared by the tabs.
type walk struct {
	base            string
	db              *sql.DB
	alphaID, planID int64
	shots           string
	data            []string // stored text people typed (see storedData)

	mu       sync.Mutex
	spent    [3]time.Duration // opening pages, reading them, screenshots: where the time goes
	visits   []visit
	problems []string        // a page that did not load, a form that was not there
	n        int             // pages read, for their file names
	shot     map[string]bool // kinds of page screenshotted (shotKind)
}

// session is one role in one language in one viewport.
type session struct {
	tab            context.Context
	role, lang, vp string
	width          int64
}

// visit is one page as one session saw it.
type visit struct {
	session
	page     string // path and query, without the host
	status   int
	offences []string // sentences in the other language
	overflow int      // the page's width at 390 px when wider than the screen
}

func (w *walk) spend(i int, since time.Time) {
	w.mu.Lock()
	w.spent[i] += time.Since(since)
	w.mu.Unlock()
}

func (w *walk) problem(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.problems = append(w.problems, fmt.Sprintf(format, args...))
}

func (w *walk) job(tab context.Context, r role) {
	for _, lang := range []string{"ru", "en"} {
		s := &session{tab: tab, role: r.name, lang: lang}
		if r.email == "" {
			if err := w.do(s, chromedp.Navigate(w.base+"/login")); err != nil {
				w.problem("%s %s: open /login: %v", r.name, lang, err)
				continue
			}
		} else if !w.signIn(s, r.email) {
			continue
		}
		w.walkViewports(s, r)
		if r.email != "" {
			w.do(s, chromedp.Navigate(w.base+"/login")) // signed in: /login sends home, whose layout has the sign-out form
			if _, err := w.submit(s, `form[action="/logout"]`, nil); err != nil {
				w.problem("%s %s: sign out: %v", r.name, lang, err)
			}
		}
	}
}

// walkViewports switches to the session's language, then walks the role's
// pages and forms in each viewport.
func (w *walk) walkViewports(s *session, r role) {
	if !w.setLanguage(s) {
		return
	}
	for _, vp := range viewports {
		s.vp, s.width = vp.name, vp.width
		if err := w.do(s, chromedp.EmulateViewport(vp.width, vp.height, vp.opts...)); err != nil {
			w.problem("%s %s %s: viewport: %v", r.name, s.lang, vp.name, err)
			continue
		}
		if r.forms != nil {
			r.forms(w, s) // first: they may add pages (an API key's), and they show the errors
		}
		w.crawl(s, r.home, r.extra)
	}
}

// do runs actions in the session's tab with a timeout.
func (w *walk) do(s *session, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(s.tab, 30*time.Second)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

func (w *walk) signIn(s *session, email string) bool {
	err := w.do(s, chromedp.Navigate(w.base+"/login"))
	if err == nil {
		_, err = w.submit(s, `form[action="/login"]`, map[string]string{"#email": email, "#password": DemoPassword})
	}
	var path string
	if err == nil {
		path, err = evaluate[string](s, `location.pathname`)
	}
	if err != nil || path == "/login" {
		w.problem("%s %s: sign in as %s: %v (on %s)", s.role, s.lang, email, err, path)
		return false
	}
	return true
}

// setLanguage switches the page to the session's language with the
// layout's switch, as a person does: for a signed-in user it is stored in
// their account, for a visitor in a cookie.
func (w *walk) setLanguage(s *session) bool {
	lang, err := evaluate[string](s, `document.documentElement.lang`)
	if err == nil && lang != s.lang {
		if _, err = w.submit(s, `form[action="/language"]`, nil); err == nil {
			lang, err = evaluate[string](s, `document.documentElement.lang`)
		}
	}
	if err != nil || lang != s.lang {
		w.problem("%s: the language switch gave %q, want %q (%v)", s.role, lang, s.lang, err)
		return false
	}
	return true
}

func evaluate[T any](s *session, js string) (T, error) {
	ctx, cancel := context.WithTimeout(s.tab, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](js))
}

// submit fills the form's fields (by selector) and submits it with the
// browser's own validation off, so the server's messages show, and waits
// for the page it answers with; it returns that page's HTTP status.
func (w *walk) submit(s *session, form string, fields map[string]string) (int, error) {
	f, _ := json.Marshal(form)
	v, _ := json.Marshal(fields)
	js := fmt.Sprintf(`(() => {
		const f = document.querySelector(%s);
		if (!f) throw new Error("no form " + %s + " on " + location.pathname);
		for (const [sel, v] of Object.entries(%s || {})) {
			const el = f.querySelector(sel);
			if (!el) throw new Error("no field " + sel);
			el.value = v;
		}
		f.noValidate = true;
		f.requestSubmit();
	})()`, f, f, v)
	ctx, cancel := context.WithTimeout(s.tab, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Evaluate[chromedp.Void](js))
	if err != nil {
		return 0, err
	}
	return int(resp.Status), nil
}

// form opens page, submits a form there and checks the page that answers.
func (w *walk) form(s *session, name, page, form string, fields map[string]string) {
	if page != "" {
		if err := w.do(s, chromedp.Navigate(w.base+page)); err != nil {
			w.problem("%s %s %s: form %s: open %s: %v", s.role, s.lang, s.vp, name, page, err)
			return
		}
	}
	status, err := w.submit(s, form, fields)
	if err != nil {
		w.problem("%s %s %s: form %s: %v", s.role, s.lang, s.vp, name, err)
		return
	}
	w.check(s, page, "form:"+name, status)
}

// The forms people get wrong, each with the input that shows its error.
func (w *walk) visitorForms(s *session) {
	w.form(s, "apply-short-password", "/apply", `form[action="/apply"]`, map[string]string{
		"#name": "Walk Test", "#contact_name": "Walt Tester", "#email": "walk-" + s.lang + "-" + s.vp + "@walk.example",
		"#password": "short", "#promotion": "Reviews"})
	w.form(s, "apply-existing-email", "/apply", `form[action="/apply"]`, map[string]string{
		"#name": "Walk Test", "#contact_name": "Walt Tester", "#email": "alpha@demo.partnerka.test",
		"#password": "a long enough password", "#promotion": "Reviews"})
	w.form(s, "login-wrong-password", "/login", `form[action="/login"]`, map[string]string{
		"#email": "nobody@demo.partnerka.test", "#password": "not the password"})
	w.form(s, "forgot", "/password/forgot", `form[action="/password/forgot"]`, map[string]string{
		"#email": "nobody@demo.partnerka.test"})
}

func (w *walk) applicantForms(s *session) {
	w.form(s, "pending-empty-promotion", "/pending", `form[action="/pending"]`, map[string]string{"#promotion": ""})
}

func (w *walk) ownerForms(s *session) {
	w.form(s, "payout-as-printed", "/payouts", `form#payout-form`, map[string]string{"#amount": "2 000,50", "#currency": "RUB"})
	w.form(s, "payout-under-minimum", "/payouts", `form#payout-form`, map[string]string{"#amount": "1", "#currency": "RUB"})
	w.form(s, "link-foreign-domain", "/links", `form[method=post][action="/links"]`, map[string]string{"#destination": "https://evil.test/"})
	w.form(s, "lead-bad-email", "/customers", `form[method=post][action="/customers"]`, map[string]string{"#email": "not an email"})
	w.form(s, "settings-empty-details", "/settings", `form[action="/settings"]`, map[string]string{"#account": ""})
	// A host that does not exist (.invalid never resolves): the test
	// fails, and the page says why. One test per 10 s: a quicker one
	// shows the page's "wait" notice instead.
	w.form(s, "postback-save", "/settings", `form[action="/settings/postback"]`,
		map[string]string{"#postback_url": "https://postback.unreachable.invalid/pb?click={click_id}"})
	w.form(s, "postback-test", "", `form[action="/settings/postback/test"]`, nil)
}

func (w *walk) adminForms(s *session) {
	w.form(s, "api-key-empty-name", "/admin/settings", `form[action="/admin/settings/api-keys"]`, map[string]string{"#key-name": ""})
	// A key, so the walk finds its revocation page.
	w.form(s, "api-key-created", "/admin/settings", `form[action="/admin/settings/api-keys"]`, map[string]string{"#key-name": "i18n-walk"})
	w.form(s, "entry-bad-amount", fmt.Sprintf("/admin/partners/%d", w.alphaID), `form#entry`,
		map[string]string{"#entry-amount": "12 оч", "#entry-currency": "RUB", "#entry-reason": "walk-test"})
	// A draft version of a plan (the first pass makes it, copying the
	// published one: later ones find it open), so the walk reaches the
	// pages of its rules; a rule with a percent that is not a number.
	plan := fmt.Sprintf("/admin/plans/%d", w.planID)
	if err := w.do(s, chromedp.Navigate(w.base+plan)); err != nil {
		w.problem("%s %s %s: open %s: %v", s.role, s.lang, s.vp, plan, err)
		return
	}
	if ok, _ := evaluate[bool](s, `!!document.querySelector('form[action$="/versions"]')`); ok {
		w.form(s, "plan-draft", "", `form[action$="/versions"]`, nil)
	}
	var draft int
	if err := w.db.QueryRow(`SELECT version FROM plan_versions WHERE plan_id = $1 AND status = 'draft'`, w.planID).Scan(&draft); err != nil {
		w.problem("%s %s %s: no draft of plan %d: %v", s.role, s.lang, s.vp, w.planID, err)
		return
	}
	w.form(s, "rule-bad-percent", fmt.Sprintf("%s/versions/%d/rules/new", plan, draft), `form.plan-rule`,
		map[string]string{"#kind": "percent", "#percent": "двадцать"})
}

// crawl visits the session's home and extra pages and every page of this
// site their links and GET forms lead to, breadth first. Pages that differ
// only by an id (a partner's, a payout's) are visited up to three times
// (one partner applied, two active; a payout requested, approved, paid),
// twice with two ids (a plan's published and draft versions), once with
// three (a rule); pages that differ only by the values of their query (a
// period, a filter) once: they are the same template with other rows.
func (w *walk) crawl(s *session, home string, extra []string) {
	queue := append([]string{home}, extra...)
	seen, perPattern := map[string]bool{}, map[string]int{}
	for len(queue) > 0 {
		page := queue[0]
		queue = queue[1:]
		if seen[page] {
			continue
		}
		seen[page] = true
		pt := w.visitPage(s, page)
		if pt == nil {
			continue
		}
		seen[pt.Path] = true // where a redirect led
		for _, link := range pt.Links {
			u, err := url.Parse(link)
			if err != nil || "http://"+u.Host != w.base {
				continue // another site (the tracker's links, the vendor's pages)
			}
			u.Fragment = ""
			p := u.RequestURI()
			if seen[p] || slices.Contains(queue, p) || skipPage(u.Path) || u.Query().Has("format") {
				continue
			}
			pat, limit := pagePattern(u)
			if perPattern[pat] >= limit {
				continue
			}
			perPattern[pat]++
			queue = append(queue, p)
		}
	}
}

// skipPage: downloads and images, not pages (a QR code's image is its
// page with ?format=png).
func skipPage(path string) bool {
	return strings.HasSuffix(path, ".csv") || strings.HasPrefix(path, "/static/") ||
		strings.HasSuffix(path, "/image") || path == "/logout"
}

var digits = regexp.MustCompile(`^[0-9]+$`)

func pagePattern(u *url.URL) (string, int) {
	segs := strings.Split(u.Path, "/")
	ids := 0
	for i, s := range segs {
		if digits.MatchString(s) {
			segs[i] = ":n"
			ids++
		}
	}
	limit := max(1, 4-ids) // three partners, payouts, customers; two plan versions; one rule
	if ids == 0 {
		limit = 1
	}
	var keys []string
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(segs, "/") + "?" + strings.Join(keys, "&"), limit
}

// visitPage opens a page, checks it, and returns what it read (nil when
// it could not, or when the page is not HTML).
func (w *walk) visitPage(s *session, page string) *pageText {
	ctx, cancel := context.WithTimeout(s.tab, 30*time.Second)
	defer cancel()
	began := time.Now() // elapsed
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(w.base+page))
	w.spend(0, began)
	if err != nil {
		w.problem("%s %s %s: open %s: %v", s.role, s.lang, s.vp, page, err)
		return nil
	}
	return w.check(s, page, "", int(resp.Status))
}

// pageText is what the walker script (walkJS) returns.
type pageText struct {
	Path, Lang, Type string
	Chunks           []struct{ T, At string }
	ScrollWidth      int
	Links            []string
}

// check reads the page the tab shows: its visible text in the session's
// language, its width, a screenshot; it returns what it read.
func (w *walk) check(s *session, opened, form string, status int) *pageText {
	began := time.Now() // elapsed
	pt, err := evaluate[pageText](s, walkJS)
	w.spend(1, began)
	if err != nil {
		w.problem("%s %s %s: read %s %s: %v", s.role, s.lang, s.vp, opened, form, err)
		return nil
	}
	if !strings.HasPrefix(pt.Type, "text/html") {
		return nil
	}
	v := visit{session: *s, page: pt.Path, status: status}
	if form != "" {
		v.page = pt.Path + " (" + form + ")"
	}
	v.session.tab = nil
	var text strings.Builder // what was read, beside the screenshot
	fmt.Fprintf(&text, "# opened %s %s, showing %s (HTTP %d, lang %q)\n", opened, form, pt.Path, status, pt.Lang)
	for _, c := range pt.Chunks {
		fmt.Fprintf(&text, "%s\t%s\n", c.At, c.T)
	}
	if pt.Lang != s.lang {
		v.offences = append(v.offences, fmt.Sprintf("the page is in %q (html lang), not %q", pt.Lang, s.lang))
	}
	for _, c := range pt.Chunks {
		for _, o := range w.offences(s.lang, c.T) {
			v.offences = append(v.offences, fmt.Sprintf("%q in %s", o, c.At))
		}
	}
	if s.width < 400 && pt.ScrollWidth > int(s.width)+1 {
		v.overflow = pt.ScrollWidth
	}

	w.mu.Lock()
	w.n++
	n := w.n
	w.visits = append(w.visits, v)
	w.mu.Unlock()
	ctx, cancel := context.WithTimeout(s.tab, 20*time.Second)
	defer cancel()
	dir := filepath.Join(w.shots, s.lang+"-"+s.vp, s.role)
	name := filepath.Join(dir, fmt.Sprintf("%04d%s", n, slug(v.page)))
	os.MkdirAll(dir, 0o755)
	os.WriteFile(name+".txt", []byte(text.String()), 0o644)
	// A screenshot is a record, not a check (as in TestPartnerJourney),
	// and the walk's dearest step (three fifths of its tab time): one of
	// each kind of page per language and viewport, whichever role saw it
	// first, and one of every page that offends.
	kind := s.lang + " " + s.vp + " " + shotKind(v.page)
	w.mu.Lock()
	first := !w.shot[kind]
	w.shot[kind] = true
	w.mu.Unlock()
	if first || len(v.offences) > 0 || v.overflow > 0 {
		began = time.Now() // elapsed
		if img, err := chromedp.Run(ctx, fullScreenshot); err == nil {
			os.WriteFile(name+".png", img, 0o644)
		}
		w.spend(2, began)
	}
	return &pt
}

var shotDigits = regexp.MustCompile(`[0-9]+`)

// shotKind is a page with its ids and query values left out:
// /admin/partners/12?tab=x and /admin/partners/7?tab=y are one kind.
func shotKind(page string) string {
	path, query, _ := strings.Cut(page, "?")
	var names []string
	for _, kv := range strings.Split(query, "&") {
		if k, _, _ := strings.Cut(kv, "="); k != "" {
			names = append(names, k)
		}
	}
	return shotDigits.ReplaceAllString(path, "N") + "?" + strings.Join(names, "&")
}

// fullScreenshot is chromedp.FullScreenshot encoded for speed: hundreds of
// pages are taken, on a 2-core machine.
func fullScreenshot(ctx context.Context, t *chromedp.Target) ([]byte, error) {
	yes := true
	r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng,
		FromSurface: &yes, CaptureBeyondViewport: &yes, OptimizeForSpeed: &yes})
	return r.Data, err
}

var slugOut = regexp.MustCompile(`[^a-zA-Z0-9]+`)

func slug(page string) string {
	s := strings.Trim(slugOut.ReplaceAllString(page, "-"), "-")
	if len(s) > 80 {
		s = s[:80]
	}
	return "-" + s
}

// What the other language looks like. An English sentence is three or
// more Latin words in a row, of two letters or more, all lowercase but the
// first (a sentence starts with a capital; a name, "Alpha Media", has two
// and is not one; a code, "partner.approve", has dots); or a block of text
// that is nothing but two such words or more: a label ("Attribution
// window", "for life"). A Russian word is two Cyrillic letters or more.
var (
	englishRun   = regexp.MustCompile(`\b[A-Za-z][a-z]+(?:[ ,]+[a-z]{2,}){2,}\b`)
	englishLabel = regexp.MustCompile(`^[A-Za-z][a-z]+(?:[ ,]+[a-z]{2,})+[.:]?$`)
	twoWords     = regexp.MustCompile(`[A-Za-z][a-z]+[ ,]+[a-z]{2,}`)
	cyrillicWord = regexp.MustCompile(`\p{Cyrillic}{2,}`)
	// Addresses read the same in every language.
	urls   = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s"'<>|]*`)
	emails = regexp.MustCompile(`[^\s@|]+@[^\s@|]+\.[a-zA-Z]{2,}`)
	spaces = regexp.MustCompile(`[ \t\x{a0}]+`)
)

// offences are the pieces of the other language in one chunk of a page's
// text, after taking out addresses and text people typed (w.data).
func (w *walk) offences(lang, text string) []string {
	text = spaces.ReplaceAllString(text, " ")
	text = urls.ReplaceAllString(text, "|")
	text = emails.ReplaceAllString(text, "|")
	foreign := twoWords // what a stored text must hold to be taken out
	if lang == "en" {
		foreign = cyrillicWord
	}
	if !foreign.MatchString(text) {
		return nil
	}
	for _, d := range w.data {
		if foreign.MatchString(d) {
			text = strings.ReplaceAll(text, d, "|")
		}
	}
	var out []string
	add := func(o string) {
		o = strings.Trim(o, " |")
		if o == "" || slices.Contains(out, o) {
			return
		}
		for _, d := range w.data {
			if strings.Contains(d, o) {
				return // a part of a stored text (a list shows it shortened)
			}
		}
		out = append(out, o)
	}
	if lang == "en" {
		// Each piece with Cyrillic whole, shortened: one line for a
		// message, not a line for each of its words.
		for _, piece := range strings.FieldsFunc(text, func(r rune) bool { return r == '|' || r == '\n' }) {
			if cyrillicWord.MatchString(piece) {
				if r := []rune(strings.TrimSpace(piece)); len(r) > 140 {
					piece = string(r[:140]) + "…"
				}
				add(piece)
			}
		}
		return out
	}
	// An English sentence is reported whole: from the run to the end of
	// its sentence, so the report says which message it is.
	for _, m := range englishRun.FindAllStringIndex(text, -1) {
		from := strings.LastIndexAny(text[:m[0]], ".!?|\n") + 1
		to := m[1]
		if i := strings.IndexAny(text[m[1]:], ".!?|\n"); i >= 0 {
			to += i + 1
		} else {
			to = len(text)
		}
		add(text[from:to])
	}
	if label := strings.Trim(text, " |"); englishLabel.MatchString(label) {
		add(label)
	}
	return out
}

// storedData is the free text people typed into the program (the program's
// terms, plan descriptions, link labels, reasons staff gave, a lead's
// comment, materials): it is in the language its author wrote it in, which
// no catalogue can change, so a page is not faulted for showing it. Text
// the program writes itself is not here: commission explanations, the
// reasons attribution records and system ledger entries are sentences the
// program composes, and a Russian page must show them in Russian.
func storedData(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`
		SELECT name FROM program_settings UNION SELECT terms FROM program_settings
		UNION SELECT name FROM plans UNION SELECT description FROM plans UNION SELECT notes FROM plan_versions
		UNION SELECT name FROM partner_types
		UNION SELECT name FROM partners UNION SELECT contact_name FROM partners UNION SELECT promotion FROM partners
		UNION SELECT status_reason FROM partners
		UNION SELECT name FROM users UNION SELECT name FROM customers
		UNION SELECT label FROM links UNION SELECT sub_id FROM links UNION SELECT disabled_reason FROM links
		UNION SELECT label FROM promo_codes UNION SELECT discount FROM promo_codes
		UNION SELECT note FROM promo_codes UNION SELECT reason FROM promo_codes
		UNION SELECT company FROM lead_registrations UNION SELECT contact_name FROM lead_registrations
		UNION SELECT comment FROM lead_registrations UNION SELECT reason FROM lead_registrations
		UNION SELECT reason FROM ledger_entries WHERE kind IN ('bonus', 'adjustment') -- typed by staff; the others are the program's
		UNION SELECT reason FROM payouts UNION SELECT paid_reference FROM payouts -- typed by finance
		UNION SELECT reason FROM review_flags -- typed by the manager who decided
		UNION SELECT title FROM materials UNION SELECT body FROM materials
		UNION SELECT name FROM api_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(s.String) == "" {
			continue
		}
		// As a page shows it: one space between words, or one paragraph
		// a line.
		out = append(out, strings.Join(strings.Fields(s.String), " "))
		if lines := strings.Split(s.String, "\n"); len(lines) > 1 {
			for _, l := range lines {
				if l = strings.Join(strings.Fields(l), " "); l != "" {
					out = append(out, l)
				}
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) }) // the longest first: a label inside a longer text
	return out
}

// checkRoutes fails for a GET page of the route tables no role reached: a
// page added later is walked, or this test says it is not.
func (w *walk) checkRoutes(t *testing.T) {
	var routes []string
	for file, re := range map[string]*regexp.Regexp{
		"../../web/routes.go":        regexp.MustCompile(`\.Get\("([^"]+)"`),
		"../../cabinet/routes.go":    regexp.MustCompile(`\.Get\("([^"]+)"`),
		"../../backoffice/routes.go": regexp.MustCompile(`\{"GET", (version \+ )?"([^"]*)",`), // not the report CSVs' "/admin/reports/" + name
	} {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			r := m[len(m)-1]
			if m[1] == "version + " {
				r = "/admin/plans/:id/versions/:n" + r
			}
			routes = append(routes, r)
		}
	}
	if len(routes) < 30 {
		t.Errorf("read only %d GET routes from the route tables: has their form changed?", len(routes))
	}
	param := regexp.MustCompile(`:[a-z]+`)
	for _, r := range routes {
		if skipPage(param.ReplaceAllString(r, "1")) {
			continue
		}
		re := regexp.MustCompile("^" + param.ReplaceAllString(regexp.QuoteMeta(r), `[^/]+`) + `(\?.*)?( \(.*\))?$`)
		found := false
		for _, v := range w.visits {
			if found = re.MatchString(v.page); found {
				break
			}
		}
		if !found {
			t.Errorf("GET %s: no role reached this page", r)
		}
	}
}

// report writes offences.txt and fails once per page with all its
// offences: each text, who saw it (language, role, viewport) and where.
// Pages that differ only by an id are one page in the report.
func (w *walk) report(t *testing.T) {
	widest := map[string]int{}
	for _, v := range w.visits {
		widest[v.page] = max(widest[v.page], v.overflow)
	}
	type seen struct{ pages, who []string }
	type key struct{ group, text string }
	found := map[key]*seen{}
	texts := map[string][]string{} // group -> its texts, in the order found
	for _, v := range w.visits {
		list := v.offences
		if v.overflow > 0 {
			list = append(slices.Clone(list), fmt.Sprintf("scrolls sideways at 390 px: the page is %d px wide", widest[v.page]))
		}
		if v.status >= 500 {
			list = append(slices.Clone(list), fmt.Sprintf("answered %d", v.status))
		}
		path, form, _ := strings.Cut(v.page, " ")
		group := v.page
		if u, err := url.Parse(path); err == nil {
			pat, _ := pagePattern(u)
			group = strings.TrimSuffix(pat, "?") + " " + form
		}
		group = strings.TrimSpace(group)
		for _, text := range list {
			k := key{group, text}
			f := found[k]
			if f == nil {
				f = &seen{}
				found[k] = f
				texts[group] = append(texts[group], text)
			}
			if !slices.Contains(f.pages, path) {
				f.pages = append(f.pages, path)
			}
			if who := v.lang + "|" + v.role + "|" + v.vp; !slices.Contains(f.who, who) {
				f.who = append(f.who, who)
			}
		}
	}
	groups := make([]string, 0, len(texts))
	total := 0
	for g := range texts {
		groups = append(groups, g)
		total += len(texts[g])
	}
	sort.Strings(groups)
	var all strings.Builder
	fmt.Fprintf(&all, "%d offences on %d pages (%d page visits)\n\n", total, len(groups), len(w.visits))
	for _, g := range groups {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %d offence(s)", g, len(texts[g]))
		for _, text := range texts[g] {
			f := found[key{g, text}]
			sort.Strings(f.pages)
			fmt.Fprintf(&b, "\n  %s\n      seen by %s; on %s", text, whoSaw(f.who), strings.Join(f.pages, ", "))
		}
		fmt.Fprintf(&all, "%s\n\n", b.String())
		t.Errorf("%s", b.String())
	}
	if err := os.WriteFile(filepath.Join(w.shots, "offences.txt"), []byte(all.String()), 0o644); err != nil {
		t.Error(err)
	}
}

// whoSaw shortens "lang|role|viewport" triples: "ru: admin, manager
// (phone, desktop); owner (phone)".
func whoSaw(who []string) string {
	vps := map[string]map[string][]string{} // lang -> role -> viewports
	for _, w := range who {
		p := strings.Split(w, "|")
		if vps[p[0]] == nil {
			vps[p[0]] = map[string][]string{}
		}
		vps[p[0]][p[1]] = append(vps[p[0]][p[1]], p[2])
	}
	var out []string
	for _, lang := range []string{"ru", "en"} {
		if vps[lang] == nil {
			continue
		}
		byVPs := map[string][]string{} // "phone, desktop" -> roles
		for r, v := range vps[lang] {
			slices.SortFunc(v, func(a, b string) int { return strings.Compare(b, a) }) // phone first
			k := strings.Join(v, ", ")
			byVPs[k] = append(byVPs[k], r)
		}
		var parts []string
		for k, roles := range byVPs {
			sort.Strings(roles)
			parts = append(parts, strings.Join(roles, ", ")+" ("+k+")")
		}
		sort.Strings(parts)
		out = append(out, lang+": "+strings.Join(parts, "; "))
	}
	return strings.Join(out, " | ")
}

// walkJS reads the page as a person sees it: every <details> opened (its
// text is one tap away), then the visible text, block by block (a
// sentence split by <strong> or a link stays one sentence), with the
// words people read but that are not text nodes: placeholders, titles,
// alt and aria-label texts, buttons' values, a phone table's column names
// (CSS shows data-label), the window's title.
//
// Left out, as they are not the page's language:
//   - <code>, <pre>, <textarea> and form fields' values: addresses, sample
//     snippets, what a person typed;
//   - an element marked with another lang, or translate="no" (user data a
//     template marks so);
//   - the language switch, which names the other language in that language
//     so that a person who cannot read this one finds it.
//
// A left-out piece splits its block ("|"): it never joins the words
// around it into one sentence.
const walkJS = `(() => {
	const lang = (document.documentElement.getAttribute('lang') || '').toLowerCase();
	for (const d of document.querySelectorAll('details')) d.open = true;
	const excluded = el => {
		if (el.closest('code,pre,textarea,script,style,noscript,template,[translate="no"],form[action="/language"]')) return true;
		const l = el.closest('[lang]');
		return !!l && l.getAttribute('lang').toLowerCase().split('-')[0] !== lang;
	};
	const visible = el => {
		const sel = el.closest('select');
		return (sel || el).checkVisibility({visibilityProperty: true});
	};
	const isBlock = el => {
		if (el === document.body || el.tagName === 'OPTION') return true;
		const d = getComputedStyle(el).display;
		return d !== 'inline' && d !== 'contents';
	};
	const blockOf = el => { while (!isBlock(el)) el = el.parentElement; return el; };
	const describe = el => {
		let s = el.tagName.toLowerCase();
		if (el.id) s += '#' + el.id;
		else if (el.classList.length) s += '.' + el.classList[0];
		const p = el.parentElement && el.parentElement.closest('[id]');
		if (p && !el.id) s = '#' + p.id + ' ' + s;
		return s;
	};
	const blocks = new Map();
	const add = (block, text) => {
		let b = blocks.get(block);
		if (!b) { b = []; blocks.set(block, b); }
		b.push(text);
	};
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
	for (let n = walker.nextNode(); n; n = walker.nextNode()) {
		if (n.nodeType === Node.ELEMENT_NODE) {
			if (n.tagName === 'BR') add(blockOf(n.parentElement), '\n');
			else if (['INPUT', 'SELECT', 'IMG', 'BUTTON'].includes(n.tagName) && n.parentElement) add(blockOf(n.parentElement), '|');
			continue;
		}
		const el = n.parentElement;
		if (!el || !n.textContent.trim()) continue;
		const block = blockOf(el);
		if (excluded(el) || !visible(el)) { add(block, '|'); continue; }
		// Text of another element starts a new word: "06:24 UTC" and a
		// status beside it are two words on screen, whatever the markup.
		add(block, (n.previousSibling ? '' : ' ') + n.textContent.replace(/\s+/g, ' '));
	}
	const chunks = [{T: document.title, At: 'title'}];
	for (const [el, parts] of blocks) {
		const t = parts.join('').trim();
		if (t && t !== '|') chunks.push({T: t, At: describe(el)});
	}
	for (const el of document.querySelectorAll('[placeholder],[title],[alt],[aria-label],input[type=submit],input[type=button],td[data-label]')) {
		if (excluded(el) || !visible(el)) continue;
		for (const a of ['placeholder', 'title', 'alt', 'aria-label']) {
			if (el.getAttribute(a)) chunks.push({T: el.getAttribute(a), At: describe(el) + ' @' + a});
		}
		if (el.tagName === 'INPUT' && (el.type === 'submit' || el.type === 'button')) chunks.push({T: el.value, At: describe(el) + ' @value'});
		const before = el.tagName === 'TD' ? getComputedStyle(el, '::before').content : 'none';
		if (before && before !== 'none' && before !== 'normal') chunks.push({T: before.replace(/^"|"$/g, ''), At: describe(el) + ' ::before'});
	}
	const links = [...document.querySelectorAll('a[href]')].filter(a => !a.hasAttribute('download')).map(a => a.href);
	for (const f of document.querySelectorAll('form')) {
		if ((f.getAttribute('method') || 'get').toLowerCase() !== 'get') continue;
		const u = new URL(f.getAttribute('action') || location.href, location.href); // not f.action: a field named "action" hides it
		let filled = false;
		for (const [k, v] of new FormData(f)) {
			// A required choice not made yet is made as a person would: the first one.
			const sel = f.querySelector('select[required][name="' + k + '"]');
			const first = sel && v === '' && [...sel.options].find(o => o.value !== '');
			u.searchParams.append(k, first ? first.value : v);
			filled = filled || v !== '' || !!first;
		}
		if (filled) links.push(u.href); // an empty search or filter is the page without it
	}
	return {Path: location.pathname + location.search, Lang: lang, Type: document.contentType,
		Chunks: chunks, ScrollWidth: document.documentElement.scrollWidth, Links: links};
})()`
