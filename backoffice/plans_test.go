package backoffice

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
	"partnerka/web/webtest"
)

// newPlansFixture is newFixture's program plus a published plan "Base"
// (20 % of every payment) that alpha and beta earn by and the referral
// partner type defaults to, on a server whose PreviewPlan is wired to the
// commissions package as cmd wires it. It returns the server too, to look
// at its cache of plan versions.
func newPlansFixture(t *testing.T) (*fixture, *Server) {
	t.Helper()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f := newSeededFixture(t, func(user webtest.UserFunc) storage.Seed {
		return storage.Seed{
			Plans: []storage.SeedPlan{{Name: "Base", Description: "Everyone starts here", Version: 1, Rules: []partnerka.Rule{
				{Event: "sale", Level: 1, Kind: "percent", Percent: decimal.NewFromInt(20), Payments: "all"}}}},
			PartnerTypes: []storage.SeedPartnerType{{Code: "referral", Name: "Referral", Plan: "Base"}},
			Partners: []storage.SeedPartner{
				{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: "active"}, Type: "referral",
					Plan: "Base", ContractStart: start, Users: []partnerka.User{user("alpha@x.test", "owner", "ru")}},
				{Partner: partnerka.Partner{Ref: "beta", Name: "Beta Corp", Kind: "company", Status: "active"}, Type: "referral",
					Plan: "Base", ContractStart: start, Users: []partnerka.User{user("beta@x.test", "owner", "en")}},
				{Partner: partnerka.Partner{Ref: "gamma", Name: "Gamma", Kind: "person", Status: "applied"},
					Users: []partnerka.User{user("gamma@x.test", "owner", "en")}},
			},
			Staff: webtest.Staff(user),
		}
	})
	return f, f.srv
}

