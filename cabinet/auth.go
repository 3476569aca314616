package cabinet

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

// Sign-in limits: failures counted over a quarter of an hour.
const (
	failureWindow   = 15 * time.Minute
	maxEmailFailure = 5
	maxIPFailure    = 20
)

// dummyHash is checked when the email is unknown, so a wrong email costs
// the same time as a wrong password and does not reveal who has an account.
var dummyHash, _ = HashPassword("partnerka timing equaliser")

func (s *Server) loginPage(c *fiber.Ctx) error {
	if u := currentUser(c); u != nil {
		return c.Redirect(homeOf(u), fiber.StatusSeeOther)
	}
	return s.renderLogin(c, "", "", fiber.StatusOK)
}

func (s *Server) renderLogin(c *fiber.Ctx, email, errKey string, status int) error {
	locale := s.locale(c)
	return c.Status(status).Type("html").Send(s.page(c, "login", locale, T(locale, "sign_in"), fiber.Map{
		"Email": email, "Error": T(locale, errKey), "HasError": errKey != "", "Reset": c.Query("reset") != "",
	}))
}

// login checks the password, limits guessing per account and per address,
// and starts a new session (a fresh token on every sign-in).
func (s *Server) login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := s.Now()
	email := partnerka.NormalizeEmail(c.FormValue("email"))
	password := c.FormValue("password")
	byEmail, byIP, err := s.DB.LoginFailures(ctx, email, s.clientIP(c), now.Add(-failureWindow))
	if err != nil {
		return err
	}
	if byEmail >= maxEmailFailure || byIP >= maxIPFailure {
		return s.renderLogin(c, email, "too_many", fiber.StatusTooManyRequests)
	}
	u, err := s.DB.UserByEmail(ctx, email)
	if err != nil && partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		return err
	}
	hash := dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	if !CheckPassword(hash, password) || u == nil || u.DisabledAt != nil {
		if err := s.DB.RecordLoginFailure(ctx, email, s.clientIP(c), now); err != nil {
			return err
		}
		return s.renderLogin(c, email, "bad_login", fiber.StatusUnauthorized)
	}
	if u.PartnerID != nil {
		p, err := s.DB.PartnerByID(ctx, *u.PartnerID)
		if err != nil {
			return err
		}
		switch p.Status {
		case partnerka.PartnerApplied:
			return s.renderLogin(c, email, "under_review", fiber.StatusForbidden)
		case partnerka.PartnerActive:
		case partnerka.PartnerRejected:
			return s.renderLogin(c, email, "app_rejected", fiber.StatusForbidden)
		default:
			return s.renderLogin(c, email, "inactive", fiber.StatusForbidden)
		}
	}
	if old := c.Cookies(sessionCookie); old != "" {
		s.DB.DeleteSession(ctx, tokenHash(old))
	}
	token := randomToken()
	if err := s.DB.CreateSession(ctx, tokenHash(token), u.ID, randomToken(), now.Add(sessionTTL), s.clientIP(c),
		strings.Clone(c.Get(fiber.HeaderUserAgent))); err != nil {
		return err
	}
	s.setCookie(c, sessionCookie, token, sessionTTL)
	return c.Redirect(homeOf(u), fiber.StatusSeeOther)
}

// homeOf is where a user lands after signing in.
func homeOf(u *partnerka.User) string {
	if partnerka.StaffRole(u.Role) {
		return "/admin"
	}
	return "/dashboard"
}

func (s *Server) logout(c *fiber.Ctx) error {
	if token := c.Cookies(sessionCookie); token != "" {
		if err := s.DB.DeleteSession(c.UserContext(), tokenHash(token)); err != nil {
			return err
		}
	}
	s.setCookie(c, sessionCookie, "", -time.Hour)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// locale is the signed-in user's language, else the browser's preference
// between Russian and English.
func (s *Server) locale(c *fiber.Ctx) string {
	if u := currentUser(c); u != nil {
		return u.Locale
	}
	if l := c.Cookies("pk_lang"); l == "en" || l == "ru" {
		return l
	}
	if strings.HasPrefix(c.Get(fiber.HeaderAcceptLanguage), "ru") {
		return "ru"
	}
	return "en"
}
