package cabinet

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// A partner whose application is not approved (waiting, or rejected)
// signs in to a cabinet of their own: the pending page (the status of the
// application, what comes next, the application to edit while it waits),
// the program's terms and its materials. Every other page of the cabinet
// sends them to the pending page: they have no links, money or customers
// to see, and may create none.

const partnerKey = "pk_partner"

// loadPartner keeps the signed-in user's partner for the request's
// handlers (requireApproved, Page).
func (s *Server) loadPartner(c *fiber.Ctx) error {
	p, err := s.DB.PartnerByID(c.UserContext(), *web.CurrentUser(c).PartnerID)
	if err != nil {
		return err
	}
	c.Locals(partnerKey, p)
	return c.Next()
}

// currentPartner is the partner loadPartner kept, or nil.
func currentPartner(c *fiber.Ctx) *partnerka.Partner {
	p, _ := c.Locals(partnerKey).(*partnerka.Partner)
	return p
}

// applicant reports whether p's application is not approved: waiting or
// rejected.
func applicant(p *partnerka.Partner) bool {
	return p != nil && (p.Status == partnerka.PartnerApplied || p.Status == partnerka.PartnerRejected)
}

// requireApproved sends an applicant to the pending page: the cabinet's
// other pages are for approved partners.
func (s *Server) requireApproved(c *fiber.Ctx) error {
	if applicant(currentPartner(c)) {
		return c.Redirect(web.ApplicantHome, fiber.StatusSeeOther)
	}
	return c.Next()
}

// Page renders a cabinet page in the site's layout; an applicant's page
// gets the applicant's navigation (and their materials page says when
// their link comes).
func (s *Server) Page(c *fiber.Ctx, name, locale, title string, data fiber.Map) []byte {
	if applicant(currentPartner(c)) {
		data["Applicant"] = true
	}
	return s.Site.Page(c, name, locale, title, data)
}

// pending shows an applicant their application.
func (s *Server) pending(c *fiber.Ctx) error {
	return s.renderPending(c, nil, nil, fiber.StatusOK)
}

// renderPending renders the pending page; after a refused edit, typed is
// what was sent and formErr why it was refused.
func (s *Server) renderPending(c *fiber.Ctx, typed *applyForm, formErr error, status int) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	a, err := s.DB.ApplicationOf(ctx, *u.PartnerID)
	if err != nil {
		return err
	}
	if !applicant(&a.Partner) {
		return c.Redirect("/dashboard", fiber.StatusSeeOther) // approved (meanwhile): the whole cabinet is theirs
	}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	types, err := s.DB.PartnerTypes(ctx)
	if err != nil {
		return err
	}
	form := applicationForm(a)
	if typed != nil {
		form = *typed
	}
	rejected := a.Status == partnerka.PartnerRejected
	data := fiber.Map{
		"Program": st.Name, "Rejected": rejected, "Reason": a.Reason, "TypeName": a.TypeName,
		"Applied": web.FormatDate(a.CreatedAt.In(web.UserLoc(u)), u.Locale), "Form": form, "Types": types,
		"Email": u.Email, "Saved": c.Query("done") == "saved", "ErrorField": "",
	}
	if formErr != nil {
		data["Error"], data["ErrorField"] = web.ErrorText(u.Locale, formErr), partnerka.ErrorField(formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "pending", u.Locale, web.T(u.Locale, "pend_title"), data))
}

// applicationForm is a stored application as the edit form shows it.
func applicationForm(a *storage.ApplicationRow) applyForm {
	f := applyForm{Kind: a.Kind, Name: a.Name, ContactName: a.ContactName, Phone: a.Phone, Website: a.Website, Promotion: a.Promotion}
	if a.PartnerTypeID != nil {
		f.PartnerType = strconv.FormatInt(*a.PartnerTypeID, 10)
	}
	return f
}

// saveApplication stores an applicant's changes to their application
// while it waits (Post/Redirect/Get); a rejected application is decided
// and stays as it was decided on.
func (s *Server) saveApplication(c *fiber.Ctx) error {
	p := currentPartner(c)
	if !applicant(p) {
		return c.Redirect("/dashboard", fiber.StatusSeeOther)
	}
	f := applicationInput(c) // the email is the account's: not edited here
	err := validateApplicationDetails(f)
	var typeID *int64
	if err == nil {
		typeID, err = f.typeID()
	}
	if err == nil {
		err = s.DB.EditApplication(c.UserContext(), p.ID, storage.ApplicationEdit{Kind: f.Kind, Name: f.Name,
			ContactName: f.ContactName, Phone: f.Phone, Website: f.Website, Promotion: f.Promotion, TypeID: typeID}, s.Actor(c))
	}
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect(web.ApplicantHome+"?done=saved", fiber.StatusSeeOther)
	case partnerka.EINVALID:
		return s.renderPending(c, &f, err, fiber.StatusUnprocessableEntity)
	case partnerka.ECONFLICT: // decided meanwhile: the page shows the decision
		return s.renderPending(c, nil, err, fiber.StatusConflict)
	}
	return err
}