// ruleValues is a valid rule form (20 % of every payment, lifetime) with
// some fields changed.
func ruleValues(kv ...string) url.Values {
	v := url.Values{"event": {"sale"}, "level": {"1"}, "kind": {"percent"}, "percent": {"20"},
		"payments": {"all"}, "duration": {"lifetime"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// createPlan creates a plan through the form and returns its page's path.
func createPlan(t *testing.T, b *webtest.Browser, token, name string) string {
	t.Helper()
	r, body := b.Post(token, "/admin/plans", url.Values{"name": {name}, "description": {"for " + name}})
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/plans/") {
		t.Fatalf("create plan %s: %d %s\n%s", name, r.StatusCode, loc, body)
	}
	return strings.TrimSuffix(loc, "?done=pl_plan_created")
}

func mustStatus(t *testing.T, what string, r *http.Response, body string, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s: %d, want %d\n%s", what, r.StatusCode, want, body)
	}
}

func auditCount(t *testing.T, db *storage.DB, action string) int {
	t.Helper()
	var n int
	if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM audit_log WHERE action = $1`, action); err != nil {
		t.Fatal(err)
	}
	return n
}

// A plan goes from nothing to a published version a contract uses; the
// published version then refuses every edit with a 409, and the database
// still holds what was published.
func TestAdminPlanLifecycle(t *testing.T) {
	f, s := newPlansFixture(t)
	ctx := context.Background()
	b, token := f.SignIn(t, "manager@x.test")

	_, page := b.Do("GET", "/admin/plans", nil)
	for _, want := range []string{"Base", "Everyone starts here", "Referral", "v1", "published"} {
		if !strings.Contains(page, want) {
			t.Errorf("plans list lacks %q", want)
		}
	}
	planURL := createPlan(t, b, token, "Dealer")
	planID, _ := strconv.ParseInt(strings.TrimPrefix(planURL, "/admin/plans/"), 10, 64)
	r, page := b.Post(token, "/admin/plans", url.Values{"name": {"Dealer"}, "description": {"again"}})
	mustStatus(t, "duplicate plan name", r, page, http.StatusUnprocessableEntity)
	if !strings.Contains(page, "Name: a plan with this name exists already.") || !strings.Contains(page, `value="Dealer"`) || !strings.Contains(page, ">again</textarea>") {
		t.Errorf("duplicate name page does not name the field or keep the input:\n%s", page)
	}

	r, page = b.Post(token, planURL+"/versions", url.Values{"notes": {"launch terms"}})
	mustStatus(t, "create version", r, page, http.StatusSeeOther)
	v1 := planURL + "/versions/1"
	if loc := r.Header.Get("Location"); loc != v1+"?done=pl_version_created" {
		t.Fatalf("new version at %q", loc)
	}
	r, page = b.Post(token, planURL+"/versions", nil)
	mustStatus(t, "a second draft", r, page, http.StatusConflict)
	if !strings.Contains(page, "version 1 is still a draft") {
		t.Errorf("second draft refused without saying why:\n%s", page)
	}

	// Rules: a tiered percent, a level-2 flat, then the level-2 one moved up,
	// the first edited, and a third added and deleted.
	r, page = b.Post(token, v1+"/rules", ruleValues("products", "crm, phone", "duration", "months", "months", "12",
		"tier_volume_0", "100000", "tier_currency_0", "rub", "tier_percent_0", "25",
		"tier_volume_2", "500000", "tier_currency_2", "RUB", "tier_percent_2", "30"))
	mustStatus(t, "add a tiered rule", r, page, http.StatusSeeOther)
	r, page = b.Post(token, v1+"/rules", ruleValues("level", "2", "kind", "flat", "percent", "", "flat_amount", "100",
		"flat_currency", "RUB", "payments", "recurring"))
	mustStatus(t, "add a level-2 rule", r, page, http.StatusSeeOther)
	r, page = b.Post(token, v1+"/rules", ruleValues("event", "lead", "kind", "flat", "flat_amount", "500", "flat_currency", "RUB"))
	mustStatus(t, "add a lead rule", r, page, http.StatusSeeOther)
	v, err := f.DB.PlanVersionByNumber(ctx, planID, 1)
	if err != nil || len(v.Rules) != 3 {
		t.Fatalf("version after adding rules: %+v %v", v, err)
	}
	tiered, level2, lead := v.Rules[0], v.Rules[1], v.Rules[2]
	if len(tiered.Tiers) != 2 || tiered.Tiers[0].MinVolume.String() != "100000.00 RUB" || !tiered.Tiers[1].Percent.Equal(decimal.NewFromInt(30)) ||
		tiered.DurationMonths != 12 || strings.Join(tiered.Products, "|") != "crm|phone" {
		t.Errorf("tiered rule saved as %+v", tiered)
	}
	if level2.Level != 2 || level2.Kind != "flat" || level2.Flat.String() != "100.00 RUB" || level2.Payments != "recurring" {
		t.Errorf("level-2 rule saved as %+v", level2)
	}

	r, page = b.Post(token, v1+"/rules/"+strconv.FormatInt(level2.ID, 10)+"/up", nil)
	mustStatus(t, "move up", r, page, http.StatusSeeOther)
	r, page = b.Post(token, v1+"/rules/"+strconv.FormatInt(tiered.ID, 10), ruleValues("percent", "22.5", "tier_volume_0", "100000",
		"tier_currency_0", "RUB", "tier_percent_0", "27"))
	mustStatus(t, "edit a rule", r, page, http.StatusSeeOther)
	del := v1 + "/rules/" + strconv.FormatInt(lead.ID, 10) + "/delete"
	r, page = b.Post(token, del, nil)
	mustStatus(t, "delete asks first", r, page, http.StatusOK)
	if !strings.Contains(page, "Delete rule 3 of Dealer v1") || !strings.Contains(page, `name="confirm" value="1"`) {
		t.Errorf("delete confirmation:\n%s", page)
	}
	r, page = b.Post(token, del, url.Values{"confirm": {"1"}})
	mustStatus(t, "delete", r, page, http.StatusSeeOther)

	v, _ = f.DB.PlanVersionByNumber(ctx, planID, 1)
	if len(v.Rules) != 2 || v.Rules[0].ID != level2.ID || v.Rules[1].ID != tiered.ID ||
		!v.Rules[1].Percent.Equal(decimal.RequireFromString("22.5")) || len(v.Rules[1].Tiers) != 1 ||
		v.Rules[1].DurationMonths != 0 || v.Rules[1].Products != nil {
		t.Fatalf("rules after move, edit and delete: %+v", v.Rules)
	}
	_, page = b.Do("GET", v1, nil)
	for _, want := range []string{"draft", "22.5% of every payment", "27% from ₽100,000.00 paid last month", "Level 2", "Publish", "Edit"} {
		if !strings.Contains(page, want) {
			t.Errorf("draft page lacks %q", want)
		}
	}

	// The server's cache of published versions is loaded before publishing
	// and must still find the new version after.
	if pv, err := s.PlanVersion(ctx, f.Seed.PlanVersions["Base"]); err != nil || pv == nil {
		t.Fatalf("cache: %v %v", pv, err)
	}
	r, page = b.Post(token, v1+"/publish", nil)
	mustStatus(t, "publish asks first", r, page, http.StatusOK)
	if !strings.Contains(page, "Publish Dealer v1 with 2 rule(s)?") {
		t.Errorf("publish confirmation:\n%s", page)
	}
	r, page = b.Post(token, v1+"/publish", url.Values{"confirm": {"1"}})
	mustStatus(t, "publish", r, page, http.StatusSeeOther)
	if pv, err := s.PlanVersion(ctx, v.ID); err != nil || pv == nil || len(pv.Rules) != 2 || pv.Plan != "Dealer" {
		t.Errorf("the published version is not found through the cache: %+v %v", pv, err)
	}

	_, page = b.Do("GET", v1, nil)
	if !strings.Contains(page, "published") || strings.Contains(page, "/rules/new") || strings.Contains(page, "/delete") ||
		strings.Contains(page, "/publish") || strings.Contains(page, ">Edit<") {
		t.Errorf("a published version offers edits:\n%s", page)
	}
	ruleURL := v1 + "/rules/" + strconv.FormatInt(tiered.ID, 10)
	for _, tc := range []struct {
		name, method, path string
		form               url.Values
	}{
		{"new rule form", "GET", v1 + "/rules/new", nil},
		{"edit rule form", "GET", ruleURL, nil},
		{"add a rule", "POST", v1 + "/rules", ruleValues()},
		{"change a rule", "POST", ruleURL, ruleValues("percent", "99")},
		{"delete a rule", "POST", ruleURL + "/delete", url.Values{"confirm": {"1"}}},
		{"move a rule", "POST", ruleURL + "/up", nil},
		{"publish again", "POST", v1 + "/publish", url.Values{"confirm": {"1"}}},
	} {
		t.Run("published: "+tc.name, func(t *testing.T) {
			var r *http.Response
			var page string
			if tc.method == "GET" {
				r, page = b.Do("GET", tc.path, nil)
			} else {
				r, page = b.Post(token, tc.path, tc.form)
			}
			if r.StatusCode != http.StatusConflict || !strings.Contains(page, "published and can never change") {
				t.Errorf("%d, want 409 saying why:\n%s", r.StatusCode, page)
			}
		})
	}
	after, _ := f.DB.PlanVersionByNumber(ctx, planID, 1)
	if len(after.Rules) != 2 || !after.Rules[1].Percent.Equal(decimal.RequireFromString("22.5")) {
		t.Errorf("the published version changed: %+v", after.Rules)
	}
	// The database refuses too, whatever the path.
	if _, err := f.DB.ExecContext(ctx, `UPDATE plan_rules SET percent = 99 WHERE id = $1`, tiered.ID); err == nil {
		t.Error("the database let a published rule change")
	}

	// A contract can use the published version, not a draft.
	alpha := f.Seed.Partners["alpha"]
	if _, err := f.DB.ExecContext(ctx, `UPDATE contracts SET ends_at = $2 WHERE partner_id = $1`, alpha, now); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO contracts (partner_id, plan_version_id, starts_at, created_at) VALUES ($1, $2, $3, $3)`,
		alpha, v.ID, now); err != nil {
		t.Fatalf("a contract on the published version: %v", err)
	}
	r, page = b.Post(token, planURL+"/versions", url.Values{"start": {"copy"}})
	mustStatus(t, "version 2 as a copy", r, page, http.StatusSeeOther)
	v2, err := f.DB.PlanVersionByNumber(ctx, planID, 2)
	if err != nil || v2.Status != storage.PlanDraft || len(v2.Rules) != 2 || len(v2.Rules[1].Tiers) != 1 || v2.Rules[0].Level != 2 {
		t.Fatalf("copied draft: %+v %v", v2, err)
	}
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO contracts (partner_id, plan_version_id, starts_at, created_at) VALUES ($1, $2, $3, $3)`,
		f.Seed.Partners["gamma"], v2.ID, now); err == nil {
		t.Error("a contract on a draft was accepted")
	}
	_, page = b.Do("GET", planURL, nil)
	for _, want := range []string{"v2", "v1", "launch terms", "Version 2 is a draft"} {
		if !strings.Contains(page, want) {
			t.Errorf("plan page lacks %q", want)
		}
	}
	if !strings.Contains(page, `data-label="Partners on it">1<`) {
		t.Errorf("plan page does not count alpha on v1:\n%s", page)
	}

	for action, want := range map[string]int{"plan.create": 1, "plan.version_create": 2, "plan.rule_create": 3,
		"plan.rule_update": 1, "plan.rule_delete": 1, "plan.rule_move": 1, "plan.publish": 1} {
		if got := auditCount(t, f.DB, action); got != want {
			t.Errorf("audit %s: %d records, want %d", action, got, want)
		}
	}
}

// Every mistake in the rule form is named and sent back with the input.
func TestAdminPlanRuleValidation(t *testing.T) {
	f, _ := newPlansFixture(t)
	b, token := f.SignIn(t, "manager@x.test")
	planURL := createPlan(t, b, token, "Checked")
	b.Post(token, planURL+"/versions", nil)
	v1 := planURL + "/versions/1"

	r, page := b.Post(token, v1+"/publish", url.Values{"confirm": {"1"}})
	if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Add at least one rule before publishing.") {
		t.Errorf("publishing an empty draft: %d\n%s", r.StatusCode, page)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string // the error
		kept string // input the page must keep
	}{
		{"percent zero", ruleValues("percent", "0"), "Percent: enter a number above 0 and at most 100", `value="0"`},
		{"percent above 100", ruleValues("percent", "100.5"), "Percent: enter a number above 0", `value="100.5"`},
		{"percent not a number", ruleValues("percent", "1e2"), "Percent: enter a number", `value="1e2"`},
		{"flat zero", ruleValues("kind", "flat", "flat_amount", "0", "flat_currency", "USD"), "Flat amount: enter an amount above 0", `value="USD"`},
		{"flat too many decimals", ruleValues("kind", "flat", "flat_amount", "1.234", "flat_currency", "USD"), "Flat amount:", `value="1.234"`},
		{"flat unknown currency", ruleValues("kind", "flat", "flat_amount", "10", "flat_currency", "XYZ"), "Currency: enter an ISO 4217 code", `value="XYZ"`},
		{"zero months", ruleValues("duration", "months", "months", "0"), "Months: enter a whole number of months, 1 or more", `value="0"`},
		{"tiers descending", ruleValues("tier_volume_0", "500000", "tier_currency_0", "RUB", "tier_percent_0", "30",
			"tier_volume_1", "100000", "tier_currency_1", "RUB", "tier_percent_1", "25"), "Tier 2: tiers go in ascending order", `value="100000"`},
		{"tiers in two currencies", ruleValues("tier_volume_0", "100", "tier_currency_0", "RUB", "tier_percent_0", "30",
			"tier_volume_1", "200", "tier_currency_1", "USD", "tier_percent_1", "35"), "Tier 2: all tiers of a rule count volume in one currency", `value="USD"`},
		{"tier without percent", ruleValues("tier_volume_0", "100", "tier_currency_0", "RUB"), "Tier 1: enter a percent", `value="100"`},
		{"tier percent above 100", ruleValues("tier_volume_0", "100", "tier_currency_0", "RUB", "tier_percent_0", "120"), "Tier 1: enter a percent", `value="120"`},
		{"flat with tiers", ruleValues("kind", "flat", "flat_amount", "10", "flat_currency", "RUB",
			"tier_volume_0", "100", "tier_currency_0", "RUB", "tier_percent_0", "30"), "Tiers: tiers raise a percent", `value="10"`},
		{"lead paying a percent", ruleValues("event", "lead"), "Kind: a new-customer rule pays a flat amount", `value="20"`},
		{"lead for a product", ruleValues("event", "lead", "kind", "flat", "flat_amount", "10", "flat_currency", "RUB", "products", "crm"),
			"Products: a new-customer rule pays for the customer", `value="crm"`},
		{"unknown event", ruleValues("event", "refund"), "Event: choose sale or new customer.", `value="20"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, page := b.Post(token, v1+"/rules", tc.form)
			if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) || !strings.Contains(page, tc.kept) {
				t.Errorf("%d, want 422 with %q keeping %s:\n%s", r.StatusCode, tc.want, tc.kept, page)
			}
		})
	}
	var n int
	if err := f.DB.GetContext(context.Background(), &n, `SELECT count(*) FROM plan_rules r JOIN plan_versions v ON v.id = r.plan_version_id
		JOIN plans p ON p.id = v.plan_id WHERE p.name = 'Checked'`); err != nil || n != 0 {
		t.Errorf("invalid forms saved %d rules (%v)", n, err)
	}

	// Russian: the same mistake named in Russian.
	rb := f.Browser(t)
	rb.Login("finance@x.test", pw) // finance reads Russian but may not edit
	_, ov := rb.Do("GET", "/admin", nil)
	if r, _ := rb.Post(rb.CSRF(ov), v1+"/rules", ruleValues("percent", "0")); r.StatusCode != http.StatusForbidden {
		t.Errorf("finance adding a rule: %d, want 403", r.StatusCode)
	}
	_, page = rb.Do("GET", v1, nil)
	if !strings.Contains(page, "черновик") || strings.Contains(page, "/rules/new") {
		t.Errorf("finance sees a draft's edit links, or the page is not in Russian:\n%s", page)
	}
}

