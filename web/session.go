package web

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
	SessionCookie = "pk_session"
	CSRFCookie    = "pk_csrf" // before sign-in: the double-submit token of the login form
	sessionTTL    = 14 * 24 * time.Hour
)

// RandomToken is 32 random bytes, URL-safe: sessions, CSRF, one-time links.
func RandomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is what is stored of a token: its SHA-256.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SetCookie sets an HttpOnly, SameSite=Lax cookie, Secure behind TLS.
func (s *Site) SetCookie(c *fiber.Ctx, name, value string, ttl time.Duration) {
	c.Cookie(&fiber.Cookie{Name: name, Value: value, Path: "/", HTTPOnly: true, SameSite: "Lax",
		Secure: s.Secure, Expires: time.Now().Add(ttl), MaxAge: int(ttl / time.Second)}) // wall: the browser judges Expires by its own clock
}

// loadSession puts the signed-in user (if any) and the session's CSRF token
// into the request's locals.
func (s *Site) loadSession(c *fiber.Ctx) error {
	if token := c.Cookies(SessionCookie); token != "" {
		u, csrf, err := s.DB.SessionUser(c.UserContext(), TokenHash(token), s.Now())
		if err == nil {
			c.Locals("user", u)
			c.Locals("csrf", csrf)
		} else if partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
			return err
		}
	}
	return c.Next()
}

// CurrentUser is the signed-in user of the request, or nil.
func CurrentUser(c *fiber.Ctx) *partnerka.User {
	u, _ := c.Locals("user").(*partnerka.User)
	return u
}

// CSRFHeader carries the CSRF token of a request sent by a script, in
// place of the form's _csrf field.
const CSRFHeader = "X-CSRF-Token"

// checkCSRF refuses every state-changing request whose token does not
// match the session's (or, before sign-in, the double-submit cookie's).
func (s *Site) checkCSRF(c *fiber.Ctx) error {
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Next()
	}
	want, _ := c.Locals("csrf").(string)
	if want == "" {
		want = c.Cookies(CSRFCookie)
	}
	got := csrfToken(c)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return Forbidden("form_expired")
	}
	return c.Next()
}

// csrfToken is the token a request carries: in the CSRFHeader header or
// the form's body (urlencoded or multipart), never in the address, which
// browsers, proxies and logs keep and pass on.
func csrfToken(c *fiber.Ctx) string {
	if t := c.Get(CSRFHeader); t != "" {
		return t
	}
	if t := c.Request().PostArgs().Peek("_csrf"); len(t) > 0 {
		return string(t)
	}
	if mf, err := c.MultipartForm(); err == nil && len(mf.Value["_csrf"]) > 0 {
		return mf.Value["_csrf"][0]
	}
	return ""
}

// FormCSRF returns the token forms of this request carry, issuing a
// double-submit cookie when there is no session.
func (s *Site) FormCSRF(c *fiber.Ctx) string {
	if t, _ := c.Locals("csrf").(string); t != "" {
		return t
	}
	t := c.Cookies(CSRFCookie)
	if t == "" {
		t = RandomToken()
		s.SetCookie(c, CSRFCookie, t, 24*time.Hour)
	}
	return t
}
