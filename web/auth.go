package web

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

// dummyHash is checked when the email is unknown, so a wrong email costs
// the same time as a wrong password and does not reveal who has an account.
var dummyHash, _ = HashPassword("partnerka timing equaliser")

func (s *Site) loginPage(c *fiber.Ctx) error {
	if u := CurrentUser(c); u != nil {
		return c.Redirect(HomeOf(u), fiber.StatusSeeOther)
	}
	return s.renderLogin(c, "", "", fiber.StatusOK)
}

func (s *Site) renderLogin(c *fiber.Ctx, email, errKey string, status int) error {
	locale := s.Locale(c)
	return c.Status(status).Type("html").Send(s.Page(c, "login", locale, T(locale, "sign_in"), fiber.Map{
		"Email": email, "Error": T(locale, errKey), "HasError": errKey != "", "Reset": c.Query("reset") != "",
	}))
}

// login checks the password within the sign-in limits (throttle.go) and
// starts a new session (a fresh token on every sign-in).
func (s *Site) login(c *fiber.Ctx) error {
	ctx := c.UserContext()
	now := s.Now()
	email := partnerka.NormalizeEmail(c.FormValue("email"))
	password := c.FormValue("password")
	// The attempt counts as a failure from here on, unless it is refused
	// or its password is right: parallel guesses cannot pass a limit together.
	attempt, err := s.DB.BeginLoginAttempt(ctx, email, s.Address(c), now, loginWindows(now))
	if err != nil {
		return err
	}
	if key := loginRefusal(attempt); key != "" {
		if err := s.DB.ForgetLoginAttempt(ctx, attempt.ID); err != nil {
			return err
		}
		return s.renderLogin(c, email, key, fiber.StatusTooManyRequests)
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
		return s.renderLogin(c, email, "bad_login", fiber.StatusUnauthorized)
	}
	if err := s.DB.ForgetLoginAttempt(ctx, attempt.ID); err != nil {
		return err
	}
	home := HomeOf(u)
	if u.PartnerID != nil {
		p, err := s.DB.PartnerByID(ctx, *u.PartnerID)
		if err != nil {
			return err
		}
		switch p.Status {
		case partnerka.PartnerActive:
		case partnerka.PartnerApplied, partnerka.PartnerRejected:
			home = ApplicantHome // their application's page: its status, and the reason of a rejection
		default:
			return s.renderLogin(c, email, "inactive", fiber.StatusForbidden)
		}
	}
	return s.signIn(c, u, now, home)
}

// ApplicantHome is where a partner whose application is not approved
// (waiting or rejected) lands after signing in: the cabinet's page of
// their application, the only one of the cabinet's pages open to them
// with the program's terms and materials.
const ApplicantHome = "/pending"

// The layout's navigation for an applicant names their application's page.
var _ = AddMessages(map[string]string{"pend_nav": "Application"}, map[string]string{"pend_nav": "Заявка"})

// SignIn starts a new session for u (ending the one the browser had, so a
// session id is never carried across a sign-in), remembers the address as
// one u signs in from (throttle.go), and sends u home.
func (s *Site) SignIn(c *fiber.Ctx, u *partnerka.User, now time.Time) error {
	return s.signIn(c, u, now, HomeOf(u))
}

// signIn is SignIn sending u to home.
func (s *Site) signIn(c *fiber.Ctx, u *partnerka.User, now time.Time, home string) error {
	ctx := c.UserContext()
	if old := c.Cookies(SessionCookie); old != "" {
		s.DB.DeleteSession(ctx, TokenHash(old))
	}
	token := RandomToken()
	if err := s.DB.CreateSession(ctx, TokenHash(token), u.ID, RandomToken(), now.Add(sessionTTL), s.ClientIP(c),
		storableHeader(c.Get(fiber.HeaderUserAgent), 512)); err != nil {
		return err
	}
	if err := s.DB.RememberSignInAddress(ctx, u.ID, s.Address(c), now); err != nil {
		return err
	}
	s.SetCookie(c, SessionCookie, token, sessionTTL)
	return c.Redirect(home, fiber.StatusSeeOther)
}

// storableHeader is a header's value as text the database can store (a
// copy: fiber reuses the request's memory), at most max bytes.
func storableHeader(v string, max int) string {
	v = strings.ToValidUTF8(strings.ReplaceAll(v, "\x00", ""), "\uFFFD")
	for len(v) > max {
		_, n := utf8.DecodeLastRuneInString(v)
		v = v[:len(v)-n]
	}
	return strings.Clone(v)
}

// HomeOf is where a user lands after signing in.
func HomeOf(u *partnerka.User) string {
	if partnerka.StaffRole(u.Role) {
		return "/admin"
	}
	return "/dashboard"
}

func (s *Site) logout(c *fiber.Ctx) error {
	if token := c.Cookies(SessionCookie); token != "" {
		if err := s.DB.DeleteSession(c.UserContext(), TokenHash(token)); err != nil {
			return err
		}
	}
	s.SetCookie(c, SessionCookie, "", -time.Hour)
	return c.Redirect("/login", fiber.StatusSeeOther)
}

// Locale is the signed-in user's language, else the browser's preference
// between Russian and English.
func (s *Site) Locale(c *fiber.Ctx) string {
	if u := CurrentUser(c); u != nil {
		return u.Locale
	}
	switch c.Cookies("pk_lang") { // the constants, not the cookie's bytes: fiber reuses those
	case "en":
		return "en"
	case "ru":
		return "ru"
	}
	if strings.HasPrefix(c.Get(fiber.HeaderAcceptLanguage), "ru") {
		return "ru"
	}
	return "en"
}

// setLanguage switches between English and Russian: for a signed-in user
// in their account, otherwise in a cookie.
func (s *Site) setLanguage(c *fiber.Ctx) error {
	locale := c.FormValue("locale")
	if locale != "en" && locale != "ru" {
		return fiber.ErrBadRequest
	}
	if u := CurrentUser(c); u != nil {
		if err := s.DB.SetUserLocale(c.UserContext(), u.ID, locale); err != nil {
			return err
		}
	} else {
		s.SetCookie(c, "pk_lang", locale, 365*24*time.Hour)
	}
	back := c.FormValue("back")
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		back = "/" // only paths of this site: no open redirect (a browser reads "/\host" as "//host")
	}
	return c.Redirect(back, fiber.StatusSeeOther)
}
