package cabinet

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

type applyForm struct{ Kind, Name, ContactName, Email, Phone, Website, Promotion string }

// apply is the application form of the public site.
func (s *Server) apply(c *fiber.Ctx) error {
	return s.renderApply(c, applyForm{Kind: "company"}, nil, fiber.StatusOK)
}

func (s *Server) renderApply(c *fiber.Ctx, f applyForm, formErr error, status int) error {
	locale := s.Locale(c)
	data := fiber.Map{"Form": f, "Done": c.Query("done") != ""}
	if formErr != nil {
		data["Error"], data["ErrorField"] = partnerka.ErrorMessage(formErr), partnerka.ErrorField(formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "apply", locale, web.T(locale, "apply"), data))
}

// submitApplication creates a partner waiting for approval, and its owner.
func (s *Server) submitApplication(c *fiber.Ctx) error {
	f := applyForm{Kind: c.FormValue("kind"), Name: strings.TrimSpace(c.FormValue("name")),
		ContactName: strings.TrimSpace(c.FormValue("contact_name")), Email: partnerka.NormalizeEmail(c.FormValue("email")),
		Phone: strings.TrimSpace(c.FormValue("phone")), Website: strings.TrimSpace(c.FormValue("website")),
		Promotion: strings.TrimSpace(c.FormValue("promotion"))}
	err := validateApplication(f)
	var hash string
	if err == nil {
		hash, err = web.HashPassword(c.FormValue("password"))
	}
	if err == nil {
		_, err = s.DB.CreateApplication(c.UserContext(), storage.Application{Ref: refFrom(f.Name), Name: f.Name, Kind: f.Kind,
			ContactName: f.ContactName, Email: f.Email, Phone: f.Phone, Website: f.Website, Promotion: f.Promotion,
			Locale: s.Locale(c), PasswordHash: hash})
	}
	if err != nil {
		if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
			return err
		}
		return s.renderApply(c, f, err, fiber.StatusUnprocessableEntity)
	}
	return c.Redirect("/apply?done=1", fiber.StatusSeeOther)
}

func validateApplication(f applyForm) error {
	switch {
	case f.Kind != "company" && f.Kind != "person":
		return partnerka.FieldError("kind", "choose company or person")
	case f.Name == "" || len(f.Name) > 200:
		return partnerka.FieldError("name", "enter the company's or your name (at most 200 characters)")
	case f.ContactName == "" || len(f.ContactName) > 200:
		return partnerka.FieldError("contact_name", "enter the contact person's name")
	case strings.Count(f.Email, "@") != 1 || len(f.Email) > 254 || strings.HasPrefix(f.Email, "@") || strings.HasSuffix(f.Email, "@"):
		return partnerka.FieldError("email", "enter an email such as name@example.com")
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
