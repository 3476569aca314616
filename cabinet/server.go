// Package cabinet is who sees what: the partner cabinet and the back office,
// server-rendered HTML embedded in the binary.
package cabinet

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"partnerka/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server renders the cabinet and back office.
type Server struct {
	DB         *storage.DB
	Logger     *slog.Logger
	TrackerURL string

	pages map[string]*template.Template
}

// Mount parses the templates and adds the routes to app.
func (s *Server) Mount(app *fiber.App) error {
	if err := s.parseTemplates(); err != nil {
		return err
	}
	s.routes(app)
	return nil
}

func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	for _, page := range []string{"landing"} {
		t, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html")
		if err != nil {
			return err
		}
		s.pages[page] = t
	}
	return nil
}

// render executes a page into a buffer first, so a template error becomes a
// clean 500 rather than half a page.
func (s *Server) render(c *fiber.Ctx, page string, data any) error {
	var buf bytes.Buffer
	if err := s.pages[page].Execute(&buf, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}
