package backoffice

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// settingsForm is the settings form as typed.
type settingsForm struct {
	Name, WindowDays, Model, HoldDays, ProtectionDays string
	Domains, Landing, CookieName, ClickParam, Terms   string
	CookieDomain                                      string
	FourEyes                                          string // "on" or "off": four eyes on payouts
	CodeRequests                                      string // "on" or "off": partners may request vanity promo codes
	MinPayouts                                        []minPayoutRow
	// Fraud: the fraud rules as typed, by json name ("on" for a rule
	// switched on, a threshold's number); Published: the stored rules, as
	// partners read them now (the hints).
	Fraud     map[string]string
	Published partnerka.FraudRules
}

// fourEyesValue is the form's value of an on/off setting (four eyes,
// code requests).
func fourEyesValue(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// minPayoutRow is one row of the minimum payouts table; a row left empty
// or marked Remove is dropped on save.
type minPayoutRow struct {
	Currency, Amount string
	Remove           bool
}

func formFromSettings(st partnerka.Settings, mins []partnerka.Money) settingsForm {
	f := settingsForm{Name: st.Name, WindowDays: strconv.Itoa(st.AttributionWindowDays), Model: st.AttributionModel,
		HoldDays: strconv.Itoa(st.HoldDays), ProtectionDays: strconv.Itoa(st.RegistrationProtectionDays),
		Domains: strings.Join(st.AllowedDomains, "\n"), Landing: st.DefaultLandingURL, CookieName: st.CookieName,
		ClickParam: st.ClickParam, Terms: st.Terms, FourEyes: fourEyesValue(st.FourEyesPayouts),
		CookieDomain: st.CookieDomain, CodeRequests: fourEyesValue(st.AllowCodeRequests),
		Fraud: fraudFormValues(st.Fraud), Published: st.Fraud}
	for _, m := range mins {
		f.MinPayouts = append(f.MinPayouts, minPayoutRow{Currency: m.Currency, Amount: repAmount(m.Amount, m.Currency)})
	}
	return f
}

// settingsFlashes are the messages a redirect back to the page may ask for.
var settingsFlashes = map[string]bool{"set_saved": true, "set_unchanged": true, "set_key_revoked": true, "set_key_was_revoked": true}

// adminSettings shows the program settings form and the API keys.
func (s *Server) adminSettings(c *fiber.Ctx) error {
	st, err := s.DB.Settings(c.UserContext())
	if err != nil {
		return err
	}
	mins, err := s.DB.MinPayouts(c.UserContext())
	if err != nil {
		return err
	}
	return s.renderProgramSettings(c, formFromSettings(st, mins), nil, "", nil, fiber.StatusOK)
}

func (s *Server) renderProgramSettings(c *fiber.Ctx, form settingsForm, formErr error, keyName string, keyErr error, status int) error {
	u := web.CurrentUser(c)
	lc := u.Locale
	loc := web.UserLoc(web.CurrentUser(c))
	keys, err := s.DB.APIKeys(c.UserContext())
	if err != nil {
		return err
	}
	type keyView struct {
		ID                                   int64
		Name, Prefix, Created, Used, Revoked string
	}
	var kv []keyView
	for _, k := range keys {
		v := keyView{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Created: web.FormatDate(k.CreatedAt.In(loc), lc), Used: web.T(lc, "rep_never")}
		if k.LastUsedAt != nil {
			v.Used = web.FormatDateTime(k.LastUsedAt.In(loc), lc)
		}
		if k.RevokedAt != nil {
			v.Revoked = web.FormatDate(k.RevokedAt.In(loc), lc)
		}
		kv = append(kv, v)
	}
	form.MinPayouts = append(form.MinPayouts, minPayoutRow{}) // a row to add one
	data := fiber.Map{"Form": form, "Keys": kv, "KeyName": keyName, "ErrorField": "", "Zone": loc.String()}
	if formErr != nil {
		data["Error"], data["ErrorField"] = web.ErrorText(lc, formErr), partnerka.ErrorField(formErr)
	}
	data["Fraud"] = fraudViews(form, partnerka.ErrorField(formErr), web.ErrorText(lc, formErr), lc)
	if keyErr != nil {
		data["KeyError"] = web.T(lc, "set_err_key_name")
	}
	if flash := c.Query("done"); settingsFlashes[flash] {
		data["Flash"] = web.T(lc, flash)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_settings", lc, web.T(lc, "admin_settings"), data))
}

// saveProgramSettings validates the form against the current settings
// (fields the form does not show keep their values) and saves it with one
// audit record of what changed.
func (s *Server) saveProgramSettings(c *fiber.Ctx) error {
	ctx := c.UserContext()
	lc := web.CurrentUser(c).Locale
	lines := strings.NewReplacer("\r\n", "\n", "\r", "\n")
	form := settingsForm{Name: c.FormValue("name"), WindowDays: c.FormValue("attribution_window_days"),
		Model: c.FormValue("attribution_model"), HoldDays: c.FormValue("hold_days"),
		ProtectionDays: c.FormValue("registration_protection_days"), Domains: lines.Replace(c.FormValue("allowed_domains")),
		Landing: c.FormValue("default_landing_url"), CookieName: c.FormValue("cookie_name"),
		ClickParam: c.FormValue("click_param"), Terms: lines.Replace(c.FormValue("terms")),
		FourEyes: c.FormValue("four_eyes_payouts"), CookieDomain: c.FormValue("cookie_domain"),
		CodeRequests: c.FormValue("allow_code_requests")}
	args := c.Request().PostArgs()
	currencies, amounts := args.PeekMulti("min_currency"), args.PeekMulti("min_amount")
	remove := map[string]bool{}
	for _, r := range args.PeekMulti("min_remove") {
		remove[string(r)] = true
	}
	for i := range currencies {
		row := minPayoutRow{Currency: string(currencies[i]), Remove: remove[strconv.Itoa(i)]}
		if i < len(amounts) {
			row.Amount = string(amounts[i])
		}
		if strings.TrimSpace(row.Currency) != "" || strings.TrimSpace(row.Amount) != "" {
			form.MinPayouts = append(form.MinPayouts, row)
		}
	}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	if form.FourEyes != "on" && form.FourEyes != "off" {
		form.FourEyes = fourEyesValue(st.FourEyesPayouts) // a form without the choice keeps it
	}
	if form.CodeRequests != "on" && form.CodeRequests != "off" {
		form.CodeRequests = fourEyesValue(st.AllowCodeRequests)
	}
	form.Published, form.Fraud = st.Fraud, fraudFormValues(st.Fraud) // a form without the rules keeps them
	if c.FormValue("fraud") != "" {
		for _, r := range fraudFields {
			form.Fraud[r.Rule] = c.FormValue("fraud." + r.Rule)
			for _, t := range r.Thresholds {
				form.Fraud[t] = c.FormValue("fraud." + t)
			}
		}
	}
	mins, err := settingsFromForm(form, &st, lc, s.trackerHost())
	if err == nil {
		var changed bool
		if changed, err = s.DB.SaveSettings(ctx, st, mins, s.Actor(c)); err == nil {
			done := "set_saved"
			if !changed {
				done = "set_unchanged"
			} else {
				s.Announce(ctx, storage.ReloadAll) // every tracker reloads within a second
			}
			return c.Redirect("/admin/settings?done="+done, fiber.StatusSeeOther)
		}
	}
	if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
		return err
	}
	// Removed rows stay on the re-rendered form, still marked.
	return s.renderProgramSettings(c, form, err, "", nil, fiber.StatusUnprocessableEntity)
}

// settingsFromForm puts the form's values into st and returns the minimum
// payouts, or the first problem: an invalid error naming the field, its
// message in the viewer's language.
func settingsFromForm(f settingsForm, st *partnerka.Settings, lc, trackerHost string) ([]partnerka.Money, error) {
	fail := func(field, key string, args ...any) error {
		return partnerka.FieldError(field, "%s", fmt.Sprintf(web.T(lc, key), args...))
	}
	number := func(field, v string, to *int) error {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return fail(field, "set_err_"+field)
		}
		*to = n
		return nil
	}
	st.Name, st.AttributionModel, st.DefaultLandingURL = f.Name, f.Model, f.Landing
	st.CookieName, st.ClickParam, st.Terms = f.CookieName, f.ClickParam, f.Terms
	st.FourEyesPayouts = f.FourEyes != "off"
	st.AllowCodeRequests = f.CodeRequests == "on"
	st.CookieDomain = f.CookieDomain
	st.AllowedDomains = strings.Split(f.Domains, "\n")
	for _, n := range []struct {
		field, value string
		to           *int
	}{
		{"attribution_window_days", f.WindowDays, &st.AttributionWindowDays},
		{"hold_days", f.HoldDays, &st.HoldDays},
		{"registration_protection_days", f.ProtectionDays, &st.RegistrationProtectionDays},
	} {
		if err := number(n.field, n.value, n.to); err != nil {
			return nil, err
		}
	}
	fraudFromForm(f.Fraud, &st.Fraud)
	st.Normalize()
	if err := st.Validate(); err != nil {
		field := partnerka.ErrorField(err)
		if rule, threshold, ok := fraudFieldOf(field); ok {
			return nil, partnerka.FieldError(field, "%s", fraudErrorText(lc, rule, threshold, err))
		}
		if field == "allowed_domains" {
			for _, d := range st.AllowedDomains {
				if !partnerka.ValidHostname(d) {
					return nil, fail(field, "set_err_domain", d)
				}
			}
		}
		return nil, fail(field, "set_err_"+field)
	}
	switch err := partnerka.CheckCookieDomain(st.CookieDomain, trackerHost); err {
	case nil:
	case partnerka.ErrCookieDomainAddress:
		return nil, fail("cookie_domain", "set_err_cookie_domain_ip", trackerHost)
	case partnerka.ErrCookieDomainSuffix:
		return nil, fail("cookie_domain", "set_err_cookie_domain_public", st.CookieDomain)
	case partnerka.ErrCookieDomainOutside:
		return nil, fail("cookie_domain", "set_err_cookie_domain_cover", trackerHost)
	default:
		return nil, fail("cookie_domain", "set_err_cookie_domain")
	}
	var mins []partnerka.Money
	seen := map[string]bool{}
	for _, r := range f.MinPayouts {
		if r.Remove {
			continue
		}
		cur := strings.ToUpper(strings.TrimSpace(r.Currency))
		if !partnerka.ValidCurrency(cur) {
			return nil, fail("min_payouts", "set_err_min_currency", r.Currency)
		}
		if seen[cur] {
			return nil, fail("min_payouts", "set_err_min_twice", cur)
		}
		seen[cur] = true
		amount := strings.NewReplacer(" ", "", "\u00a0", "", ",", ".").Replace(strings.TrimSpace(r.Amount))
		m, err := partnerka.ParseAmount("min_payouts", amount, cur)
		if err != nil || m.Amount.IsNegative() {
			return nil, fail("min_payouts", "set_err_min_amount", cur, r.Amount)
		}
		mins = append(mins, m)
	}
	return mins, nil
}

