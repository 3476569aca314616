package cabinet

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

type registrationForm struct{ Company, ContactName, Email, Phone, Comment, Website string }

// LeadRegistration is what a partner fills in to register a lead by hand.
type LeadRegistration = partnerka.LeadRegistration

// customers lists the partner's customers (searched, sorted and paged)
// with where each came from and what it paid and earned per currency,
// the partner's lead registrations with their status (paged too), and
// the form to register a lead by hand.
func (s *Server) customers(c *fiber.Ctx) error {
	return s.renderCustomers(c, registrationForm{}, nil, fiber.StatusOK)
}

// customerQuery is what the customers page was asked to show.
type customerQuery struct {
	storage.CustomerFilter
	Q, Sort     string // as typed and as chosen, for the form and the links
	Page, RPage int    // of the customers and of the registrations
}

// readCustomerQuery reads ?q= (part of what the page shows of a
// customer), ?sort= (newest, oldest, or paid-XXX: most paid in currency
// XXX, the program's main currency for "paid") and the pages. Anything
// else is the default: newest first, page 1.
func readCustomerQuery(c *fiber.Ctx, mainCurrency string) customerQuery {
	q := customerQuery{Q: strings.TrimSpace(c.Query("q")), Sort: c.Query("sort"), Page: web.PageParam(c, "page"), RPage: web.PageParam(c, "rpage")}
	q.Search = strings.ToLower(q.Q)
	switch cur, paid := strings.CutPrefix(q.Sort, storage.CustomersPaid+"-"); {
	case q.Sort == storage.CustomersOldest:
		q.CustomerFilter.Sort = storage.CustomersOldest
	case paid && partnerka.ValidCurrency(cur):
		q.CustomerFilter.Sort, q.Currency = storage.CustomersPaid, cur
	case q.Sort == storage.CustomersPaid:
		q.CustomerFilter.Sort, q.Currency, q.Sort = storage.CustomersPaid, mainCurrency, storage.CustomersPaid+"-"+mainCurrency
	default:
		q.CustomerFilter.Sort, q.Sort = storage.CustomersNewest, storage.CustomersNewest
	}
	return q
}

