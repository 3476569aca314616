package backoffice

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"partnerka"
	"partnerka/storage"
)

// settingsPost is a valid settings form; cases change one field of it.
func settingsPost(token string) url.Values {
	return url.Values{"_csrf": {token}, "name": {"Acme partners"}, "attribution_window_days": {"60"},
		"attribution_model": {"first_click"}, "hold_days": {"14"}, "registration_protection_days": {"45"},
		"allowed_domains": {"Example.com\r\n\r\nshop.example.org\r\nexample.com"}, "default_landing_url": {"https://shop.example.org/welcome"},
		"cookie_name": {"acme_ref"}, "click_param": {"acme_click"}, "terms": {"Be nice.\r\nPay on time."},
		"min_currency": {"rub", "USD", ""}, "min_amount": {"1 000,50", "50", ""}}
}

// auditEntries returns the audit records of an action, oldest first.
func auditEntries(t *testing.T, f *fixture, action string) []storage.AuditRecord {
	t.Helper()
	recs, _, err := f.DB.AuditLog(context.Background(), storage.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs
}

func TestSettingsValidation(t *testing.T) {
	f := newFixture(t)
	b, token := f.SignIn(t, "admin@x.test")
	before, err := f.DB.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		field, value string
		want         string
	}{
		{"name", "  ", "Program name: 1 to 200 characters."},
		{"name", strings.Repeat("n", 201), "Program name: 1 to 200 characters."},
		{"attribution_window_days", "0", "Attribution window: a whole number of days from 1 to 3650."},
		{"attribution_window_days", "ninety", "Attribution window: a whole number of days from 1 to 3650."},
		{"attribution_window_days", "3651", "Attribution window: a whole number of days from 1 to 3650."},
		{"attribution_model", "middle_click", "Attribution: choose the first or the last click."},
		{"hold_days", "-1", "Hold: a whole number of days from 0 to 3650."},
		{"hold_days", "", "Hold: a whole number of days from 0 to 3650."},
		{"registration_protection_days", "0", "Lead registration protection: a whole number of days from 1 to 3650."},
		{"allowed_domains", "\n \n", "Allowed domains: list at least one"},
		{"allowed_domains", "example.com\nhttps://shop.example.org", `&#34;https://shop.example.org&#34; is not a host name`},
		{"allowed_domains", "example.com:8080", `&#34;example.com:8080&#34; is not a host name`},
		{"allowed_domains", "*.example.com", `&#34;*.example.com&#34; is not a host name`},
		{"allowed_domains", "192.168.0.1", `&#34;192.168.0.1&#34; is not a host name`},
		{"allowed_domains", "-bad.example.com", `&#34;-bad.example.com&#34; is not a host name`},
		{"default_landing_url", "https://evil.test/", "Default landing page: an http(s) address on one of the allowed domains."},
		{"default_landing_url", "ftp://example.com/", "Default landing page: an http(s) address on one of the allowed domains."},
		{"default_landing_url", "https://user@example.com/", "Default landing page: an http(s) address on one of the allowed domains."},
		{"default_landing_url", "example.com", "Default landing page: an http(s) address on one of the allowed domains."},
		{"default_landing_url", "https://notexample.com/", "Default landing page: an http(s) address on one of the allowed domains."},
		{"cookie_name", "my cookie", "Cookie name: 1 to 64 letters, digits, - or _."},
		{"click_param", "", "Click ID parameter: 1 to 64 letters, digits, - or _."},
		{"terms", strings.Repeat("t", 100001), "Program terms: at most 100,000 characters."},
	} {
		t.Run(tc.field+" "+tc.value[:min(len(tc.value), 20)], func(t *testing.T) {
			form := settingsPost(token)
			form.Set(tc.field, tc.value)
			resp, page := b.Do("POST", "/admin/settings", form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
				t.Fatalf("got %d, want 422 with %q:\n%s", resp.StatusCode, tc.want, page)
			}
			if !strings.Contains(page, `id="`+tc.field+`"`) || !regexp.MustCompile(`id="`+tc.field+`"[^>]*aria-invalid="true"`).MatchString(page) {
				t.Errorf("the field %s is not marked invalid", tc.field)
			}
			if tc.field != "terms" && !strings.Contains(page, "Be nice.\nPay on time.") {
				t.Error("the form lost the terms typed")
			}
			if tc.field != "name" && !strings.Contains(page, `value="Acme partners"`) {
				t.Error("the form lost the name typed")
			}
		})
	}
	for _, tc := range []struct {
		name       string
		currencies []string
		amounts    []string
		want       string
	}{
		{"unknown currency", []string{"XYZ"}, []string{"10"}, "Minimum payout: &#34;XYZ&#34; is not an ISO 4217 currency code"},
		{"twice", []string{"RUB", "rub"}, []string{"10", "20"}, "Minimum payout: RUB is listed twice."},
		{"not an amount", []string{"RUB"}, []string{"ten"}, "Minimum payout RUB: &#34;ten&#34; is not an amount"},
		{"negative", []string{"RUB"}, []string{"-5"}, "Minimum payout RUB: &#34;-5&#34; is not an amount"},
		{"too many digits", []string{"JPY"}, []string{"100.5"}, "Minimum payout JPY: &#34;100.5&#34; is not an amount"},
		{"amount without currency", []string{""}, []string{"100"}, "Minimum payout: &#34;&#34; is not an ISO 4217 currency code"},
	} {
		t.Run("min payouts "+tc.name, func(t *testing.T) {
			form := settingsPost(token)
			form["min_currency"], form["min_amount"] = tc.currencies, tc.amounts
			resp, page := b.Do("POST", "/admin/settings", form)
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
				t.Fatalf("got %d, want 422 with %q:\n%s", resp.StatusCode, tc.want, page)
			}
			if !strings.Contains(page, `id="min-payouts" aria-invalid="true"`) || !strings.Contains(page, `value="`+tc.amounts[0]+`"`) {
				t.Error("the minimum payouts lost their input or their mark")
			}
		})
	}
	after, err := f.DB.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !after.UpdatedAt.Equal(before.UpdatedAt) || len(auditEntries(t, f, "settings.")) != 0 {
		t.Error("a refused form changed the settings or wrote an audit record")
	}
	// Russian for a Russian-speaking admin.
	ru := f.Browser(t)
	ru.Login("admin@x.test", pw)
	_, page := ru.Do("GET", "/admin/settings", nil)
	ru.Do("POST", "/language", url.Values{"_csrf": {ru.CSRF(page)}, "locale": {"ru"}, "back": {"/admin/settings"}})
	_, page = ru.Do("GET", "/admin/settings", nil)
	form := settingsPost(ru.CSRF(page))
	form.Set("hold_days", "x")
	if resp, page := ru.Do("POST", "/admin/settings", form); resp.StatusCode != 422 || !strings.Contains(page, "Холд: целое число дней от 0 до 3650.") {
		t.Errorf("Russian error: %d", resp.StatusCode)
	}
}

