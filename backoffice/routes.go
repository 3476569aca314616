package backoffice

import (
	"slices"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// Who may do what in the back office. Admins may do everything; managers
// run partners, plans, lead registrations, materials and bonuses; finance
// runs payouts and adjustments. Every staff role reads the overview,
// partner pages, reports and the audit log.
var (
	anyStaff     = []string{partnerka.RoleAdmin, partnerka.RoleManager, partnerka.RoleFinance}
	managers     = []string{partnerka.RoleAdmin, partnerka.RoleManager}
	financeRoles = []string{partnerka.RoleAdmin, partnerka.RoleFinance}
	adminsOnly   = []string{partnerka.RoleAdmin}
)

// adminRoute is one back-office route and the roles allowed on it. The
// table is the single place roles are granted; TestAdminRoles walks it.
type adminRoute struct {
	method, path string
	roles        []string
	handler      fiber.Handler
}

// adminRoutes lists every route under /admin with the roles allowed on
// it: the one table a reader checks to know who reaches what. The pages
// wrapped in ReadOnly only read, and read their figures on the replica
// when there is one that keeps up (web/replica.go).
func (s *Server) adminRoutes() []adminRoute {
	const version = "/admin/plans/:id/versions/:n"
	routes := []adminRoute{
		{"GET", "/admin", anyStaff, s.ReadOnly(s.adminOverview)},
		// Partners, lead registrations and customers.
		{"GET", "/admin/partners", anyStaff, s.ReadOnly(s.adminPartners)},
		{"GET", "/admin/partners.csv", anyStaff, s.partnersCSV},
		{"GET", "/admin/partners/:id", anyStaff, s.adminPartner},
		{"POST", "/admin/partners/:id/approve", managers, s.approvePartner},
		{"POST", "/admin/partners/:id/reject", managers, s.rejectPartner},
		{"POST", "/admin/partners/:id/suspend", managers, s.suspendPartner},
		{"POST", "/admin/partners/:id/reactivate", managers, s.suspendPartner},
		{"POST", "/admin/partners/:id/certify", managers, s.certifyPartner},
		{"POST", "/admin/partners/:id/recruiter", managers, s.setRecruiter},
		{"POST", "/admin/partners/:id/contract", managers, s.moveContract},
		{"POST", "/admin/partners/:id/entries", anyStaff, s.addEntry}, // the kind's roles are checked inside (entryRoles)
		{"POST", "/admin/partners/:id/links/:link/disable", managers, s.setPartnerLinkDisabled},
		{"POST", "/admin/partners/:id/links/:link/enable", managers, s.setPartnerLinkDisabled},
		// Promo codes: created on the partner's page, requests decided here.
		{"POST", "/admin/partners/:id/promo-codes", managers, s.createPromoCodes},
		{"GET", "/admin/promo-codes", managers, s.adminPromoCodes},
		{"POST", "/admin/promo-codes/:id/disable", managers, s.changePromoCode},
		{"POST", "/admin/promo-codes/:id/enable", managers, s.changePromoCode},
		{"POST", "/admin/promo-codes/:id/approve", managers, s.changePromoCode},
		{"POST", "/admin/promo-codes/:id/reject", managers, s.changePromoCode},
		{"GET", "/admin/registrations", managers, s.adminRegistrations},
		{"POST", "/admin/registrations/:id/decide", managers, s.decideRegistration},
		{"GET", "/admin/customers", managers, s.ReadOnly(s.adminCustomers)},
		{"GET", "/admin/customers/:id", managers, s.ReadOnly(s.adminCustomer)},
		{"POST", "/admin/customers/:id/reassign", managers, s.reassignCustomer},
		// The fraud review queue: open flags by partner and rule, decided here.
		{"GET", "/admin/review", managers, s.adminReview},
		{"GET", "/admin/review/:partner/:rule", managers, s.adminReviewGroup},
		{"POST", "/admin/review/:partner/:rule", managers, s.decideReview},
		// Payouts: finance decides, exports for the bank and marks paid.
		{"GET", "/admin/payouts", financeRoles, s.ReadOnly(s.adminPayouts)},
		{"GET", "/admin/payouts.csv", financeRoles, s.payoutsCSV},
		{"POST", "/admin/payouts/paid", financeRoles, s.importPaid},
		{"GET", "/admin/payouts/:id", financeRoles, s.adminPayout},
		{"POST", "/admin/payouts/:id/approve", financeRoles, s.decidePayout},
		{"POST", "/admin/payouts/:id/reject", financeRoles, s.decidePayout},
		{"POST", "/admin/payouts/:id/paid", financeRoles, s.decidePayout},
		{"POST", "/admin/payouts/:id/cancel", financeRoles, s.decidePayout},
		// Plans: versions drafted, previewed on a partner, published.
		{"GET", "/admin/plans", anyStaff, s.adminPlans},
		{"POST", "/admin/plans", managers, s.createPlan},
		{"GET", "/admin/plans/:id", anyStaff, s.adminPlan},
		{"POST", "/admin/plans/:id/versions", managers, s.createPlanVersion},
		{"GET", version, anyStaff, s.adminPlanVersion},
		{"GET", version + "/preview", anyStaff, s.previewPlanVersion},
		{"POST", version + "/publish", managers, s.publishPlanVersion},
		{"GET", version + "/rules/new", managers, s.newPlanRule},
		{"POST", version + "/rules", managers, s.createPlanRule},
		{"GET", version + "/rules/:rule", managers, s.editPlanRule},
		{"POST", version + "/rules/:rule", managers, s.updatePlanRule},
		{"POST", version + "/rules/:rule/delete", managers, s.deletePlanRule},
		{"POST", version + "/rules/:rule/up", managers, s.movePlanRuleUp},
		// Reports and the audit log (each report's CSV below).
		{"GET", "/admin/reports", anyStaff, s.ReadOnly(s.adminReports)},
		{"GET", "/admin/audit", anyStaff, s.ReadOnly(s.adminAudit)},
		// Program settings, minimum payouts and API keys.
		{"GET", "/admin/settings", adminsOnly, s.adminSettings},
		{"POST", "/admin/settings", adminsOnly, s.saveProgramSettings},
		{"POST", "/admin/settings/api-keys", adminsOnly, s.createAPIKey},
		{"GET", "/admin/settings/api-keys/:id/revoke", adminsOnly, s.confirmRevokeAPIKey},
		{"POST", "/admin/settings/api-keys/:id/revoke", adminsOnly, s.revokeAPIKey},
		// Billing connectors: Stripe, YooKassa, CloudPayments.
		{"GET", "/admin/billing", adminsOnly, s.adminBilling},
		{"POST", "/admin/billing/events/:id/reprocess", adminsOnly, s.reprocessBillingEvent},
		{"POST", "/admin/billing/:provider", adminsOnly, s.saveBilling},
		// Promotional materials partners use.
		{"GET", "/admin/materials", managers, s.adminMaterials},
		{"POST", "/admin/materials", managers, s.createMaterial},
		{"POST", "/admin/materials/:id/delete", managers, s.deleteMaterial},
		// Staff accounts.
		{"GET", "/admin/staff", adminsOnly, s.adminStaff},
		{"POST", "/admin/staff", adminsOnly, s.addStaff},
		{"POST", "/admin/staff/:id", adminsOnly, s.updateStaff},
	}
	for _, name := range reportCSVs {
		routes = append(routes, adminRoute{"GET", "/admin/reports/" + name + ".csv", anyStaff, s.reportCSV(name)})
	}
	return routes
}

// mount adds the back office: signed-in staff only, each route checked
// against its roles.
func (s *Server) mount(web fiber.Router) {
	for _, r := range s.adminRoutes() {
		web.Add(r.method, r.path, s.requireRole(r.roles), r.handler)
	}
}

// requireRole lets staff with one of roles through. Anyone signed out is
// sent to sign in; a partner gets the same 404 as a missing page (the back
// office is not theirs to discover); staff without the role get a 403
// that names what the page needs.
func (s *Server) requireRole(roles []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u := web.CurrentUser(c)
		switch {
		case u == nil:
			return c.Redirect("/login", fiber.StatusSeeOther)
		case !partnerka.StaffRole(u.Role):
			return fiber.ErrNotFound
		case !slices.Contains(roles, u.Role):
			return c.Status(fiber.StatusForbidden).Type("html").Send(s.Page(c, "admin_forbidden", u.Locale, web.T(u.Locale, "forbidden"), fiber.Map{
				"Role": web.T(u.Locale, "role_"+u.Role), "Roles": roleNames(roles, u.Locale),
			}))
		}
		return c.Next()
	}
}

