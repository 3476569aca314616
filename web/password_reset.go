package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
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
// the same either way, so the form tells nobody who has an account: the
// request only counts itself against the limits (ResetLimit), the same
// for every email, and hands the rest to the background (Later), where
// looking the account up, making the link and the mail server's time no
// longer show in the answer's. Beyond the limits nothing is sent, and
// the answer is the same again.
func (s *Site) forgot(c *fiber.Ctx) error {
	email := strings.Clone(partnerka.NormalizeEmail(c.FormValue("email")))
	if email != "" {
		ok, err := s.DB.AllowEmailRequest(c.UserContext(), storage.EmailPasswordReset, email, s.Address(c), s.Now(), ResetLimit)
		if err != nil {
			return err
		}
		if ok {
			s.Later("password reset email", func(ctx context.Context) error { return s.sendResetLink(ctx, email) })
		}
	}
	return c.Redirect("/password/forgot?sent=1", fiber.StatusSeeOther)
}

// sendResetLink emails a one-time link to set a new password to the
// user of email, if there is an active one.
func (s *Site) sendResetLink(ctx context.Context, email string) error {
	u, err := s.DB.ActiveUserByEmail(ctx, email)
	if err != nil || u == nil {
		return err
	}
	token := RandomToken()
	if err := s.DB.CreatePasswordReset(ctx, TokenHash(token), u.ID, s.Now().Add(resetTTL)); err != nil {
		return err
	}
	link := s.CabinetURL + "/password/reset?token=" + url.QueryEscape(token)
	if err := s.Mailer.Send(ctx, u.Email, T(u.Locale, "set_password"), link); err != nil {
		return fmt.Errorf("password reset email: %w", err)
	}
	return nil
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
			fiber.Map{"Token": c.FormValue("token"), "Error": ErrorText(locale, err)}))
	}
	if err := s.DB.ResetPassword(c.UserContext(), TokenHash(c.FormValue("token")), hash, s.Address(c), s.Now()); err != nil {
		if partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
			return err
		}
		return c.Status(fiber.StatusGone).Type("html").Send(s.Page(c, "reset", locale, T(locale, "set_password"),
			fiber.Map{"Error": T(locale, "reset_bad")}))
	}
	return c.Redirect("/login?reset=1", fiber.StatusSeeOther)
}
