package web

import (
	"context"
	"log/slog"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

// Mailer sends email. Send returns an error when the message could not be
// handed over; the caller decides whether the user learns of it.
type Mailer interface {
	Send(ctx context.Context, to, subject, body string) error
}

// LogMailer "sends" by logging the message: for development and the demo,
// where there is no mail server.
type LogMailer struct{ Logger *slog.Logger }

// Send implements Mailer.
func (m LogMailer) Send(_ context.Context, to, subject, body string) error {
	m.Logger.Info("email (not sent: development mailer)", "to", to, "subject", subject, "body", body)
	return nil
}

const resetTTL = time.Hour

func (s *Site) forgotPage(c *fiber.Ctx) error {
	locale := s.Locale(c)
	return c.Type("html").Send(s.Page(c, "forgot", locale, T(locale, "forgot"), fiber.Map{"Sent": c.Query("sent") != ""}))
}

// forgot sends a one-time link when the email has an account, and says
// the same either way, so the form tells nobody who has an account.
func (s *Site) forgot(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u, err := s.DB.UserByEmail(ctx, c.FormValue("email"))
	switch {
	case err == nil && u.DisabledAt == nil:
		token := RandomToken()
		if err := s.DB.CreatePasswordReset(ctx, TokenHash(token), u.ID, s.Now().Add(resetTTL)); err != nil {
			return err
		}
		link := s.CabinetURL + "/password/reset?token=" + url.QueryEscape(token)
		if err := s.Mailer.Send(ctx, u.Email, T(u.Locale, "set_password"), link); err != nil {
			s.Logger.Error("password reset email", "err", err)
		}
	case err != nil && partnerka.ErrorCode(err) != partnerka.ENOTFOUND:
		return err
	}
	return c.Redirect("/password/forgot?sent=1", fiber.StatusSeeOther)
}

func (s *Site) resetPage(c *fiber.Ctx) error {
	locale := s.Locale(c)
	return c.Type("html").Send(s.Page(c, "reset", locale, T(locale, "set_password"), fiber.Map{"Token": c.Query("token")}))
}

// reset sets the new password if the token is good, once, and signs the
// user out everywhere.
func (s *Site) reset(c *fiber.Ctx) error {
	locale := s.Locale(c)
	hash, err := HashPassword(c.FormValue("password"))
	if err != nil {
		return c.Status(fiber.StatusUnprocessableEntity).Type("html").Send(s.Page(c, "reset", locale, T(locale, "set_password"),
			fiber.Map{"Token": c.FormValue("token"), "Error": partnerka.ErrorMessage(err)}))
	}
	if err := s.DB.ResetPassword(c.UserContext(), TokenHash(c.FormValue("token")), hash, s.Now()); err != nil {
		if partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
			return err
		}
		return c.Status(fiber.StatusGone).Type("html").Send(s.Page(c, "reset", locale, T(locale, "set_password"),
			fiber.Map{"Error": T(locale, "reset_bad")}))
	}
	return c.Redirect("/login?reset=1", fiber.StatusSeeOther)
}
