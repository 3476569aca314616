package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// routes adds the middleware every page runs and the public pages of
// signing in, out and back, and returns the router the cabinet's and the
// back office's pages are added to (see their routes.go).
func (s *Site) routes(app *fiber.App) fiber.Router {
	app.Use(serverTiming)
	app.Use("/static", filesystem.New(filesystem.Config{
		Root: http.FS(staticFS), PathPrefix: "static", MaxAge: 3600,
	}))
	web := app.Group("", s.pageSlot, s.securityHeaders, s.noteWrites, s.errorPages, s.loadSession, s.checkCSRF, s.formGuard)
	web.Get("/", s.landing)
	web.Get("/login", s.loginPage)
	web.Post("/login", s.login)
	web.Post("/logout", s.logout)
	web.Get("/password/forgot", s.forgotPage)
	web.Post("/password/forgot", s.forgot)
	web.Get("/password/reset", s.resetPage)
	web.Post("/password/reset", s.reset)
	web.Post("/language", s.setLanguage)
	return web
}

// serverTiming tells in a Server-Timing header how long the server took
// (make bench-cabinet reads it; so can anyone's browser tools).
func serverTiming(c *fiber.Ctx) error {
	start := time.Now() // elapsed: the request's duration
	err := c.Next()
	c.Set("Server-Timing", "app;dur="+strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 3, 64))
	return err
}

// securityHeaders keeps pages out of frames and other sites' referrers,
// and out of caches: a page is one person's, in their language, as of now
// (a browser that kept a page in the language or account it was first
// shown in would show it again after a switch or a sign-out). A handler
// that serves something cacheable (a banner's image) sets its own.
func (s *Site) securityHeaders(c *fiber.Ctx) error {
	setSecurityHeaders(c)
	c.Set(fiber.HeaderCacheControl, "no-cache, private")
	return c.Next()
}

func setSecurityHeaders(c *fiber.Ctx) {
	c.Set("X-Frame-Options", "DENY")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Referrer-Policy", "same-origin")
	c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
}
