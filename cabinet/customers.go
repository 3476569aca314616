package cabinet

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
)

type registrationForm struct{ Company, ContactName, Email, Phone, Comment, Website string }

// LeadRegistration is what a partner fills in to register a lead by hand.
type LeadRegistration = partnerka.LeadRegistration

// customers lists the partner's customers with where they came from and
// what they paid and earned, the partner's lead registrations, and the
// form to register a lead by hand.
func (s *Server) customers(c *fiber.Ctx) error {
	return s.renderCustomers(c, registrationForm{}, nil, fiber.StatusOK)
}

func (s *Server) renderCustomers(c *fiber.Ctx, form registrationForm, formErr error, status int) error {
	u := web.CurrentUser(c)
	cs, rs, err := s.DB.PartnerCustomers(c.UserContext(), *u.PartnerID)
	if err != nil {
		return err
	}
	var rows []fiber.Map
	for _, cu := range cs {
		row := fiber.Map{"ID": cu.ExternalID, "Email": maskEmail(cu.Email), "Payments": web.FormatInt(cu.Payments, u.Locale)}
		if cu.Source != nil {
			row["Source"] = web.T(u.Locale, "src_"+*cu.Source)
		}
		if cu.BoundAt != nil {
			row["Bound"] = web.FormatDate(*cu.BoundAt, u.Locale)
		}
		if cu.FirstPayment != nil {
			row["First"] = web.FormatDate(*cu.FirstPayment, u.Locale)
		}
		if cu.Currency != "" {
			row["Total"] = web.FormatMoney(partnerka.Money{Amount: cu.TotalPaid, Currency: cu.Currency}, u.Locale)
			row["Earned"] = web.FormatMoney(partnerka.Money{Amount: cu.Earned, Currency: cu.Currency}, u.Locale)
		}
		rows = append(rows, row)
	}
	var regs []fiber.Map
	for _, r := range rs {
		regs = append(regs, fiber.Map{"Company": r.Company, "Email": r.Email, "Domain": r.CompanyDomain, "Status": web.T(u.Locale, "reg_"+r.Status),
			"Until": web.FormatDate(r.ProtectedUntil, u.Locale), "Reason": r.Reason})
	}
	data := fiber.Map{"Customers": rows, "Registrations": regs, "Form": form}
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

// maskEmail shows enough of an email to recognise it: "an***@corp.example".
func maskEmail(e string) string {
	at := strings.IndexByte(e, '@')
	if at < 0 {
		return ""
	}
	keep := min(2, at)
	return e[:keep] + "***" + e[at:]
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
})