// fraudFields are the fraud rules as the settings form shows them, in the
// rules page's order: each rule's switch and its thresholds, by their
// json names (partnerka.FraudRules), the form's fields fraud.<name> and
// the audit log's keys.
var fraudFields = []struct {
	Rule       string
	Thresholds []string
}{
	{partnerka.RuleSelfReferral, nil},
	{partnerka.RuleSharedDetails, nil},
	{partnerka.RuleClickSpam, []string{"click_spam_clicks"}},
	{partnerka.RuleFastLead, []string{"fast_lead_seconds"}},
	{partnerka.RuleCookieStuffing, []string{"cookie_stuffing_percent", "cookie_stuffing_min_leads"}},
	{partnerka.RuleRefundAnomaly, []string{"refund_min_percent", "refund_factor", "refund_min_purchases"}},
	{partnerka.RuleSpike, []string{"spike_min_leads", "spike_factor"}},
}

// fraudFieldOf names the rule of a form field fraud.<name>, and the
// threshold when the name is one ("" for the rule's switch).
func fraudFieldOf(field string) (rule, threshold string, ok bool) {
	name, ok := strings.CutPrefix(field, "fraud.")
	if !ok {
		return "", "", false
	}
	for _, r := range fraudFields {
		if name == r.Rule {
			return r.Rule, "", true
		}
		if slices.Contains(r.Thresholds, name) {
			return r.Rule, name, true
		}
	}
	return "", "", false
}

