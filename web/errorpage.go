package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
)

// RetryAfter is how many seconds the outage page asks a browser to wait
// before trying again (its Retry-After header).
const RetryAfter = 30

// pageError is an error a page returns to refuse a request with a
// sentence of the catalogue: the error page shows it in the reader's
// language.
type pageError struct {
	status int
	key    string
}

func (e *pageError) Error() string { return fmt.Sprintf("web: %d %s", e.status, e.key) }

// Forbidden refuses a signed-in user something their role does not
// allow; the 403 page says why with the message key.
func Forbidden(key string) error { return &pageError{status: fiber.StatusForbidden, key: key} }

// errorPages answers every error a page returns with the error page.
func (s *Site) errorPages(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return s.ErrorPage(c, err)
	}
	return nil
}

// ErrorPage answers err with the error page: in the layout and the
// reader's language, with a way home, and the status of the error (a
// domain error's, a fiber error's, 403 for Forbidden). A database outage
// is a 503 "temporarily unavailable" with Retry-After, not a failure of
// the request; any other internal error is logged with a request id the
// page shows, and nothing else of it. The server's ErrorHandler calls it
// too, for what fails before a page runs.
func (s *Site) ErrorPage(c *fiber.Ctx, err error) error {
	return c.Type("html").Send(s.errorBody(c, err))
}

// errorBody renders the error page of err, setting the status.
func (s *Site) errorBody(c *fiber.Ctx, err error) []byte {
	status, key := partnerka.StatusOf(err), ""
	var pe *pageError
	var fe *fiber.Error
	switch {
	case errors.As(err, &pe):
		status, key = pe.status, pe.key
	case errors.As(err, &fe):
		status = fe.Code
	case partnerka.ErrorCode(err) == partnerka.EINTERNAL && storage.IsUnavailable(err):
		status = fiber.StatusServiceUnavailable
	}
	locale := s.Locale(c)
	text := T(locale, errorText(status))
	if key != "" {
		text = T(locale, key)
	}
	switch {
	case status == fiber.StatusServiceUnavailable:
		s.Logger.Warn("unavailable", "method", c.Method(), "path", c.Path(), "err", err)
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(RetryAfter))
	case status >= 500:
		id := make([]byte, 8)
		rand.Read(id)
		rid := hex.EncodeToString(id)
		s.Logger.Error("internal error", "request_id", rid, "method", c.Method(), "path", c.Path(), "err", err)
		if key == "" {
			text = fmt.Sprintf(text, rid)
		}
	}
	if status >= 500 {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	home := "/"
	if u := CurrentUser(c); u != nil {
		home = HomeOf(u)
	}
	retry := "" // a GET may simply be tried again: offer it, if it is a path of this site
	if status >= 500 && (c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead) {
		retry = string(c.Request().URI().RequestURI())
		if !strings.HasPrefix(retry, "/") || strings.HasPrefix(retry, "//") || strings.Contains(retry, "\\") {
			retry = ""
		}
	}
	c.Status(status)
	return s.Page(c, "error", locale, T(locale, errorTitle(status)), fiber.Map{"Text": text, "Home": home, "Retry": retry})
}

// errorTitle and errorText are the catalogue keys of a status's page.
func errorTitle(status int) string { return "err_title_" + errorClass(status) }
func errorText(status int) string  { return "err_text_" + errorClass(status) }

// errorClass names the statuses the pages explain on their own; the rest
// share their class's sentence.
func errorClass(status int) string {
	switch status {
	case 400, 403, 404, 409, 413, 429, 500, 503:
		return strconv.Itoa(status)
	case 401:
		return "403"
	case 422:
		return "400"
	}
	if status >= 500 {
		return "500"
	}
	return "400"
}

var _ = AddMessages(map[string]string{
	"err_title_400": "The request was not accepted",
	"err_text_400":  "Go back, check what you entered and try again.",
	"err_title_403": "Access denied",
	"form_expired":  "The form has expired or did not come from this site. Go back, reload the page and try again.",
	"err_text_403":  "Your account cannot open this page or do this.",
	"err_title_404": "Page not found",
	"err_text_404":  "There is no such page, or it is not yours to open. Check the address or start from the home page.",
	"err_title_409": "Something changed meanwhile",
	"err_text_409":  "This was changed since the page was opened. Reload the page and try again.",
	"err_title_413": "The upload is too large",
	"err_text_413":  "Go back and send a smaller file.",
	"err_title_429": "Too many requests",
	"err_text_429":  "Wait a minute and try again.",
	"err_title_500": "Something went wrong",
	"err_text_500":  "The error is recorded as request %s. Try again later; if it happens again, tell the program's team this number.",
	"err_title_503": "Service temporarily unavailable",
	"err_text_503":  "The program cannot reach its data right now. Nothing you saved is lost; try again in a minute.",
	"err_home":      "Go to the home page", "err_retry": "Try again",
}, map[string]string{
	"err_title_400": "Запрос не выполнен",
	"err_text_400":  "Вернитесь назад, проверьте введённые данные и попробуйте снова.",
	"err_title_403": "Нет доступа",
	"form_expired":  "Форма устарела или пришла не с этого сайта. Вернитесь назад, обновите страницу и попробуйте снова.",
	"err_text_403":  "Вашему аккаунту недоступны эта страница или это действие.",
	"err_title_404": "Страница не найдена",
	"err_text_404":  "Такой страницы нет, или она вам недоступна. Проверьте адрес или начните с главной страницы.",
	"err_title_409": "Данные уже изменились",
	"err_text_409":  "С момента открытия страницы данные изменились. Обновите страницу и попробуйте снова.",
	"err_title_413": "Файл слишком большой",
	"err_text_413":  "Вернитесь назад и отправьте файл меньшего размера.",
	"err_title_429": "Слишком много запросов",
	"err_text_429":  "Подождите минуту и попробуйте снова.",
	"err_title_500": "Что-то пошло не так",
	"err_text_500":  "Ошибка записана под номером %s. Попробуйте позже; если она повторится, сообщите этот номер команде программы.",
	"err_title_503": "Сервис временно недоступен",
	"err_text_503":  "Сейчас нет связи с данными программы. Сохранённое не потеряно; попробуйте через минуту.",
	"err_home":      "На главную страницу", "err_retry": "Попробовать снова",
})
