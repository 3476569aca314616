package web

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// RouteID reads a route's numeric parameter (":id", ":rule"): anything but
// a positive number answers the same 404 as a missing row.
func RouteID(c *fiber.Ctx, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Params(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, fiber.ErrNotFound
	}
	return id, nil
}