// The preview replays last month's payments through a version: under the
// partner's own version it equals what they earned; under another, the
// difference is exact.
func TestAdminPlanPreview(t *testing.T) {
	f, _ := newPlansFixture(t)
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	// now is 2026-11-23: last month is October. c1 was bound in September
	// and paid then (200 RUB: the volume October's tiers look at), and twice
	// in October; one payment in November is outside the period.
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
		VALUES ('c1', $1, 'partner_ref', 'attributed', '2026-09-15T10:00:00Z', '2026-09-15T10:00:00Z', $2)`, alpha, now); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		id, amount string
		at         time.Time
	}{
		{"p1", "200.00", time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)},
		{"p2", "1000.00", time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)},
		{"p3", "1500.00", time.Date(2026, 10, 31, 23, 59, 59, 0, time.UTC)},
		{"p4", "9000.00", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
	} {
		pu := &partnerka.Purchase{ExternalID: p.id, CustomerID: "c1", OccurredAt: p.at,
			Amount: partnerka.Money{Amount: decimal.RequireFromString(p.amount), Currency: "RUB"}}
		if _, _, err := f.DB.CreatePurchase(ctx, pu, []byte(p.id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := (&commissions.PurchaseStep{DB: f.DB}).Run(ctx); err != nil {
		t.Fatal(err)
	}

	b, token := f.SignIn(t, "manager@x.test")
	planURL := createPlan(t, b, token, "Pro")
	b.Post(token, planURL+"/versions", nil)
	draft := planURL + "/versions/1"
	// 30 % of the first payment; 10 % of later ones, 15 % from 100 RUB paid
	// the month before.
	b.Post(token, draft+"/rules", ruleValues("percent", "30", "payments", "first"))
	r, page := b.Post(token, draft+"/rules", ruleValues("percent", "10", "payments", "recurring",
		"tier_volume_0", "100", "tier_currency_0", "RUB", "tier_percent_0", "15"))
	mustStatus(t, "tiered rule", r, page, http.StatusSeeOther)

	var basePlan int64
	if err := f.DB.GetContext(ctx, &basePlan, `SELECT id FROM plans WHERE name = 'Base'`); err != nil {
		t.Fatal(err)
	}
	base := "/admin/plans/" + strconv.FormatInt(basePlan, 10) + "/versions/1"
	who := "?partner=" + strconv.FormatInt(alpha, 10)
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		// Alpha earned 20 % of 1,000 + 1,500 = 500.00 under Base v1.
		{"the partner's own version", base + "/preview" + who, []string{"Alpha Media under Base v1", "Oct 1, 2026 – Oct 31, 2026 (UTC)",
			`data-label="Paid by their customers">₽2,500.00<`, `data-label="Actually earned" class="num">₽500.00<`,
			`data-label="Under this version" class="num">₽500.00<`, `class="num diff ">₽0.00<`}},
		// Pro: both October payments are recurring, at the 15 % tier (200 RUB
		// in September): 150.00 + 225.00 = 375.00, 125.00 less.
		{"a draft of another plan", draft + "/preview" + who, []string{"Alpha Media under Pro v1",
			`data-label="Under this version" class="num">₽375.00<`, `class="num diff down">−₽125.00<`,
			"15% of 1500.00 RUB, recurring payment month 2, tier from 100.00 RUB paid in 2026-09, plan Pro v1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, page := b.Do("GET", tc.path, nil)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%d\n%s", r.StatusCode, page)
			}
			for _, w := range tc.want {
				if !strings.Contains(page, w) {
					t.Errorf("preview lacks %q:\n%s", w, page)
				}
			}
			if strings.Contains(page, "9,000.00") {
				t.Error("a November payment is in October's preview")
			}
		})
	}
	for _, bad := range []string{"", "?partner=abc", "?partner=" + strconv.FormatInt(f.Seed.Partners["gamma"], 10)} {
		r, page := b.Do("GET", draft+"/preview"+bad, nil)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Partner: choose an active partner") {
			t.Errorf("preview%s: %d, want 422 naming the partner field", bad, r.StatusCode)
		}
	}
	// Finance may read a preview.
	fb, _ := f.SignIn(t, "finance@x.test")
	if r, page := fb.Do("GET", base+"/preview"+who, nil); r.StatusCode != http.StatusOK || !strings.Contains(page, "500,00\u00a0₽") {
		t.Errorf("finance preview: %d", r.StatusCode)
	}
}

// Finding 6: the summary said alpha actually earned more than the rows
// showed (the rows' payments plus a commission on a customer since
// reassigned to beta), so a version raising a rate read as a loss. Now
// each total is the sum of the rows, per currency; what no row replays is
// named apart; and ?differ=1 lists only the rows that differ.
func TestAdminPlanPreviewAddsUp(t *testing.T) {
	f, _ := newPlansFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	customer := map[string]int64{}
	for _, id := range []string{"c1", "c2"} {
		var cid int64
		if err := f.DB.GetContext(ctx, &cid, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
			VALUES ($1, $2, 'partner_ref', 'attributed', '2026-09-15T10:00:00Z', '2026-09-15T10:00:00Z', $3) RETURNING id`, id, alpha, now); err != nil {
			t.Fatal(err)
		}
		customer[id] = cid
	}
	// October under Base (20 %): c1 pays 1,000 (its first payment) and
	// 1,500 RUB and 100 USD; c2 pays 3,675 RUB (735.00 to alpha).
	for _, p := range []struct {
		id, customer, amount, currency string
		day                            int
	}{{"p1", "c1", "1000.00", "RUB", 5}, {"p2", "c2", "3675.00", "RUB", 10}, {"p3", "c1", "1500.00", "RUB", 20}, {"p4", "c1", "100.00", "USD", 25}} {
		pu := &partnerka.Purchase{ExternalID: p.id, CustomerID: p.customer, OccurredAt: time.Date(2026, 10, p.day, 12, 0, 0, 0, time.UTC),
			Amount: partnerka.Money{Amount: decimal.RequireFromString(p.amount), Currency: p.currency}}
		if _, _, err := f.DB.CreatePurchase(ctx, pu, []byte(p.id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := (&commissions.PurchaseStep{DB: f.DB}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	// c2 moves to beta from November on: October's 735.00 stays alpha's.
	if err := f.DB.ReassignCustomer(ctx, customer["c2"], beta, "moved", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		storage.Actor{Name: "test"}); err != nil {
		t.Fatal(err)
	}

	b, token := f.SignIn(t, "manager@x.test")
	planURL := createPlan(t, b, token, "Raise")
	b.Post(token, planURL+"/versions", nil)
	draft := planURL + "/versions/1"
	// 30 % of the first payment (Base pays 20 %), 20 % of later ones.
	b.Post(token, draft+"/rules", ruleValues("percent", "30", "payments", "first"))
	r, page := b.Post(token, draft+"/rules", ruleValues("percent", "20", "payments", "recurring"))
	mustStatus(t, "recurring rule", r, page, http.StatusSeeOther)
	preview := draft + "/preview?partner=" + strconv.FormatInt(alpha, 10)

	r, page = b.Do("GET", preview, nil)
	mustStatus(t, "preview", r, page, http.StatusOK)
	rows := previewDiffs(t, page, "preview-items")
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: %v\n%s", len(rows), rows, page)
	}
	// RUB: 200.00 + 300.00 earned, 300.00 + 300.00 under the draft.
	for _, w := range []string{`data-label="Actually earned" class="num">₽500.00<`, `data-label="Under this version" class="num">₽600.00<`,
		`class="num diff up">&#43;₽100.00<`, `data-label="Actually earned" class="num">$20.00<`, `class="num diff ">$0.00<`,
		"₽735.00 (commissions: 1)"} {
		if !strings.Contains(page, w) {
			t.Errorf("preview lacks %q:\n%s", w, page)
		}
	}
	sums := map[string]decimal.Decimal{}
	for _, d := range rows {
		for _, m := range d {
			sums[m.Currency] = sums[m.Currency].Add(m.Amount)
		}
	}
	lines := previewDiffs(t, page, "preview-lines")
	for _, l := range lines {
		for _, m := range l {
			if !sums[m.Currency].Equal(m.Amount) {
				t.Errorf("%s: the summary's difference is %s, the rows' %s", m.Currency, m.Amount, sums[m.Currency])
			}
		}
	}
	if len(lines) != 2 || !lines[0][0].Amount.Equal(decimal.NewFromInt(100)) || lines[0][0].Currency != "RUB" {
		t.Errorf("summary differences %v, want +100.00 RUB and 0.00 USD", lines)
	}

	t.Run("only rows that differ", func(t *testing.T) {
		r, page := b.Do("GET", preview+"&differ=1", nil)
		mustStatus(t, "filtered preview", r, page, http.StatusOK)
		rows := previewDiffs(t, page, "preview-items")
		if len(rows) != 1 || len(rows[0]) != 1 || !rows[0][0].Amount.Equal(decimal.NewFromInt(100)) {
			t.Errorf("rows %v, want the first payment's +100.00 alone", rows)
		}
		for _, w := range []string{"Rows listed: 1 of 3; the totals above count every row.", `class="num diff up">&#43;₽100.00<`,
			`name="differ" value="1" checked`} {
			if !strings.Contains(page, w) {
				t.Errorf("filtered preview lacks %q:\n%s", w, page)
			}
		}
		var basePlan int64
		if err := f.DB.GetContext(ctx, &basePlan, `SELECT id FROM plans WHERE name = 'Base'`); err != nil {
			t.Fatal(err)
		}
		own := "/admin/plans/" + strconv.FormatInt(basePlan, 10) + "/versions/1/preview?differ=1&partner=" + strconv.FormatInt(alpha, 10)
		r, page = b.Do("GET", own, nil)
		mustStatus(t, "own version, filtered", r, page, http.StatusOK)
		if len(previewDiffs(t, page, "preview-items")) != 0 || !strings.Contains(page, "No row differs") {
			t.Errorf("under the partner's own version a row differs:\n%s", page)
		}
	})
}

// previewDiffs reads the Difference cells of a preview table (class
// preview-items or preview-lines) of an English page: per row, its
// amounts.
func previewDiffs(t *testing.T, page, table string) [][]partnerka.Money {
	t.Helper()
	i := strings.Index(page, `class="stack `+table+`"`)
	if i < 0 {
		return nil
	}
	body := page[i:]
	body = body[:strings.Index(body, "</table>")]
	var out [][]partnerka.Money
	for _, cell := range strings.Split(body, `class="num diff `)[1:] {
		text := html.UnescapeString(cell[strings.Index(cell, ">")+1 : strings.Index(cell, "<")])
		var row []partnerka.Money
		for _, part := range strings.Split(text, ", ") {
			if part == "—" {
				continue
			}
			sign := ""
			if strings.HasPrefix(part, "−") {
				sign = "-"
			}
			part = strings.NewReplacer("+", "", "−", "", ",", "").Replace(part)
			currency := map[string]string{"₽": "RUB", "$": "USD", "€": "EUR"}[part[:strings.IndexAny(part, "0123456789")]]
			amount, err := decimal.NewFromString(sign + part[strings.IndexAny(part, "0123456789"):])
			if err != nil || currency == "" {
				t.Fatalf("difference %q: %v", text, err)
			}
			row = append(row, partnerka.Money{Amount: amount, Currency: currency})
		}
		out = append(out, row)
	}
	return out
}

// Finding 11: the rule form showed every field at once. The server still
// renders them all (the page works without JavaScript), marking each part
// with the event, kind or duration it applies to for app.js to hide the
// rest; what the script hides it does not send, and the form accepts a
// new-customer rule without the payment fields it hides.
func TestAdminPlanRuleFormParts(t *testing.T) {
	f, _ := newPlansFixture(t)
	b, token := f.SignIn(t, "manager@x.test")
	planURL := createPlan(t, b, token, "Parts")
	b.Post(token, planURL+"/versions", nil)
	v1 := planURL + "/versions/1"
	r, page := b.Do("GET", v1+"/rules/new", nil)
	mustStatus(t, "rule form", r, page, http.StatusOK)
	for _, w := range []string{`data-rule-form`, `<div data-when-event="sale">`, `<div data-when-kind="percent">`, `<div data-when-kind="flat">`,
		`<fieldset data-when-event="sale">`, `<div data-when-duration="months">`, `<fieldset data-when-event="sale" data-when-kind="percent">`,
		`id="percent"`, `id="flat_amount"`, `id="months"`, `id="tier_volume_0"`} {
		if !strings.Contains(page, w) {
			t.Errorf("rule form lacks %s", w)
		}
	}
	if form := page[strings.Index(page, "<form method=\"post\" action=\""+v1+"/rules\""):]; strings.Contains(form[:strings.Index(form, "</form>")], " hidden") {
		t.Error("the server hides a part of the rule form: without JavaScript it could not be filled in")
	}
	lead := url.Values{"event": {"lead"}, "level": {"1"}, "kind": {"flat"}, "flat_amount": {"500"}, "flat_currency": {"RUB"}}
	r, page = b.Post(token, v1+"/rules", lead)
	mustStatus(t, "a new-customer rule without payment fields", r, page, http.StatusSeeOther)
	_, page = b.Do("GET", v1, nil)
	if !strings.Contains(page, "₽500.00 for each new customer") {
		t.Errorf("the lead rule is not listed:\n%s", page)
	}
}