func TestSettingsSave(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, token := f.SignIn(t, "admin@x.test")
	resp, _ := b.Do("POST", "/admin/settings", settingsPost(token))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/settings?done=set_saved" {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	st, err := f.DB.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s|%d|%s|%d|%d|%v|%s|%s|%s|%q|%s|%s|%v", st.Name, st.AttributionWindowDays, st.AttributionModel, st.HoldDays,
		st.RegistrationProtectionDays, st.AllowedDomains, st.DefaultLandingURL, st.CookieName, st.ClickParam, st.Terms,
		st.DefaultCurrency, st.CookieDomain, st.AllowSelfReferral)
	want := `Acme partners|60|first_click|14|45|[example.com shop.example.org]|https://shop.example.org/welcome|acme_ref|acme_click|"Be nice.\nPay on time."|USD||false`
	if got != want {
		t.Errorf("saved settings\n%s, want\n%s", got, want)
	}
	mins, err := f.DB.MinPayouts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(mins) != "[1000.50 RUB 50.00 USD]" {
		t.Errorf("minimum payouts %v", mins)
	}
	_, page := b.Do("GET", "/admin/settings?done=set_saved", nil)
	for _, want := range []string{"Settings saved.", `value="Acme partners"`, "example.com\nshop.example.org</textarea>",
		`value="RUB"`, `value="1000.50"`, `value="USD"`, `value="50.00"`, `value="first_click" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	recs := auditEntries(t, f, "settings.update")
	if len(recs) != 1 || recs[0].Entity != "settings" || recs[0].ActorID == nil || *recs[0].ActorID != f.Seed.Users["admin@x.test"] {
		t.Fatalf("audit records %+v, want one by the admin", recs)
	}
	var beforeMap, afterMap map[string]any
	json.Unmarshal(recs[0].Before, &beforeMap)
	json.Unmarshal(recs[0].After, &afterMap)
	for key, want := range map[string][2]any{
		"name": {"Partner program", "Acme partners"}, "hold_days": {30.0, 14.0}, "attribution_model": {"last_click", "first_click"},
		"min_payout.RUB": {nil, "1000.50"}, "min_payout.USD": {nil, "50.00"},
	} {
		if fmt.Sprint(beforeMap[key], afterMap[key]) != fmt.Sprint(want[0], want[1]) {
			t.Errorf("audit %s: %v → %v, want %v → %v", key, beforeMap[key], afterMap[key], want[0], want[1])
		}
	}
	if _, ok := afterMap["default_currency"]; ok {
		t.Error("the audit record holds a setting that did not change")
	}

	// Change a minimum, remove another, add a third: one more record with exactly that.
	form := settingsPost(token)
	form["min_currency"], form["min_amount"], form["min_remove"] = []string{"RUB", "USD", "EUR"}, []string{"2000", "50.00", "30"}, []string{"1"}
	if resp, _ := b.Do("POST", "/admin/settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second save: %d", resp.StatusCode)
	}
	if mins, _ := f.DB.MinPayouts(ctx); fmt.Sprint(mins) != "[30.00 EUR 2000.00 RUB]" {
		t.Errorf("minimum payouts after the change %v", mins)
	}
	recs = auditEntries(t, f, "settings.update")
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	if got := string(recs[1].Before) + " " + string(recs[1].After); got !=
		`{"min_payout.EUR": null, "min_payout.RUB": "1000.50", "min_payout.USD": "50.00"} {"min_payout.EUR": "30.00", "min_payout.RUB": "2000.00", "min_payout.USD": null}` {
		t.Errorf("second record %s", got)
	}
	_, page = b.Do("GET", "/admin/audit?entity=settings", nil)
	for _, want := range []string{"<del>1000.50</del> → <ins>2000.00</ins>", "<del>50.00</del> → <ins>—</ins>", "<del>—</del> → <ins>30.00</ins>",
		"<del>Partner program</del> → <ins>Acme partners</ins>", "<del>30</del> → <ins>14</ins>"} {
		if !strings.Contains(page, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}

	// Saving the same again changes nothing and writes nothing.
	resp, _ = b.Do("POST", "/admin/settings", form)
	if resp.Header.Get("Location") != "/admin/settings?done=set_unchanged" || len(auditEntries(t, f, "settings.update")) != 2 {
		t.Errorf("an unchanged save: %s, %d records", resp.Header.Get("Location"), len(auditEntries(t, f, "settings.update")))
	}
}

func TestAPIKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, token := f.SignIn(t, "admin@x.test")
	_, page := b.Do("GET", "/admin/settings", nil)
	if !strings.Contains(page, "No API keys yet.") || !strings.Contains(page, "Revocation takes effect within 30 seconds") {
		t.Errorf("settings page without keys:\n%s", page)
	}
	resp, page := b.Do("POST", "/admin/settings/api-keys", url.Values{"_csrf": {token}, "name": {"  "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Key name: 1 to 100 characters.") {
		t.Errorf("a key without a name: %d", resp.StatusCode)
	}

	resp, page = b.Do("POST", "/admin/settings/api-keys", url.Values{"_csrf": {token}, "name": {"billing"}})
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	key := regexp.MustCompile(`<code id="api-key">(pk_[0-9a-f]{48})</code>`).FindStringSubmatch(page)
	if key == nil || !strings.Contains(page, "shown only this once") {
		t.Fatalf("the key is not shown:\n%s", page)
	}
	hash := sha256.Sum256([]byte(key[1]))
	k, err := f.DB.APIKeyByHash(ctx, hash[:])
	if err != nil || k.Name != "billing" {
		t.Fatalf("the new key does not authenticate: %v %+v", err, k)
	}
	_, page = b.Do("GET", "/admin/settings", nil)
	if strings.Contains(page, key[1]) || !strings.Contains(page, "<code>"+key[1][:7]+"…</code>") || !strings.Contains(page, "billing") {
		t.Error("the list shows the whole key, or not its prefix and name")
	}
	if recs := auditEntries(t, f, "api_key.create"); len(recs) != 1 || recs[0].EntityID != fmt.Sprint(k.ID) ||
		strings.Contains(string(recs[0].After), key[1]) {
		t.Errorf("audit of the new key: %+v", recs)
	}

	revoke := fmt.Sprintf("/admin/settings/api-keys/%d/revoke", k.ID)
	resp, page = b.Do("GET", revoke, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Revoke the key billing ("+key[1][:7]+"…)?") || !strings.Contains(page, "within 30 seconds") {
		t.Errorf("confirmation: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = b.Do("POST", revoke, url.Values{"_csrf": {token}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/settings?done=set_key_revoked#api-keys" {
		t.Fatalf("revoke: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := f.DB.APIKeyByHash(ctx, hash[:]); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Errorf("a revoked key still authenticates: %v", err)
	}
	_, page = b.Do("GET", "/admin/settings?done=set_key_revoked", nil)
	if !strings.Contains(page, "The key is revoked; trackers refuse it within 30 seconds.") || !strings.Contains(page, "revoked Nov 23, 2026") {
		t.Error("the settings page does not show the key revoked")
	}
	recs := auditEntries(t, f, "api_key.revoke")
	if len(recs) != 1 || recs[0].EntityID != fmt.Sprint(k.ID) || !strings.Contains(string(recs[0].After), `"revoked": true`) {
		t.Errorf("audit of the revocation: %+v", recs)
	}
	resp, _ = b.Do("POST", revoke, url.Values{"_csrf": {token}})
	if resp.Header.Get("Location") != "/admin/settings?done=set_key_was_revoked#api-keys" || len(auditEntries(t, f, "api_key.revoke")) != 1 {
		t.Errorf("revoking twice: %s", resp.Header.Get("Location"))
	}
	for _, path := range []string{"/admin/settings/api-keys/999999/revoke", "/admin/settings/api-keys/x/revoke"} {
		if resp, _ := b.Do("POST", path, url.Values{"_csrf": {token}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", path, resp.StatusCode)
		}
		if resp, _ := b.Do("GET", path, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}

// Issue 18: the cookie domain was settable only in SQL. It must cover the
// tracker's host, is not a public suffix, and takes no value when the
// tracker is reached by an address; a save tells the trackers to reload.
func TestCookieDomainSetting(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	announced := f.Announcements(t)
	b, token := f.SignIn(t, "admin@x.test")
	for _, tc := range []struct {
		tracker, domain, want string
	}{
		{"https://go.vendor.com", "evil.com", "it must be the tracker&#39;s host go.vendor.com or a domain it belongs to"},
		{"https://go.vendor.com", "com", "Cookie domain: leave it empty, or a domain such as example.com"},
		{"https://go.vendor.com", "https://vendor.com", "Cookie domain: leave it empty, or a domain such as example.com"},
		{"https://go.vendor.co.uk", "co.uk", "co.uk is a public suffix"},
		{"http://127.0.0.1:8080", "vendor.com", "the tracker is reached at 127.0.0.1, an address that takes no cookie domain"},
	} {
		f.Site.TrackerURL = tc.tracker
		form := settingsPost(token)
		form.Set("cookie_domain", tc.domain)
		resp, page := b.Do("POST", "/admin/settings", form)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) ||
			!regexp.MustCompile(`id="cookie_domain"[^>]*aria-invalid="true"`).MatchString(page) {
			t.Errorf("%s on %s: %d, want 422 with %q", tc.domain, tc.tracker, resp.StatusCode, tc.want)
		}
	}
	if got := announced(0); len(got) != 0 {
		t.Errorf("refused saves announced %v", got)
	}
	f.Site.TrackerURL = "https://go.vendor.com"
	form := settingsPost(token)
	form.Set("cookie_domain", ".Vendor.com")
	form.Set("allow_code_requests", "on")
	if resp, _ := b.Do("POST", "/admin/settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	st, _ := f.DB.Settings(ctx)
	if st.CookieDomain != "vendor.com" || !st.AllowCodeRequests {
		t.Errorf("saved cookie domain %q, code requests %v", st.CookieDomain, st.AllowCodeRequests)
	}
	if got := announced(1); len(got) != 1 || got[0] != storage.ReloadAll {
		t.Errorf("announced %v, want a reload", got)
	}
	_, page := b.Do("GET", "/admin/settings", nil)
	if !strings.Contains(page, `value="vendor.com"`) || !strings.Contains(page, `name="allow_code_requests" value="on" checked`) {
		t.Errorf("the form after saving:\n%s", page)
	}
	recs := auditEntries(t, f, "settings.update")
	var after map[string]any
	json.Unmarshal(recs[len(recs)-1].After, &after)
	if after["cookie_domain"] != "vendor.com" || after["allow_code_requests"] != true {
		t.Errorf("audited %v", after)
	}
	// The tracker's own host is a cookie domain too.
	form.Set("cookie_domain", "go.vendor.com")
	if resp, _ := b.Do("POST", "/admin/settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the tracker's host as the cookie domain: %d", resp.StatusCode)
	}
}

// fraudPost is settingsPost with the fraud rules section: the rules named
// in on ticked, the thresholds as given.
func fraudPost(token string, on []string, thresholds map[string]string) url.Values {
	form := settingsPost(token)
	form.Set("fraud", "shown")
	for _, r := range on {
		form.Set("fraud."+r, "on")
	}
	for k, v := range thresholds {
		form.Set("fraud."+k, v)
	}
	return form
}

// Issue 22: the settings form switches each fraud rule and sets its
// thresholds; a threshold out of range for a rule that is on is refused on
// its field, in the admin's language, and saves nothing; the audit log
// names what changed as the form does.
func TestFraudRulesSettings(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, token := f.SignIn(t, "admin@x.test")
	stored := func() partnerka.FraudRules {
		t.Helper()
		st, err := f.DB.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Fraud
	}

	_, page := b.Do("GET", "/admin/settings", nil)
	for _, want := range []string{`<h2 id="fraud-rules">Fraud rules</h2>`, `<input type="hidden" name="fraud" value="shown">`,
		`<legend>Click spam</legend>`, `id="fraud.click_spam" name="fraud.click_spam" value="on" checked> Check this rule`,
		`id="fraud.fast_lead" name="fraud.fast_lead" value="on"> Check this rule`,
		`<label for="fraud.click_spam_clicks">Threshold, clicks per 10 minutes from one network</label>`,
		`name="fraud.click_spam_clicks" type="number"`, `value="200"`, `<label for="fraud.fast_lead_seconds">Threshold, seconds from the click to the sign-up</label>`,
		`<label for="fraud.cookie_stuffing_percent">Threshold, % of customers from clicks no person saw</label>`,
		`<label for="fraud.refund_factor">Threshold, times the program&#39;s refunded share</label>`,
		`<label for="fraud.refund_min_purchases">Minimum, purchases in 90 days</label>`,
		`<label for="fraud.spike_min_leads">Minimum, new customers in 24 hours</label>`,
		"Partners read, when it is on: More than 200 clicks on your links from one network in 10 minutes."} {
		if !strings.Contains(page, want) {
			t.Errorf("the settings page lacks %q", want)
		}
	}

	// A form without the section (an older page) keeps the rules.
	if resp, _ := b.Do("POST", "/admin/settings", settingsPost(token)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save without the rules: %d", resp.StatusCode)
	}
	if got := stored(); got != partnerka.DefaultFraudRules() {
		t.Errorf("a form without the rules changed them to %+v", got)
	}

	// Thresholds are saved; an unticked rule is off (and its threshold,
	// out of range, is not checked); a ticked one is on.
	all := map[string]string{"click_spam_clicks": "500", "fast_lead_seconds": "9", "cookie_stuffing_percent": "0",
		"cookie_stuffing_min_leads": "12", "refund_factor": "4", "refund_min_percent": "25", "refund_min_purchases": "15",
		"spike_factor": "6", "spike_min_leads": "30"}
	resp, _ := b.Do("POST", "/admin/settings", fraudPost(token, []string{"shared_details", "click_spam", "fast_lead", "refund_anomaly", "conversion_spike"}, all))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/settings?done=set_saved" {
		t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	want := partnerka.FraudRules{SelfReferral: false, SharedDetails: true, ClickSpam: true, ClickSpamClicks: 500, FastLead: true, FastLeadSeconds: 9,
		CookieStuffing: false, CookieStuffingPercent: 0, CookieStuffingMinLeads: 12, RefundAnomaly: true, RefundFactor: 4, RefundMinPercent: 25,
		RefundMinPurchases: 15, Spike: true, SpikeFactor: 6, SpikeMinLeads: 30}
	if got := stored(); got != want {
		t.Errorf("saved rules\n%+v, want\n%+v", got, want)
	}
	_, page = b.Do("GET", "/admin/settings", nil)
	for _, want := range []string{`id="fraud.self_referral" name="fraud.self_referral" value="on"> Check`, `id="fraud.fast_lead" name="fraud.fast_lead" value="on" checked>`,
		`name="fraud.click_spam_clicks" type="number" inputmode="numeric" min="1" step="1" value="500"`,
		"Partners read, when it is on: A customer who signs up less than 9 seconds after clicking your link."} {
		if !strings.Contains(page, want) {
			t.Errorf("the saved form lacks %q", want)
		}
	}
	_, page = b.Do("GET", "/admin/audit?entity=settings", nil)
	for _, want := range []string{"Click spam — threshold, clicks per 10 minutes from one network:</span> <del>200</del> → <ins>500</ins>",
		"Self-referral — rule on:</span> <del>yes</del> → <ins>no</ins>", "A sign-up too fast after the click — rule on:</span> <del>no</del> → <ins>yes</ins>"} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}

	// Out of range for a rule that is on, in Russian: refused on its field,
	// nothing saved.
	ru := f.Browser(t)
	ru.Login("admin@x.test", pw)
	_, page = ru.Do("GET", "/admin/settings", nil)
	ru.Do("POST", "/language", url.Values{"_csrf": {ru.CSRF(page)}, "locale": {"ru"}, "back": {"/admin/settings"}})
	_, page = ru.Do("GET", "/admin/settings", nil)
	ruToken := ru.CSRF(page)
	if !strings.Contains(page, "Правила против фрода") || !strings.Contains(page, "Порог, переходов за 10 минут из одной сети") ||
		!strings.Contains(page, "Партнёры читают, когда правило включено: Более 500 переходов по вашим ссылкам из одной сети за 10 минут.") {
		t.Error("the Russian form lacks the rules section")
	}
	records := len(auditEntries(t, f, "settings."))
	for _, tc := range []struct {
		field, value, want string
	}{
		{"click_spam_clicks", "5", "Накрутка переходов — порог, переходов за 10 минут из одной сети. Порог — от 10 до 1000000."},
		{"click_spam_clicks", "много", "Накрутка переходов — порог, переходов за 10 минут из одной сети. Порог — от 10 до 1000000."},
		{"refund_min_percent", "100", "Аномально много возвратов — порог, % возвращённого от оплаченного. Порог — от 1 до 99."},
		{"spike_factor", "1", "Резкий всплеск конверсий — порог, во сколько раз выше среднего партнёра в день за 28 дней. Порог — от 2 до 1000."},
	} {
		t.Run(tc.field+" "+tc.value, func(t *testing.T) {
			typed := maps.Clone(all)
			typed[tc.field] = tc.value
			resp, page := ru.Do("POST", "/admin/settings", fraudPost(ruToken, []string{"click_spam", "refund_anomaly", "conversion_spike"}, typed))
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, tc.want) {
				t.Fatalf("got %d, want 422 with %q:\n%s", resp.StatusCode, tc.want, page)
			}
			input := regexp.MustCompile(`<input id="fraud\.` + tc.field + `"[^>]*>\s*<p class="error" role="alert" id="fraud\.` + tc.field + `-error">([^<]*)</p>`).FindStringSubmatch(page)
			if input == nil || !strings.Contains(input[0], `aria-invalid="true"`) || input[1] != tc.want {
				t.Errorf("the field is not marked, or its message is not beside it: %q", input)
			}
			if strings.Count(page, `aria-invalid="true"`) != 1 {
				t.Error("more than one field is marked")
			}
			if !strings.Contains(page, `value="`+tc.value+`"`) || !strings.Contains(page, `value="Acme partners"`) {
				t.Error("the form lost what was typed")
			}
		})
	}
	if got := stored(); got != want || len(auditEntries(t, f, "settings.")) != records {
		t.Errorf("a refused form saved the rules %+v or wrote an audit record", got)
	}

	// Unticking a rule turns it off.
	if resp, _ := ru.Do("POST", "/admin/settings", fraudPost(ruToken, []string{"shared_details", "fast_lead", "refund_anomaly", "conversion_spike"}, all)); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("untick: %d", resp.StatusCode)
	}
	want.ClickSpam = false
	if got := stored(); got != want {
		t.Errorf("after unticking click spam\n%+v, want\n%+v", got, want)
	}
}
