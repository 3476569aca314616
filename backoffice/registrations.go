package backoffice

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// adminRegistrations is the managers' queue of hand-registered leads.
func (s *Server) adminRegistrations(c *fiber.Ctx) error {
	return s.renderRegistrations(c, 0, nil, fiber.StatusOK)
}

func (s *Server) renderRegistrations(c *fiber.Ctx, failedID int64, formErr error, status int) error {
	u := web.CurrentUser(c)
	st := c.Query("status", "pending")
	if st != "pending" && st != "approved" && st != "rejected" && st != "bound" {
		st = "pending"
	}
	page := pageNumber(c)
	rows, total, err := s.DB.AdminRegistrations(c.UserContext(), st, listPage, (page-1)*listPage)
	if err != nil {
		return err
	}
	if len(rows) == 0 && page > 1 && status == fiber.StatusOK {
		// A page past the end (decisions shortened the queue): its last page.
		return c.Redirect("/admin/registrations?"+url.Values{"status": {st}}.Encode(), fiber.StatusSeeOther)
	}
	loc := web.UserLoc(u)
	var out []fiber.Map
	for _, r := range rows {
		out = append(out, fiber.Map{"R": r, "Created": web.FormatDate(r.CreatedAt.In(loc), u.Locale),
			"Until": web.FormatDate(r.ProtectedUntil.In(loc), u.Locale), "Failed": r.ID == failedID})
	}
	var tabs []fiber.Map
	for _, t := range []string{"pending", "approved", "rejected", "bound"} {
		tabs = append(tabs, fiber.Map{"Status": t, "Label": web.T(u.Locale, "reg_"+t), "Current": t == st})
	}
	data := fiber.Map{"Rows": out, "Tabs": tabs, "Pending": st == "pending",
		"Pager": pagerView("/admin/registrations", url.Values{"status": {st}}, page, len(rows), total, u.Locale)}
	if formErr != nil {
		data["Error"] = web.ErrorText(u.Locale, formErr)
	}
	if c.Query("done") == "1" {
		data["Flash"] = "done_registration"
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_registrations", u.Locale, web.T(u.Locale, "lead_registrations"), data))
}

// decideRegistration approves or rejects (with a reason) a pending
// registration; a rejected one stops protecting the prospect at once.
func (s *Server) decideRegistration(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	decision := c.FormValue("decision")
	reason := strings.TrimSpace(c.FormValue("reason"))
	switch {
	case decision != "approved" && decision != "rejected":
		err = partnerka.FieldError("decision", "approve or reject")
	case decision == "rejected" && !validReason(reason):
		err = errReason
	default:
		err = s.DB.DecideRegistration(c.UserContext(), id, decision, reason, s.Actor(c), s.Now())
	}
	switch partnerka.ErrorCode(err) {
	case "":
		s.forgetBadges()
		return c.Redirect("/admin/registrations?done=1", fiber.StatusSeeOther)
	case partnerka.EINVALID:
		return s.renderRegistrations(c, id, err, fiber.StatusUnprocessableEntity)
	}
	return err
}

func (s *Server) customerViews(c *fiber.Ctx, rows []storage.CustomerRow) []fiber.Map {
	u := web.CurrentUser(c)
	loc := web.UserLoc(u)
	var out []fiber.Map
	for _, r := range rows {
		v := fiber.Map{"C": r, "Source": "", "Bound": ""}
		if r.Source != "" {
			v["Source"] = web.T(u.Locale, "src_"+r.Source)
		}
		if r.BoundAt != nil {
			v["Bound"] = web.FormatDate(r.BoundAt.In(loc), u.Locale)
		}
		out = append(out, v)
	}
	return out
}

// adminCustomer shows a customer's binding and the evidence trail behind
// it, with the form to reassign them.
func (s *Server) adminCustomer(c *fiber.Ctx) error {
	return s.renderCustomer(c, nil, "", fiber.StatusOK)
}

func (s *Server) renderCustomer(c *fiber.Ctx, formErr error, partnerRef string, status int) error {
	u := web.CurrentUser(c)
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	db := s.Read(c)
	found, err := db.CustomerByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	decisions, err := db.CustomerTrail(c.UserContext(), id)
	if err != nil {
		return err
	}
	loc := web.UserLoc(u)
	var trail []fiber.Map
	for _, d := range decisions {
		at := d.DecidedAt
		if d.OccurredAt != nil {
			at = *d.OccurredAt
		}
		source := ""
		if d.Source != "" {
			source = web.T(u.Locale, "src_"+d.Source)
		}
		trail = append(trail, fiber.Map{"At": web.FormatDateTime(at.In(loc), u.Locale), "D": d,
			"Reason": web.AttributionReason(u.Locale, d.Reason), "Source": source,
			"Detail": web.AttributionText(u.Locale, loc, d.Detail)})
	}
	data := fiber.Map{"View": s.customerViews(c, []storage.CustomerRow{*found})[0], "Trail": trail, "PartnerRef": partnerRef}
	if formErr != nil {
		data["Error"] = web.ErrorText(u.Locale, formErr)
	}
	if c.Query("done") == "1" {
		data["Flash"] = "done_reassign"
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_customer", u.Locale, found.ExternalID, data))
}

// reassignCustomer moves a customer to another partner from now on, with
// a reason; audited and kept in the customer's evidence trail.
func (s *Server) reassignCustomer(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(c.FormValue("partner"))
	reason := strings.TrimSpace(c.FormValue("reason"))
	err = func() error {
		if !validReason(reason) {
			return errReason
		}
		p, err := s.DB.PartnerByRef(c.UserContext(), ref)
		if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
			return partnerka.FieldError("partner", "no partner has the ref %q", ref)
		} else if err != nil {
			return err
		}
		if p.Status != partnerka.PartnerActive {
			return partnerka.FieldError("partner", "%s is %s; only active partners take customers", p.Name, p.Status)
		}
		return s.DB.ReassignCustomer(c.UserContext(), id, p.ID, reason, s.Now(), s.Actor(c))
	}()
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect("/admin/customers/"+strconv.FormatInt(id, 10)+"?done=1", fiber.StatusSeeOther)
	case partnerka.EINVALID:
		return s.renderCustomer(c, err, ref, fiber.StatusUnprocessableEntity)
	case partnerka.ECONFLICT:
		return s.renderCustomer(c, err, ref, fiber.StatusConflict)
	}
	return err
}