// applicationInput reads the application form's fields but the email and
// password, which only applying sets.
func applicationInput(c *fiber.Ctx) applyForm {
	return applyForm{Kind: c.FormValue("kind"), Name: strings.TrimSpace(c.FormValue("name")),
		ContactName: strings.TrimSpace(c.FormValue("contact_name")), Phone: strings.TrimSpace(c.FormValue("phone")),
		Website: strings.TrimSpace(c.FormValue("website")), Promotion: strings.TrimSpace(c.FormValue("promotion")),
		PartnerType: strings.TrimSpace(c.FormValue("partner_type"))}
}

var _ = web.AddMessages(map[string]string{
	"pend_title":          "Your application",
	"pend_waiting":        "under review",
	"pend_rejected":       "not approved",
	"pend_applied_on":     "Applied on %s to the partner program “%s”.",
	"pend_asked_type":     "Partner type asked for: %s.",
	"pend_next":           "What happens next",
	"pend_next_review":    "The program's manager reads your application and chooses your partner type and plan.",
	"pend_next_email":     "You get an email at your address as soon as it is decided.",
	"pend_next_open":      "Once it is approved, this cabinet opens in full: your referral link, the dashboard, customers, earnings and payouts.",
	"pend_meanwhile":      "Meanwhile, read the program's terms and look through the promo materials you will use.",
	"pend_read_terms":     "Program terms",
	"pend_see_materials":  "Promo materials",
	"pend_rejected_text":  "Your application was not approved.",
	"pend_contact":        "If you have questions, contact the program's manager.",
	"pend_edit":           "Edit your application",
	"pend_edit_hint":      "You may correct your application while it waits; the manager sees what you change. Your email is the one you sign in with.",
	"pend_type":           "Partner type you want to be",
	"pend_type_any":       "Not sure: the program's team chooses",
	"pend_save":           "Save the application",
	"pend_saved":          "Your application is saved.",
	"mat_empty_applicant": "The program has no materials yet; they appear here as soon as the program adds them.",
	"mat_after_approval":  "Your referral link and promo code are filled in here once your application is approved; until then the materials show {link} where your link goes.",
}, map[string]string{
	"pend_title":          "Ваша заявка",
	"pend_waiting":        "на рассмотрении",
	"pend_rejected":       "не одобрена",
	"pend_applied_on":     "Подана %s в партнёрскую программу «%s».",
	"pend_asked_type":     "Выбранный тип партнёра: %s.",
	"pend_next":           "Что будет дальше",
	"pend_next_review":    "Менеджер программы рассмотрит заявку и выберет ваш тип партнёра и тариф.",
	"pend_next_email":     "Как только решение будет принято, мы напишем вам на почту.",
	"pend_next_open":      "После одобрения кабинет откроется полностью: реферальная ссылка, сводка, клиенты, начисления и выплаты.",
	"pend_meanwhile":      "А пока прочитайте условия программы и посмотрите промоматериалы, которыми будете пользоваться.",
	"pend_read_terms":     "Условия программы",
	"pend_see_materials":  "Промоматериалы",
	"pend_rejected_text":  "Ваша заявка не одобрена.",
	"pend_contact":        "Если есть вопросы, свяжитесь с менеджером программы.",
	"pend_edit":           "Исправить заявку",
	"pend_edit_hint":      "Пока заявка ждёт решения, её можно исправить; менеджер увидит, что вы изменили. Почта — та, с которой вы входите.",
	"pend_type":           "Каким партнёром вы хотите стать",
	"pend_type_any":       "Не знаю: выберет команда программы",
	"pend_save":           "Сохранить заявку",
	"pend_saved":          "Заявка сохранена.",
	"mat_empty_applicant": "У программы пока нет промоматериалов; они появятся здесь, как только программа их добавит.",
	"mat_after_approval":  "Реферальная ссылка и промокод подставятся сюда после одобрения заявки; до тех пор в материалах на месте ссылки стоит {link}.",
})
