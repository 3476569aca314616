package tracker

import "github.com/gofiber/fiber/v2"

// Mount adds the tracker's routes to app. Start must have been called.
func (s *Server) Mount(app *fiber.App) {
	app.Get("/r/*", s.redirect) // GET and HEAD
	app.Get("/pk.js", s.pkJS)
}
