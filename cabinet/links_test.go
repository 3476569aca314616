package cabinet

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"partnerka"
	"partnerka/storage"
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
