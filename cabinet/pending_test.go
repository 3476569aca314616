package cabinet

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// Finding 5: an applicant could not sign in at all (a red "your
// application is being reviewed"), and had no status page, terms or
// materials meanwhile. Gamma's application waits: gamma signs in to the
// pending page, reads the terms and materials, edits the application,
// and reaches none of the other pages.
func TestApplicantSignsInToPendingCabinet(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	gamma := f.Seed.Partners["gamma"]
	var manager int64
	f.DB.Get(&manager, `SELECT id FROM users WHERE email = 'manager@x.test'`)
	if _, err := f.DB.CreateMaterial(ctx, storage.Actor{UserID: manager}, storage.NewMaterial{Kind: "text", Title: "Telegram post",
		Body: "Our CRM, 14 days free: {link}", At: now}); err != nil {
		t.Fatal(err)
	}

	b := f.Browser(t)
	r, _ := b.Login("gamma@x.test", pw)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pending" {
		t.Fatalf("the applicant signs in: %d to %q, want 303 to /pending", r.StatusCode, r.Header.Get("Location"))
	}
	r, page := b.Do("GET", "/pending", nil)
	for _, want := range []string{"under review", "Applied on Nov 23, 2026", "What happens next", "You get an email",
		`href="/terms"`, `href="/materials"`, `action="/pending"`, `value="Gamma"`, `value="gamma@x.test" readonly`, `href="/pending" aria-current="page"`} {
		if r.StatusCode != 200 || !strings.Contains(page, want) {
			t.Errorf("pending page (%d) lacks %q", r.StatusCode, want)
		}
	}
	for _, absent := range []string{`href="/dashboard"`, `href="/links"`, `href="/payouts"`, `href="/settings"`} {
		if strings.Contains(page, absent) {
			t.Errorf("the applicant's navigation offers %s", absent)
		}
	}
	csrf := b.CSRF(page)

	// The terms and the materials are open, without a link of their own yet.
	if r, page := b.Do("GET", "/terms", nil); r.StatusCode != 200 || !strings.Contains(page, "Commissions are held for") || !strings.Contains(page, "You have no plan yet") {
		t.Errorf("terms for the applicant: %d\n%s", r.StatusCode, page)
	}
	r, page = b.Do("GET", "/materials", nil)
	if r.StatusCode != 200 || !strings.Contains(page, "Telegram post") || !strings.Contains(page, "once your application is approved") ||
		strings.Contains(page, "Create one on the Links page") {
		t.Errorf("materials for the applicant: %d\n%s", r.StatusCode, page)
	}

	// Every other page sends the applicant to their application; no link is made.
	for _, path := range []string{"/dashboard", "/links", "/customers", "/earnings", "/earnings.csv", "/payouts", "/settings", "/links/qr?code=gamma"} {
		if r, _ := b.Do("GET", path, nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pending" {
			t.Errorf("GET %s: %d to %q, want 303 to /pending", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	for path, form := range map[string]url.Values{
		"/links":                {"destination": {"https://example.com/"}, "code": {"gamma-sneaky"}},
		"/customers":            {"company": {"Acme"}, "email": {"ceo@acme.test"}},
		"/payouts":              {"amount": {"1000"}, "currency": {"RUB"}},
		"/settings":             {"method": {"bank"}, "account": {"4081"}},
		"/settings/team/invite": {"email": {"friend@gamma.test"}},
	} {
		if r, _ := b.Post(csrf, path, form); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pending" {
			t.Errorf("POST %s: %d to %q, want 303 to /pending", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	var n int
	if err := f.DB.Get(&n, `SELECT (SELECT count(*) FROM links WHERE partner_id = $1) + (SELECT count(*) FROM lead_registrations WHERE partner_id = $1)
		+ (SELECT count(*) FROM invitations WHERE partner_id = $1)`, gamma); err != nil || n != 0 {
		t.Errorf("the applicant made %d links, registrations or invitations (%v), want none", n, err)
	}

	// Editing the application: refused without a promotion (the input
	// kept), refused without the form's token, saved and audited.
	edit := url.Values{"kind": {"company"}, "name": {"Gamma Studio"}, "contact_name": {"Galina Orlova"}, "phone": {"+7 900 000-00-00"},
		"website": {"https://gamma.example.com"}, "promotion": {" "}}
	r, page = b.Post(csrf, "/pending", edit)
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "tell us how you will promote the product") ||
		!strings.Contains(page, `value="Gamma Studio"`) || !strings.Contains(page, `aria-invalid="true"`) {
		t.Errorf("edit without a promotion: %d\n%s", r.StatusCode, page)
	}
	edit.Set("promotion", "YouTube reviews")
	edit.Del("_csrf") // b.Post set it
	if r, _ := b.Do("POST", "/pending", edit); r.StatusCode != http.StatusForbidden {
		t.Errorf("edit without the CSRF token: %d, want 403", r.StatusCode)
	}
	edit.Set("partner_type", "999999")
	if r, page := b.Post(csrf, "/pending", edit); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "choose a partner type") {
		t.Errorf("edit with an unknown partner type: %d", r.StatusCode)
	}
	edit.Del("partner_type")
	r, _ = b.Post(csrf, "/pending", edit)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pending?done=saved" {
		t.Fatalf("edit: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	_, page = b.Do("GET", "/pending?done=saved", nil)
	for _, want := range []string{"Your application is saved.", `value="Gamma Studio"`, "YouTube reviews", "900 000-00-00"} {
		if !strings.Contains(page, want) {
			t.Errorf("after saving, the page lacks %q", want)
		}
	}
	a, err := f.DB.ApplicationOf(ctx, gamma)
	if err != nil || a.Name != "Gamma Studio" || a.Kind != "company" || a.Promotion != "YouTube reviews" || a.Status != partnerka.PartnerApplied {
		t.Errorf("stored application %+v %v", a, err)
	}
	// Saved again as it is: nothing changed, nothing more is audited.
	if r, _ := b.Post(csrf, "/pending", edit); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving again: %d", r.StatusCode)
	}
	var audit []string
	if err := f.DB.Select(&audit, `SELECT action || ' ' || before::text || ' ' || after::text FROM audit_log WHERE entity = 'partner' AND entity_id = $1`, gamma); err != nil ||
		len(audit) != 1 || !strings.HasPrefix(audit[0], `partner.application_edit {"kind": "person", "name": "Gamma"`) || !strings.Contains(audit[0], "Gamma Studio") {
		t.Errorf("audit %q %v, want one edit, before and after", audit, err)
	}

	// In Russian.
	if err := f.DB.SetUserLocale(ctx, f.Seed.Users["gamma@x.test"], "ru"); err != nil {
		t.Fatal(err)
	}
	_, page = b.Do("GET", "/pending", nil)
	for _, want := range []string{"на рассмотрении", "Подана 23.11.2026", "Что будет дальше", "Исправить заявку", ">Заявка</a>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the Russian pending page lacks %q", want)
		}
	}

	// Approved meanwhile: the whole cabinet opens, the pending page is gone.
	typeID, versionID := approvalChoice(t, f)
	if _, err := f.DB.ApproveApplication(ctx, storage.Approval{PartnerID: gamma, TypeID: typeID, VersionID: versionID,
		Start: now, LandingURL: "https://example.com/", Actor: storage.Actor{UserID: manager}}); err != nil {
		t.Fatal(err)
	}
	if r, _ := b.Do("GET", "/pending", nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
		t.Errorf("the approved partner's pending page: %d to %q, want 303 to /dashboard", r.StatusCode, r.Header.Get("Location"))
	}
	if r, page := b.Do("GET", "/dashboard", nil); r.StatusCode != 200 || !strings.Contains(page, `href="/links"`) {
		t.Errorf("the approved partner's dashboard: %d", r.StatusCode)
	}
}

