package cabinet

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

const (
	sessionCookie = "pk_session"
	csrfCookie    = "pk_csrf" // before sign-in: the double-submit token of the login form
	sessionTTL    = 14 * 24 * time.Hour
)

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// setCookie sets an HttpOnly, SameSite=Lax cookie, Secure behind TLS.
func (s *Server) setCookie(c *fiber.Ctx, name, value string, ttl time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.Secure, Expires: time.Now().Add(ttl), MaxAge: int(ttl / time.Second)}) // wall: the browser judges Expires by its own clock
}

// loadSession puts the signed-in user (if any) and the session's CSRF token
// into the request's locals.
func (s *Server) loadSession(c *fiber.Ctx) error {
	if token := c.Cookies(sessionCookie); token != "" {
		u, csrf, err := s.DB.SessionUser(c.UserContext(), tokenHash(token), s.Now())
		if err == nil {
			c.Locals("user", u)
			c.Locals("csrf", csrf)
		} else if partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
			return err
		}
	}
	return c.Next()
}

func currentUser(c *fiber.Ctx) *partnerka.User {
	u, _ := c.Locals("user").(*partnerka.User)
	return u
}

// requirePartner lets only signed-in owners and members of a partner
// through; staff go to the back office.
func (s *Server) requirePartner(c *fiber.Ctx) error {
	u := currentUser(c)
	if u != nil && partnerka.StaffRole(u.Role) {
		return c.Redirect("/admin", fiber.StatusSeeOther)
	}
	if u == nil || u.PartnerID == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return c.Next()
}

// checkCSRF refuses every state-changing request whose form token does not
// match the session's (or, before sign-in, the double-submit cookie's).
func (s *Server) checkCSRF(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Next()
	}
	want, _ := c.Locals("csrf").(string)
	if want == "" {
		want = c.Cookies(csrfCookie)
	}
	got := c.FormValue("_csrf")
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return c.Status(fiber.StatusForbidden).SendString("The form has expired or did not come from this site. Go back, reload the page and try again.")
	}
	return c.Next()
}

// formCSRF returns the token forms of this request carry, issuing a
// double-submit cookie when there is no session.
func (s *Server) formCSRF(c *fiber.Ctx) string {
	if t, _ := c.Locals("csrf").(string); t != "" {
		return t
	}
	t := c.Cookies(csrfCookie)
	if t == "" {
		t = randomToken()
		s.setCookie(c, csrfCookie, t, 24*time.Hour)
	}
	return t
}
