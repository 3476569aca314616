package backoffice

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestRegistrationReview(t *testing.T) {
	f := newFixture(t)
	a, atoken := f.SignIn(t, "alpha@x.test")
	if r, _ := a.Do("POST", "/customers", url.Values{"company": {"Acme"}, "email": {"ceo@acme.example"}, "_csrf": {atoken}}); r.StatusCode != 303 {
		t.Fatalf("register: %d", r.StatusCode)
	}
	var id int64
	if err := f.DB.Get(&id, `SELECT id FROM lead_registrations WHERE email = 'ceo@acme.example'`); err != nil {
		t.Fatal(err)
	}
	m, token := f.SignIn(t, "manager@x.test")
	_, page := m.Do("GET", "/admin/registrations", nil)
	if !strings.Contains(page, "Acme") || !strings.Contains(page, "Alpha Media") {
		t.Fatalf("the queue lacks the registration:\n%s", page)
	}
	path := "/admin/registrations/" + strconv.FormatInt(id, 10) + "/decide"
	if r, page := m.Do("POST", path, url.Values{"_csrf": {token}, "decision": {"rejected"}}); r.StatusCode != 422 || !strings.Contains(page, "give a reason") {
		t.Errorf("reject without reason: %d", r.StatusCode)
	}
	if r, _ := m.Do("POST", path, url.Values{"_csrf": {token}, "decision": {"rejected"}, "reason": {"Acme is already in talks with sales"}}); r.StatusCode != 303 {
		t.Fatalf("reject: %d", r.StatusCode)
	}
	if r, _ := m.Do("POST", path, url.Values{"_csrf": {token}, "decision": {"approved"}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("deciding twice: %d, want 404 (no longer pending)", r.StatusCode)
	}
	// The partner sees the reason; another partner may now register Acme.
	if _, page := a.Do("GET", "/customers", nil); !strings.Contains(page, "Acme is already in talks with sales") {
		t.Error("the partner does not see the rejection's reason")
	}
	b, btoken := f.SignIn(t, "beta@x.test")
	if r, _ := b.Do("POST", "/customers", url.Values{"company": {"Acme"}, "email": {"ceo@acme.example"}, "_csrf": {btoken}}); r.StatusCode != 303 {
		t.Errorf("after the rejection beta cannot register: %d", r.StatusCode)
	}
	if got := f.auditActions(t, "lead_registration", id); len(got) != 1 || got[0] != "manager@x.test registration.rejected" {
		t.Errorf("audit %v", got)
	}
}

func TestReassignCustomer(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	var cid int64
	if err := f.DB.QueryRowContext(ctx, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, email, created_at)
		VALUES ('cust-9', $1, 'click', 'attributed', '2026-11-01', '2026-11-01', 'kim@corp.example', $2) RETURNING id`, alpha, now).Scan(&cid); err != nil {
		t.Fatal(err)
	}
	m, token := f.SignIn(t, "manager@x.test")
	_, page := m.Do("GET", "/admin/customers?q=kim@corp", nil)
	if !strings.Contains(page, "cust-9") || !strings.Contains(page, "Alpha Media") {
		t.Fatalf("search by part of the email:\n%s", page)
	}
	path := "/admin/customers/" + strconv.FormatInt(cid, 10) + "/reassign"
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no reason", url.Values{"partner": {"beta"}}, 422, "give a reason"},
		{"unknown partner", url.Values{"partner": {"nobody"}, "reason": {"x"}}, 422, "no partner has the ref"},
		{"an applicant", url.Values{"partner": {"gamma"}, "reason": {"x"}}, 422, "only active partners"},
		{"the same partner", url.Values{"partner": {"alpha"}, "reason": {"x"}}, 409, "already this partner"},
		{"to beta", url.Values{"partner": {"beta"}, "reason": {"Beta ran the pilot; agreed with both"}}, 303, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("_csrf", token)
			r, page := m.Do("POST", path, tc.form)
			if r.StatusCode != tc.status || !strings.Contains(page, tc.want) {
				t.Errorf("%d, want %d with %q", r.StatusCode, tc.status, tc.want)
			}
		})
	}
	c, err := f.DB.CustomerByID(ctx, cid)
	if err != nil || c.PartnerID == nil || *c.PartnerID != beta || c.Source != "manual" || !c.BoundAt.Equal(now) {
		t.Fatalf("after reassigning: %+v %v", c, err)
	}
	_, page = m.Do("GET", "/admin/customers/"+strconv.FormatInt(cid, 10), nil)
	for _, want := range []string{"reassigned", "Beta ran the pilot", "manager@x.test"} {
		if !strings.Contains(page, want) {
			t.Errorf("the evidence trail lacks %q", want)
		}
	}
	if got := f.auditActions(t, "customer", cid); len(got) != 1 || got[0] != "manager@x.test customer.reassign" {
		t.Errorf("audit %v", got)
	}
	// Alpha no longer lists the customer; beta does.
	a, _ := f.SignIn(t, "alpha@x.test")
	if _, page := a.Do("GET", "/customers", nil); strings.Contains(page, "cust-9") {
		t.Error("alpha still lists the reassigned customer")
	}
	b, _ := f.SignIn(t, "beta@x.test")
	if _, page := b.Do("GET", "/customers", nil); !strings.Contains(page, "cust-9") {
		t.Error("beta does not list the reassigned customer")
	}
}

// Issue 20, finding 12: the registrations queue stopped at 200 without a
// word. It pages through every registration of a status, oldest pending
// first, with the number there are.
func TestRegistrationQueuePages(t *testing.T) {
	f := newFixture(t)
	if _, err := f.DB.Exec(`INSERT INTO lead_registrations (partner_id, company, email, protected_until, created_at, status)
		SELECT $1, 'Prospect ' || i, 'lead' || i || '@prospect' || i || '.example', $2::timestamptz + interval '90 days',
		       $2::timestamptz - (100 - i) * interval '1 minute', 'pending'
		  FROM generate_series(1, 60) AS i`, f.Seed.Partners["alpha"], now); err != nil {
		t.Fatal(err)
	}
	b, _ := f.SignIn(t, "manager@x.test")
	_, page := b.Do("GET", "/admin/registrations", nil)
	if !strings.Contains(page, "1–50 of 60") || !strings.Contains(page, "<strong>Prospect 1</strong>") ||
		strings.Contains(page, "<strong>Prospect 51</strong>") || !strings.Contains(page, `href="/admin/registrations?page=2&amp;status=pending" rel="next"`) {
		t.Errorf("page 1 of the queue:\n%s", page)
	}
	_, page = b.Do("GET", "/admin/registrations?page=2&status=pending", nil)
	if !strings.Contains(page, "51–60 of 60") || !strings.Contains(page, "<strong>Prospect 60</strong>") ||
		strings.Contains(page, "<strong>Prospect 50</strong>") || strings.Contains(page, `rel="next"`) {
		t.Errorf("page 2 of the queue:\n%s", page)
	}
	if resp, _ := b.Do("GET", "/admin/registrations?page=9&status=pending", nil); resp.StatusCode != 303 {
		t.Errorf("a page past the end: %d, want a redirect to the first", resp.StatusCode)
	}
}
