package cabinet

import (
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
)

// routes is the one route table of the cabinet and back office.
func (s *Server) routes(app *fiber.App) {
	app.Use("/static", filesystem.New(filesystem.Config{
		Root: http.FS(staticFS), PathPrefix: "static", MaxAge: 3600,
	}))
	app.Get("/", s.landing)
}