// fraudFormValues are stored rules as the form shows them.
func fraudFormValues(r partnerka.FraudRules) map[string]string {
	out := map[string]string{}
	for _, f := range fraudFields {
		out[f.Rule] = fourEyesValue(r.On(f.Rule))
	}
	var m map[string]any
	if b, err := json.Marshal(r); err == nil && json.Unmarshal(b, &m) == nil {
		for k, v := range m {
			if n, ok := v.(float64); ok {
				out[k] = strconv.Itoa(int(n))
			}
		}
	}
	return out
}

// fraudFromForm puts the typed rules into r: a rule is on when its box is
// ticked; a threshold that is not a whole number reads as 0 for a rule
// that is on (refused as out of range by Validate, on its field) and
// keeps its stored value for one that is off.
func fraudFromForm(typed map[string]string, r *partnerka.FraudRules) {
	stored := fraudFormValues(*r)
	m := map[string]any{}
	for _, f := range fraudFields {
		on := typed[f.Rule] == "on"
		m[f.Rule] = on
		for _, t := range f.Thresholds {
			n, err := strconv.Atoi(strings.NewReplacer(" ", "", "\u00a0", "").Replace(typed[t]))
			if err != nil && !on {
				n, _ = strconv.Atoi(stored[t])
			}
			m[t] = n
		}
	}
	if b, err := json.Marshal(m); err == nil {
		_ = json.Unmarshal(b, r) // the names are the struct's own
	}
}

