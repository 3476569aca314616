package cabinet

import (
	"html/template"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
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

// adminRoutes lists every route under /admin.
func (s *Server) adminRoutes() []adminRoute {
	routes := []adminRoute{
		{"GET", "/admin", anyStaff, s.adminOverview},
	}
	routes = append(routes, s.partnerRoutes()...)
	routes = append(routes, s.payoutRoutes()...)
	routes = append(routes, s.planRoutes()...)
	routes = append(routes, s.reportRoutes()...)
	routes = append(routes, s.settingsRoutes()...)
	routes = append(routes, s.materialRoutes()...)
	routes = append(routes, s.staffRoutes()...)
	return routes
}

// mountAdmin adds the back office: signed-in staff only, each route
// checked against its roles.
func (s *Server) mountAdmin(web fiber.Router) {
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
		u := currentUser(c)
		switch {
		case u == nil:
			return c.Redirect("/login", fiber.StatusSeeOther)
		case !partnerka.StaffRole(u.Role):
			return fiber.ErrNotFound
		case !slices.Contains(roles, u.Role):
			return c.Status(fiber.StatusForbidden).Type("html").Send(s.page(c, "admin_forbidden", u.Locale, T(u.Locale, "forbidden"), fiber.Map{
				"Role": T(u.Locale, "role_"+u.Role), "Roles": roleNames(roles, u.Locale),
			}))
		}
		return c.Next()
	}
}

func roleNames(roles []string, locale string) []string {
	out := make([]string, len(roles))
	for i, r := range roles {
		out[i] = T(locale, "role_"+r)
	}
	return out
}

// can reports whether the signed-in user holds one of roles (templates
// use it to hide actions a role cannot take).
func can(u *partnerka.User, roles []string) bool {
	return u != nil && slices.Contains(roles, u.Role)
}

// actor is the signed-in staff member as the audit log records them.
func (s *Server) actor(c *fiber.Ctx) storage.Actor {
	u := currentUser(c)
	return storage.Actor{UserID: u.ID, IP: s.clientIP(c)}
}

// clientIP is the address the request came from: the visitor's, read from
// X-Forwarded-For when the request came through a trusted proxy.
func (s *Server) clientIP(c *fiber.Ctx) string {
	a, ok := s.Proxies.ClientIP(c.Context().RemoteIP(), &c.Request().Header)
	if !ok {
		return c.IP()
	}
	return a.String()
}

// badgeCache keeps the navigation's queue counts for a few seconds: every
// back-office page shows them, and they need not be exact to the second.
type badgeCache struct {
	badgeMu sync.Mutex
	badgeAt time.Time
	badge   storage.Queues
}

func (s *Server) badges(c *fiber.Ctx) storage.Queues {
	q, err := s.queues(c)
	if err != nil {
		s.Logger.Warn("back office counts", "err", err)
	}
	return q
}

// queues returns the queue counts, read again when the cached ones are
// older than five seconds (on an error, the last ones known and the error).
func (s *Server) queues(c *fiber.Ctx) (storage.Queues, error) {
	s.badgeMu.Lock()
	defer s.badgeMu.Unlock()
	if time.Since(s.badgeAt) > 5*time.Second {
		q, err := s.DB.Queues(c.UserContext())
		if err != nil {
			return s.badge, err
		}
		s.badge, s.badgeAt = q, time.Now() // elapsed: the age of a cached count
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

var templateFuncs = template.FuncMap{"join": strings.Join}

// adminOverview is the back office's first page: what waits for whom.
func (s *Server) adminOverview(c *fiber.Ctx) error {
	u := currentUser(c)
	s.forgetBadges() // the overview shows exact counts: read them now; the badges reuse them
	q, err := s.queues(c)
	if err != nil {
		return err
	}
	var requested []string
	for _, m := range q.RequestedAmounts {
		requested = append(requested, FormatMoney(m, u.Locale))
	}
	return c.Type("html").Send(s.page(c, "admin_overview", u.Locale, T(u.Locale, "overview"), fiber.Map{
		"Q": q, "Requested": requested,
		"Manager": can(u, managers), "Finance": can(u, financeRoles), "Admin": can(u, adminsOnly),
	}))
}

var _ = addMessages(map[string]string{
	"overview": "Overview", "partners": "Partners", "lead_registrations": "Lead registrations", "plans": "Plans",
	"reports": "Reports", "audit_log": "Audit log", "admin_settings": "Settings",
	"forbidden":    "Not for your role",
	"forbidden_is": "This page is for: %s. You are signed in as %s.",
	"role_admin":   "admin", "role_manager": "manager", "role_finance": "finance", "role_owner": "owner", "role_member": "member",
	"applications": "Applications", "payout_requests": "Payout requests", "approved_payouts": "Approved, to be paid",
	"waiting_for_you": "Waiting for the program's team", "open": "Open",
}, map[string]string{
	"overview": "Обзор", "partners": "Партнёры", "lead_registrations": "Регистрации лидов", "plans": "Тарифы",
	"reports": "Отчёты", "audit_log": "Журнал действий", "admin_settings": "Настройки",
	"forbidden":    "Недоступно для вашей роли",
	"forbidden_is": "Эта страница для ролей: %s. Вы вошли как %s.",
	"role_admin":   "администратор", "role_manager": "менеджер", "role_finance": "финансы", "role_owner": "владелец", "role_member": "участник",
	"applications": "Заявки партнёров", "payout_requests": "Заявки на выплату", "approved_payouts": "Одобрены, к оплате",
	"waiting_for_you": "Ждут решения команды программы", "open": "Открыть",
})
