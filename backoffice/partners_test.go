package backoffice

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/notify"
	"partnerka/storage"
	"partnerka/web"
	"partnerka/web/webtest"
)

// withPlans adds two published plans and a partner type to the fixture.
func (f *fixture) withPlans(t *testing.T) (referral, dealer, typeID int64) {
	t.Helper()
	pct := decimal.RequireFromString
	res, err := f.DB.LoadSeed(context.Background(), storage.Seed{
		Plans: []storage.SeedPlan{
			{Name: "Referral", Version: 1, Rules: []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent", Percent: pct("20"), Payments: "all"}}},
			{Name: "Dealer", Version: 1, Rules: []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent", Percent: pct("30"), Payments: "all"}}},
		},
		PartnerTypes: []storage.SeedPartnerType{{Code: "referral", Name: "Referral partner", Plan: "Referral"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	types, err := f.DB.PartnerTypes(context.Background())
	if err != nil || len(types) != 1 {
		t.Fatalf("types %v %v", types, err)
	}
	return res.PlanVersions["Referral"], res.PlanVersions["Dealer"], types[0].ID
}

func (f *fixture) auditActions(t *testing.T, entity string, id int64) []string {
	t.Helper()
	rows, err := f.DB.EntityAudit(context.Background(), entity, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Actor+" "+r.Action)
	}
	return out
}

func TestApproveApplication(t *testing.T) {
	f := newFixture(t)
	referral, _, typeID := f.withPlans(t)
	gamma := f.Seed.Partners["gamma"]
	path := "/admin/partners/" + strconv.FormatInt(gamma, 10)
	m, token := f.SignIn(t, "manager@x.test")

	_, page := m.Do("GET", "/admin/partners?status=applied", nil)
	if !strings.Contains(page, "Gamma") || strings.Contains(page, "Alpha Media") {
		t.Fatalf("the applications queue should list Gamma only:\n%s", page)
	}
	// No version chosen: the form says so, nothing changes.
	resp, page := m.Do("POST", path+"/approve", url.Values{"_csrf": {token}, "type": {strconv.FormatInt(typeID, 10)}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "choose one") {
		t.Fatalf("approve without a version: %d", resp.StatusCode)
	}
	resp, _ = m.Do("POST", path+"/approve", url.Values{"_csrf": {token}, "type": {strconv.FormatInt(typeID, 10)},
		"version": {strconv.FormatInt(referral, 10)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	_, page = m.Do("GET", resp.Header.Get("Location"), nil)
	for _, want := range []string{"The partner is approved", "Referral v1", "http://t.test/r/gamma", "manager@x.test", "partner.approve"} {
		if !strings.Contains(page, want) {
			t.Errorf("partner page after approval lacks %q", want)
		}
	}
	// Approving twice is a conflict, not a second contract.
	resp, _ = m.Do("POST", path+"/approve", url.Values{"_csrf": {token}, "type": {strconv.FormatInt(typeID, 10)},
		"version": {strconv.FormatInt(referral, 10)}})
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("second approval: %d, want 409", resp.StatusCode)
	}
	// The applicant hears of it once, with where to sign in.
	mail := &webtest.RecordingMailer{}
	step := &notify.NoticeStep{DB: f.DB, Mailer: mail, CabinetURL: "https://c.test", Now: func() time.Time { return now.Add(time.Second) }}
	if n, err := step.Run(context.Background()); err != nil || n != 1 || len(mail.Sent) != 1 || mail.Sent[0].To != "gamma@x.test" ||
		!strings.Contains(mail.Sent[0].Subject, "application is approved") || !strings.Contains(mail.Sent[0].Body, "https://c.test/login") {
		t.Errorf("approval notice: %d sent, %v: %+v", n, err, mail.Sent)
	}
	// The partner signs in and finds their link.
	g, _ := f.SignIn(t, "gamma@x.test")
	if _, page := g.Do("GET", "/links", nil); !strings.Contains(page, "/r/gamma") {
		t.Error("the approved partner has no default link")
	}
	if got := f.auditActions(t, "partner", gamma); len(got) != 1 || got[0] != "manager@x.test partner.approve" {
		t.Errorf("audit %v", got)
	}
}

func TestRejectApplication(t *testing.T) {
	f := newFixture(t)
	gamma := f.Seed.Partners["gamma"]
	path := "/admin/partners/" + strconv.FormatInt(gamma, 10)
	m, token := f.SignIn(t, "manager@x.test")
	resp, page := m.Do("POST", path+"/reject", url.Values{"_csrf": {token}, "reason": {"  "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "give a reason") {
		t.Fatalf("reject without reason: %d", resp.StatusCode)
	}
	resp, _ = m.Do("POST", path+"/reject", url.Values{"_csrf": {token}, "reason": {"No website yet"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject: %d", resp.StatusCode)
	}
	p, _ := f.DB.PartnerByID(context.Background(), gamma)
	if p.Status != partnerka.PartnerRejected {
		t.Errorf("status %s", p.Status)
	}
	// Finding 5: the rejected applicant signs in to their application's
	// page, which says so and why.
	g := f.Browser(t)
	if r, _ := g.Login("gamma@x.test", pw); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/pending" {
		t.Fatalf("a rejected applicant signs in: %d to %q, want 303 to /pending", r.StatusCode, r.Header.Get("Location"))
	}
	if _, page := g.Do("GET", "/pending", nil); !strings.Contains(page, "not approved") || !strings.Contains(page, "No website yet") {
		t.Errorf("the rejected applicant's page lacks the decision or its reason:\n%s", page)
	}
}

func TestSuspendAndReactivate(t *testing.T) {
	f := newFixture(t)
	announced := f.Announcements(t)
	alpha := f.Seed.Partners["alpha"]
	path := "/admin/partners/" + strconv.FormatInt(alpha, 10)
	a, _ := f.SignIn(t, "alpha@x.test")
	m, token := f.SignIn(t, "manager@x.test")
	if resp, _ := m.Do("POST", path+"/suspend", url.Values{"_csrf": {token}, "reason": {"Brand bidding"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend: %d", resp.StatusCode)
	}
	if resp, _ := a.Do("GET", "/dashboard", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the suspended partner's session still works: %d", resp.StatusCode)
	}
	if resp, _ := m.Do("POST", path+"/suspend", url.Values{"_csrf": {token}, "reason": {"again"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("suspending twice: %d, want 409", resp.StatusCode)
	}
	if resp, _ := m.Do("POST", path+"/reactivate", url.Values{"_csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reactivate: %d", resp.StatusCode)
	}
	if resp, _ := f.Browser(t).Login("alpha@x.test", pw); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the reactivated partner cannot sign in: %d", resp.StatusCode)
	}
	// Issue 18: both reach the trackers at once (the refused second
	// suspension announces nothing).
	if got := announced(2); len(got) != 2 || got[0] != storage.PartnerChanged(alpha) || got[1] != storage.PartnerChanged(alpha) {
		t.Errorf("announced %v, want the partner's change twice", got)
	}
	got := f.auditActions(t, "partner", alpha)
	if len(got) != 2 || got[0] != "manager@x.test partner.reactivate" || got[1] != "manager@x.test partner.suspend" {
		t.Errorf("audit %v", got)
	}
	// The partner page's history says what changed as the audit log does
	// (the status in words, the reason), and links to every change.
	_, page := m.Do("GET", path, nil)
	hist := page[strings.Index(page, "Audit trail"):]
	for _, want := range []string{"Reason:</span> Brand bidding", "<del>active</del> → <ins>suspended</ins>",
		fmt.Sprintf(`href="/admin/audit?entity=partner&amp;entity_id=%d"`, alpha)} {
		if !strings.Contains(hist, want) {
			t.Errorf("the partner page's history lacks %q:\n%s", want, hist)
		}
	}
	// Signed out and unable to sign in, the owner hears of both by email,
	// the suspension with its reason.
	mail := &webtest.RecordingMailer{}
	step := &notify.NoticeStep{DB: f.DB, Mailer: mail, CabinetURL: "https://c.test", Now: func() time.Time { return now.Add(time.Second) }}
	if n, err := step.Run(context.Background()); err != nil || n != 2 || len(mail.Sent) != 2 {
		t.Fatalf("sent %d notices, %v: %+v; want 2", n, err, mail.Sent)
	}
	if s := mail.Sent[0]; !strings.HasSuffix(s.Subject, "ваше участие в партнёрской программе приостановлено") ||
		!strings.Contains(s.Body, "Причина: Brand bidding") || strings.Contains(s.Body, "https://") {
		t.Errorf("suspension notice %+v", s)
	}
	if s := mail.Sent[1]; !strings.HasSuffix(s.Subject, "возобновлено") || !strings.Contains(s.Body, "https://c.test/login") {
		t.Errorf("reactivation notice %+v", s)
	}
}

func TestPartnerSettingsForms(t *testing.T) {
	f := newFixture(t)
	referral, dealer, _ := f.withPlans(t)
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	ctx := context.Background()
	if err := f.DB.MoveContract(ctx, alpha, referral, now, now, storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	path := "/admin/partners/" + strconv.FormatInt(alpha, 10)
	m, token := f.SignIn(t, "manager@x.test")
	post := func(action string, form url.Values) (*http.Response, string) {
		form.Set("_csrf", token)
		return m.Do("POST", path+"/"+action, form)
	}
	for _, tc := range []struct {
		name, action string
		form         url.Values
		status       int
		want         string
	}{
		{"plan change in the past", "contract", url.Values{"version": {strconv.FormatInt(dealer, 10)}, "start": {"2026-11-01"}}, 422, "never to the past"},
		{"plan change, bad date", "contract", url.Values{"version": {strconv.FormatInt(dealer, 10)}, "start": {"soon"}}, 422, "YYYY-MM-DD"},
		{"plan change scheduled", "contract", url.Values{"version": {strconv.FormatInt(dealer, 10)}, "start": {"2026-12-01"}}, 303, ""},
		{"a second change before the first", "contract", url.Values{"version": {strconv.FormatInt(referral, 10)}, "start": {"2026-11-25"}}, 409, "already scheduled"},
		{"certified in the future", "certify", url.Values{"date": {"2027-01-01"}}, 422, "future"},
		{"certified", "certify", url.Values{"date": {"2026-11-20"}}, 303, ""},
		{"recruiter unknown", "recruiter", url.Values{"recruiter": {"nobody"}}, 422, "no partner has the ref"},
		{"recruiter self", "recruiter", url.Values{"recruiter": {"alpha"}}, 422, "themselves"},
		{"recruiter beta", "recruiter", url.Values{"recruiter": {"beta"}}, 303, ""},
		{"bonus without reason", "entries", url.Values{"kind": {"bonus"}, "amount": {"100"}, "currency": {"RUB"}}, 422, "reason"},
		{"negative bonus", "entries", url.Values{"kind": {"bonus"}, "amount": {"-100"}, "currency": {"RUB"}, "reason": {"x"}}, 422, "positive"},
		{"bonus", "entries", url.Values{"kind": {"bonus"}, "amount": {"1500,50"}, "currency": {"rub"}, "reason": {"Webinar costs"}}, 303, ""},
		{"adjustment is finance's", "entries", url.Values{"kind": {"adjustment"}, "amount": {"-10"}, "currency": {"RUB"}, "reason": {"x"}}, 403, "finance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, page := post(tc.action, tc.form)
			if resp.StatusCode != tc.status || !strings.Contains(page, tc.want) {
				t.Errorf("%d, want %d with %q:\n%.2000s", resp.StatusCode, tc.status, tc.want, page)
			}
		})
	}
	// Beta recruited alpha; now alpha cannot recruit beta (a loop).
	pathBeta := "/admin/partners/" + strconv.FormatInt(beta, 10)
	resp, page := m.Do("POST", pathBeta+"/recruiter", url.Values{"_csrf": {token}, "recruiter": {"alpha"}})
	if resp.StatusCode != 422 || !strings.Contains(page, "recruited") {
		t.Errorf("recruiter loop: %d", resp.StatusCode)
	}
	// Finance books an adjustment; the partner sees both entries.
	fin, ftoken := f.SignIn(t, "finance@x.test")
	resp, _ = fin.Do("POST", path+"/entries", url.Values{"_csrf": {ftoken}, "kind": {"adjustment"}, "amount": {"-500.50"}, "currency": {"RUB"}, "reason": {"Duplicate bonus"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adjustment: %d", resp.StatusCode)
	}
	a, _ := f.SignIn(t, "alpha@x.test")
	_, page = a.Do("GET", "/earnings", nil)
	for _, want := range []string{"Webinar costs", "1\u00a0500,50\u00a0₽", "Duplicate bonus", "−500,50\u00a0₽"} {
		if !strings.Contains(page, want) {
			t.Errorf("the partner's earnings lack %q", want)
		}
	}
	bs, _ := f.DB.PartnerBalances(ctx, alpha)
	if len(bs) != 1 || bs[0].Bucket != "available" || bs[0].Amount.String() != "1000" {
		t.Errorf("balances %+v, want 1000 RUB available", bs)
	}
	_, page = m.Do("GET", path, nil)
	for _, want := range []string{"Dealer v1", "scheduled", "Beta Corp", "₽1,000.00", "Nov 20, 2026", "partner.contract", "ledger.bonus", "partner.recruiter"} {
		if !strings.Contains(page, want) {
			t.Errorf("partner page lacks %q", want)
		}
	}
	cs, err := f.DB.ContractAt(ctx, alpha, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || cs.PlanVersionID != dealer {
		t.Errorf("contract on Dec 1: %+v %v", cs, err)
	}
}

// typedSeed is the standard program with two partner types, Dealer
// (first by name) and Referral partner, each with its plan, and gamma's
// application asking to be a referral partner.
func typedSeed(user webtest.UserFunc) storage.Seed {
	s := webtest.StandardSeed(user)
	pct := decimal.RequireFromString
	s.Plans = []storage.SeedPlan{
		{Name: "Dealer", Version: 1, Rules: []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent", Percent: pct("30"), Payments: "all"}}},
		{Name: "Referral", Version: 1, Rules: []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent", Percent: pct("20"), Payments: "all"}}},
	}
	s.PartnerTypes = []storage.SeedPartnerType{{Code: "dealer", Name: "Dealer", Plan: "Dealer"}, {Code: "referral", Name: "Referral partner", Plan: "Referral"}}
	for i := range s.Partners {
		if s.Partners[i].Ref == "gamma" {
			s.Partners[i].Type = "referral"
		}
	}
	return s
}

// selectedOption is the value of the option marked selected in the page's
// select with that id ("" when none is).
func selectedOption(t *testing.T, page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<select id="` + id + `"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no select #%s on the page:\n%s", id, page)
	}
	if o := regexp.MustCompile(`<option value="([^"]*)"[^>]*? selected>`).FindStringSubmatch(m[1]); o != nil {
		return o[1]
	}
	return ""
}

// Finding 4: the approval form chose the first type and plan by name
// (Dealer, Dealer v1) whatever the applicant asked for, and took a type
// with another type's plan. It now chooses the type asked for and the
// latest published version of that type's plan, and approving on a plan
// of another type needs its confirmation.
func TestApprovalChoosesTheApplicantsType(t *testing.T) {
	f := newSeededFixture(t, typedSeed)
	ctx := context.Background()
	gamma := f.Seed.Partners["gamma"]
	path := "/admin/partners/" + strconv.FormatInt(gamma, 10)
	types, err := f.DB.PartnerTypes(ctx)
	if err != nil || len(types) != 2 {
		t.Fatalf("types %v %v", types, err)
	}
	typeID := map[string]string{}
	for _, ty := range types {
		typeID[ty.Code] = strconv.FormatInt(ty.ID, 10)
	}
	// A second version of the referral plan: the latest is the default.
	v2, err := f.DB.LoadSeed(ctx, storage.Seed{Plans: []storage.SeedPlan{{Name: "Referral", Version: 2, Rules: []partnerka.Rule{
		{Event: "sale", Level: 1, Kind: "percent", Percent: decimal.RequireFromString("25"), Payments: "all"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	referral2, dealer := strconv.FormatInt(v2.PlanVersions["Referral"], 10), strconv.FormatInt(f.Seed.PlanVersions["Dealer"], 10)
	m, token := f.SignIn(t, "manager@x.test")

	_, page := m.Do("GET", path, nil)
	if got := selectedOption(t, page, "type"); got != typeID["referral"] {
		t.Errorf("type chosen %q, want the referral type %q the applicant asked for", got, typeID["referral"])
	}
	if got := selectedOption(t, page, "version"); got != referral2 {
		t.Errorf("plan chosen %q, want Referral v2 (%s), the latest of the type's plan", got, referral2)
	}
	if !strings.Contains(page, "The applicant asked to be: Referral partner.") {
		t.Error("the form does not say what the applicant asked for")
	}
	// Approve and reject are two blocks; rejecting is the danger button
	// beside its reason.
	approve := regexp.MustCompile(`(?s)<section id="approve" class="decision decision-approve".*?</section>`).FindString(page)
	reject := regexp.MustCompile(`(?s)<section id="reject" class="decision decision-reject".*?</section>`).FindString(page)
	if !strings.Contains(approve, `action="`+path+`/approve"`) || strings.Contains(approve, "/reject") ||
		!strings.Contains(reject, `action="`+path+`/reject"`) || !strings.Contains(reject, `name="reason"`) || !strings.Contains(reject, `class="danger"`) {
		t.Errorf("approve and reject are not two separate blocks:\n%s\n%s", approve, reject)
	}
	if !strings.Contains(approve, `id="approve-other" class="confirm" data-other-type-plan hidden>`) {
		t.Error("the confirmation shows while the chosen plan is the type's own")
	}

	// The referral type on the dealer plan, unconfirmed: refused, nothing changes.
	form := url.Values{"_csrf": {token}, "type": {typeID["referral"]}, "version": {dealer}}
	resp, page := m.Do("POST", path+"/approve", form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Dealer v1 is not the plan of the partner type Referral partner") {
		t.Fatalf("another type's plan unconfirmed: %d, want 422 with the reason:\n%s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `id="approve-other" class="confirm" data-other-type-plan>`) || !strings.Contains(page, "Use a plan of another type") {
		t.Error("the refused form does not show the confirmation")
	}
	if selectedOption(t, page, "type") != typeID["referral"] || selectedOption(t, page, "version") != dealer {
		t.Error("the refused form lost what the manager chose")
	}
	if p, _ := f.DB.PartnerByID(ctx, gamma); p.Status != partnerka.PartnerApplied {
		t.Fatalf("refused, yet the partner is %s", p.Status)
	}
	// In Russian the reason reads in Russian.
	if ru := web.ErrorText("ru", partnerka.FieldError("version", "Dealer v1 is not the plan of the partner type Referral partner: tick “use a plan of another type” to approve on it")); !strings.Contains(ru, "не тариф типа партнёра «Referral partner»") {
		t.Errorf("in Russian: %q", ru)
	}

	// Confirmed: approved on the dealer plan, audited as before.
	form.Set("other_type_plan", "1")
	if resp, page := m.Do("POST", path+"/approve", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed: %d\n%s", resp.StatusCode, page)
	}
	c, err := f.DB.ContractAt(ctx, gamma, now)
	if err != nil || strconv.FormatInt(c.PlanVersionID, 10) != dealer {
		t.Errorf("contract %+v %v, want Dealer v1", c, err)
	}
	if got := f.auditActions(t, "partner", gamma); len(got) != 1 || got[0] != "manager@x.test partner.approve" {
		t.Errorf("audit %v", got)
	}
}

// An older version of the type's own plan needs no confirmation, and an
// application that asked for no type chooses nothing for the manager.
func TestApprovalWithoutAType(t *testing.T) {
	f := newSeededFixture(t, typedSeed)
	ctx := context.Background()
	var referralType int64
	types, _ := f.DB.PartnerTypes(ctx)
	for _, ty := range types {
		if ty.Code == "referral" {
			referralType = ty.ID
		}
	}
	referral1 := f.Seed.PlanVersions["Referral"]
	if _, err := f.DB.LoadSeed(ctx, storage.Seed{Plans: []storage.SeedPlan{{Name: "Referral", Version: 2, Rules: []partnerka.Rule{
		{Event: "sale", Level: 1, Kind: "percent", Percent: decimal.RequireFromString("25"), Payments: "all"}}}}}); err != nil {
		t.Fatal(err)
	}
	// Zoe applies through the public form without choosing a type.
	anon := f.Browser(t)
	_, page := anon.Do("GET", "/apply", nil)
	if !strings.Contains(page, `name="partner_type"`) || !strings.Contains(page, "Referral partner") {
		t.Error("the application form does not offer the program's partner types")
	}
	if r, _ := anon.Do("POST", "/apply", url.Values{"kind": {"person"}, "name": {"Zeta Reviews"}, "contact_name": {"Zoe"},
		"email": {"zoe@zeta.test"}, "password": {"long enough password"}, "promotion": {"YouTube"}, "partner_type": {""},
		"_csrf": {anon.CSRF(page)}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", r.StatusCode)
	}
	var zeta int64
	if err := f.DB.Get(&zeta, `SELECT partner_id FROM users WHERE email = 'zoe@zeta.test'`); err != nil {
		t.Fatal(err)
	}
	path := "/admin/partners/" + strconv.FormatInt(zeta, 10)
	m, token := f.SignIn(t, "manager@x.test")
	_, page = m.Do("GET", path, nil)
	if selectedOption(t, page, "type") != "" || selectedOption(t, page, "version") != "" || !strings.Contains(page, "The applicant chose no partner type") {
		t.Errorf("an application without a type: type %q, plan %q chosen, want none", selectedOption(t, page, "type"), selectedOption(t, page, "version"))
	}
	resp, _ := m.Do("POST", path+"/approve", url.Values{"_csrf": {token}, "type": {strconv.FormatInt(referralType, 10)},
		"version": {strconv.FormatInt(referral1, 10)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve on an older version of the type's own plan: %d", resp.StatusCode)
	}
}

// An application that asked for a type through the public form has the
// manager's form choose it.
func TestApplicationAsksForAType(t *testing.T) {
	f := newSeededFixture(t, typedSeed)
	ctx := context.Background()
	types, _ := f.DB.PartnerTypes(ctx)
	var dealerType string
	for _, ty := range types {
		if ty.Code == "dealer" {
			dealerType = strconv.FormatInt(ty.ID, 10)
		}
	}
	anon := f.Browser(t)
	_, page := anon.Do("GET", "/apply", nil)
	form := url.Values{"kind": {"company"}, "name": {"Eta Integrations"}, "contact_name": {"Egor"}, "email": {"egor@eta.test"},
		"password": {"long enough password"}, "promotion": {"Implementation projects"}, "_csrf": {anon.CSRF(page)}}
	form.Set("partner_type", "999999")
	if r, out := anon.Do("POST", "/apply", form); r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(out, "choose a partner type") {
		t.Errorf("an unknown partner type: %d", r.StatusCode)
	}
	form.Set("partner_type", dealerType)
	if r, _ := anon.Do("POST", "/apply", form); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", r.StatusCode)
	}
	var eta int64
	if err := f.DB.Get(&eta, `SELECT partner_id FROM users WHERE email = 'egor@eta.test'`); err != nil {
		t.Fatal(err)
	}
	m, _ := f.SignIn(t, "manager@x.test")
	_, page = m.Do("GET", "/admin/partners/"+strconv.FormatInt(eta, 10), nil)
	if got := selectedOption(t, page, "type"); got != dealerType {
		t.Errorf("type chosen %q, want dealer %q", got, dealerType)
	}
	if got, want := selectedOption(t, page, "version"), strconv.FormatInt(f.Seed.PlanVersions["Dealer"], 10); got != want {
		t.Errorf("plan chosen %q, want Dealer v1 %q", got, want)
	}
}

// Issue 20: the back office listed a partner's balances by currency code;
// it shows them as the partner does, the program's main currency first
// (USD here), then the largest.
func TestPartnerBalancesMainCurrencyFirst(t *testing.T) {
	f := newFixture(t)
	alpha := f.Seed.Partners["alpha"]
	if _, err := f.DB.Exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at) VALUES
		($1, 'EUR', 'available', 'bonus', 50, 'b', $2), ($1, 'RUB', 'available', 'bonus', 9000, 'b', $2), ($1, 'USD', 'available', 'bonus', 5, 'b', $2)`,
		alpha, now); err != nil {
		t.Fatal(err)
	}
	b, _ := f.SignIn(t, "finance@x.test")
	_, page := b.Do("GET", "/admin/partners/"+strconv.FormatInt(alpha, 10), nil)
	for _, cur := range []string{"USD", "RUB", "EUR"} {
		if !strings.Contains(page, `">`+cur+`</td>`) {
			t.Fatalf("no %s row:\n%s", cur, page)
		}
	}
	usd, rub, eur := strings.Index(page, `">USD</td>`), strings.Index(page, `">RUB</td>`), strings.Index(page, `">EUR</td>`)
	if !(usd < rub && rub < eur) {
		t.Errorf("balance rows at %d (USD), %d (RUB), %d (EUR): want the main currency first, then the largest", usd, rub, eur)
	}
}
