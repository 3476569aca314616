// Package web is what the partner cabinet and the back office share:
// sessions, sign-in and password reset, CSRF, trusted proxies, the RU/EN
// catalogue and formatting, the layout and static files, the chart, CSV
// and form helpers. It serves the public sign-in pages itself; cabinet
// and backoffice mount their own pages on the router Mount returns. It
// knows no business rule.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Site is the shared state of the web surfaces: one per process, used by
// the cabinet's and the back office's servers.
type Site struct {
	DB *storage.DB
	// Replica is a streaming replica of DB, optional: the pages marked
	// ReadOnly read their figures on it while it keeps up (replica.go).
	// Never migrated: it follows DB.
	Replica *storage.DB
	// ReplicaInterval is how often the replica is looked at, StaleAfter
	// the age of its figures from which a page read on it says so, and
	// MaxReplicaLag the age past which pages read on DB instead (the
	// Default* constants when 0).
	ReplicaInterval, StaleAfter, MaxReplicaLag time.Duration
	// Concurrency is how many pages are served at once (0: one per CPU);
	// the others wait their turn (slots.go).
	Concurrency int

	Redis      *storage.Redis // to tell trackers about changed links; optional
	Logger     *slog.Logger
	TrackerURL string
	CabinetURL string // public base URL, for links in email
	Mailer     Mailer
	Secure     bool // served over TLS: cookies get Secure
	Now        partnerka.Clock
	// Proxies are the reverse proxies whose X-Forwarded-For is believed
	// (sign-in throttling, sessions and the audit log record the address).
	Proxies partnerka.TrustedProxies

	// MaxExports is how many CSV exports stream at once in the process
	// (DefaultMaxExports when 0); each partner and staff member has one
	// at a time (see StreamCSV).
	MaxExports int

	// StaffNav adds to a page a signed-in staff member sees what the
	// layout's back-office navigation needs (set by the back office).
	StaffNav func(c *fiber.Ctx, u *partnerka.User, data fiber.Map)

	pagesMu sync.Mutex
	pages   map[string]*template.Template

	plansMu sync.Mutex
	plans   map[int64]*partnerka.PlanVersion // published versions never change: cached

	later   background // work done after a request's answer (later.go)
	exports exportSlots
	slots   chan struct{} // pages being served (slots.go)
	replica replicaState  // what the replica's monitor knows (replica.go)
}

// PlanVersion returns a published plan version, reading them all again
// only when one is not cached yet.
func (s *Site) PlanVersion(ctx context.Context, id int64) (*partnerka.PlanVersion, error) {
	s.plansMu.Lock()
	defer s.plansMu.Unlock()
	if pv := s.plans[id]; pv != nil {
		return pv, nil
	}
	all, err := s.DB.PlanVersions(ctx)
	if err != nil {
		return nil, err
	}
	s.plans = all
	return all[id], nil
}

// Mount parses the shared templates, adds the shared middleware, static
// files and the public sign-in routes to app, and returns the router the
// surfaces add their pages to: every page on it runs the security
// headers, error pages, session and CSRF checks.
func (s *Site) Mount(app *fiber.App) (fiber.Router, error) {
	if s.Now == nil {
		s.Now = partnerka.SystemClock
	}
	if s.Mailer == nil {
		s.Mailer = LogMailer{Logger: s.Logger}
	}
	if err := s.AddPages(templateFS, "templates"); err != nil {
		return nil, err
	}
	if s.Replica != nil {
		s.startReplica()
	}
	s.initSlots()
	return s.routes(app), nil
}

// AddPages parses each page of dir in fsys (but the layout) into the
// shared layout; a page is named after its file, without .html.
func (s *Site) AddPages(fsys fs.FS, dir string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return err
	}
	s.pagesMu.Lock()
	defer s.pagesMu.Unlock()
	if s.pages == nil {
		s.pages = map[string]*template.Template{}
	}
	for _, e := range entries {
		page := strings.TrimSuffix(e.Name(), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html")
		if err == nil {
			t, err = t.ParseFS(fsys, dir+"/"+e.Name())
		}
		if err != nil {
			return err
		}
		s.pages[page] = t
	}
	return nil
}

var templateFuncs = template.FuncMap{"join": strings.Join}

// Page renders a page into its layout. Rendering goes to a buffer first,
// so a template error becomes the 500 page rather than half a page.
func (s *Site) Page(c *fiber.Ctx, name, locale, title string, data fiber.Map) []byte {
	data["Title"] = title
	data["Locale"] = locale
	data["T"] = func(key string) string { return T(locale, key) }
	data["User"] = CurrentUser(c)
	data["CSRF"] = s.FormCSRF(c)
	data["Path"] = c.Path()
	// The nav marks the page shown (web/layout.go).
	path := c.Path()
	data["Current"] = func(href string) bool { return navCurrent(path, href) }
	data["Back"] = string(c.Request().URI().RequestURI()) // path and query: switching language keeps a token in the address
	data["OtherLocale"] = map[string]string{"en": "ru", "ru": "en"}[locale]
	data["Stale"] = s.staleNotice(c, locale) // read on a replica that lags (replica.go)
	if p, _ := c.Locals(formProblemKey).(*formProblem); p != nil && !p.shown && name != "error" {
		data["FormError"] = p.text // a refused form's page, shown again (form.go)
		p.shown = true
	}
	if u := CurrentUser(c); u != nil && partnerka.StaffRole(u.Role) {
		data["Staff"] = true
		if s.StaffNav != nil {
			s.StaffNav(c, u, data)
		}
	}
	s.pagesMu.Lock()
	t := s.pages[name]
	s.pagesMu.Unlock()
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		if name != "error" {
			return s.errorBody(c, fmt.Errorf("render %s: %w", name, err))
		}
		s.Logger.Error("render", "page", name, "err", err)
		c.Status(fiber.StatusInternalServerError)
		return []byte("Internal error")
	}
	return buf.Bytes()
}

// ClientIP is the address the request came from: the visitor's, read from
// X-Forwarded-For when the request came through a trusted proxy.
func (s *Site) ClientIP(c *fiber.Ctx) string {
	a, ok := s.Proxies.ClientIP(c.Context().RemoteIP(), &c.Request().Header)
	if !ok {
		return c.IP()
	}
	return a.String()
}

// Actor is the signed-in user as the audit log records them.
func (s *Site) Actor(c *fiber.Ctx) storage.Actor {
	u := CurrentUser(c)
	return storage.Actor{UserID: u.ID, IP: s.ClientIP(c)}
}

// Announce tells every tracker about changes (a link, a partner's status,
// a promo code) so they apply them within a second. A failure is logged,
// not the user's: the trackers' sweep finds the change within seconds.
func (s *Site) Announce(ctx context.Context, changes ...storage.Change) {
	if s.Redis == nil {
		return
	}
	if err := s.Redis.Announce(ctx, changes...); err != nil {
		s.Logger.Warn("change not published; trackers pick it up on their next sweep", "changes", changes, "err", err)
	}
}
