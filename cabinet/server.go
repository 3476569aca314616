// Package cabinet is who sees what: the partner cabinet and the back office,
// server-rendered HTML embedded in the binary, with server-side sessions,
// CSRF protection and English and Russian.
package cabinet

import (
	"bytes"
	"context"
	"embed"
	"html/template"
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

// Server renders the cabinet and back office.
type Server struct {
	DB         *storage.DB
	Redis      *storage.Redis // to tell trackers about new links; optional
	Logger     *slog.Logger
	TrackerURL string
	CabinetURL string // public base URL, for links in email
	Mailer     Mailer
	Secure     bool // served over TLS: cookies get Secure
	Now        partnerka.Clock
	// Proxies are the reverse proxies whose X-Forwarded-For is believed
	// (sign-in throttling, sessions and the audit log record the address).
	Proxies partnerka.TrustedProxies

	// RegisterLead applies the registration rule (commissions.RegisterLead,
	// wired by cmd so the cabinet does not import the rules) and returns
	// until when the lead is protected.
	RegisterLead func(ctx context.Context, partnerID int64, r LeadRegistration, now time.Time) (time.Time, error)

	// AddManualEntry books a bonus or adjustment (commissions.AddManualEntry,
	// wired by cmd): the domain rules on kinds, signs and reasons.
	AddManualEntry func(ctx context.Context, partnerID int64, kind, amount, currency, reason string, by storage.Actor) (int64, error)

	// PreviewPlan replays a partner's payments of [from, to) through a plan
	// version, draft or published, beside what they earned
	// (commissions.PreviewPlan, wired by cmd like RegisterLead).
	PreviewPlan func(ctx context.Context, db *storage.DB, partnerID int64, pv *partnerka.PlanVersion, from, to time.Time) (*storage.PlanPreview, error)

	// SamplePostback calls a postback URL template once with sample values
	// (commissions.SendSamplePostback with the reconciler's guarded client,
	// wired by cmd); nil hides the settings page's test button.
	SamplePostback func(ctx context.Context, tmpl, currency string, now time.Time) error

	pages map[string]*template.Template
	badgeCache

	plansMu sync.Mutex
	plans   map[int64]*partnerka.PlanVersion // published versions never change: cached
}

// planVersion returns a published plan version, reading them all again
// only when one is not cached yet.
func (s *Server) planVersion(ctx context.Context, id int64) (*partnerka.PlanVersion, error) {
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

// Mount parses the templates and adds the routes to app.
func (s *Server) Mount(app *fiber.App) error {
	if s.Now == nil {
		s.Now = partnerka.SystemClock
	}
	if s.Mailer == nil {
		s.Mailer = LogMailer{Logger: s.Logger}
	}
	if err := s.parseTemplates(); err != nil {
		return err
	}
	s.routes(app)
	return nil
}

func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		return err
	}
	for _, e := range entries {
		page := strings.TrimSuffix(e.Name(), ".html")
		if page == "layout" {
			continue
		}
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(templateFS, "templates/layout.html", "templates/"+e.Name())
		if err != nil {
			return err
		}
		s.pages[page] = t
	}
	return nil
}

// page renders a page into its layout. Rendering goes to a buffer first,
// so a template error becomes a clean 500 rather than half a page.
func (s *Server) page(c *fiber.Ctx, name, locale, title string, data fiber.Map) []byte {
	data["Title"] = title
	data["Locale"] = locale
	data["T"] = func(key string) string { return T(locale, key) }
	data["User"] = currentUser(c)
	data["CSRF"] = s.formCSRF(c)
	data["Path"] = c.Path()
	data["Back"] = string(c.Request().URI().RequestURI()) // path and query: switching language keeps a token in the address
	data["OtherLocale"] = map[string]string{"en": "ru", "ru": "en"}[locale]
	if u := currentUser(c); u != nil && partnerka.StaffRole(u.Role) {
		data["Staff"] = true
		data["Badges"] = s.badges(c)
		data["Nav"] = map[string]bool{"manager": can(u, managers), "finance": can(u, financeRoles), "admin": can(u, adminsOnly)}
	}
	var buf bytes.Buffer
	if err := s.pages[name].Execute(&buf, data); err != nil {
		s.Logger.Error("render", "page", name, "err", err)
		c.Status(fiber.StatusInternalServerError)
		return []byte("Internal error")
	}
	return buf.Bytes()
}
