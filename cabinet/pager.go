package cabinet

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"partnerka/web"
)

// listPageRows is how many rows a page of a cabinet list shows; the pager
// leads through the rest.
const listPageRows = 200

// offset is where page n of a list starts.
func offset(page int) int { return (page - 1) * listPageRows }

// lastPage is the page the last of total rows is on (1 for none).
func lastPage(total int64) int { return web.LastPage(total, listPageRows) }

// pager is a cabinet list's web.Pager.
func pager(locale string, page, shown int, total int64, path string, keep url.Values, param string) fiber.Map {
	return web.Pager(locale, path, keep, param, page, listPageRows, shown, total)
}
