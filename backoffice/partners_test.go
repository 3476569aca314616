package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/notify"
	"partnerka/storage"
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
	if r, page := f.Browser(t).Login("gamma@x.test", pw); r.StatusCode != http.StatusForbidden || !strings.Contains(page, "not approved") {
		t.Errorf("a rejected applicant signs in: %d", r.StatusCode)
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