// fraudFieldName names a rule's switch (threshold "") or threshold
// outside its fieldset: "Click spam — threshold, clicks per 10 minutes
// from one network".
func fraudFieldName(lc, rule, threshold string) string {
	field := web.T(lc, "fraudset_audit_on")
	if threshold != "" {
		field = web.T(lc, "fraudset_"+threshold)
	}
	return web.RuleTitle(lc, rule) + " — " + withFirst(field, unicode.ToLower)
}

// withFirst is s with its first letter changed by to.
func withFirst(s string, to func(rune) rune) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = to(r[0])
	}
	return string(r)
}

// fraudErrorText is a refused threshold's message: the rule, the field and
// the range (partnerka.FraudRules.Validate's message, in lc).
func fraudErrorText(lc, rule, threshold string, err error) string {
	text := withFirst(strings.TrimSuffix(web.ErrorText(lc, err), "."), unicode.ToUpper)
	return fmt.Sprintf(web.T(lc, "fraudset_err"), fraudFieldName(lc, rule, threshold), text)
}

// fraudRuleView is one rule's part of the settings form.
type fraudRuleView struct {
	Rule, Title, Hint string
	On                bool
	Thresholds        []fraudThresholdView
}

// fraudThresholdView is one threshold's input.
type fraudThresholdView struct {
	Name, Label, Value, Error string
}

// fraudViews are the form's rules, with the stored rules' published
// sentences as hints and the refused field's message beside its input.
func fraudViews(f settingsForm, errField, errText, lc string) []fraudRuleView {
	var out []fraudRuleView
	for _, r := range fraudFields {
		v := fraudRuleView{Rule: r.Rule, Title: web.RuleTitle(lc, r.Rule), On: f.Fraud[r.Rule] == "on",
			Hint: web.RuleText(lc, r.Rule, f.Published)}
		for _, t := range r.Thresholds {
			tv := fraudThresholdView{Name: t, Label: web.T(lc, "fraudset_"+t), Value: f.Fraud[t]}
			if errField == "fraud."+t {
				tv.Error = errText
			}
			v.Thresholds = append(v.Thresholds, tv)
		}
		out = append(out, v)
	}
	return out
}

// fraudAuditLabel names a fraud.<name> key of the settings' audit record
// as the settings form does: the rule, then the switch or threshold.
func fraudAuditLabel(lc, key string) (string, bool) {
	rule, threshold, ok := fraudFieldOf(key)
	if !ok {
		return "", false
	}
	return fraudFieldName(lc, rule, threshold), true
}

