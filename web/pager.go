package web

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// PageParam reads a list's page number from the query parameter name: 1
// for anything that is not a positive number; a huge one is capped (a page
// past the end, which the lists answer with their last page).
func PageParam(c *fiber.Ctx, name string) int {
	n, err := strconv.Atoi(c.Query(name))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 1<<20)
}

// LastPage is the page the last of total rows is on, size rows a page (1
// when there are none).
func LastPage(total int64, size int) int {
	return max(1, int((total+int64(size)-1)/int64(size)))
}

// Pager is what a list's pager shows: Text "201–400 of 1 234" and the
// links to the pages before and after (Prev, Next; absent on the first
// and the last page): path with keep (the page's other parameters: its
// filters, the other lists' pages) and param set to that page. page is
// the page shown, size its rows a page, shown how many it holds.
func Pager(locale, path string, keep url.Values, param string, page, size, shown int, total int64) fiber.Map {
	link := func(n int) string {
		q := url.Values{}
		for k, v := range keep {
			q[k] = v
		}
		q.Del(param)
		if n > 1 {
			q.Set(param, strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	first := int64(page-1) * int64(size)
	from, to := first+1, first+int64(shown)
	if shown == 0 {
		from, to = 0, 0
	}
	m := fiber.Map{"Text": Tf(locale, "list_range", FormatInt(from, locale), FormatInt(to, locale), FormatInt(total, locale))}
	if page > 1 {
		m["Prev"] = link(min(page-1, LastPage(total, size)))
	}
	if first+int64(shown) < total {
		m["Next"] = link(page + 1)
	}
	return m
}

var _ = AddMessages(map[string]string{
	"list_range": "%s–%s of %s", "list_shown": "Shown", "list_prev": "Previous page", "list_next": "Next page", "list_pages": "Pages",
}, map[string]string{
	"list_range": "%s–%s из %s", "list_shown": "Показаны", "list_prev": "Предыдущая страница", "list_next": "Следующая страница", "list_pages": "Страницы",
})
