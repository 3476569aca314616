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

// adminCustomers finds customers by id or email, a partner's customers
// (?partner=<id> from the partner's page, or a ref typed in the form), or
// both: a page at a time, latest bound first, with the total found.
func (s *Server) adminCustomers(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx, db := c.UserContext(), s.Read(c)
	q := strings.TrimSpace(c.Query("q"))
	ref := strings.TrimSpace(c.Query("ref"))
	data := fiber.Map{"Q": q, "Ref": ref}
	var partner *partnerka.Partner
	var err error
	switch {
	case c.Query("partner") != "":
		id, perr := strconv.ParseInt(c.Query("partner"), 10, 64)
		if perr != nil || id <= 0 {
			return fiber.ErrNotFound
		}
		if partner, err = db.PartnerByID(ctx, id); err != nil {
			return err
		}
	case ref != "":
		if partner, err = db.PartnerByRef(ctx, ref); partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
			data["Error"] = web.ErrorText(u.Locale, partnerka.FieldError("ref", "no partner has the ref %q", ref))
			return c.Status(fiber.StatusUnprocessableEntity).Type("html").Send(s.Page(c, "admin_customers", u.Locale, web.T(u.Locale, "customers"), data))
		} else if err != nil {
			return err
		}
	}
	if q == "" && partner == nil {
		return c.Type("html").Send(s.Page(c, "admin_customers", u.Locale, web.T(u.Locale, "customers"), data))
	}
	f := storage.AdminCustomerFilter{Q: q, Limit: listPage}
	query := url.Values{}
	if q != "" {
		query.Set("q", q)
	}
	if partner != nil {
		f.PartnerID = partner.ID
		query.Set("partner", strconv.FormatInt(partner.ID, 10))
		data["Partner"], data["Ref"] = partner, partner.Ref
	}
	page := pageNumber(c)
	f.Offset = (page - 1) * listPage
	rows, total, err := db.FindCustomers(ctx, f)
	if err != nil {
		return err
	}
	if len(rows) == 0 && page > lastPage(total) && total > 0 {
		page = lastPage(total) // past the end (the list shrank): its last page
		f.Offset = (page - 1) * listPage
		if rows, total, err = db.FindCustomers(ctx, f); err != nil {
			return err
		}
	}
	data["Rows"], data["Searched"] = s.customerViews(c, rows), true
	data["Total"] = web.FormatInt(total, u.Locale)
	data["Pager"] = pagerView("/admin/customers", query, page, len(rows), total, u.Locale)
	title := web.T(u.Locale, "customers")
	if partner != nil {
		title = web.Tf(u.Locale, "cs_of_partner", partner.Name)
	}
	data["Heading"] = title
	return c.Type("html").Send(s.Page(c, "admin_customers", u.Locale, title, data))
}

var _ = web.AddMessages(map[string]string{
	"cs_of_partner": "Customers of %s", "cs_partner_ref": "Partner (ref)", "cs_any_partner": "all partners",
	"cs_partner_page": "Partner's page", "cs_hint": "Find a customer by their id in your system or email (three characters or more: a part of the email), or list a partner's customers by the partner's ref.",
	"cs_none_of_partner": "This partner has no customers yet.", "cs_all_of_partner": "All %s customers of this partner →",
}, map[string]string{
	"cs_of_partner": "Клиенты партнёра %s", "cs_partner_ref": "Партнёр (код)", "cs_any_partner": "все партнёры",
	"cs_partner_page": "Страница партнёра", "cs_hint": "Найдите клиента по его ID в вашей системе или email (от трёх символов — по части email) или выведите клиентов партнёра по коду партнёра.",
	"cs_none_of_partner": "У этого партнёра пока нет клиентов.", "cs_all_of_partner": "Все клиенты партнёра (%s) →",
})
