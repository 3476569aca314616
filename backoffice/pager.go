package backoffice

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"partnerka/web"
)

// listPage is how many rows a back-office list shows at a time.
const listPage = 50

// pageNumber reads ?page= (1 for a missing or bad one).
func pageNumber(c *fiber.Ctx) int { return web.PageParam(c, "page") }

// lastPage is the number of the last page of total rows (1 when there are none).
func lastPage(total int64) int { return web.LastPage(total, listPage) }

// pagerView is a back-office list's web.Pager, on ?page=.
func pagerView(path string, query url.Values, page, rows int, total int64, locale string) fiber.Map {
	return web.Pager(locale, path, query, "page", page, listPage, rows, total)
}

var _ = web.AddMessages(map[string]string{
	"bo_page_prev": "← Previous", "bo_page_next": "Next →",
}, map[string]string{
	"bo_page_prev": "← Назад", "bo_page_next": "Дальше →",
})
