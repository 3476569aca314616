package cabinet

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

type applyForm struct {
	Kind, Name, ContactName, Email, Phone, Website, Promotion string
	PartnerType                                               string // the partner type's id as sent; "": the team chooses
}

// typeID is the partner type the form asks for, nil for none.
func (f applyForm) typeID() (*int64, error) {
	if f.PartnerType == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(f.PartnerType, 10, 64)
	if err != nil || id <= 0 {
		return nil, partnerka.FieldError("partner_type", "choose a partner type")
	}
	return &id, nil
}

// apply is the application form of the public site.
func (s *Server) apply(c *fiber.Ctx) error {
	return s.renderApply(c, applyForm{Kind: "company"}, nil, fiber.StatusOK)
}

func (s *Server) renderApply(c *fiber.Ctx, f applyForm, formErr error, status int) error {
	locale := s.Locale(c)
	types, err := s.DB.PartnerTypes(c.UserContext())
	if err != nil {
		return err
	}
	data := fiber.Map{"Form": f, "Done": c.Query("done") != "", "Types": types}
	if formErr != nil {
		data["Error"], data["ErrorField"] = web.ErrorText(locale, formErr), partnerka.ErrorField(formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "apply", locale, web.T(locale, "apply"), data))
}

// submitApplication creates a partner waiting for approval, and its
// owner. An email that already has an account (a partner's or the
// program team's) gets the same answer as a new one, "check your email",
// and no application: whoever applied learns nothing of who has an
// account. The address gets an email either way (sendApplicationEmail),
// after the answer and within ApplicationLimit.
func (s *Server) submitApplication(c *fiber.Ctx) error {
	f := applicationInput(c)
	f.Email = partnerka.NormalizeEmail(c.FormValue("email"))
	err := validateApplication(f)
	var typeID *int64
	if err == nil {
		typeID, err = f.typeID()
	}
	var hash string
	if err == nil {
		hash, err = web.HashPassword(c.FormValue("password"))
	}
	if err == nil {
		_, err = s.DB.CreateApplication(c.UserContext(), storage.Application{Ref: refFrom(f.Name), Name: f.Name, Kind: f.Kind,
			ContactName: f.ContactName, Email: f.Email, Phone: f.Phone, Website: f.Website, Promotion: f.Promotion,
			Locale: s.Locale(c), PasswordHash: hash, TypeID: typeID})
	}
	taken := partnerka.ErrorCode(err) == partnerka.ECONFLICT && partnerka.ErrorField(err) == "email"
	if err != nil && !taken {
		if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
			return err
		}
		return s.renderApply(c, f, err, fiber.StatusUnprocessableEntity)
	}
	ok, err := s.DB.AllowEmailRequest(c.UserContext(), storage.EmailApplication, f.Email, s.Address(c), s.Now(), web.ApplicationLimit)
	if err != nil {
		return err
	}
	if ok {
		email, locale := strings.Clone(f.Email), s.Locale(c)
		s.Later("application email", func(ctx context.Context) error { return s.sendApplicationEmail(ctx, email, locale, taken) })
	}
	return c.Redirect("/apply?done=1", fiber.StatusSeeOther)
}

// sendApplicationEmail tells the address of an application what comes
// next: for a new application that it is received (in the applicant's
// language); for an address that has an account, that someone applied
// with it, and how to sign in or set a new password (in the account's
// language; nothing to a disabled account). Neither repeats what was
// typed in the form: the email could be anyone's.
func (s *Server) sendApplicationEmail(ctx context.Context, email, locale string, taken bool) error {
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	subject, body := web.T(locale, "apply_mail_subject"), fmt.Sprintf(web.T(locale, "apply_mail_body"), st.Name)
	if taken {
		u, err := s.DB.ActiveUserByEmail(ctx, email)
		if err != nil || u == nil {
			return err
		}
		subject = web.T(u.Locale, "apply_taken_subject")
		body = fmt.Sprintf(web.T(u.Locale, "apply_taken_body"), st.Name, s.CabinetURL+"/login", s.CabinetURL+"/password/forgot")
	}
	if err := s.Mailer.Send(ctx, email, st.Name+": "+subject, body); err != nil {
		return fmt.Errorf("application email: %w", err)
	}
	return nil
}

var _ = web.AddMessages(map[string]string{
	"apply_mail_subject":  "we received your partner application",
	"apply_mail_body":     "Thank you for applying to the partner program of %s. We will email you once the application is reviewed; until then you cannot sign in yet.\n\nIf you did not apply, ignore this email.\n",
	"apply_taken_subject": "an application with your email address",
	"apply_taken_body":    "Someone applied to the partner program of %[1]s with this email address. The address already has an account, so no new application was made.\n\nSign in: %[2]s\nForgot your password? Set a new one: %[3]s\n\nIf it was not you, ignore this email: nothing has changed.\n",
}, map[string]string{
	"apply_mail_subject":  "ваша заявка партнёра получена",
	"apply_mail_body":     "Спасибо за заявку на участие в партнёрской программе «%s». Мы напишем вам после её рассмотрения; до тех пор войти в кабинет нельзя.\n\nЕсли вы не подавали заявку, просто проигнорируйте это письмо.\n",
	"apply_taken_subject": "заявка с вашим адресом почты",
	"apply_taken_body":    "Кто-то подал заявку на участие в партнёрской программе «%[1]s» с этим адресом почты. У адреса уже есть аккаунт, поэтому новая заявка не создана.\n\nВойти: %[2]s\nЗабыли пароль? Задайте новый: %[3]s\n\nЕсли это были не вы, просто проигнорируйте это письмо: ничего не изменилось.\n",
})

// validateApplication checks an application as submitted: its details
// and the email its owner signs in with.
func validateApplication(f applyForm) error {
	if strings.Count(f.Email, "@") != 1 || len(f.Email) > 254 || strings.HasPrefix(f.Email, "@") || strings.HasSuffix(f.Email, "@") {
		return partnerka.FieldError("email", "enter an email such as name@example.com")
	}
	return validateApplicationDetails(f)
}

// validateApplicationDetails checks what an applicant may also edit
// while the application waits (pending.go).
func validateApplicationDetails(f applyForm) error {
	switch {
	case f.Kind != "company" && f.Kind != "person":
		return partnerka.FieldError("kind", "choose company or person")
	case f.Name == "" || len(f.Name) > 200:
		return partnerka.FieldError("name", "enter the company's or your name (at most 200 characters)")
	case f.ContactName == "" || len(f.ContactName) > 200:
		return partnerka.FieldError("contact_name", "enter the contact person's name")
	case f.Promotion == "" || len(f.Promotion) > 2000:
		return partnerka.FieldError("promotion", "tell us how you will promote the product")
	case len(f.Website) > 300 || len(f.Phone) > 50:
		return partnerka.FieldError("website", "the website or phone is too long")
	}
	return nil
}

// refFrom makes a partner ref from a name: its letters and digits, then a
// random suffix so two similar names never collide.
func refFrom(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
		if b.Len() >= 16 {
			break
		}
	}
	base := b.String()
	if base == "" {
		base = "p"
	}
	return base + "-" + strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(web.RandomToken()))[:6]
}
