package web

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Form values enter the cabinet's and the back office's pages here: every
// value of the query and of the form body (urlencoded or multipart) must
// be text the database can store, UTF-8 without a zero byte. A request
// with one that is not reaches no page's handler: formGuard shows again
// the page the form was on (the same page's GET for a query), saying
// which field could not be taken, with status 400; the error page says
// it when there is no such page to show.

// formProblem is a field of the request that no page may read, and what
// the page shown instead says of it.
type formProblem struct {
	field, text string
	shown       bool // a page showed text (Page sets it)
}

const formProblemKey = "pk_form_problem"

// storableText reports whether b is text the database can store.
func storableText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// unstorableField names a query or form field of the request whose value
// is not storable text, if there is one. (File names of uploads are not
// looked at: no page keeps them.)
func unstorableField(c *fiber.Ctx) (field string, found bool) {
	check := func(k, v []byte) {
		if !found && !storableText(v) {
			field, found = string(k), true
		}
	}
	c.Request().URI().QueryArgs().VisitAll(check)
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return field, found
	}
	c.Request().PostArgs().VisitAll(check) // empty unless the body is urlencoded
	if mf, err := c.MultipartForm(); err == nil {
		keys := make([]string, 0, len(mf.Value))
		for k := range mf.Value {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			for _, v := range mf.Value[k] {
				check([]byte(k), []byte(v))
			}
		}
	}
	return field, found
}

// formGuard refuses a request with a value that is not storable text
// (see above); the page shown again for it passes.
func (s *Site) formGuard(c *fiber.Ctx) error {
	if c.Locals(formProblemKey) != nil {
		return c.Next()
	}
	if field, found := unstorableField(c); found {
		return s.refuseForm(c, field)
	}
	return c.Next()
}

// refuseForm answers 400 with the page the form was on, run again as a
// GET without the request's body and with the problem above its content.
func (s *Site) refuseForm(c *fiber.Ctx, field string) error {
	locale := s.Locale(c)
	p := &formProblem{field: field, text: fmt.Sprintf(T(locale, "form_bad_text"), fieldLabel(locale, field))}
	path, query := s.formPage(c)
	c.Locals(formProblemKey, p)
	req := c.Request()
	req.PostArgs().Reset()
	req.RemoveMultipartFormFiles()
	req.ResetBody()
	req.Header.Del(fiber.HeaderContentType)
	req.Header.SetMethod(fiber.MethodGet)
	c.Method(fiber.MethodGet)
	c.Path(path)
	req.URI().SetQueryString(query)
	if err := c.RestartRouting(); err != nil {
		return err
	}
	if status := c.Response().StatusCode(); p.shown && (status < 300 || status >= 400 && status < 500) {
		c.Status(fiber.StatusBadRequest)
		return nil
	}
	// No page to show it on (none at that address, or it sends the
	// reader elsewhere): the error page says it.
	c.Response().Reset()
	setSecurityHeaders(c)
	home := "/"
	if u := CurrentUser(c); u != nil {
		home = HomeOf(u)
	}
	return c.Status(fiber.StatusBadRequest).Type("html").Send(s.Page(c, "error", locale, T(locale, "err_title_400"),
		fiber.Map{"Text": p.text, "Home": home}))
}

// formPage is the page a refused request's form was on: for a GET its own
// address without the refused values; for a form sent, the page of this
// site it was sent from (its Referer), else the address it was sent to.
func (s *Site) formPage(c *fiber.Ctx) (path, query string) {
	if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
		return c.Path(), storableQuery(string(c.Request().URI().QueryString()))
	}
	if ref, err := url.Parse(c.Get(fiber.HeaderReferer)); err == nil && ref.Host != "" && s.ownHost(c, ref.Host) &&
		strings.HasPrefix(ref.Path, "/") && !strings.HasPrefix(ref.Path, "//") && storableText([]byte(ref.Path)) {
		return ref.Path, storableQuery(ref.RawQuery)
	}
	return c.Path(), ""
}

// ownHost reports whether host is this site's: the request's Host, or
// the public cabinet address's.
func (s *Site) ownHost(c *fiber.Ctx, host string) bool {
	if host == string(c.Request().Host()) {
		return true
	}
	u, err := url.Parse(s.CabinetURL)
	return err == nil && u.Host != "" && host == u.Host
}

// storableQuery is a query string without its values that are not
// storable text.
func storableQuery(raw string) string {
	var in, out fasthttp.Args
	in.Parse(raw)
	in.VisitAll(func(k, v []byte) {
		if storableText(k) && storableText(v) {
			out.AddBytesKV(k, v)
		}
	})
	return string(out.QueryString())
}

// fieldLabel names a field as its form does, when the catalogue has a
// short label for it, else by the field's own name.
func fieldLabel(locale, field string) string {
	field = strings.ToValidUTF8(strings.ReplaceAll(field, "\x00", ""), "\uFFFD")
	for _, l := range []string{locale, "en"} {
		if m, ok := messages[l][field]; ok && utf8.RuneCountInString(m) <= 40 {
			return m
		}
	}
	return field
}

var _ = AddMessages(map[string]string{
	"form_bad_text": "The field “%s” contains a character that cannot be saved (a zero byte, or bytes that are not UTF-8 text). Correct it and send the form again.",
}, map[string]string{
	"form_bad_text": "Поле «%s» содержит символ, который нельзя сохранить (нулевой байт или байты, не составляющие текст в UTF-8). Исправьте его и отправьте форму снова.",
})