// trackerHost is the host visitors reach the tracker at (TrackerURL's).
func (s *Server) trackerHost() string {
	u, err := url.Parse(s.TrackerURL)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// createAPIKey issues a vendor API key and shows it, once: only its hash
// is stored, so no page can show it again.
func (s *Server) createAPIKey(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	name := strings.TrimSpace(c.FormValue("name"))
	id, key, err := s.DB.IssueAPIKey(c.UserContext(), name, s.Actor(c))
	if err != nil {
		if partnerka.ErrorCode(err) != partnerka.EINVALID {
			return err
		}
		st, serr := s.DB.Settings(c.UserContext())
		if serr != nil {
			return serr
		}
		mins, serr := s.DB.MinPayouts(c.UserContext())
		if serr != nil {
			return serr
		}
		return s.renderProgramSettings(c, formFromSettings(st, mins), nil, name, err, fiber.StatusUnprocessableEntity)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Type("html").Send(s.Page(c, "admin_apikey_created", u.Locale, web.T(u.Locale, "set_key_created"), fiber.Map{
		"ID": id, "Name": name, "Key": key,
	}))
}

// apiKeyOf returns the key the route's :id names, or a 404.
func (s *Server) apiKeyOf(c *fiber.Ctx) (*storage.APIKeyInfo, error) {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return nil, err
	}
	k, err := s.DB.APIKeyByID(c.UserContext(), id)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return nil, fiber.ErrNotFound
	}
	return k, err
}

// confirmRevokeAPIKey asks before revoking, saying what will happen.
func (s *Server) confirmRevokeAPIKey(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	k, err := s.apiKeyOf(c)
	if err != nil {
		return err
	}
	return c.Type("html").Send(s.Page(c, "admin_apikey_revoke", u.Locale, web.T(u.Locale, "set_revoke"), fiber.Map{
		"Key": k, "Question": fmt.Sprintf(web.T(u.Locale, "set_revoke_q"), k.Name, k.Prefix), "Revoked": k.RevokedAt != nil,
	}))
}

// revokeAPIKey revokes a key, audited; the trackers stop accepting it
// within their 30-second cache of verified keys.
func (s *Server) revokeAPIKey(c *fiber.Ctx) error {
	k, err := s.apiKeyOf(c)
	if err != nil {
		return err
	}
	err = s.DB.RevokeAPIKey(c.UserContext(), k.ID, s.Actor(c), s.Now())
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect("/admin/settings?done=set_key_revoked#api-keys", fiber.StatusSeeOther)
	case partnerka.ECONFLICT:
		return c.Redirect("/admin/settings?done=set_key_was_revoked#api-keys", fiber.StatusSeeOther)
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound
	}
	return err
}

