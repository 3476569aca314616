package cabinet

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
	"partnerka/tracker"
)

// Issue 17, F1: beta owns beta-secret; alpha creating BETA-SECRET (or any
// other case of it) is told on the form that the code is taken.
func TestLinkCodeTakenInAnyCase(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st, err := f.DB.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.AllowedDomains = []string{"example.com"}
	if err := f.DB.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := f.DB.CreateLink(ctx, &partnerka.Link{PartnerID: f.Seed.Partners["beta"], Code: "beta-secret", Destination: "https://example.com/"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ email, want string }{
		{"alpha@x.test", "Этот код ссылки занят: BETA-SECRET — код другой ссылки (регистр букв не различается)"},
		{"beta@x.test", "This link code is taken: BETA-SECRET is another link&#39;s code (codes do not differ by case)"},
	} {
		b := f.Browser(t)
		b.Login(tc.email, pw)
		_, page := b.Do("GET", "/links", nil)
		resp, out := b.Post(b.CSRF(page), "/links", url.Values{"destination": {"https://example.com/mine"}, "code": {"BETA-SECRET"}})
		if resp.StatusCode != 422 || !strings.Contains(out, tc.want) || !strings.Contains(out, `value="BETA-SECRET"`) {
			t.Errorf("%s creating BETA-SECRET: %d, want 422 with %q and the code kept in the form:\n%s", tc.email, resp.StatusCode, tc.want, out)
		}
	}
	var n int
	if err := f.DB.Get(&n, `SELECT count(*) FROM links WHERE lower(code) = 'beta-secret'`); err != nil || n != 1 {
		t.Errorf("%d links answer to beta-secret, want 1: %v", n, err)
	}
}

// A partner edits a link's label and destination (inside the allowed
// domains, told in their language otherwise), disables and enables it;
// each change is announced to the trackers and audited. A link staff
// disabled shows the reason and stays disabled.
func TestPartnerManagesLinks(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	announced := f.Announcements(t)
	st, _ := f.DB.Settings(ctx)
	st.AllowedDomains = []string{"example.com"}
	if err := f.DB.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	alpha := f.Seed.Partners["alpha"]
	id := f.Seed.Links["alpha"]
	path := "/links/" + itoa(id)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/links", nil)
	token := b.CSRF(page)

	resp, out := b.Post(token, path, url.Values{"destination": {"https://evil.test/"}, "label": {"x"}})
	if resp.StatusCode != 422 || !strings.Contains(out, "Ссылки могут вести только на сайты программы: example.com.") ||
		!strings.Contains(out, `value="https://evil.test/"`) || !strings.Contains(out, "<details open>") {
		t.Errorf("a destination elsewhere: %d\n%s", resp.StatusCode, out)
	}
	resp, _ = b.Post(token, path, url.Values{"destination": {"https://shop.example.com/pricing"}, "label": {"Telegram"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/links?done=link_saved" {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var dest, label string
	f.DB.QueryRowx(`SELECT destination_url, label FROM links WHERE id = $1`, id).Scan(&dest, &label)
	if dest != "https://shop.example.com/pricing" || label != "Telegram" {
		t.Errorf("stored %q %q", dest, label)
	}
	resp, _ = b.Post(token, path+"/disable", nil)
	if resp.StatusCode != 303 {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	_, page = b.Do("GET", resp.Header.Get("Location"), nil)
	if !strings.Contains(page, "Ссылка отключена") || !strings.Contains(page, `action="/links/`+itoa(id)+`/enable"`) {
		t.Errorf("the page after disabling:\n%s", page)
	}
	if resp, _ := b.Post(token, path+"/enable", nil); resp.StatusCode != 303 {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	if got := announced(3); len(got) != 3 || got[0] != storage.LinkChanged("alpha") || got[2] != storage.LinkChanged("alpha") {
		t.Errorf("announced %v, want the link's change three times", got)
	}
	var actions []string
	f.DB.Select(&actions, `SELECT action FROM audit_log WHERE entity = 'partner' AND entity_id = $1 AND action LIKE 'link.%' ORDER BY id`, itoa(alpha))
	if strings.Join(actions, ",") != "link.update,link.disable,link.enable" {
		t.Errorf("audited %v", actions)
	}

	// Staff disable it with a reason: the partner sees it and cannot enable it.
	yes := true
	if _, err := f.DB.ChangeLink(ctx, storage.LinkChange{PartnerID: alpha, LinkID: id, Disabled: &yes, ByStaff: true, Reason: "paid search on the brand"}); err != nil {
		t.Fatal(err)
	}
	_, page = b.Do("GET", "/links", nil)
	if !strings.Contains(page, "отключена командой программы") || !strings.Contains(page, "paid search on the brand") || strings.Contains(page, path+"/enable") {
		t.Errorf("a link staff disabled:\n%s", page)
	}
	if resp, out := b.Post(token, path+"/enable", nil); resp.StatusCode != 403 || !strings.Contains(out, "Эту ссылку отключила команда программы") {
		t.Errorf("the partner enabling it: %d\n%s", resp.StatusCode, out)
	}
	// Another partner's link is not found, whatever the form.
	bb := f.Browser(t)
	bb.Login("beta@x.test", pw)
	_, page = bb.Do("GET", "/links", nil)
	for _, p := range []string{path, path + "/disable", path + "/enable"} {
		if resp, _ := bb.Post(bb.CSRF(page), p, url.Values{"destination": {"https://example.com/"}}); resp.StatusCode != 404 {
			t.Errorf("beta posting %s: %d", p, resp.StatusCode)
		}
	}
}

// The partner sees their promo codes with what they give, a copy button
// for each active one, the reason of a disabled one; and requests a
// vanity code when the program allows it.
func TestPartnerPromoCodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	until, cap := now.AddDate(0, 1, 0), 50
	codes, err := f.DB.CreatePromoCodes(ctx, storage.NewPromoCodes{PartnerID: alpha, Codes: []string{"ALPHA-2WEEKS", "OLD10"},
		Terms: partnerka.PromoTerms{Discount: "две недели бесплатно", ValidUntil: &until, MaxUses: &cap}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.ChangePromoCode(ctx, storage.PromoChange{ID: codes[1].ID, Status: partnerka.PromoDisabled, Reason: "опубликован на сайте купонов"}); err != nil {
		t.Fatal(err)
	}
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/links", nil)
	for _, want := range []string{`data-copy="ALPHA-2WEEKS"`, "Скидка: две недели бесплатно", "действует по 23.12.2026", "использован 0 из 50 клиентов",
		"OLD10", "отключён", "опубликован на сайте купонов"} {
		if !strings.Contains(page, want) {
			t.Errorf("the links page lacks %q", want)
		}
	}
	if strings.Contains(page, `data-copy="OLD10"`) || strings.Contains(page, "/promo-codes/request") {
		t.Errorf("a copy button for a disabled code, or a request form the program does not allow:\n%s", page)
	}
	if resp, _ := b.Post(b.CSRF(page), "/promo-codes/request", url.Values{"code": {"ALPHA"}}); resp.StatusCode != 403 {
		t.Errorf("a request the program does not take: %d", resp.StatusCode)
	}

	st, _ := f.DB.Settings(ctx)
	st.AllowCodeRequests = true
	if err := f.DB.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	_, page = b.Do("GET", "/links", nil)
	token := b.CSRF(page)
	for _, tc := range []struct{ code, want string }{
		{"old10", "Этот код занят"},
		{"с пробелом", "Промокод — от 2 до 64"},
	} {
		if resp, out := b.Post(token, "/promo-codes/request", url.Values{"code": {tc.code}}); resp.StatusCode != 422 || !strings.Contains(out, tc.want) {
			t.Errorf("requesting %q: %d, want 422 with %q", tc.code, resp.StatusCode, tc.want)
		}
	}
	if resp, _ := b.Post(token, "/promo-codes/request", url.Values{"code": {"AlphaPodcast"}, "note": {"для подкаста"}}); resp.StatusCode != 303 {
		t.Fatalf("a good request: %d", resp.StatusCode)
	}
	_, page = b.Do("GET", "/links", nil)
	if !strings.Contains(page, "AlphaPodcast") || !strings.Contains(page, "на рассмотрении") || strings.Contains(page, `data-copy="AlphaPodcast"`) {
		t.Errorf("the requested code:\n%s", page)
	}
	// Another partner cannot take it meanwhile.
	if _, err := f.DB.CreatePromoCodes(ctx, storage.NewPromoCodes{PartnerID: f.Seed.Partners["beta"], Codes: []string{"alphapodcast"}}); partnerka.ErrorCode(err) != partnerka.ECONFLICT {
		t.Errorf("beta taking the requested code: %v", err)
	}
}

// linkItem is the links page's entry of the link with id.
func linkItem(t *testing.T, page string, id int64) string {
	t.Helper()
	start := strings.Index(page, `<li id="link-`+itoa(id)+`">`)
	if start < 0 {
		t.Fatalf("the page has no link %d:\n%s", id, page)
	}
	end := strings.Index(page[start:], "</li>")
	return page[start : start+end]
}

// Issue 9: the Sub ID and code fields say what they are, in the page's
// language, and the page shows the dynamic form /r/{code}/{sub} on the
// partner's own first link.
func TestLinkHelpTexts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	beta := f.Seed.Partners["beta"]
	// Beta's first link is disabled: the example uses the first that works.
	off := &partnerka.Link{PartnerID: beta, Code: "beta-old", Destination: "https://example.com/"}
	for _, l := range []*partnerka.Link{off, {PartnerID: beta, Code: "beta-blog", Destination: "https://example.com/blog"}} {
		if err := f.DB.CreateLink(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.DB.SetLinkDisabled(ctx, beta, off.ID, true); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		email string
		want  []string
	}{
		{"alpha@x.test", []string{
			`<p class="muted link-hint" id="sub_id-help">Ваша метка для переходов по этой ссылке, например канал; постбэк получает её как {sub_id}.</p>`,
			`<p class="muted link-hint" id="code-help">Окончание адреса ссылки после /r/: от 3 до 64 латинских букв, цифр, - или _, после создания не меняется; оставьте пустым, и код подберётся сам.</p>`,
			`Чтобы различать источники без новых ссылок, добавьте Sub ID после кода любой ссылки — /r/{код}/{sub}, например: <code>http://t.test/r/alpha/telegram</code>`,
			`aria-describedby="sub_id-help"`, `aria-describedby="code-help"`,
			// The link's own edit form explains the sub ID too.
			`id="sub_id-help-` + itoa(f.Seed.Links["alpha"]) + `">Ваша метка`,
		}},
		{"beta@x.test", []string{
			`<p class="muted link-hint" id="sub_id-help">Your own tag for this link&#39;s clicks, such as the channel; your postback receives it as {sub_id}.</p>`,
			`<p class="muted link-hint" id="code-help">The end of the link&#39;s address after /r/: 3 to 64 letters, digits, - or _, fixed once created; leave it empty for one made for you.</p>`,
			`To tell sources apart without new links, add a sub ID after any link&#39;s code, /r/{code}/{sub}, for example: <code>http://t.test/r/beta-blog/telegram</code>`,
		}},
	} {
		b := f.Browser(t)
		b.Login(tc.email, pw)
		resp, page := b.Do("GET", "/links", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", tc.email, resp.StatusCode, page)
		}
		for _, want := range tc.want {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the links page lacks %q", tc.email, want)
			}
		}
	}
}

// Issue 9: every link shows its clicks, unique clicks, leads, paying
// customers and earnings per currency for the page's period, counted
// from the partner's own rows only.
func TestLinkFigures(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	main := f.Seed.Links["alpha"]
	tg := &partnerka.Link{PartnerID: alpha, Code: "alpha-tg", Destination: "https://example.com/", SubID: "tg"}
	quiet := &partnerka.Link{PartnerID: alpha, Code: "alpha-quiet", Destination: "https://example.com/"}
	betaLink := &partnerka.Link{PartnerID: beta, Code: "beta-1", Destination: "https://example.com/"}
	for _, l := range []*partnerka.Link{tg, quiet, betaLink} {
		if err := f.DB.CreateLink(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	// The period is the default 30 days: 25.10.2026 to 23.11.2026.
	exec(`INSERT INTO click_stats_daily (day, partner_id, link_id, sub_id, clicks, unique_clicks) VALUES
		('2026-11-20', $1, $3, '', 120, 100), ('2026-11-21', $1, $3, 'tg', 30, 20), ('2026-09-01', $1, $3, '', 5, 5),
		('2026-11-22', $1, $4, 'tg', 7, 6), ('2026-11-20', $2, $5, '', 999, 999)`, alpha, beta, main, tg.ID, betaLink.ID)
	exec(`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, link_id, created_at) VALUES
		('c1', $1, 'click', 'attributed', '2026-11-10', '2026-11-10', $3, $6),  -- main: a lead, pays twice
		('c2', $1, 'click', 'attributed', '2026-11-12', '2026-11-12', $3, $6),  -- main: a lead, pays nothing
		('c3', $1, 'click', 'attributed', '2026-09-01', '2026-09-01', $3, $6),  -- main: bound before, pays in the period
		('c4', $1, 'click', 'attributed', '2026-11-15', '2026-11-15', $4, $6),  -- tg: a lead, paid before its binding
		('c6', $2, 'click', 'attributed', '2026-11-15', '2026-11-15', $5, $6),  -- beta's
		('c7', $2, 'click', 'attributed', '2026-11-15', '2026-11-15', $3, $6)   -- beta's, however its link reads`,
		alpha, beta, main, tg.ID, betaLink.ID, now)
	exec(`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at) VALUES
		('c5', $1, 'partner_ref', 'attributed', '2026-11-15', '2026-11-15', $2)`, alpha, now)
	exec(`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
		('p1', 'c1', 100, 'RUB', '2026-11-12', '\x00', $1), ('p2', 'c1', 50, 'RUB', '2026-11-13', '\x00', $1),
		('p3', 'c3', 200, 'USD', '2026-11-14', '\x00', $1), ('p4', 'c3', 80, 'RUB', '2026-10-05', '\x00', $1),
		('p5', 'c6', 70, 'RUB', '2026-11-16', '\x00', $1), ('p6', 'c4', 30, 'RUB', '2026-11-14', '\x00', $1),
		('p7', 'c7', 40, 'RUB', '2026-11-16', '\x00', $1), ('p8', 'c5', 60, 'RUB', '2026-11-16', '\x00', $1)`, now)
	exec(storagetest.Earners)
	// A commission on customer (and purchase, or none for a lead): its
	// amount, re-rate, reversed part, currency, status and day earned.
	commission := func(partner int64, customer, purchase string, level int, amount, rerated, reversed, currency, status, earned string) {
		t.Helper()
		exec(`INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id, rule_id,
		        base_amount, amount_unrounded, amount, rerated_amount, reversed_amount, currency, status, earned_at, hold_until, explanation, created_at)
		      SELECT $1, c.id, p.id, CASE WHEN p.id IS NULL THEN 'lead' ELSE 'sale' END, $4, 0, 0, 0, $5, $5, $5, $6, $7, $8, $9,
		             $10::timestamptz, $10::timestamptz + interval '30 days', '', $11
		        FROM customers c LEFT JOIN purchases p ON p.external_id = $3 WHERE c.external_id = $2`,
			partner, customer, purchase, level, amount, rerated, reversed, currency, status, earned, now)
	}
	commission(alpha, "c1", "p1", 1, "10", "0", "2.5", "RUB", "earned", "2026-11-12") // 7.50 after a refund
	commission(alpha, "c1", "p2", 1, "5", "1.25", "0", "RUB", "earned", "2026-11-13") // 6.25 after a re-rate
	commission(alpha, "c1", "", 1, "4", "0", "0", "RUB", "rejected", "2026-11-10")    // rejected: not earned
	commission(alpha, "c3", "p3", 1, "20", "0", "0", "USD", "earned", "2026-11-14")   // another currency
	commission(alpha, "c3", "p4", 1, "8", "0", "0", "RUB", "earned", "2026-10-05")    // last month
	commission(alpha, "c4", "", 1, "15", "0", "0", "RUB", "earned", "2026-11-15")     // tg's lead bonus
	commission(alpha, "c6", "p5", 2, "3", "0", "0", "RUB", "earned", "2026-11-16")    // level 2 on beta's customer
	commission(alpha, "c5", "p8", 1, "6", "0", "0", "RUB", "earned", "2026-11-16")    // no link brought c5
	commission(beta, "c6", "p5", 1, "7", "0", "0", "RUB", "earned", "2026-11-16")     // beta's
	commission(beta, "c7", "p7", 1, "4", "0", "0", "RUB", "earned", "2026-11-16")     // beta's

	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	const nb = "\u00a0"
	for _, tc := range []struct {
		period string
		link   int64
		want   []string
	}{
		{"30d", main, []string{`<dd class="clicks">150 <span class="muted">(120 уникальных)</span></dd>`, `<dd class="leads">2</dd>`,
			`<dd class="paying">2</dd>`, `<dd class="earned"><span>13,75` + nb + `₽</span> · <span>20,00` + nb + `$</span></dd>`}},
		{"30d", tg.ID, []string{`<dd class="clicks">7 <span class="muted">(6 уникальных)</span></dd>`, `<dd class="leads">1</dd>`,
			`<dd class="paying">0</dd>`, `<dd class="earned"><span>15,00` + nb + `₽</span></dd>`}},
		// Nothing yet: zero, in the program's currency.
		{"30d", quiet.ID, []string{`<dd class="clicks">0 <span class="muted">(0 уникальных)</span></dd>`, `<dd class="leads">0</dd>`,
			`<dd class="paying">0</dd>`, `<dd class="earned"><span>0,00` + nb + `$</span></dd>`}},
		{"last_month", main, []string{`<dd class="clicks">0 <span class="muted">(0 уникальных)</span></dd>`, `<dd class="leads">0</dd>`,
			`<dd class="paying">1</dd>`, `<dd class="earned"><span>8,00` + nb + `₽</span></dd>`}},
	} {
		resp, page := b.Do("GET", "/links?period="+tc.period, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d\n%s", tc.period, resp.StatusCode, page)
		}
		item := linkItem(t, page, tc.link)
		for _, want := range tc.want {
			if !strings.Contains(item, want) {
				t.Errorf("%s, link %d lacks %q:\n%s", tc.period, tc.link, want, item)
			}
		}
		if tc.period == "30d" && (strings.Contains(page, "999") || strings.Contains(page, "beta-1")) {
			t.Errorf("alpha's links page shows beta's link or clicks")
		}
	}

	// The same figures straight from storage, for the exact amounts.
	from, to := time.Date(2026, 10, 25, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	got, err := f.DB.PartnerLinkFigures(ctx, alpha, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range got {
		line := l.Code + " " + itoa(l.Clicks) + "/" + itoa(l.UniqueClicks) + " " + itoa(l.Leads) + " " + itoa(l.Paying)
		for _, m := range l.Earned {
			line += " " + m.Amount.StringFixed(2) + " " + m.Currency
		}
		lines = append(lines, line)
	}
	if got, want := strings.Join(lines, "; "), "alpha 150/120 2 2 13.75 RUB 20.00 USD; alpha-tg 7/6 1 0 15.00 RUB; alpha-quiet 0/0 0 0"; got != want {
		t.Errorf("figures:\n got %s\nwant %s", got, want)
	}
}

// startTracker runs a tracker on the fixture's database and the Redis its
// announcements go to, as another machine would: it learns of changes
// from the change messages alone (its sweep and reload wait an hour).
func startTracker(t *testing.T, f *fixture) (*fiber.App, *storage.Redis) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv := &tracker.Server{DB: f.DB, Redis: f.Site.Redis, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: tracker.NewMetrics(prometheus.NewRegistry()), Secret: []byte("links-test-secret-0123456789abcdef"),
		RedirectTimeout: 300 * time.Millisecond, SyncInterval: time.Hour, FullReloadInterval: time.Hour, Now: f.Site.Now}
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	srv.Mount(app)
	return app, f.Site.Redis
}

// visit is a person's browser following the link: where the tracker
// sends it, why (when it recorded nothing attributable) and whether it
// set the attribution cookie.
func visit(t *testing.T, app *fiber.App, path string) (location, reason string, cookie bool) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
	resp, err := app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("Location"), resp.Header.Get(tracker.HeaderReason), resp.Header.Get("Set-Cookie") != ""
}

// streamClicks is every click the trackers wrote to the click stream.
func streamClicks(t *testing.T, rdb *storage.Redis) []storage.StreamClick {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), rdb.Key(storage.ClickStream), "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []storage.StreamClick
	for _, m := range msgs {
		clicks, err := storage.DecodeClickBatch(m.Values)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, clicks...)
	}
	return out
}

// eventually polls check for up to a second (the trackers' promise).
func eventually(t *testing.T, what string, check func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(time.Second) // elapsed: the trackers' one second
	for {
		ok, got := check()
		if ok {
			return
		}
		if time.Now().After(deadline) { // elapsed: as above
			t.Fatalf("%s: still %s after a second", what, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Issue 9: the partner edits a link's destination and sub ID and disables
// it from the cabinet; a running tracker follows within a second. A
// disabled link still sends its visitors to the program's landing page
// (never an error for a visitor) but sets no cookie and attributes
// nothing; enabled again, it attributes again. Each change is audited.
func TestLinkChangesReachTheTracker(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	announced := f.Announcements(t)
	st, err := f.DB.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.AllowedDomains, st.DefaultLandingURL = []string{"example.com"}, "https://example.com/welcome"
	if err := f.DB.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	app, rdb := startTracker(t, f)
	alpha, id := f.Seed.Partners["alpha"], f.Seed.Links["alpha"]
	path := "/links/" + itoa(id)
	if loc, reason, cookie := visit(t, app, "/r/alpha"); !strings.HasPrefix(loc, "https://example.com/?pk_click=") || reason != "" || !cookie {
		t.Fatalf("before any change: %q %q cookie %v", loc, reason, cookie)
	}

	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/links", nil)
	token := b.CSRF(page)
	// Refused, in Russian on a Russian page, with what was typed kept.
	for _, tc := range []struct{ dest, sub, want string }{
		{"https://evil.test/pricing", "tg", "Ссылки могут вести только на сайты программы: example.com."},
		{"https://shop.example.com/pricing", "не латиница", "Sub ID — до 128 латинских букв, цифр и символов . _ ~ -."},
	} {
		resp, out := b.Post(token, path, url.Values{"destination": {tc.dest}, "sub_id": {tc.sub}, "label": {"Telegram"}})
		if resp.StatusCode != 422 || !strings.Contains(out, tc.want) || !strings.Contains(out, `value="`+tc.dest+`"`) ||
			!strings.Contains(out, `value="`+tc.sub+`"`) || !strings.Contains(out, `aria-invalid="true"`) {
			t.Errorf("%s with sub ID %q: %d, want 422 with %q\n%s", tc.dest, tc.sub, resp.StatusCode, tc.want, out)
		}
	}
	if loc, _, _ := visit(t, app, "/r/alpha"); !strings.HasPrefix(loc, "https://example.com/?pk_click=") {
		t.Errorf("a refused edit moved the link: %q", loc)
	}

	resp, _ := b.Post(token, path, url.Values{"destination": {"https://shop.example.com/pricing"}, "sub_id": {"tg"}, "label": {"Telegram"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/links?done=link_saved" {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	eventually(t, "the edited link", func() (bool, string) {
		loc, _, _ := visit(t, app, "/r/alpha")
		return strings.HasPrefix(loc, "https://shop.example.com/pricing?pk_click="), loc
	})
	// The tracker records the new sub ID; the dynamic form overrides it.
	for _, tc := range []struct{ path, sub string }{{"/r/alpha", "tg"}, {"/r/alpha/promo", "promo"}} {
		visit(t, app, tc.path)
		if clicks := streamClicks(t, rdb); clicks[len(clicks)-1].SubID != tc.sub || clicks[len(clicks)-1].LinkID != id {
			t.Errorf("%s recorded %+v, want sub ID %q", tc.path, clicks[len(clicks)-1], tc.sub)
		}
	}
	_, page = b.Do("GET", "/links", nil)
	if item := linkItem(t, page, id); !strings.Contains(item, "→ https://shop.example.com/pricing · sub tg · Telegram") ||
		!strings.Contains(item, `name="sub_id" type="text" maxlength="128" value="tg"`) {
		t.Errorf("the edited link on the page:\n%s", item)
	}

	resp, _ = b.Post(token, path+"/disable", nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/links?done=link_disabled" {
		t.Fatalf("disable: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	eventually(t, "the disabled link", func() (bool, string) {
		loc, reason, cookie := visit(t, app, "/r/alpha/promo")
		return loc == "https://example.com/welcome" && reason == tracker.OutcomeDisabled && !cookie, loc + " " + reason
	})
	// Once the tracker knows, a visit records no click at all.
	n := len(streamClicks(t, rdb))
	if loc, reason, cookie := visit(t, app, "/r/alpha"); loc != "https://example.com/welcome" || reason != tracker.OutcomeDisabled || cookie {
		t.Errorf("a visit of the disabled link: %q %q cookie %v", loc, reason, cookie)
	}
	if got := len(streamClicks(t, rdb)); got != n {
		t.Errorf("a visit of the disabled link recorded %d clicks", got-n)
	}

	if resp, _ := b.Post(token, path+"/enable", nil); resp.StatusCode != 303 {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	eventually(t, "the enabled link", func() (bool, string) {
		loc, reason, cookie := visit(t, app, "/r/alpha")
		return strings.HasPrefix(loc, "https://shop.example.com/pricing?pk_click=") && cookie, loc + " " + reason
	})
	if got := announced(3); len(got) != 3 || got[0] != storage.LinkChanged("alpha") || got[1] != got[0] || got[2] != got[0] {
		t.Errorf("announced %v, want the link's change three times", got)
	}
	var entries []struct {
		Action string `db:"action"`
		Before string `db:"before"`
		After  string `db:"after"`
	}
	if err := f.DB.Select(&entries, `SELECT action, before::text AS before, after::text AS after FROM audit_log
		WHERE entity = 'partner' AND entity_id = $1 AND action LIKE 'link.%' ORDER BY id`, itoa(alpha)); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Action != "link.update" || entries[1].Action != "link.disable" || entries[2].Action != "link.enable" ||
		strings.Contains(entries[0].Before, "sub_id") || !strings.Contains(entries[0].After, `"sub_id": "tg"`) {
		t.Errorf("audited %+v", entries)
	}
}

// Issue 9: another partner's link is the same 404 as a missing one, to
// edit, disable, enable or see as a QR code, and stays as it was.
func TestForeignLinkNotFound(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st, _ := f.DB.Settings(ctx)
	st.AllowedDomains = []string{"example.com"}
	if err := f.DB.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	id := f.Seed.Links["alpha"]
	b := f.Browser(t)
	b.Login("beta@x.test", pw)
	_, page := b.Do("GET", "/links", nil)
	token := b.CSRF(page)
	for _, p := range []string{"/links/" + itoa(id), "/links/" + itoa(id) + "/disable", "/links/" + itoa(id) + "/enable"} {
		if resp, _ := b.Post(token, p, url.Values{"destination": {"https://example.com/beta"}, "sub_id": {"beta"}, "label": {"mine"}}); resp.StatusCode != 404 {
			t.Errorf("beta posting %s: %d, want 404", p, resp.StatusCode)
		}
	}
	for _, p := range []string{"/links/qr?code=alpha", "/links/qr?code=ALPHA&format=png"} {
		if resp, _ := b.Do("GET", p, nil); resp.StatusCode != 404 {
			t.Errorf("beta opening %s: %d, want 404", p, resp.StatusCode)
		}
	}
	var dest, sub, label string
	var disabled bool
	if err := f.DB.QueryRowx(`SELECT destination_url, sub_id, label, disabled_at IS NOT NULL FROM links WHERE id = $1`, id).
		Scan(&dest, &sub, &label, &disabled); err != nil {
		t.Fatal(err)
	}
	if dest != "https://example.com/" || sub != "" || label != "" || disabled {
		t.Errorf("alpha's link changed: %q %q %q disabled %v", dest, sub, label, disabled)
	}
}

// Issue 9: QR opens a page with the code's image, the full link it opens,
// a PNG download and a way back, not a bare image.
func TestLinkQRPage(t *testing.T) {
	f := newFixture(t)
	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/links", nil)
	if !strings.Contains(linkItem(t, page, f.Seed.Links["alpha"]), `<a href="/links/qr?code=alpha">QR</a>`) {
		t.Errorf("the link has no QR page link")
	}
	resp, page := b.Do("GET", "/links/qr?code=ALPHA", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("QR page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"<h1>QR-код ссылки</h1>", `<code id="qr-link">http://t.test/r/alpha</code>`,
		`<img src="/links/qr?code=alpha&amp;format=png" width="320" height="320" alt="QR-код, открывающий http://t.test/r/alpha">`,
		`<a class="button" href="/links/qr?code=alpha&amp;format=png&amp;download=1" download="alpha.png">Скачать PNG</a>`,
		`<a href="/links">← Назад к ссылкам</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the QR page lacks %q:\n%s", want, page)
		}
	}
	for _, tc := range []struct{ path, disposition string }{
		{"/links/qr?code=alpha&format=png", `inline; filename="alpha.png"`},
		{"/links/qr?code=alpha&format=png&download=1", `attachment; filename="alpha.png"`},
	} {
		resp, body := b.Do("GET", tc.path, nil)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Content-Disposition") != tc.disposition ||
			!bytes.HasPrefix([]byte(body), []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s: %d %s %s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
	}
}
