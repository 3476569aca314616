package tracker

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// OpenAPI is the vendor API's OpenAPI 3.1 document. The API tests check
// every request the API accepts and every answer it gives against it.
//
//go:embed openapi.json
var OpenAPI []byte

// openAPI serves the document at /api/openapi.json, without a key: it
// says how to call the API, not what is in it.
func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(OpenAPI)
}