var _ = web.AddMessages(map[string]string{
	"set_program": "Program", "set_name": "Program name", "set_attribution": "Attribution",
	"set_window": "Attribution window, days", "set_window_help": "How long a click can still bind a sign-up; also the attribution cookie's lifetime.",
	"set_model": "When several partners' clicks qualify", "set_last_click": "the last click wins", "set_first_click": "the first click wins",
	"set_hold": "Hold, days", "set_hold_help": "New commissions stay pending this long before they become available.",
	"set_protection": "Lead registration protection, days", "set_min_payouts": "Minimum payout per currency",
	"set_min_help": "Partners cannot request less than this. Clear a row or tick Remove to drop a currency; fill the empty row to add one.",
	"set_remove":   "Remove", "set_links": "Links and tracking",
	"set_domains": "Allowed destination domains", "set_domains_help": "One host name per line, such as example.com; its subdomains are allowed too. Links may lead only here.",
	"set_landing": "Default landing page", "set_landing_help": "Where unknown or disabled links lead. An http(s) address on an allowed domain.",
	"set_cookie": "Attribution cookie name", "set_click_param": "Click ID parameter in the landing address",
	"set_terms": "Program terms", "set_terms_help": "Shown to partners on their Terms page.",
	"set_four_eyes":     "Four eyes on payouts",
	"set_four_eyes_on":  "on: whoever approved a payout cannot also mark it paid; someone else in finance does",
	"set_four_eyes_off": "off, for a one-person finance team: the approver may mark it paid too, and the audit log records that four eyes were waived",
	"set_save":          "Save settings", "set_saved": "Settings saved. Trackers apply them within a few seconds.", "set_unchanged": "Nothing changed.",
	"set_err_name": "Program name: 1 to 200 characters.", "set_err_attribution_window_days": "Attribution window: a whole number of days from 1 to 3650.",
	"set_err_attribution_model": "Attribution: choose the first or the last click.", "set_err_hold_days": "Hold: a whole number of days from 0 to 3650.",
	"set_err_registration_protection_days": "Lead registration protection: a whole number of days from 1 to 3650.",
	"set_err_allowed_domains":              "Allowed domains: list at least one (at most 100), one host name per line.",
	"set_err_domain":                       "Allowed domains: %q is not a host name such as example.com (no https://, path or port).",
	"set_err_default_landing_url":          "Default landing page: an http(s) address on one of the allowed domains.",
	"set_err_cookie_name":                  "Cookie name: 1 to 64 letters, digits, - or _.",
	"set_err_click_param":                  "Click ID parameter: 1 to 64 letters, digits, - or _.",
	"set_err_terms":                        "Program terms: at most 100,000 characters.",
	"set_err_default_currency":             "Program currency: the stored currency is not one partnerka knows.",
	"set_err_cookie_domain":                "Cookie domain: leave it empty, or a domain such as example.com (no https://, path or port).",
	"set_err_cookie_domain_ip":             "Cookie domain: the tracker is reached at %s, an address that takes no cookie domain; leave it empty.",
	"set_err_cookie_domain_cover":          "Cookie domain: it must be the tracker's host %s or a domain it belongs to, or browsers drop the cookie.",
	"set_err_cookie_domain_public":         "Cookie domain: %s is a public suffix; browsers refuse cookies for it.",
	"set_cookie_domain":                    "Cookie domain (optional)",
	"set_cookie_domain_help":               "Empty: the cookie belongs to the tracker's host alone. When the tracker runs on the vendor's subdomain, such as go.vendor.com, set vendor.com so the vendor's site can read the attribution too.",
	"set_cookie_help":                      "Changing the cookie name or the click parameter forgets the cookies visitors already carry.",
	"set_code_requests":                    "Vanity promo codes",
	"set_code_requests_on":                 "partners may request a promo code of their own; a manager approves or refuses it",
	"set_code_requests_off":                "only the program's team creates promo codes",
	"set_err_min_currency":                 "Minimum payout: %q is not an ISO 4217 currency code such as RUB or USD.",
	"set_err_min_twice":                    "Minimum payout: %s is listed twice.",
	"set_err_min_amount":                   "Minimum payout %s: %q is not an amount such as 1000.00.",
	"set_api_keys":                         "API keys", "set_api_help": "The vendor's backend sends these as Authorization: Bearer <key> to report sign-ups, purchases and refunds.",
	"set_key_name": "Key name", "set_key_name_help": "What uses it, such as billing-backend.", "set_create_key": "Create key",
	"set_err_key_name": "Key name: 1 to 100 characters.", "set_key_prefix": "Key", "set_created": "Created", "set_last_used": "Last used",
	"set_key_active": "active", "set_key_revoked_on": "revoked", "set_revoke": "Revoke", "set_no_keys": "No API keys yet.",
	"set_revoke_note":     "Revocation takes effect within 30 seconds: trackers remember a verified key for up to 30 seconds.",
	"set_revoke_q":        "Revoke the key %s (%s…)? The vendor's requests signed with it will be refused within 30 seconds. This cannot be undone.",
	"set_key_revoked":     "The key is revoked; trackers refuse it within 30 seconds.",
	"set_key_was_revoked": "The key was revoked already.",
	"set_key_created":     "API key created",
	"set_key_once":        "Copy the key now and store it in the vendor's backend: it is shown only this once. partnerka keeps only its hash and cannot show it again.",
	"set_key_use":         "Send it with every request as:", "set_back": "Back to settings",
}, map[string]string{
	"set_program": "Программа", "set_name": "Название программы", "set_attribution": "Атрибуция",
	"set_window": "Окно атрибуции, дней", "set_window_help": "Сколько времени переход может закрепить регистрацию; это же срок жизни cookie атрибуции.",
	"set_model": "Если подходят переходы нескольких партнёров", "set_last_click": "побеждает последний переход", "set_first_click": "побеждает первый переход",
	"set_hold": "Холд, дней", "set_hold_help": "Столько дней новое вознаграждение находится в холде, прежде чем станет доступным.",
	"set_protection": "Закрепление регистрации лида, дней", "set_min_payouts": "Минимальная выплата по валютам",
	"set_min_help": "Партнёр не может запросить меньше. Очистите строку или отметьте «Удалить», чтобы убрать валюту; заполните пустую строку, чтобы добавить.",
	"set_remove":   "Удалить", "set_links": "Ссылки и отслеживание",
	"set_domains": "Разрешённые домены для ссылок", "set_domains_help": "По одному домену в строке, например example.com; его поддомены тоже разрешены. Реферальные ссылки ведут только сюда.",
	"set_landing": "Целевая страница по умолчанию", "set_landing_help": "Куда ведут неизвестные и отключённые ссылки. Адрес http(s) на разрешённом домене.",
	"set_cookie": "Имя cookie атрибуции", "set_click_param": "Параметр ID перехода в адресе целевой страницы",
	"set_terms": "Условия программы", "set_terms_help": "Партнёры видят их на странице «Условия».",
	"set_four_eyes":     "Принцип четырёх глаз для выплат",
	"set_four_eyes_on":  "включён: одобривший выплату не может сам отметить её выплаченной — это делает другой сотрудник финансов",
	"set_four_eyes_off": "отключён, если в финансах один человек: одобривший может сам отметить выплату, журнал действий записывает, что второго подтверждения не было",
	"set_save":          "Сохранить настройки", "set_saved": "Настройки сохранены. Трекеры применят их в течение нескольких секунд.", "set_unchanged": "Ничего не изменилось.",
	"set_err_name": "Название программы: от 1 до 200 символов.", "set_err_attribution_window_days": "Окно атрибуции: целое число дней от 1 до 3650.",
	"set_err_attribution_model": "Атрибуция: выберите первый или последний переход.", "set_err_hold_days": "Холд: целое число дней от 0 до 3650.",
	"set_err_registration_protection_days": "Закрепление регистрации лида: целое число дней от 1 до 3650.",
	"set_err_allowed_domains":              "Разрешённые домены: укажите хотя бы один (не больше 100), по одному в строке.",
	"set_err_domain":                       "Разрешённые домены: %q — не имя хоста вида example.com (без https://, пути и порта).",
	"set_err_default_landing_url":          "Целевая страница по умолчанию: адрес http(s) на одном из разрешённых доменов.",
	"set_err_cookie_name":                  "Имя cookie: от 1 до 64 латинских букв, цифр, - или _.",
	"set_err_click_param":                  "Параметр ID перехода: от 1 до 64 латинских букв, цифр, - или _.",
	"set_err_terms":                        "Условия программы: не больше 100 000 символов.",
	"set_err_default_currency":             "Валюта программы: сохранённая валюта неизвестна partnerka.",
	"set_err_cookie_domain":                "Домен cookie: оставьте пустым или укажите домен вида example.com (без https://, пути и порта).",
	"set_err_cookie_domain_ip":             "Домен cookie: трекер доступен по адресу %s, для которого домен cookie не задаётся; оставьте поле пустым.",
	"set_err_cookie_domain_cover":          "Домен cookie: это должен быть хост трекера %s или домен, в который он входит, иначе браузеры отбросят cookie.",
	"set_err_cookie_domain_public":         "Домен cookie: %s — публичный суффикс; браузеры не принимают cookie для него.",
	"set_cookie_domain":                    "Домен cookie (необязательно)",
	"set_cookie_domain_help":               "Пусто: cookie принадлежит только хосту трекера. Если трекер работает на поддомене вендора, например go.vendor.com, укажите vendor.com, чтобы сайт вендора тоже видел атрибуцию.",
	"set_cookie_help":                      "Смена имени cookie или параметра перехода забывает cookie, которые уже есть у посетителей.",
	"set_code_requests":                    "Собственные промокоды партнёров",
	"set_code_requests_on":                 "партнёры могут запросить свой промокод; менеджер одобряет или отклоняет его",
	"set_code_requests_off":                "промокоды создаёт только команда программы",
	"set_err_min_currency":                 "Минимальная выплата: %q — не код валюты ISO 4217, например RUB или USD.",
	"set_err_min_twice":                    "Минимальная выплата: %s указана дважды.",
	"set_err_min_amount":                   "Минимальная выплата %s: %q — не сумма вида 1000,00.",
	"set_api_keys":                         "API-ключи", "set_api_help": "Бэкенд вендора передаёт ключ в заголовке Authorization: Bearer <ключ>, сообщая о регистрациях, покупках и возвратах.",
	"set_key_name": "Название ключа", "set_key_name_help": "Что его использует, например billing-backend.", "set_create_key": "Создать ключ",
	"set_err_key_name": "Название ключа: от 1 до 100 символов.", "set_key_prefix": "Ключ", "set_created": "Создан", "set_last_used": "Последнее использование",
	"set_key_active": "действует", "set_key_revoked_on": "отозван", "set_revoke": "Отозвать", "set_no_keys": "API-ключей пока нет.",
	"set_revoke_note":     "Отзыв вступает в силу в течение 30 секунд: трекеры помнят проверенный ключ до 30 секунд.",
	"set_revoke_q":        "Отозвать ключ %s (%s…)? Запросы вендора с этим ключом будут отклоняться в течение 30 секунд. Это действие нельзя отменить.",
	"set_key_revoked":     "Ключ отозван; трекеры перестанут его принимать в течение 30 секунд.",
	"set_key_was_revoked": "Ключ уже был отозван.",
	"set_key_created":     "API-ключ создан",
	"set_key_once":        "Скопируйте ключ сейчас и сохраните в бэкенде вендора: он показывается только один раз. partnerka хранит лишь его хеш и не сможет показать ключ снова.",
	"set_key_use":         "Передавайте его в каждом запросе так:", "set_back": "Вернуться к настройкам",
})