// keep is the query as links to other pages of the lists keep it.
func (q customerQuery) keep() url.Values {
	v := url.Values{}
	if q.Q != "" {
		v.Set("q", q.Q)
	}
	if q.Sort != storage.CustomersNewest {
		v.Set("sort", q.Sort)
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	if q.RPage > 1 {
		v.Set("rpage", strconv.Itoa(q.RPage))
	}
	return v
}

// csvPath is the export of the list as searched and sorted.
func (q customerQuery) csvPath() string {
	v := q.keep()
	v.Del("page")
	v.Del("rpage")
	if len(v) == 0 {
		return "/customers.csv"
	}
	return "/customers.csv?" + v.Encode()
}

func (s *Server) renderCustomers(c *fiber.Ctx, form registrationForm, formErr error, status int) error {
	u := web.CurrentUser(c)
	ctx, db := c.UserContext(), s.Read(c)
	st, err := db.Settings(ctx)
	if err != nil {
		return err
	}
	q := readCustomerQuery(c, st.DefaultCurrency)
	cs, total, err := db.CabinetCustomers(ctx, *u.PartnerID, q.CustomerFilter, listPageRows, offset(q.Page))
	if err != nil {
		return err
	}
	rs, rtotal, err := db.CabinetRegistrations(ctx, *u.PartnerID, listPageRows, offset(q.RPage))
	if err != nil {
		return err
	}
	if status == fiber.StatusOK && (len(cs) == 0 && q.Page > 1 || len(rs) == 0 && q.RPage > 1) {
		// A page past the end (the list got shorter): its last page.
		keep := q.keep()
		for param, n := range map[string]int64{"page": total, "rpage": rtotal} {
			if last := lastPage(n); last > 1 {
				keep.Set(param, strconv.Itoa(last))
			} else {
				keep.Del(param)
			}
		}
		return c.Redirect("/customers?"+keep.Encode(), fiber.StatusSeeOther)
	}
	loc := web.UserLoc(u)
	data := fiber.Map{"Form": form, "Q": q.Q, "Sort": q.Sort,
		"Sorts": s.customerSorts(ctx, db, q, st.DefaultCurrency, cs, u.Locale), "CSV": q.csvPath()}
	var rows []fiber.Map
	for _, cu := range cs {
		rows = append(rows, customerView(cu, st.DefaultCurrency, loc, u.Locale))
	}
	data["Customers"] = rows
	if len(rows) > 0 {
		data["Pager"] = pager(u.Locale, q.Page, len(rows), total, "/customers", q.keep(), "page")
	} else if q.Q != "" {
		data["NoMatch"] = fmt.Sprintf(web.T(u.Locale, "cust_no_match"), q.Q)
	}
	var regs []fiber.Map
	now := s.Now()
	for _, r := range rs {
		state := r.Status
		if (state == "pending" || state == "approved") && !r.ProtectedUntil.After(now) {
			state = "expired" // its protection lapsed before it became a customer
		}
		regs = append(regs, fiber.Map{"Company": r.Company, "Contact": r.ContactName, "Email": r.Email, "Domain": r.CompanyDomain,
			"Status": web.T(u.Locale, "reg_"+state), "StatusClass": registrationClass[state], "Reason": r.Reason,
			"Created": web.FormatDate(r.CreatedAt.In(loc), u.Locale), "Until": web.FormatDate(r.ProtectedUntil.In(loc), u.Locale)})
	}
	data["Registrations"] = regs
	if len(regs) > 0 {
		data["RegPager"] = pager(u.Locale, q.RPage, len(regs), rtotal, "/customers", q.keep(), "rpage")
	}
	if until := c.Query("registered"); until != "" {
		if t, err := time.Parse("2006-01-02", until); err == nil {
			data["Registered"] = fmt.Sprintf(web.T(u.Locale, "registered"), web.FormatDate(t, u.Locale))
		}
	}
	if formErr != nil {
		data["Error"], data["ErrorField"] = web.ErrorText(u.Locale, formErr), partnerka.ErrorField(formErr)
		var taken *partnerka.RegistrationTaken
		switch f := partnerka.ErrorField(formErr); {
		case errors.As(formErr, &taken):
			data["Error"] = takenMessage(taken, u)
		case f == "website" && strings.TrimSpace(form.Website) == "":
			data["Error"] = web.T(u.Locale, "reg_err_no_match")
		case f != "":
			data["Error"] = web.T(u.Locale, "reg_err_"+f)
		}
	}
	return c.Status(status).Type("html").Send(s.Page(c, "customers", u.Locale, web.T(u.Locale, "customers_page"), data))
}

// registrationClass colours a registration's status in the one status
// vocabulary: waiting amber, approved blue, a customer green, refused
// red, lapsed grey.
var registrationClass = map[string]string{"pending": "pending", "approved": "approved", "bound": "available",
	"rejected": "rejected", "expired": "cancelled"}

// customerSorts are the orders the page offers: newest, oldest, and most
// paid in each of the program's currencies (the main one first) and any
// the page shows.
func (s *Server) customerSorts(ctx context.Context, db *storage.DB, q customerQuery, main string, cs []storage.CabinetCustomer, locale string) []fiber.Map {
	curs := []string{main}
	if mins, err := db.MinPayouts(ctx); err == nil {
		for _, m := range mins {
			curs = append(curs, m.Currency)
		}
	}
	for _, cu := range cs {
		for _, m := range cu.Money {
			curs = append(curs, m.Currency)
		}
	}
	if q.Currency != "" {
		curs = append(curs, q.Currency)
	}
	slices.Sort(curs[1:])
	out := []fiber.Map{{"Value": storage.CustomersNewest, "Label": web.T(locale, "cust_sort_newest")},
		{"Value": storage.CustomersOldest, "Label": web.T(locale, "cust_sort_oldest")}}
	seen := map[string]bool{}
	for _, cur := range curs {
		if !seen[cur] {
			seen[cur] = true
			out = append(out, fiber.Map{"Value": storage.CustomersPaid + "-" + cur, "Label": fmt.Sprintf(web.T(locale, "cust_sort_paid"), cur)})
		}
	}
	for _, o := range out {
		o["Selected"] = o["Value"] == q.Sort
	}
	return out
}

// customerView is one customer's row: its money one figure per currency
// (the main currency first), never one code over several currencies.
func customerView(cu storage.CabinetCustomer, main string, loc *time.Location, locale string) fiber.Map {
	row := fiber.Map{"ID": cu.ExternalID, "Email": cu.Email, "Source": bindingSource(cu.CustomerLine, locale),
		"Bound": web.FormatDate(cu.BoundAt.In(loc), locale)}
	money := slices.Clone(cu.Money)
	slices.SortStableFunc(money, func(a, b storage.CustomerMoney) int {
		return cmpBool(b.Currency == main, a.Currency == main)
	})
	var payments int64
	var first *time.Time
	var paid, earned []string
	for _, m := range money {
		payments += m.Payments
		if m.FirstPayment != nil && (first == nil || m.FirstPayment.Before(*first)) {
			first = m.FirstPayment
		}
		if m.Payments > 0 {
			paid = append(paid, web.FormatMoney(partnerka.Money{Amount: m.Paid, Currency: m.Currency}, locale))
		}
		if !m.Earned.IsZero() {
			earned = append(earned, web.FormatMoney(partnerka.Money{Amount: m.Earned, Currency: m.Currency}, locale))
		}
	}
	row["Payments"], row["Paid"], row["Earned"] = web.FormatInt(payments, locale), paid, earned
	if first != nil {
		row["First"] = web.FormatDate(first.In(loc), locale)
	}
	return row
}

// cmpBool orders false before true.
func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// bindingSource says what bound the customer to the partner, each way in
// its own words: a click on one of the partner's referral links, their
// referral code, a promo code, their lead registration, or the program's
// manager.
func bindingSource(cu storage.CustomerLine, locale string) string {
	switch cu.Source {
	case "click":
		if cu.LinkCode == "" {
			return web.T(locale, "bind_click_any")
		}
		link := cu.LinkCode
		if cu.LinkLabel != "" {
			link += " (" + cu.LinkLabel + ")"
		}
		return fmt.Sprintf(web.T(locale, "bind_click"), link)
	case "partner_ref":
		return fmt.Sprintf(web.T(locale, "bind_partner_ref"), cu.PartnerRef)
	case "promo_code":
		if cu.PromoCode == "" {
			return web.T(locale, "bind_promo_any")
		}
		return fmt.Sprintf(web.T(locale, "bind_promo_code"), cu.PromoCode)
	case "registration":
		if cu.Registration == "" {
			return web.T(locale, "bind_registration_any")
		}
		return fmt.Sprintf(web.T(locale, "bind_registration"), cu.Registration)
	case "manual":
		return web.T(locale, "bind_manual")
	}
	return cu.Source
}

// customersCSV exports the customers the page's search matches, in its
// order: a line per customer and currency it paid or earned in (one with
// no currency for a customer with neither), plain numbers, the email
// masked as the page shows it.
func (s *Server) customersCSV(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	st, err := s.DB.Settings(c.UserContext())
	if err != nil {
		return err
	}
	partnerID, loc, locale := *u.PartnerID, web.UserLoc(u), strings.Clone(u.Locale)
	f := readCustomerQuery(c, st.DefaultCurrency).CustomerFilter
	f.Search, f.Currency = strings.Clone(f.Search), strings.Clone(f.Currency) // the writer runs after the handler
	return s.StreamCSV(c, web.CSVOwner(c), "customers.csv", func(ctx context.Context, w *csv.Writer) error {
		if err := w.Write([]string{"customer", "email", "source", "source_detail", "bound_at", "currency", "payments", "first_payment", "paid", "earned"}); err != nil {
			return err
		}
		return s.DB.EachCabinetCustomer(ctx, partnerID, f, func(l storage.CustomerLine) error {
			rec := []string{web.CSVSafe(l.ExternalID), web.CSVSafe(l.Email), l.Source, web.CSVSafe(bindingSource(l, locale)),
				l.BoundAt.In(loc).Format(time.RFC3339), l.Currency, "", "", "", ""}
			if l.Currency != "" {
				n, _ := partnerka.MinorUnits(l.Currency)
				rec[6], rec[8], rec[9] = strconv.FormatInt(l.Payments, 10), l.Paid.StringFixed(n), l.Earned.StringFixed(n)
				if l.FirstPayment != nil {
					rec[7] = l.FirstPayment.In(loc).Format(time.RFC3339)
				}
			}
			return w.Write(rec)
		})
	})
}

// registerLead registers a prospect by hand; another partner's protection
// is refused with the date it ends.
func (s *Server) registerLead(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	form := registrationForm{Company: c.FormValue("company"), ContactName: c.FormValue("contact_name"),
		Email: c.FormValue("email"), Phone: c.FormValue("phone"), Comment: c.FormValue("comment"), Website: c.FormValue("website")}
	until, err := s.RegisterLead(c.UserContext(), *u.PartnerID, LeadRegistration(form), s.Now())
	if err != nil {
		if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
			return err
		}
		return s.renderCustomers(c, form, err, fiber.StatusUnprocessableEntity)
	}
	return c.Redirect("/customers?registered="+until.Format("2006-01-02"), fiber.StatusSeeOther)
}

