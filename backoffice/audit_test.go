package backoffice

import (
	"context"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerka/storage"
)

// auditChangeList is the list of changes of the page's entry for action
// (the first one listed), as text.
func auditChangeList(t *testing.T, page, action string) []string {
	t.Helper()
	i := strings.Index(page, "<code>"+action+"</code>")
	if i < 0 {
		t.Fatalf("no %s entry:\n%s", action, page)
	}
	row := page[i:]
	row = row[:strings.Index(row, "</tr>")]
	list := row[strings.Index(row, `<ul class="changes">`):]
	list = list[:strings.Index(list, "</ul>")]
	var out []string
	for _, li := range strings.Split(list, "<li>")[1:] {
		out = append(out, strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(strings.TrimSuffix(li, "</li>"), "")))
	}
	return out
}

// Finding 11: the audit log dumped every field of an entry with ids. An
// entry now lists only what changed, "field: old → new" in the page's
// language, with partners, plans and people by name; the stored record
// stays behind "details".
func TestAuditShowsWhatChanged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta, gamma := f.Seed.Partners["alpha"], f.Seed.Partners["beta"], f.Seed.Partners["gamma"]
	manager := storage.Actor{UserID: f.Seed.Users["manager@x.test"]}
	if err := f.DB.SetRecruiter(ctx, beta, &alpha, manager); err != nil {
		t.Fatal(err)
	}
	if err := f.DB.SetRecruiter(ctx, beta, &gamma, manager); err != nil {
		t.Fatal(err)
	}
	var customer int64
	if err := f.DB.GetContext(ctx, &customer, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
		VALUES ('c1', $1, 'partner_ref', 'attributed', $2, $2, $2) RETURNING id`, alpha, now.AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := f.DB.ReassignCustomer(ctx, customer, beta, "signed with Beta", now, manager); err != nil {
		t.Fatal(err)
	}

	b, _ := f.SignIn(t, "manager@x.test")
	_, page := b.Do("GET", "/admin/audit?action=partner.recruiter", nil)
	// The newest entry: Beta's recruiter went from Alpha Media to Gamma, the
	// one field the entry holds; the entity is Beta by name, linked.
	if got, want := auditChangeList(t, page, "partner.recruiter"), []string{"Recruited by: Alpha Media → Gamma"}; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("changes %q, want %q", got, want)
	}
	if !strings.Contains(page, `<a href="/admin/partners/`+strconv.FormatInt(beta, 10)+`">Partner: Beta Corp</a>`) {
		t.Errorf("the entry does not name its partner:\n%s", page)
	}
	if !strings.Contains(page, "<details") || !strings.Contains(page, "&#34;recruiter_id&#34;: "+strconv.FormatInt(gamma, 10)) {
		t.Errorf("the raw record is not behind details:\n%s", page)
	}

	// A reassignment changes the partner, the source and the binding time;
	// the customer's external id did not change and is not listed.
	_, page = b.Do("GET", "/admin/audit?action=customer.reassign", nil)
	got := auditChangeList(t, page, "customer.reassign")
	want := []string{"Bound: Oct 23, 2026 " + now.AddDate(0, -1, 0).Format("15:04") + " → Nov 23, 2026 " + now.Format("15:04"),
		"Partner: Alpha Media → Beta Corp", "Reason: signed with Beta", "Source: partner_ref → manual"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("changes\n%q, want\n%q", got, want)
	}

	// Russian: the same entry in Russian words.
	rb, _ := f.SignIn(t, "finance@x.test")
	_, page = rb.Do("GET", "/admin/audit?action=partner.recruiter", nil)
	if got := auditChangeList(t, page, "partner.recruiter"); len(got) != 1 || got[0] != "Пригласил: Alpha Media → Gamma" {
		t.Errorf("Russian changes %q", got)
	}
	if !strings.Contains(page, "Партнёр: Beta Corp") || !strings.Contains(page, "Подробности") {
		t.Errorf("the Russian page does not name the entity in Russian:\n%s", page)
	}
}

// The changes of one entry, without a database: an update lists only the
// fields that differ, nested ones by their own label; a rule created or
// deleted reads as the rule; money and ids read as staff see them.
func TestAuditChanges(t *testing.T) {
	v := auditReader{lc: "en", loc: time.UTC, names: map[string]map[int64]storage.AuditName{
		storage.AuditPlanVersion: {7: {Name: "Pro v2", PlanID: 3, Version: 2}}, storage.AuditPartnerType: {2: {Name: "Dealer"}}}}
	rule := func(percent string) json.RawMessage {
		return json.RawMessage(`{"ID":4,"Position":1,"Event":"sale","Level":1,"Products":null,"Kind":"percent","Percent":"` + percent +
			`","Flat":{"Amount":"0","Currency":""},"Payments":"all","DurationMonths":0,"Tiers":[]}`)
	}
	for _, tc := range []struct {
		name          string
		before, after string
		want          []string
	}{
		{"one key of several changed", `{"name":"key 01","prefix":"pk_ab","revoked":false}`, `{"name":"key 01","prefix":"pk_ab","revoked":true}`,
			[]string{"Revoked: no → yes"}},
		{"a rule's percent", string(rule("20")), string(rule("25")), []string{"Percent: 20 → 25"}},
		{"a rule created", "null", string(rule("20")), []string{"Rule: 20% of every payment"}},
		{"a rule deleted", string(rule("20")), "null", []string{"Rule: 20% of every payment →"}},
		{"ids by name", `{"plan_version_id":7,"partner_type_id":null}`, `{"plan_version_id":7,"partner_type_id":2}`,
			[]string{"Partner type: — → Dealer"}},
		{"a bonus booked", "null", `{"amount":"500","currency":"RUB","reason":"contest winner","entry":12}`,
			[]string{"Amount: ₽500.00", "Ledger entry: 12", "Reason: contest winner"}},
		{"a setting", `{"min_payout.RUB":"1000.00","four_eyes_payouts":false}`, `{"min_payout.RUB":"500.00","four_eyes_payouts":true}`,
			[]string{"Payouts need a second person: no → yes", "Minimum payout, RUB: 1000.00 → 500.00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, c := range v.changes(json.RawMessage(tc.before), json.RawMessage(tc.after)) {
				got = append(got, c.Label+": "+strings.TrimSpace(c.Old+map[bool]string{true: " → ", false: ""}[c.Old != ""]+c.New))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