// The settings form's fraud rules (issue 22); the rules' titles and
// published sentences are web's (web/fraudrules.go).
var _ = web.AddMessages(map[string]string{
	"fraudset_title":                     "Fraud rules",
	"fraudset_intro":                     "A rule that is on is checked by the reconciler on every new customer, refund, payout details change and sign-in, and over the clicks; when it trips, the commissions it concerns stay on hold, under review, until a manager decides. Partners read the rules that are on, with these thresholds, on their Program rules page.",
	"fraudset_check":                     "Check this rule",
	"fraudset_audit_on":                  "rule on",
	"fraudset_published":                 "Partners read, when it is on:",
	"fraudset_err":                       "%s. %s.",
	"fraudset_click_spam_clicks":         "Threshold, clicks per 10 minutes from one network",
	"fraudset_fast_lead_seconds":         "Threshold, seconds from the click to the sign-up",
	"fraudset_cookie_stuffing_percent":   "Threshold, % of customers from clicks no person saw",
	"fraudset_cookie_stuffing_min_leads": "Minimum, customers in 30 days",
	"fraudset_refund_min_percent":        "Threshold, % of the paid amount refunded",
	"fraudset_refund_factor":             "Threshold, times the program's refunded share",
	"fraudset_refund_min_purchases":      "Minimum, purchases in 90 days",
	"fraudset_spike_min_leads":           "Minimum, new customers in 24 hours",
	"fraudset_spike_factor":              "Threshold, times the partner's daily average of 28 days",
}, map[string]string{
	"fraudset_title":                     "Правила против фрода",
	"fraudset_intro":                     "Включённое правило проверяется при каждом новом клиенте, возврате, смене реквизитов и входе в кабинет, а также по переходам; когда оно срабатывает, связанные вознаграждения остаются в холде на проверке, пока менеджер не примет решение. Включённые правила с этими порогами партнёры видят на странице «Правила программы».",
	"fraudset_check":                     "Проверять это правило",
	"fraudset_audit_on":                  "правило включено",
	"fraudset_published":                 "Партнёры читают, когда правило включено:",
	"fraudset_err":                       "%s. %s.",
	"fraudset_click_spam_clicks":         "Порог, переходов за 10 минут из одной сети",
	"fraudset_fast_lead_seconds":         "Порог, секунд от перехода до регистрации",
	"fraudset_cookie_stuffing_percent":   "Порог, % клиентов с переходов, которых не видел человек",
	"fraudset_cookie_stuffing_min_leads": "Минимум, клиентов за 30 дней",
	"fraudset_refund_min_percent":        "Порог, % возвращённого от оплаченного",
	"fraudset_refund_factor":             "Порог, во сколько раз выше доли возвратов программы",
	"fraudset_refund_min_purchases":      "Минимум, покупок за 90 дней",
	"fraudset_spike_min_leads":           "Минимум, новых клиентов за сутки",
	"fraudset_spike_factor":              "Порог, во сколько раз выше среднего партнёра в день за 28 дней",
})