func roleNames(roles []string, locale string) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = web.T(locale, "role_"+r)
	}
	return out
}

// can reports whether the signed-in user holds one of roles (templates
// use it to hide actions a role cannot take).
func can(u *partnerka.User, roles []string) bool {
	return u != nil && slices.Contains(roles, u.Role)
}

// badgeCache keeps the navigation's queue counts for a few seconds: every
// back-office page shows them, and they need not be exact to the second.
type badgeCache struct {
	badgeMu sync.Mutex
	badgeAt time.Time
	badge   queueCounts
}

// queueCounts are storage's queue counts and the review queue's groups.
type queueCounts struct {
	storage.Queues
	Review int64 // groups of open fraud flags (a partner and a rule each)
}

func (s *Server) badges(c *fiber.Ctx) queueCounts {
	q, err := s.queues(c)
	if err != nil {
		s.Logger.Warn("back office counts", "err", err)
	}
	return q
}

// queues returns the queue counts, read again when the cached ones are
// older than five seconds (on an error, the last ones known and the error).
func (s *Server) queues(c *fiber.Ctx) (queueCounts, error) {
	s.badgeMu.Lock()
	defer s.badgeMu.Unlock()
	if time.Since(s.badgeAt) > 5*time.Second {
		q, err := s.DB.Queues(c.UserContext())
		if err != nil {
			return s.badge, err
		}
		review, err := s.DB.OpenReviewGroups(c.UserContext())
		if err != nil {
			return s.badge, err
		}
		s.badge, s.badgeAt = queueCounts{Queues: q, Review: review}, time.Now() // elapsed: the age of a cached count
	}
	return s.badge, nil
}

// forgetBadges makes the next page count the queues again (after an action
// that changed one).
func (s *Server) forgetBadges() {
	s.badgeMu.Lock()
	s.badgeAt = time.Time{}
	s.badgeMu.Unlock()
}

var _ = web.AddMessages(map[string]string{
	"forbidden":    "Not for your role",
	"forbidden_is": "This page is for: %s. You are signed in as %s.",
	"role_admin":   "admin", "role_manager": "manager", "role_finance": "finance", "role_owner": "owner", "role_member": "member",
	"applications": "Applications", "payout_requests": "Payout requests", "approved_payouts": "Approved, to be paid",
	"waiting_for_you": "Waiting for the program's team", "open": "Open",
}, map[string]string{
	"forbidden":    "Недоступно для вашей роли",
	"forbidden_is": "Эта страница для ролей: %s. Вы вошли как %s.",
	"role_admin":   "администратор", "role_manager": "менеджер", "role_finance": "финансы", "role_owner": "владелец", "role_member": "участник",
	"applications": "Заявки партнёров", "payout_requests": "Заявки на выплату", "approved_payouts": "Одобрены, к оплате",
	"waiting_for_you": "Ждут решения команды программы", "open": "Открыть",
})