// takenMessage says, in the partner's language, whose the prospect is and
// until when (that day in the partner's time zone).
func takenMessage(t *partnerka.RegistrationTaken, u *partnerka.User) string {
	switch {
	case t.Until.IsZero():
		return web.T(u.Locale, "reg_err_bound")
	case t.Domain != "":
		return fmt.Sprintf(web.T(u.Locale, "reg_err_taken_domain"), t.Domain, web.FormatDate(t.Until.In(web.UserLoc(u)), u.Locale))
	}
	return fmt.Sprintf(web.T(u.Locale, "reg_err_taken_email"), web.FormatDate(t.Until.In(web.UserLoc(u)), u.Locale))
}

var _ = web.AddMessages(map[string]string{
	"website_domain":       "Company website",
	"reg_help":             "Give the prospect's email, or the company's website: a lead whose email is at that domain is yours while the registration protects it. A company name alone matches no one.",
	"reg_err_no_match":     "Enter the prospect's email or the company's website: a company name alone matches no lead.",
	"reg_err_website":      "Enter the company's website, such as acme.com or https://acme.com (not a public mailbox such as gmail.com).",
	"reg_err_email":        "Enter an email such as name@company.com.",
	"reg_err_company":      "The company name is longer than 200 characters.",
	"reg_err_contact_name": "The contact's name is longer than 200 characters.",
	"reg_err_phone":        "The phone is longer than 200 characters.",
	"reg_err_comment":      "The comment is longer than 2000 characters.",
	"reg_err_bound":        "This customer is already attributed in the program.",
	"reg_err_taken_email":  "This email is registered by another partner and protected until %s.",
	"reg_err_taken_domain": "The company domain %s is registered by another partner and protected until %s.",

	"cust_search":           "Search",
	"cust_search_help":      "Part of the customer's ID or of the email as shown",
	"cust_sort":             "Order",
	"cust_sort_newest":      "Newest first",
	"cust_sort_oldest":      "Oldest first",
	"cust_sort_paid":        "Most paid, %s",
	"cust_clear":            "Clear",
	"cust_no_match":         "No customer matches “%s”.",
	"cust_paid_note":        "Payments since the customer was bound to you, each currency on its own line; earned is net of reversals.",
	"bind_click":            "click on your referral link %s",
	"bind_click_any":        "click on your referral link",
	"bind_partner_ref":      "your referral code %s",
	"bind_promo_code":       "promo code %s",
	"bind_promo_any":        "promo code",
	"bind_registration":     "your lead registration: %s",
	"bind_registration_any": "your lead registration",
	"bind_manual":           "assigned to you by the program's manager",
	"reg_expired":           "protection expired",
	"reg_registered":        "Registered on",
	"reg_protected":         "Protected until",
	"reg_reason":            "Reason",
}, map[string]string{
	"website_domain":       "Сайт компании",
	"reg_help":             "Укажите email клиента или сайт компании: лид с email на этом домене ваш, пока действует защита регистрации. Одно название компании ни с кем не совпадёт.",
	"reg_err_no_match":     "Укажите email клиента или сайт компании: одно название компании не совпадёт ни с одним лидом.",
	"reg_err_website":      "Укажите сайт компании, например acme.com или https://acme.com (не почтовый сервис вроде gmail.com).",
	"reg_err_email":        "Введите email, например name@company.com.",
	"reg_err_company":      "Название компании длиннее 200 символов.",
	"reg_err_contact_name": "Имя контакта длиннее 200 символов.",
	"reg_err_phone":        "Телефон длиннее 200 символов.",
	"reg_err_comment":      "Комментарий длиннее 2000 символов.",
	"reg_err_bound":        "Этот клиент уже закреплён в программе.",
	"reg_err_taken_email":  "Этот email зарегистрировал другой партнёр, он закреплён за ним до %s.",
	"reg_err_taken_domain": "Домен компании %s зарегистрировал другой партнёр, он закреплён за ним до %s.",

	"cust_search":           "Поиск",
	"cust_search_help":      "Часть ID клиента или email в том виде, в каком он показан",
	"cust_sort":             "Порядок",
	"cust_sort_newest":      "Сначала новые",
	"cust_sort_oldest":      "Сначала старые",
	"cust_sort_paid":        "Больше всего оплат, %s",
	"cust_clear":            "Сбросить",
	"cust_no_match":         "Нет клиентов, подходящих под «%s».",
	"cust_paid_note":        "Платежи с момента закрепления клиента за вами, каждая валюта отдельной строкой; вознаграждение — за вычетом сторно.",
	"bind_click":            "переход по вашей реферальной ссылке %s",
	"bind_click_any":        "переход по вашей реферальной ссылке",
	"bind_partner_ref":      "ваш реферальный код %s",
	"bind_promo_code":       "промокод %s",
	"bind_promo_any":        "промокод",
	"bind_registration":     "ваша регистрация лида: %s",
	"bind_registration_any": "ваша регистрация лида",
	"bind_manual":           "закреплён за вами менеджером программы",
	"reg_expired":           "защита истекла",
	"reg_registered":        "Дата регистрации",
	"reg_protected":         "Закреплён до",
	"reg_reason":            "Причина",
})
