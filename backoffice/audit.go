package backoffice

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// auditPageSize is how many entries a page of the audit log shows.
const auditPageSize = 50

// auditForm is the audit log's filter as the person typed it.
type auditForm struct {
	Actor, Action, Entity, EntityID, From, To string
}

func (f auditForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor": f.Actor, "action": f.Action, "entity": f.Entity, "entity_id": f.EntityID,
		"from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// adminAudit lists the audit log, newest first, 50 to a page by keyset
// (?before=<id>), filtered by actor (an email, or an actor string such as
// "system"), action prefix, entity and id, and a range of days in the
// viewer's time zone.
func (s *Server) adminAudit(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	lc := u.Locale
	loc := web.UserLoc(web.CurrentUser(c))
	ctx, db := c.UserContext(), s.Read(c)
	form := auditForm{Actor: strings.TrimSpace(c.Query("actor")), Action: strings.TrimSpace(c.Query("action")),
		Entity: strings.TrimSpace(c.Query("entity")), EntityID: strings.TrimSpace(c.Query("entity_id")),
		From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}
	f := storage.AuditFilter{Action: form.Action, Entity: form.Entity, EntityID: form.EntityID, Limit: auditPageSize}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	var formErr error
	if strings.Contains(form.Actor, "@") {
		id, err := db.AuditActorByEmail(ctx, form.Actor)
		switch {
		case partnerka.ErrorCode(err) == partnerka.ENOTFOUND:
			f.ActorID = -1 // nobody: an empty page, not every entry
		case err != nil:
			return err
		default:
			f.ActorID = id
		}
	} else {
		f.Actor = form.Actor
	}
	day := func(field, v string) time.Time {
		if v == "" || formErr != nil {
			return time.Time{}
		}
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			formErr = partnerka.FieldError(field, "a day as YYYY-MM-DD")
		}
		return t
	}
	f.From = day("from", form.From)
	if f.To = day("to", form.To); !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if formErr == nil && !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		formErr = partnerka.FieldError("to", "the last day is before the first")
	}
	for _, v := range []string{form.Actor, form.Action, form.Entity, form.EntityID} {
		if len(v) > 200 && formErr == nil {
			formErr = partnerka.FieldError("action", "a filter is at most 200 characters")
		}
	}
	staff, err := db.AuditStaff(ctx)
	if err != nil {
		return err
	}
	data := fiber.Map{"Form": form, "StaffEmails": staff, "Zone": loc.String(), "ErrorField": ""}
	if formErr != nil {
		field := partnerka.ErrorField(formErr)
		data["Error"], data["ErrorField"] = web.T(lc, "aud_err_"+field), field
		return c.Status(fiber.StatusUnprocessableEntity).Type("html").Send(s.Page(c, "admin_audit", lc, web.T(lc, "audit_log"), data))
	}
	records, next, err := db.AuditLog(ctx, f)
	if err != nil {
		return err
	}
	names, err := auditNames(ctx, db, records)
	if err != nil {
		return err
	}
	view := auditReader{lc: lc, loc: loc, names: names}
	type entry struct {
		ID                       int64
		When, Who, Actor, Action string
		Entity, Link, IP, Raw    string
		Changes                  []auditChange
	}
	var entries []entry
	for _, r := range records {
		e := entry{ID: r.ID, When: web.FormatDate(r.At.In(loc), lc) + " " + r.At.In(loc).Format("15:04:05"),
			Who: r.Actor, Actor: r.Actor, Action: r.Action, IP: r.IP,
			Changes: view.of(r.Action).changes(r.Before, r.After), Raw: auditRaw(r.Before, r.After)}
		e.Entity, e.Link = view.entity(r.Entity, r.EntityID)
		if r.Email != "" {
			e.Who = r.Email
			if r.UserName != "" {
				e.Who = r.UserName + " <" + r.Email + ">"
			}
		}
		entries = append(entries, e)
	}
	q := form.values()
	data["Entries"] = entries
	if next != 0 {
		q.Set("before", strconv.FormatInt(next, 10))
		data["Next"] = "/admin/audit?" + q.Encode()
		q.Del("before")
	}
	if f.Before > 0 {
		data["Newest"] = "/admin/audit?" + q.Encode()
	}
	return c.Type("html").Send(s.Page(c, "admin_audit", lc, web.T(lc, "audit_log"), data))
}

