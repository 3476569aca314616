// Package backoffice is what the program's team sees and does: partners
// and their applications, lead registrations, payouts, plans, reports,
// the audit log, materials, settings and staff. Every route and the roles
// allowed on it are in one table (routes.go); partners never reach it.
// Sessions, sign-in and the layout are web's.
package backoffice

import (
	"context"
	"embed"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Server serves the back office on the shared web site.
type Server struct {
	*web.Site

	// AddManualEntry books a bonus or adjustment (commissions.AddManualEntry,
	// wired by cmd): the domain rules on kinds, signs and reasons.
	AddManualEntry func(ctx context.Context, partnerID int64, kind, amount, currency, reason string, by storage.Actor) (int64, error)

	// PreviewPlan replays a partner's payments of [from, to) through a plan
	// version, draft or published, beside what they earned
	// (commissions.PreviewPlan, wired by cmd like AddManualEntry).
	PreviewPlan func(ctx context.Context, db *storage.DB, partnerID int64, pv *partnerka.PlanVersion, from, to time.Time) (*storage.PlanPreview, error)

	// Billing is the billing connectors the binary offers and how to
	// re-record one of their events (wired by cmd from the billing
	// package); without it the billing page lists nothing.
	Billing BillingConnectors

	badgeCache
}

// Mount adds the back office's templates and routes to the site's router,
// and its navigation to the pages staff see.
func (s *Server) Mount(web fiber.Router) error {
	if err := s.AddPages(templateFS, "templates"); err != nil {
		return err
	}
	s.StaffNav = s.staffNav
	s.mount(web)
	return nil
}

// staffNav is what the layout's back-office navigation needs: the queue
// badges and which sections the user's role opens.
func (s *Server) staffNav(c *fiber.Ctx, u *partnerka.User, data fiber.Map) {
	data["Badges"] = s.badges(c)
	data["Nav"] = map[string]bool{"manager": can(u, managers), "finance": can(u, financeRoles), "admin": can(u, adminsOnly)}
}
