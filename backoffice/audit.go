package backoffice

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

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
	ctx := c.UserContext()
	form := auditForm{Actor: strings.TrimSpace(c.Query("actor")), Action: strings.TrimSpace(c.Query("action")),
		Entity: strings.TrimSpace(c.Query("entity")), EntityID: strings.TrimSpace(c.Query("entity_id")),
		From: strings.TrimSpace(c.Query("from")), To: strings.TrimSpace(c.Query("to"))}
	f := storage.AuditFilter{Action: form.Action, Entity: form.Entity, EntityID: form.EntityID, Limit: auditPageSize}
	f.Before, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	var formErr error
	if strings.Contains(form.Actor, "@") {
		id, err := s.DB.AuditActorByEmail(ctx, form.Actor)
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
	staff, err := s.DB.AuditStaff(ctx)
	if err != nil {
		return err
	}
	data := fiber.Map{"Form": form, "StaffEmails": staff, "Zone": loc.String(), "ErrorField": ""}
	if formErr != nil {
		field := partnerka.ErrorField(formErr)
		data["Error"], data["ErrorField"] = web.T(lc, "aud_err_"+field), field
		return c.Status(fiber.StatusUnprocessableEntity).Type("html").Send(s.Page(c, "admin_audit", lc, web.T(lc, "audit_log"), data))
	}
	records, next, err := s.DB.AuditLog(ctx, f)
	if err != nil {
		return err
	}
	type entry struct {
		ID                         int64
		When, Who, Actor, Action   string
		Entity, EntityID, Link, IP string
		Changes                    []auditChange
	}
	var entries []entry
	for _, r := range records {
		e := entry{ID: r.ID, When: web.FormatDate(r.At.In(loc), lc) + " " + r.At.In(loc).Format("15:04:05"),
			Who: r.Actor, Actor: r.Actor, Action: r.Action, Entity: r.Entity, EntityID: r.EntityID, IP: r.IP,
			Link: auditLink(r.Entity, r.EntityID), Changes: auditChanges(r.Before, r.After)}
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

// auditLink is the admin page of an entity, where there is one.
func auditLink(entity, id string) string {
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return ""
	}
	switch entity {
	case "partner":
		return "/admin/partners/" + id
	case "payout":
		return "/admin/payouts/" + id
	}
	return ""
}

// auditChange is one key of an audit record: its value before and after.
// Unchanged keys are context (Changed false, New holds the value).
type auditChange struct {
	Key, Old, New string
	Changed       bool
}

// auditChanges turns an entry's before and after into readable
// "key: old → new" lines, keys in order. A key the action set without a
// value (absent before, empty after) says nothing and is left out.
func auditChanges(before, after json.RawMessage) []auditChange {
	b, hasB := auditObject(before)
	a, hasA := auditObject(after)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []auditChange
	for _, k := range sorted {
		ov, inB := b[k]
		nv, inA := a[k]
		switch {
		case !hasB: // a creation: what it was made with
			if !auditEmpty(nv) {
				out = append(out, auditChange{Key: k, New: auditValue(nv)})
			}
		case !hasA: // a removal: what was there
			out = append(out, auditChange{Key: k, New: auditValue(ov)})
		case !inB && auditEmpty(nv):
		case inB && inA && bytes.Equal(auditJSON(ov), auditJSON(nv)):
			out = append(out, auditChange{Key: k, New: auditValue(nv)})
		default:
			out = append(out, auditChange{Key: k, Old: auditValue(ov), New: auditValue(nv), Changed: true})
		}
	}
	return out
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
	"aud_err_action": "A filter is at most 200 characters.",
}, map[string]string{
	"aud_actor": "Кто (эл. почта или system)", "aud_action": "Действие начинается с", "aud_entity": "Объект", "aud_entity_id": "ID объекта",
	"aud_from": "С", "aud_to": "По (включительно)", "aud_filter": "Найти", "aud_clear": "Сбросить",
	"aud_when": "Когда", "aud_who": "Кто", "aud_what": "Что", "aud_changes": "Было → стало",
	"aud_older": "Более ранние записи", "aud_newest": "Самые новые записи", "aud_empty": "Записей не найдено.",
	"aud_err_from": "С: день в виде ГГГГ-ММ-ДД.", "aud_err_to": "По: день в виде ГГГГ-ММ-ДД, не раньше первого.",
	"aud_err_action": "Фильтр — не больше 200 символов.",
})