// auditRefKeys are the keys of an entry whose value is the id of
// something staff know by name, and what kind of thing.
var auditRefKeys = map[string]string{
	"partner_id": storage.AuditPartner, "recruiter_id": storage.AuditPartner, "plan_id": storage.AuditPlan,
	"plan_version_id": storage.AuditPlanVersion, "user_id": storage.AuditUser, "invited_by": storage.AuditUser,
	"payout_id": storage.AuditPayout, "partner_type_id": storage.AuditPartnerType,
}

// auditEntityKinds are the entities an entry is about that have a name.
var auditEntityKinds = map[string]bool{storage.AuditPartner: true, storage.AuditPlan: true,
	storage.AuditPlanVersion: true, storage.AuditUser: true, storage.AuditPayout: true}

// auditNames resolves every id a page of the log refers to (the entries'
// entities and id-valued fields) with one query for the page.
func auditNames(ctx context.Context, db *storage.DB, records []storage.AuditRecord) (map[string]map[int64]storage.AuditName, error) {
	ids := map[string][]int64{}
	add := func(kind string, v any) {
		var id int64
		var err error
		switch x := v.(type) {
		case json.Number:
			id, err = x.Int64()
		case string:
			id, err = strconv.ParseInt(x, 10, 64)
		default:
			return
		}
		if err == nil && id > 0 {
			ids[kind] = append(ids[kind], id)
		}
	}
	for _, r := range records {
		if auditEntityKinds[r.Entity] {
			add(r.Entity, r.EntityID)
		}
		for _, side := range []json.RawMessage{r.Before, r.After} {
			m, _ := auditObject(side)
			for k, v := range m {
				if kind, ok := auditRefKeys[k]; ok {
					add(kind, v)
				}
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return db.AuditNames(ctx, ids)
}

// auditReader renders entries for one viewer: labels in their language,
// instants in their zone, ids as the names the page resolved.
type auditReader struct {
	lc     string
	loc    *time.Location
	names  map[string]map[int64]storage.AuditName
	status string // the message prefix of the entry's statuses (see of)
}

// auditStatuses are the words of each kind of status, by the action's
// prefix: a registration's "pending" is not a commission's.
var auditStatuses = map[string]string{"registration": "reg_", "promo_code": "promo_", "partner": "ps_", "plan": "pl_status_"}

// of is the reader for one entry, whose action says what its statuses are.
func (v auditReader) of(action string) auditReader {
	kind, _, _ := strings.Cut(action, ".")
	v.status = cmp.Or(auditStatuses[kind], "status_")
	return v
}

// known returns the message key in the viewer's language, if there is one.
func (v auditReader) known(key string) (string, bool) {
	m := web.T(v.lc, key)
	return m, m != key
}

// entity is what an entry is about, as "Partner: Alpha Media", with the
// admin page of it where there is one.
func (v auditReader) entity(entity, id string) (string, string) {
	label, ok := v.known("aud_e_" + entity)
	if !ok {
		label = entity
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		if id == "" || id == "0" {
			return label, ""
		}
		return label + " " + id, ""
	}
	link := ""
	switch entity {
	case "partner":
		link = "/admin/partners/" + id
	case "payout":
		link = "/admin/payouts/" + id
	case "plan":
		link = "/admin/plans/" + id
	case "customer":
		link = "/admin/customers/" + id
	}
	name, ok := v.names[entity][n]
	if !ok {
		return label + " #" + id, link
	}
	if entity == "plan_version" {
		link = fmt.Sprintf("/admin/plans/%d/versions/%d", name.PlanID, name.Version)
	}
	return label + ": " + v.name(name), link
}

// name shows a resolved name; a payout's says its amount too.
func (v auditReader) name(n storage.AuditName) string {
	if n.Amount != nil {
		return n.Name + " · " + web.FormatMoney(*n.Amount, v.lc)
	}
	return n.Name
}

// auditChange is one field an entry changed, as the page shows it: its
// label in the page's language and its value before and after; Old is
// empty where the entry created the field, New where it removed it.
type auditChange struct {
	Label, Old, New string
}

// changes lists only what an entry changed, fields in order: every field
// a creation set (no before) or a removal cleared (no after); of an
// update, the fields whose value differs and those only the after side
// holds (what the action said, such as its reason). A field only the
// before side holds is context (a removed setting is recorded as null
// after). Nested objects compare field by field, so a rule whose percent
// changed shows the percent alone. The rest is in the raw record behind
// "details".
func (v auditReader) changes(before, after json.RawMessage) []auditChange {
	b, hasB := auditObject(before)
	a, hasA := auditObject(after)
	if hasB != hasA { // a whole rule created or removed reads as the rule
		for _, side := range []map[string]any{a, b} {
			if r, ok := auditRule(side); ok {
				text := web.DescribeRule(r, v.lc)
				if hasA {
					return []auditChange{{Label: web.T(v.lc, "aud_f_rule"), New: text}}
				}
				return []auditChange{{Label: web.T(v.lc, "aud_f_rule"), Old: text}}
			}
		}
	}
	fb, fa := map[string]any{}, map[string]any{}
	auditFlatten("", b, fb)
	auditFlatten("", a, fa)
	keys := map[string]bool{}
	for k := range fb {
		keys[k] = true
	}
	for k := range fa {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		// An amount with its currency beside it reads as money: the
		// currency is said there.
		if strings.EqualFold(k, "currency") && (fb["amount"] != nil || fa["amount"] != nil) {
			continue
		}
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []auditChange
	for _, k := range sorted {
		ov, inB := fb[k]
		nv, inA := fa[k]
		switch {
		case !hasB:
			if !auditEmpty(nv) {
				out = append(out, auditChange{Label: v.label(k), New: v.value(k, nv, fa)})
			}
		case !hasA:
			if !auditEmpty(ov) {
				out = append(out, auditChange{Label: v.label(k), Old: v.value(k, ov, fb)})
			}
		case !inA, !inB && auditEmpty(nv), inB && bytes.Equal(auditJSON(ov), auditJSON(nv)):
			// context kept beside the change, a field set to nothing, or
			// unchanged: in the details only
		case !inB: // what the action said, such as its reason
			out = append(out, auditChange{Label: v.label(k), New: v.value(k, nv, fa)})
		default:
			out = append(out, auditChange{Label: v.label(k), Old: v.value(k, ov, fb), New: v.value(k, nv, fa)})
		}
	}
	return out
}

// auditFlatten copies an object's fields into out, nested objects as
// "outer.inner" keys; money ({Amount, Currency}) stays one value.
func auditFlatten(prefix string, m map[string]any, out map[string]any) {
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok && !auditIsMoney(sub) {
			auditFlatten(prefix+k+".", sub, out)
			continue
		}
		out[prefix+k] = v
	}
}

// auditRule reads a side that is a whole plan rule, as the plan editor
// records one.
func auditRule(m map[string]any) (partnerka.Rule, bool) {
	var r partnerka.Rule
	if m == nil || m["Event"] == nil || m["Kind"] == nil || m["Payments"] == nil {
		return r, false
	}
	return r, json.Unmarshal(auditJSON(m), &r) == nil
}

func auditIsMoney(m map[string]any) bool {
	_, a := m["Amount"]
	_, c := m["Currency"]
	return a && c && len(m) == 2
}

// label names a field in the viewer's language: "DurationMonths" and
// "duration_months" are both aud_f_duration_months; a key without a label
// reads as its words.
func (v auditReader) label(key string) string {
	if cur, ok := strings.CutPrefix(key, "min_payout."); ok {
		return fmt.Sprintf(web.T(v.lc, "aud_f_min_payout_in"), cur)
	}
	if l, ok := fraudAuditLabel(v.lc, key); ok { // a fraud rule's switch or threshold (settings.go)
		return l
	}
	snake := auditSnake(key)
	if l, ok := v.known("aud_f_" + strings.ReplaceAll(snake, ".", "_")); ok {
		return l
	}
	return strings.NewReplacer("_", " ", ".", " · ").Replace(snake)
}

// auditSnake turns "DurationMonths" into "duration_months".
func auditSnake(key string) string {
	var b strings.Builder
	for i, r := range key {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && key[i-1] != '.' && key[i-1] != '_' {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// auditEnums are the fields whose values have their words in the
// catalogue, under these key prefixes; a status's depend on the entry
// (auditStatuses).
var auditEnums = map[string]string{"role": "role_", "event": "pl_event_opt_", "payments": "pl_pay_",
	"kind": "pl_kind_", "attribution_model": "set_", "rule": "rule."}

// value shows a field's value: names for ids, money for an amount with
// its currency, yes or no, instants in the viewer's zone, words for
// statuses and other codes with a label, lists comma-separated, nothing
// as a dash.
func (v auditReader) value(key string, val any, side map[string]any) string {
	snake := auditSnake(key)
	if kind, ok := auditRefKeys[snake]; ok {
		if n, ok := val.(json.Number); ok {
			if id, err := n.Int64(); err == nil {
				if name, ok := v.names[kind][id]; ok {
					return v.name(name)
				}
				return "#" + n.String()
			}
		}
	}
	switch x := val.(type) {
	case bool:
		if x {
			return web.T(v.lc, "aud_yes")
		}
		return web.T(v.lc, "aud_no")
	case string:
		if snake == "amount" {
			if cur, ok := side["currency"].(string); ok && partnerka.ValidCurrency(cur) {
				if d, err := decimal.NewFromString(x); err == nil {
					return web.FormatMoney(partnerka.Money{Amount: d, Currency: cur}, v.lc)
				}
			}
		}
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			t = t.In(v.loc)
			return web.FormatDate(t, v.lc) + " " + t.Format("15:04")
		}
		if prefix, ok := auditEnums[snake]; ok || snake == "status" {
			if !ok {
				prefix = cmp.Or(v.status, "status_")
			}
			if l, ok := v.known(prefix + x); ok {
				return l
			}
		}
	case map[string]any:
		if auditIsMoney(x) {
			cur, _ := x["Currency"].(string)
			d, err := decimal.NewFromString(fmt.Sprint(x["Amount"]))
			if !partnerka.ValidCurrency(cur) || err != nil {
				return "—"
			}
			return web.FormatMoney(partnerka.Money{Amount: d, Currency: cur}, v.lc)
		}
		if _, ok := x["MinVolume"]; ok {
			return fmt.Sprintf(web.T(v.lc, "aud_tier"), v.value("MinVolume", x["MinVolume"], x), fmt.Sprint(x["Percent"]))
		}
		if r, ok := auditRule(x); ok {
			return web.DescribeRule(r, v.lc)
		}
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = v.value(key, e, side)
		}
		sep := ", "
		if len(x) > 0 {
			if _, ok := x[0].(map[string]any); ok {
				sep = "; "
			}
		}
		return strings.Join(parts, sep)
	}
	return auditValue(val)
}

// auditRaw is an entry's record as stored, indented, for "details".
func auditRaw(before, after json.RawMessage) string {
	var b strings.Builder
	for _, side := range []json.RawMessage{before, after} {
		var out bytes.Buffer
		if len(side) == 0 || json.Indent(&out, side, "", "  ") != nil {
			out.Reset()
			out.WriteString("null")
		}
		if b.Len() > 0 {
			b.WriteString("\n→\n")
		}
		b.WriteString(out.String())
	}
	return b.String()
}

// auditObject decodes a record's side; a scalar becomes {"value": x}.
// ok is false when the side is missing (null).
func auditObject(raw json.RawMessage) (map[string]any, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, false
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return map[string]any{"value": string(raw)}, true
	}
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	return map[string]any{"value": v}, true
}

func auditEmpty(v any) bool { return v == nil || v == "" }

func auditJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// auditValue shows a value: text as it is (long text shortened), lists
// comma-separated, nothing as a dash.
func auditValue(v any) string {
	const max = 200
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		if x == "" {
			return "“”"
		}
		if r := []rune(x); len(r) > max {
			return string(r[:max]) + "…"
		}
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = auditValue(e)
		}
		return strings.Join(parts, ", ")
	case json.Number, bool:
		return fmt.Sprint(x)
	default:
		return string(auditJSON(x))
	}
}

var _ = web.AddMessages(map[string]string{
	"aud_actor": "Who (email, or system)", "aud_action": "Action starts with", "aud_entity": "Entity", "aud_entity_id": "Entity ID",
	"aud_from": "From", "aud_to": "To (included)", "aud_filter": "Filter", "aud_clear": "Clear",
	"aud_when": "When", "aud_who": "Who", "aud_what": "What", "aud_changes": "Before → after",
	"aud_older": "Older entries", "aud_newest": "Newest entries", "aud_empty": "No entries match.",
	"aud_err_from": "From: a day as YYYY-MM-DD.", "aud_err_to": "To: a day as YYYY-MM-DD, on or after the first.",
	"aud_err_action": "A filter is at most 200 characters.", "aud_details": "Details", "aud_no_changes": "Nothing changed.", "aud_yes": "yes", "aud_no": "no", "aud_tier": "from %s: %s%%",
}, map[string]string{
	"aud_actor": "Кто (эл. почта или system)", "aud_action": "Действие начинается с", "aud_entity": "Объект", "aud_entity_id": "ID объекта",
	"aud_from": "С", "aud_to": "По (включительно)", "aud_filter": "Найти", "aud_clear": "Сбросить",
	"aud_when": "Когда", "aud_who": "Кто", "aud_what": "Что", "aud_changes": "Было → стало",
	"aud_older": "Более ранние записи", "aud_newest": "Самые новые записи", "aud_empty": "Записей не найдено.",
	"aud_err_from": "С: день в виде ГГГГ-ММ-ДД.", "aud_err_to": "По: день в виде ГГГГ-ММ-ДД, не раньше первого.",
	"aud_err_action": "Фильтр — не больше 200 символов.", "aud_details": "Подробности", "aud_no_changes": "Ничего не изменилось.", "aud_yes": "да", "aud_no": "нет", "aud_tier": "от %s: %s %%",
})

// The names of the things an entry is about and of the fields it changed
// (aud_f_ + the field's key in snake case), as the pages that edit them
// say them.
var _ = web.AddMessages(map[string]string{
	"aud_e_partner": "Partner", "aud_e_payout": "Payout", "aud_e_plan": "Plan", "aud_e_plan_version": "Plan version",
	"aud_e_user": "User", "aud_e_customer": "Customer", "aud_e_lead_registration": "Lead registration",
	"aud_e_settings": "Program settings", "aud_e_api_key": "API key", "aud_e_material": "Materials",
	"aud_e_commission": "Commission", "aud_e_billing_stripe": "Billing: Stripe",

	"aud_f_status": "Status", "aud_f_reason": "Reason", "aud_f_reference": "Payment reference",
	"aud_f_four_eyes_waived": "Approved and paid by one person", "aud_f_amount": "Amount", "aud_f_currency": "Currency",
	"aud_f_entry": "Ledger entry", "aud_f_partner_type_id": "Partner type", "aud_f_plan_version_id": "Plan version",
	"aud_f_contract_id": "Contract", "aud_f_starts_at": "Starts", "aud_f_default_link": "Default link",
	"aud_f_certified_at": "Certified", "aud_f_recruiter_id": "Recruited by", "aud_f_partner_id": "Partner",
	"aud_f_source": "Source", "aud_f_bound_at": "Bound", "aud_f_external_id": "External ID", "aud_f_enabled": "Enabled",
	"aud_f_products": "Products", "aud_f_flagged": "Flagged for review", "aud_f_kind": "Kind", "aud_f_title": "Title",
	"aud_f_image_type": "Image type", "aud_f_image_bytes": "Image size, bytes", "aud_f_name": "Name",
	"aud_f_contact_name": "Contact person", "aud_f_contact_phone": "Phone", "aud_f_website": "Website",
	"aud_f_promotion": "How they promote", "aud_f_plan_id": "Plan", "aud_f_version": "Version", "aud_f_notes": "Notes",
	"aud_f_copied_from": "Copied from version", "aud_f_rule": "Rule", "aud_f_position": "Position", "aud_f_rules": "Rules",
	"aud_f_postback_url": "Postback URL", "aud_f_promo_code": "Promo code", "aud_f_label": "Label",
	"aud_f_discount": "Discount", "aud_f_valid_from": "Valid from", "aud_f_valid_until": "Valid until",
	"aud_f_max_uses": "Maximum uses", "aud_f_note": "Note", "aud_f_prefix": "Key prefix", "aud_f_revoked": "Revoked",
	"aud_f_email": "Email", "aud_f_role": "Role", "aud_f_disabled": "Disabled", "aud_f_expires_at": "Expires",
	"aud_f_description": "Description", "aud_f_invited_by": "Invited by", "aud_f_value": "Value", "aud_f_user_id": "User", "aud_f_payout_id": "Payout",
	"aud_f_default_currency": "Main currency", "aud_f_default_landing_url": "Default landing page",
	"aud_f_allowed_domains": "Allowed domains", "aud_f_attribution_window_days": "Attribution window, days",
	"aud_f_attribution_model": "Attribution model", "aud_f_hold_days": "Hold, days",
	"aud_f_registration_protection_days": "Lead registration protection, days", "aud_f_cookie_name": "Cookie name",
	"aud_f_cookie_domain": "Cookie domain", "aud_f_click_param": "Click parameter",
	"aud_f_allow_self_referral": "Self-referral allowed", "aud_f_terms": "Program terms",
	"aud_f_four_eyes_payouts": "Payouts need a second person", "aud_f_allow_code_requests": "Partners may request promo codes",
	"aud_f_min_payout_in": "Minimum payout, %s",
	"aud_f_id":            "ID", "aud_f_event": "Event", "aud_f_level": "Level", "aud_f_percent": "Percent", "aud_f_flat": "Flat amount",
	"aud_f_payments": "Payments", "aud_f_duration_months": "Months paid (0: lifetime)", "aud_f_tiers": "Tiers",
	"aud_f_flags": "Flags", "aud_f_commissions": "Commissions",
}, map[string]string{
	"aud_e_partner": "Партнёр", "aud_e_payout": "Выплата", "aud_e_plan": "Тариф", "aud_e_plan_version": "Версия тарифа",
	"aud_e_user": "Пользователь", "aud_e_customer": "Клиент", "aud_e_lead_registration": "Регистрация лида",
	"aud_e_settings": "Настройки программы", "aud_e_api_key": "API-ключ", "aud_e_material": "Промоматериалы",
	"aud_e_commission": "Вознаграждение", "aud_e_billing_stripe": "Биллинг: Stripe",

	"aud_f_status": "Статус", "aud_f_reason": "Причина", "aud_f_reference": "Номер платежа",
	"aud_f_four_eyes_waived": "Одобрил и выплатил один человек", "aud_f_amount": "Сумма", "aud_f_currency": "Валюта",
	"aud_f_entry": "Проводка", "aud_f_partner_type_id": "Тип партнёра", "aud_f_plan_version_id": "Версия тарифа",
	"aud_f_contract_id": "Договор", "aud_f_starts_at": "Начало", "aud_f_default_link": "Основная ссылка",
	"aud_f_certified_at": "Сертифицирован", "aud_f_recruiter_id": "Пригласил", "aud_f_partner_id": "Партнёр",
	"aud_f_source": "Источник", "aud_f_bound_at": "Закреплён", "aud_f_external_id": "Внешний ID", "aud_f_enabled": "Включено",
	"aud_f_products": "Продукты", "aud_f_flagged": "На проверке", "aud_f_kind": "Вид", "aud_f_title": "Заголовок",
	"aud_f_image_type": "Тип изображения", "aud_f_image_bytes": "Размер изображения, байт", "aud_f_name": "Название",
	"aud_f_contact_name": "Контактное лицо", "aud_f_contact_phone": "Телефон", "aud_f_website": "Сайт",
	"aud_f_promotion": "Способ продвижения", "aud_f_plan_id": "Тариф", "aud_f_version": "Версия", "aud_f_notes": "Примечания",
	"aud_f_copied_from": "Скопирована из версии", "aud_f_rule": "Правило", "aud_f_position": "Позиция", "aud_f_rules": "Правила",
	"aud_f_postback_url": "URL постбэка", "aud_f_promo_code": "Промокод", "aud_f_label": "Подпись",
	"aud_f_discount": "Скидка", "aud_f_valid_from": "Действует с", "aud_f_valid_until": "Действует до",
	"aud_f_max_uses": "Лимит использований", "aud_f_note": "Комментарий", "aud_f_prefix": "Префикс ключа", "aud_f_revoked": "Отозван",
	"aud_f_email": "Эл. почта", "aud_f_role": "Роль", "aud_f_disabled": "Отключён", "aud_f_expires_at": "Истекает",
	"aud_f_description": "Описание", "aud_f_invited_by": "Пригласил", "aud_f_value": "Значение", "aud_f_user_id": "Пользователь", "aud_f_payout_id": "Выплата",
	"aud_f_default_currency": "Основная валюта", "aud_f_default_landing_url": "Посадочная страница по умолчанию",
	"aud_f_allowed_domains": "Разрешённые домены", "aud_f_attribution_window_days": "Окно атрибуции, дней",
	"aud_f_attribution_model": "Модель атрибуции", "aud_f_hold_days": "Холд, дней",
	"aud_f_registration_protection_days": "Защита регистрации лида, дней", "aud_f_cookie_name": "Имя cookie",
	"aud_f_cookie_domain": "Домен cookie", "aud_f_click_param": "Параметр перехода",
	"aud_f_allow_self_referral": "Самоприглашение разрешено", "aud_f_terms": "Условия программы",
	"aud_f_four_eyes_payouts": "Выплата требует второго человека", "aud_f_allow_code_requests": "Партнёры могут запрашивать промокоды",
	"aud_f_min_payout_in": "Минимальная выплата, %s",
	"aud_f_id":            "ID", "aud_f_event": "Событие", "aud_f_level": "Линия", "aud_f_percent": "Процент", "aud_f_flat": "Фиксированная сумма",
	"aud_f_payments": "Платежи", "aud_f_duration_months": "Месяцев выплат (0 — бессрочно)", "aud_f_tiers": "Уровни",
	"aud_f_flags": "Флаги", "aud_f_commissions": "Вознаграждения",
})