// A rejected applicant signs in to the decision and its reason, and can
// no longer change the application.
func TestRejectedApplicantSeesTheReason(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	gamma := f.Seed.Partners["gamma"]
	if err := f.DB.RejectApplication(ctx, gamma, "No website yet", storage.Actor{UserID: f.Seed.Users["manager@x.test"]}); err != nil {
		t.Fatal(err)
	}
	b := f.Browser(t)
	if r, _ := b.Login("gamma@x.test", pw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pending" {
		t.Fatalf("the rejected applicant signs in: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	r, page := b.Do("GET", "/pending", nil)
	for _, want := range []string{"not approved", "Your application was not approved.", "No website yet", "contact the program&#39;s manager"} {
		if r.StatusCode != 200 || !strings.Contains(page, want) {
			t.Errorf("rejected applicant's page (%d) lacks %q", r.StatusCode, want)
		}
	}
	if strings.Contains(page, `action="/pending"`) || strings.Contains(page, "What happens next") {
		t.Error("a rejected application offers to edit it or says what comes next")
	}
	if r, _ := b.Do("GET", "/dashboard", nil); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pending" {
		t.Errorf("the rejected applicant's dashboard: %d to %q", r.StatusCode, r.Header.Get("Location"))
	}
	r, _ = b.Post(b.CSRF(page), "/pending", url.Values{"kind": {"person"}, "name": {"Gamma"}, "contact_name": {"G"}, "promotion": {"Please"}})
	if r.StatusCode != http.StatusConflict {
		t.Errorf("editing a rejected application: %d, want 409", r.StatusCode)
	}
}

// approvalChoice adds a partner type with a published plan, for approving
// in a test: the type's id and the version's.
func approvalChoice(t *testing.T, f *fixture) (typeID, versionID int64) {
	t.Helper()
	ctx := context.Background()
	res, err := f.DB.LoadSeed(ctx, storage.Seed{
		Plans: []storage.SeedPlan{{Name: "Referral", Version: 1, Rules: []partnerka.Rule{
			{Event: "sale", Level: 1, Kind: "percent", Percent: decimal.RequireFromString("20"), Payments: "all"}}}},
		PartnerTypes: []storage.SeedPartnerType{{Code: "referral", Name: "Referral partner", Plan: "Referral"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	types, err := f.DB.PartnerTypes(ctx)
	if err != nil || len(types) != 1 {
		t.Fatalf("types %v %v", types, err)
	}
	return types[0].ID, res.PlanVersions["Referral"]
}
