// Package cabinet is what a partner sees: the partner cabinet's pages and
// their templates (dashboard, links, leads and customers, earnings,
// payouts, materials, terms, settings and team), and the public pages a
// partner starts from (applying, accepting an invitation). Sessions,
// sign-in and the layout are web's; staff pages are backoffice's.
package cabinet

import (
	"context"
	"embed"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Server serves the partner cabinet on the shared web site.
type Server struct {
	*web.Site

	// RegisterLead applies the registration rule (commissions.RegisterLead,
	// wired by cmd so the cabinet does not import the rules) and returns
	// until when the lead is protected.
	RegisterLead func(ctx context.Context, partnerID int64, r LeadRegistration, now time.Time) (time.Time, error)

	// SamplePostback calls a postback URL template once with sample values
	// (commissions.SendSamplePostback with the reconciler's guarded client,
	// wired by cmd); nil hides the settings page's test button.
	SamplePostback func(ctx context.Context, tmpl, currency string, now time.Time) error
}

// Mount adds the cabinet's templates and routes to the site's router.
// Mount the back office first: the partner pages' guard answers every
// path mounted after it.
func (s *Server) Mount(web fiber.Router) error {
	if err := s.AddPages(templateFS, "templates"); err != nil {
		return err
	}
	s.routes(web)
	return nil
}

// requirePartner lets only signed-in owners and members of a partner
// through; staff go to the back office.
func (s *Server) requirePartner(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u != nil && partnerka.StaffRole(u.Role) {
		return c.Redirect("/admin", fiber.StatusSeeOther)
	}
	if u == nil || u.PartnerID == nil {
		return c.Redirect("/login", fiber.StatusSeeOther)
	}
	return c.Next()
}
