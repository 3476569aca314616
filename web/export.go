package web

import (
	"bufio"
	"context"
	"encoding/csv"
	"io"
	"net"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// CSV exports run in the process that also serves the tracker, so each
// streams its lines to the response as it reads them (a few kilobytes in
// memory whatever the file's length), and few run at once: one per owner
// (a partner's team shares one; a staff member has their own) and
// Site.MaxExports in all. Another export asked for meanwhile is answered
// 429 with a page that says why; no export can starve the redirects of
// memory, connections or time.

// DefaultMaxExports is how many exports stream at once when
// Site.MaxExports is not set.
const DefaultMaxExports = 4

// Limits of one export.
const (
	exportTimeout = 30 * time.Minute // longest an export may take, however slowly it is read
	exportStall   = 30 * time.Second // longest the client may take to read the next part
)

// exportSlots are the exports streaming now, by owner.
type exportSlots struct {
	mu      sync.Mutex
	running map[string]bool
}

// takeExport takes a slot for owner, or says why there is none: "mine"
// (owner's previous export still runs) or "full" (the process's limit).
func (s *Site) takeExport(owner string) (release func(), busy string) {
	max := s.MaxExports
	if max <= 0 {
		max = DefaultMaxExports
	}
	e := &s.exports
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.running[owner]:
		return nil, "mine"
	case len(e.running) >= max:
		return nil, "full"
	}
	if e.running == nil {
		e.running = map[string]bool{}
	}
	e.running[owner] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			e.mu.Lock()
			delete(e.running, owner)
			e.mu.Unlock()
		})
	}, ""
}

// ExportsRunning is how many exports stream now.
func (s *Site) ExportsRunning() int {
	s.exports.mu.Lock()
	defer s.exports.mu.Unlock()
	return len(s.exports.running)
}

// StreamCSV answers with a CSV file called name whose lines write writes
// to w as it reads them; owner names whose export it is ("partner:7",
// "user:3"). The response is streamed: write runs after the handler has
// returned, so it must not touch c (read what it needs from the request
// first), and it stops at the first error w returns (the client went
// away). An error of write's own is logged and ends the file with a line
// saying it is incomplete, so a cut file is never taken for a whole one.
// When the owner's previous export or too many exports still run, it
// answers 429 with a page saying so, and write is not called.
func (s *Site) StreamCSV(c *fiber.Ctx, owner, name string, write func(ctx context.Context, w *csv.Writer) error) error {
	locale := s.Locale(c)
	if u := CurrentUser(c); u != nil {
		locale = u.Locale
	}
	release, busy := s.takeExport(owner)
	if busy != "" {
		c.Set(fiber.HeaderRetryAfter, "30")
		return c.Status(fiber.StatusTooManyRequests).Type("html").Send(s.Page(c, "export_busy", locale, T(locale, "export_busy_title"),
			fiber.Map{"Message": T(locale, "export_busy_"+busy), "Return": exportPage(c)}))
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	conn := c.Context().Conn()
	// The writer runs after the handler: fasthttp reuses the request's
	// buffers by then, and strings fiber returns point into them.
	where, locale := strings.Clone(c.Path()), strings.Clone(locale)
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		defer release()
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		w := csv.NewWriter(&stallWriter{w: bw, conn: conn})
		err := write(ctx, w)
		if err == nil {
			w.Flush()
			err = w.Error()
		}
		if err == nil {
			return
		}
		if w.Error() != nil {
			s.Logger.Info("export not finished: the client went away", "path", where, "err", err)
			return
		}
		s.Logger.Error("export failed", "path", where, "err", err)
		w.Write([]string{T(locale, "export_incomplete")})
		w.Flush()
	})
	return nil
}

// stallWriter passes the export on to the response and, as each part
// goes, gives the connection another exportStall to take it: the server's
// write timeout is meant for one response of a page, and a long file that
// keeps moving must not be cut by it, while a client that stops reading
// still is.
type stallWriter struct {
	w    io.Writer
	conn net.Conn
	last time.Time
}

func (s *stallWriter) Write(p []byte) (int, error) {
	if s.conn != nil {
		if now := time.Now(); now.Sub(s.last) > time.Second { // elapsed: a network deadline
			s.conn.SetWriteDeadline(now.Add(exportStall))
			s.last = now
		}
	}
	n, err := s.w.Write(p)
	if err != nil {
		return n, err
	}
	// Hand each part to the response at once: the pipe to the connection
	// holds a few parts, so a stalled client stops the export there.
	if f, ok := s.w.(*bufio.Writer); ok {
		err = f.Flush()
	}
	return n, err
}

// exportPage is the page an export is downloaded from, with its query:
// /earnings for /earnings.csv, /admin/reports for /admin/reports/x.csv.
func exportPage(c *fiber.Ctx) string {
	p := strings.TrimSuffix(c.Path(), ".csv")
	if path.Dir(p) == "/admin/reports" {
		p = "/admin/reports"
	}
	if q := c.Request().URI().QueryString(); len(q) > 0 {
		p += "?" + string(q)
	}
	return p
}

// CSVOwner is the owner of a signed-in user's export: their partner's
// team, or the staff member.
func CSVOwner(c *fiber.Ctx) string {
	u := CurrentUser(c)
	if u.PartnerID != nil {
		return "partner:" + strconv.FormatInt(*u.PartnerID, 10)
	}
	return "user:" + strconv.FormatInt(u.ID, 10)
}

var _ = AddMessages(map[string]string{
	"export_busy_title": "The export is not ready to start",
	"export_busy_mine":  "Your previous export is still being prepared (one runs at a time for each partner and each member of staff). Wait for it to finish, then try again.",
	"export_busy_full":  "Several exports are being prepared right now. Try again in half a minute.",
	"export_incomplete": "THE EXPORT IS INCOMPLETE: it stopped before its end because of an internal error. Download it again.",
}, map[string]string{
	"export_busy_title": "Выгрузку пока нельзя начать",
	"export_busy_mine":  "Ваша предыдущая выгрузка ещё готовится (для каждого партнёра и каждого сотрудника — одна за раз). Дождитесь её окончания и попробуйте снова.",
	"export_busy_full":  "Сейчас готовятся несколько выгрузок. Попробуйте снова через полминуты.",
	"export_incomplete": "ВЫГРУЗКА НЕПОЛНАЯ: она прервалась до конца из-за внутренней ошибки. Скачайте её заново.",
})
