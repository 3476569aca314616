package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerka"
	"partnerka/storage"
)

// A manager creates promo codes for a partner by hand and in bulk, with
// terms; a taken code refuses the whole form; codes are disabled with a
// reason and enabled again; each change is audited and announced.
func TestManagerCreatesPromoCodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	announced := f.Announcements(t)
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	path := "/admin/partners/" + strconv.FormatInt(alpha, 10)
	m, token := f.SignIn(t, "manager@x.test")

	resp, _ := m.Post(token, path+"/promo-codes", url.Values{"codes": {"MEGA-2WEEKS, mega-blog"}, "discount": {"two weeks free"},
		"valid_from": {"2026-12-01"}, "valid_until": {"2026-12-31"}, "max_uses": {"500"}, "label": {"winter"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create by hand: %d", resp.StatusCode)
	}
	resp, _ = m.Post(token, path+"/promo-codes", url.Values{"prefix": {"ALPHA-"}, "count": {"25"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("generate: %d", resp.StatusCode)
	}
	codes, err := f.DB.PromoCodes(ctx, storage.PromoFilter{PartnerID: alpha})
	if err != nil || len(codes) != 27 {
		t.Fatalf("%d codes, %v; want 27", len(codes), err)
	}
	byCode := map[string]partnerka.PromoCode{}
	for _, c := range codes {
		byCode[c.Code] = c
	}
	two := byCode["MEGA-2WEEKS"]
	// The last day is included: valid until the next day's start in the
	// manager's time zone.
	if two.Discount != "two weeks free" || two.MaxUses == nil || *two.MaxUses != 500 || two.ValidUntil == nil ||
		two.ValidUntil.Sub(*two.ValidFrom).Hours() != 31*24 || byCode["mega-blog"].Status != partnerka.PromoActive {
		t.Errorf("stored %+v", two)
	}
	if got := announced(27); len(got) != 27 {
		t.Errorf("%d announcements, want one per code", len(got))
	}

	// A code taken by another partner (in another case) refuses the form:
	// nothing of it is created.
	if _, err := f.DB.CreatePromoCodes(ctx, storage.NewPromoCodes{PartnerID: beta, Codes: []string{"BETA-ONLY"}}); err != nil {
		t.Fatal(err)
	}
	resp, page := m.Post(token, path+"/promo-codes", url.Values{"codes": {"NEW-ONE beta-only"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, "The promo code beta-only is taken") || !strings.Contains(page, "NEW-ONE beta-only") {
		t.Errorf("a taken code: %d\n%s", resp.StatusCode, page)
	}
	if _, err := f.DB.PromoCodeByCode(ctx, "NEW-ONE"); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Errorf("NEW-ONE was created beside the refused code: %v", err)
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"codes": {"X1"}, "valid_from": {"2026-12-31"}, "valid_until": {"2026-12-01"}}, "The last day must be"},
		{url.Values{"codes": {"X2"}, "max_uses": {"0"}}, "The cap is a whole number"},
		{url.Values{"count": {"5000"}}, "from 1 to 1000"},
		{url.Values{"codes": {"not valid!"}}, "A promo code is 2 to 64"},
		{url.Values{}, "Type the codes, or give a number"},
	} {
		if resp, page := m.Post(token, path+"/promo-codes", tc.form); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
			t.Errorf("%v: %d, want 422 with %q", tc.form, resp.StatusCode, tc.want)
		}
	}

	// Disable needs a reason; enable brings it back.
	id := strconv.FormatInt(two.ID, 10)
	if resp, page := m.Post(token, "/admin/promo-codes/"+id+"/disable", url.Values{"reason": {" "}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Give a reason") {
		t.Errorf("disable without a reason: %d", resp.StatusCode)
	}
	if resp, _ := m.Post(token, "/admin/promo-codes/"+id+"/disable", url.Values{"reason": {"posted on a coupon site"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if resp, _ := m.Post(token, "/admin/promo-codes/"+id+"/disable", url.Values{"reason": {"again"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("disable twice: %d, want 409", resp.StatusCode)
	}
	if resp, _ := m.Post(token, "/admin/promo-codes/"+id+"/enable", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	got := f.auditActions(t, "partner", alpha)
	if len(got) < 3 || got[0] != "manager@x.test promo_code.enable" || got[1] != "manager@x.test promo_code.disable" ||
		got[2] != "manager@x.test promo_code.create" {
		t.Errorf("audit %v", got[:3])
	}
	_, page = m.Do("GET", path, nil)
	if !strings.Contains(page, "MEGA-2WEEKS") || !strings.Contains(page, "two weeks free") || !strings.Contains(page, "0 / 500") {
		t.Errorf("the partner page lacks the code")
	}
}

// Partners' vanity code requests wait in the queue; a manager approves
// (the code is active at once) or refuses with a reason.
func TestPromoCodeRequests(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	st, _ := f.DB.Settings(ctx)
	st.AllowCodeRequests = true
	if err := f.DB.UpdateSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	first, err := f.DB.RequestPromoCode(ctx, alpha, "AlphaPodcast", "for the podcast", storage.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	second, err := f.DB.RequestPromoCode(ctx, alpha, "ALPHA-VIP", "", storage.Actor{})
	if err != nil {
		t.Fatal(err)
	}
	m, token := f.SignIn(t, "manager@x.test")
	_, page := m.Do("GET", "/admin", nil)
	if !strings.Contains(page, `<a href="/admin/promo-codes">Promo codes <span class="badge">2</span>`) {
		t.Errorf("the navigation does not count the requests:\n%s", page)
	}
	_, page = m.Do("GET", "/admin/promo-codes", nil)
	if i, j := strings.Index(page, "AlphaPodcast"), strings.Index(page, "ALPHA-VIP"); i < 0 || j < i || !strings.Contains(page, "for the podcast") {
		t.Errorf("the queue, oldest first:\n%s", page)
	}
	if resp, _ := m.Post(token, "/admin/promo-codes/"+strconv.FormatInt(first.ID, 10)+"/approve", url.Values{"back": {"queue"}}); resp.StatusCode != http.StatusSeeOther ||
		resp.Header.Get("Location") != "/admin/promo-codes?done=done_promo_approve" {
		t.Fatalf("approve: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, page := m.Post(token, "/admin/promo-codes/"+strconv.FormatInt(second.ID, 10)+"/reject", url.Values{"back": {"queue"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Give a reason") {
		t.Errorf("refuse without a reason: %d", resp.StatusCode)
	}
	if resp, _ := m.Post(token, "/admin/promo-codes/"+strconv.FormatInt(second.ID, 10)+"/reject", url.Values{"back": {"queue"}, "reason": {"too close to the brand"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("refuse: %d", resp.StatusCode)
	}
	if c, _ := f.DB.PromoCode(ctx, first.ID); c.Status != partnerka.PromoActive {
		t.Errorf("approved code is %s", c.Status)
	}
	if c, _ := f.DB.PromoCode(ctx, second.ID); c.Status != partnerka.PromoRejected || c.Reason != "too close to the brand" {
		t.Errorf("refused code %+v", c)
	}
	// The partner sees both outcomes.
	a, _ := f.SignIn(t, "alpha@x.test")
	_, page = a.Do("GET", "/links", nil)
	if !strings.Contains(page, `data-copy="AlphaPodcast"`) || !strings.Contains(page, "too close to the brand") {
		t.Errorf("the partner's page after the decisions:\n%s", page)
	}
	// A refused code cannot be approved later, nor given to someone else.
	if resp, _ := m.Post(token, "/admin/promo-codes/"+strconv.FormatInt(second.ID, 10)+"/approve", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("approving a refused request: %d, want 409", resp.StatusCode)
	}
}

// Staff disable a partner's link with a reason the partner sees; the
// trackers hear of it, and only staff enable it again.
func TestStaffDisableLink(t *testing.T) {
	f := newFixture(t)
	announced := f.Announcements(t)
	alpha := f.Seed.Partners["alpha"]
	link := f.Seed.Links["alpha"]
	path := "/admin/partners/" + strconv.FormatInt(alpha, 10) + "/links/" + strconv.FormatInt(link, 10)
	m, token := f.SignIn(t, "manager@x.test")
	if resp, _ := m.Post(token, path+"/disable", nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("disable without a reason: %d", resp.StatusCode)
	}
	if resp, _ := m.Post(token, path+"/disable", url.Values{"reason": {"cookie stuffing on a coupon site"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable: %d", resp.StatusCode)
	}
	if got := announced(1); len(got) != 1 || got[0] != storage.LinkChanged("alpha") {
		t.Errorf("announced %v", got)
	}
	a, atoken := f.SignIn(t, "alpha@x.test")
	_, page := a.Do("GET", "/links", nil)
	if !strings.Contains(page, "cookie stuffing on a coupon site") {
		t.Errorf("the partner does not see the reason:\n%s", page)
	}
	if resp, _ := a.Post(atoken, "/links/"+strconv.FormatInt(link, 10)+"/enable", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("the partner enabling it: %d", resp.StatusCode)
	}
	// Another partner's link through this partner's page is not found.
	other := "/admin/partners/" + strconv.FormatInt(f.Seed.Partners["beta"], 10) + "/links/" + strconv.FormatInt(link, 10)
	if resp, _ := m.Post(token, other+"/enable", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a link through the wrong partner: %d", resp.StatusCode)
	}
	if resp, _ := m.Post(token, path+"/enable", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("enable: %d", resp.StatusCode)
	}
	if got := f.auditActions(t, "partner", alpha); len(got) < 2 || got[0] != "manager@x.test link.enable" || got[1] != "manager@x.test link.disable" {
		t.Errorf("audit %v", got)
	}
}