var _ = web.AddMessages(map[string]string{
	"reg_bound_to": "already a customer of %s", "decision": "Decision", "done_registration": "The decision is saved.",
	"no_registrations": "Nothing here.", "find_customer": "Find a customer", "customer_q": "Customer id or email",
	"no_customer_found": "No customer matches.", "unbound": "not bound", "evidence_trail": "Evidence trail",
	"reassign": "Reassign to another partner", "partner_ref": "Partner ref", "reassign_hint": "From now on: purchases after this moment earn for the new partner; what the current partner earned stays theirs.",
	"done_reassign": "The customer is reassigned; the decision is in the evidence trail and the audit log.",
	"decided_by":    "decided by", "first_seen": "First seen",
}, map[string]string{
	"reg_bound_to": "уже клиент партнёра %s", "decision": "Решение", "done_registration": "Решение сохранено.",
	"no_registrations": "Здесь пусто.", "find_customer": "Найти клиента", "customer_q": "Id клиента или эл. почта",
	"no_customer_found": "Клиент не найден.", "unbound": "не закреплён", "evidence_trail": "История атрибуции",
	"reassign": "Передать другому партнёру", "partner_ref": "Код партнёра", "reassign_hint": "С этого момента: покупки после него приносят вознаграждение новому партнёру; заработанное текущим партнёром остаётся за ним.",
	"done_reassign": "Клиент передан; решение записано в историю атрибуции и журнал действий.",
	"decided_by":    "решил", "first_seen": "Впервые замечен",
})
