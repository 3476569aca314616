package tracker

import (
	"bytes"
	"net/url"
	"sync"
	"time"
	"unsafe"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
)

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// HeaderReason tells, on a redirect that did not record an attributable
// click, why not.
const HeaderReason = "X-Partnerka-Reason"

// redirect answers GET and HEAD /r/{code}[/{sub}]. It always redirects:
// to the link's destination, or to the program's landing page when the
// code is unknown, disabled or points outside the allowed domains.
func (s *Server) redirect(c *fiber.Ctx) error {
	start := time.Now() // elapsed: the redirect's latency
	st := s.settings.Load()
	c.Set(fiber.HeaderCacheControl, "no-store")
	code, sub, ok := parseRedirectPath(c.Path())
	var l cachedLink
	if ok {
		l, ok = s.cache.lookup(code)
	}
	switch {
	case !ok:
		return s.fallback(c, st, OutcomeUnknownCode, start)
	case !l.active:
		return s.fallback(c, st, OutcomeDisabled, start)
	case !l.dest.allowed:
		return s.fallback(c, st, OutcomeNotAllowed, start)
	}
	if sub == "" {
		sub = l.subID
	}
	now := s.Now()
	req := &c.Request().Header
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := (*bp)[:0]

	// The click's text fields view fasthttp's buffers and ours without
	// copying: ClickWriter.Write encodes them into its batch before it
	// returns, and nothing keeps them after the handler.
	id := partnerka.NewClickID(now)
	buf = id.AppendText(buf)
	idEnd := len(buf)
	buf = s.appendClientIP(buf, c)
	ipEnd := len(buf)
	locStart := len(buf)
	buf = s.appendDestination(buf, &l.dest, c.Request().URI().QueryString(), st.ClickParam)
	click := storage.StreamClick{ID: b2s(buf[:idEnd]), LinkID: l.id, PartnerID: l.partnerID, At: now,
		SubID: sub, IP: b2s(buf[idEnd:ipEnd]), UserAgent: b2s(req.UserAgent()), Referer: b2s(req.Referer()),
		Landing: b2s(buf[locStart:])}
	if c.Method() == fiber.MethodHead {
		click.Flags |= storage.FlagHead
	}
	if isPrefetch(b2s(req.Peek("Purpose")), b2s(req.Peek("Sec-Purpose"))) {
		click.Flags |= storage.FlagPrefetch
	}
	if s.bots.isBot(click.UserAgent) {
		click.Flags |= storage.FlagBot
	}
	if v := req.Cookie(st.CookieName); len(v) > 0 {
		if prev, ok := s.cookies.Decode(b2s(v), now, st.window); ok {
			buf = prev.ClickID.AppendText(buf)
			click.PrevClick = b2s(buf[len(buf)-26:])
		}
	}

	outcome := OutcomeRecorded
	err := s.writer.Write(&click)
	// From here on buf may grow and move: click must not be used again.
	loc := buf[locStart : locStart+len(click.Landing)]
	if err != nil {
		outcome = OutcomeNotRecorded
		c.Set(HeaderReason, "click_not_recorded")
	} else if click.Flags == 0 { // attributable
		loc = appendParam(loc, &l.dest, st.ClickParam, id)
		cookieStart := len(loc)
		cookie := append(append(loc, st.CookieName...), '=')
		cookie = s.cookies.AppendEncode(cookie, Attribution{ClickID: id, LinkID: l.id, PartnerID: l.partnerID})
		cookie = append(cookie, st.cookieSuffix...)
		c.Response().Header.AddBytesV(fiber.HeaderSetCookie, cookie[cookieStart:])
		buf = cookie
		loc = cookie[:cookieStart]
	} else {
		outcome = flagOutcome(click.Flags)
		c.Set(HeaderReason, outcome)
	}
	loc = append(loc, l.dest.fragment()...)
	if cap(loc) > cap(buf) {
		buf = loc
	}
	*bp = buf
	c.Response().Header.SetBytesV(fiber.HeaderLocation, loc)
	c.Status(fiber.StatusFound)
	s.Metrics.count(outcome)
	s.Metrics.Latency.Observe(time.Since(start).Seconds())
	return nil
}

// b2s views b as a string without copying. Only for values used while b is
// alive and unchanged.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// appendClientIP appends the visitor's address (IPv4 for IPv4-mapped
// addresses): the socket's, or the one a trusted proxy forwarded.
func (s *Server) appendClientIP(dst []byte, c *fiber.Ctx) []byte {
	a, ok := s.Proxies.ClientIP(c.Context().RemoteIP(), &c.Request().Header)
	if !ok {
		return dst
	}
	return a.AppendTo(dst)
}

func flagOutcome(flags int) string {
	switch {
	case flags&storage.FlagHead != 0:
		return OutcomeHead
	case flags&storage.FlagPrefetch != 0:
		return OutcomePrefetch
	default:
		return OutcomeBot
	}
}

// fallback redirects to the program's landing page, keeping the visitor's
// query, and says why in a header.
func (s *Server) fallback(c *fiber.Ctx, st *trackerSettings, outcome string, start time.Time) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	d := st.landing
	loc := s.appendDestination((*bp)[:0], d, c.Request().URI().QueryString(), st.ClickParam)
	loc = append(loc, d.fragment()...)
	*bp = loc
	c.Set(HeaderReason, outcome)
	c.Response().Header.SetBytesV(fiber.HeaderLocation, loc)
	c.Status(fiber.StatusFound)
	s.Metrics.count(outcome)
	s.Metrics.Latency.Observe(time.Since(start).Seconds())
	return nil
}

// appendDestination appends the destination (without its fragment) and the
// visitor's query string, minus any click parameter the visitor sent: only
// the tracker names the click.
func (s *Server) appendDestination(dst []byte, d *destination, query []byte, clickParam string) []byte {
	dst = append(dst, d.base()...)
	if len(query) == 0 {
		return dst
	}
	sep := byte('?')
	if d.hasQuery {
		sep = '&'
	}
	// The visitor's own click parameter is dropped, however its name is
	// written (pk%5Fclick is pk_click): the landing page must see only
	// the one the tracker appends.
	if !bytes.Contains(query, []byte(clickParam)) && bytes.IndexByte(query, '%') < 0 && bytes.IndexByte(query, '+') < 0 {
		return append(append(dst, sep), query...)
	}
	for len(query) > 0 {
		var pair []byte
		if i := bytes.IndexByte(query, '&'); i >= 0 {
			pair, query = query[:i], query[i+1:]
		} else {
			pair, query = query, nil
		}
		name := pair
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			name = pair[:i]
		}
		if len(pair) == 0 || string(name) == clickParam {
			continue
		}
		if bytes.IndexByte(name, '%') >= 0 || bytes.IndexByte(name, '+') >= 0 {
			if n, err := url.QueryUnescape(string(name)); err != nil || n == clickParam {
				continue // a name that does not decode is not passed on either
			}
		}
		dst = append(append(dst, sep), pair...)
		sep = '&'
	}
	return dst
}

// appendParam appends clickParam=id to a URL built by appendDestination.
func appendParam(dst []byte, d *destination, clickParam string, id partnerka.ClickID) []byte {
	if d.hasQuery || bytes.IndexByte(dst, '?') >= 0 {
		dst = append(dst, '&')
	} else {
		dst = append(dst, '?')
	}
	dst = append(append(dst, clickParam...), '=')
	return id.AppendText(dst)
}
