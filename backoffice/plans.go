package backoffice

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// planFlashes are the messages a redirect may ask a plans page to show.
var planFlashes = map[string]bool{"pl_plan_created": true, "pl_version_created": true, "pl_rule_saved": true,
	"pl_rule_deleted": true, "pl_rule_moved": true, "pl_published": true}

func planFlash(c *fiber.Ctx) string {
	if f := c.Query("done"); planFlashes[f] {
		return f
	}
	return ""
}

// versionView is a plan version as the plans pages list it.
type versionView struct {
	Number                   int
	URL, Status, StatusClass string
	Rules, Partners          string
	Created, Published       string
	Notes                    string
}

func versionViews(p *storage.PlanSummary, locale string) []versionView {
	out := make([]versionView, 0, len(p.Versions))
	for _, v := range p.Versions {
		vv := versionView{Number: v.Version, URL: fmt.Sprintf("/admin/plans/%d/versions/%d", p.ID, v.Version),
			Status: web.T(locale, "pl_status_"+v.Status), StatusClass: v.Status,
			Rules: web.FormatInt(v.Rules, locale), Partners: web.FormatInt(v.Partners, locale),
			Created: web.FormatDate(v.CreatedAt, locale), Notes: v.Notes}
		if v.PublishedAt != nil {
			vv.Published = web.FormatDate(*v.PublishedAt, locale)
		}
		out = append(out, vv)
	}
	return out
}

// adminPlans lists the plans with their versions and the create form.
func (s *Server) adminPlans(c *fiber.Ctx) error {
	return s.renderPlans(c, "", "", nil, fiber.StatusOK)
}

func (s *Server) renderPlans(c *fiber.Ctx, name, description string, errs map[string]string, status int) error {
	u := web.CurrentUser(c)
	ps, err := s.DB.Plans(c.UserContext(), s.Now())
	if err != nil {
		return err
	}
	var plans []fiber.Map
	for i := range ps {
		p := &ps[i]
		plans = append(plans, fiber.Map{"ID": p.ID, "Name": p.Name, "Description": p.Description,
			"DefaultFor": strings.Join(p.DefaultFor, ", "), "Versions": versionViews(p, u.Locale)})
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_plans", u.Locale, web.T(u.Locale, "plans"), fiber.Map{
		"Plans": plans, "Manager": can(u, managers), "Flash": planFlash(c),
		"Name": name, "Description": description, "Errors": errs,
	}))
}

// createPlan creates a plan; its first version is made on the plan's page.
func (s *Server) createPlan(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	name := strings.TrimSpace(c.FormValue("name"))
	description := strings.TrimSpace(c.FormValue("description"))
	errs := map[string]string{}
	if name == "" || utf8.RuneCountInString(name) > 100 {
		errs["name"] = web.T(u.Locale, "pl_err_name")
	}
	if utf8.RuneCountInString(description) > 2000 {
		errs["description"] = web.T(u.Locale, "pl_err_description")
	}
	if len(errs) > 0 {
		return s.renderPlans(c, name, description, errs, fiber.StatusUnprocessableEntity)
	}
	id, err := s.DB.CreatePlan(c.UserContext(), s.Actor(c), name, description)
	if partnerka.ErrorField(err) == "name" {
		errs["name"] = web.T(u.Locale, "pl_err_name_taken")
		return s.renderPlans(c, name, description, errs, fiber.StatusUnprocessableEntity)
	} else if err != nil {
		return err
	}
	return c.Redirect(fmt.Sprintf("/admin/plans/%d?done=pl_plan_created", id), fiber.StatusSeeOther)
}

// adminPlan shows a plan, its versions, and the form for a new version.
func (s *Server) adminPlan(c *fiber.Ctx) error {
	return s.renderPlan(c, nil, fiber.StatusOK)
}

func (s *Server) renderPlan(c *fiber.Ctx, formErr error, status int) error {
	u := web.CurrentUser(c)
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	p, err := s.DB.Plan(c.UserContext(), id, s.Now())
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	data := fiber.Map{"ID": p.ID, "Name": p.Name, "Description": p.Description, "DefaultFor": strings.Join(p.DefaultFor, ", "),
		"Versions": versionViews(p, u.Locale), "Manager": can(u, managers), "Flash": planFlash(c),
		"Notes": c.FormValue("notes")}
	if len(p.Versions) > 0 {
		latest := p.Versions[0]
		data["Latest"] = latest.Version
		data["Draft"] = latest.Status == storage.PlanDraft
		data["DraftURL"] = fmt.Sprintf("/admin/plans/%d/versions/%d", p.ID, latest.Version)
	}
	if formErr != nil {
		data["Error"] = web.ErrorText(u.Locale, formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_plans_plan", u.Locale, p.Name, data))
}

// createPlanVersion adds the plan's next version as a draft, empty or with
// the latest version's rules to start from.
func (s *Server) createPlanVersion(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	notes := strings.TrimSpace(c.FormValue("notes"))
	if utf8.RuneCountInString(notes) > 2000 {
		notes = string([]rune(notes)[:2000])
	}
	n, err := s.DB.CreatePlanVersion(c.UserContext(), s.Actor(c), id, c.FormValue("start") != "empty", notes)
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect(fmt.Sprintf("/admin/plans/%d/versions/%d?done=pl_version_created", id, n), fiber.StatusSeeOther)
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound
	case partnerka.ECONFLICT:
		return s.renderPlan(c, err, fiber.StatusConflict)
	}
	return err
}

// versionParam loads the version of a route's :id and :n, or a 404.
func (s *Server) versionParam(c *fiber.Ctx) (*storage.PlanVersionDetail, error) {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(c.Params("n"))
	if err != nil {
		return nil, fiber.ErrNotFound
	}
	v, err := s.DB.PlanVersionByNumber(c.UserContext(), id, n)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return nil, fiber.ErrNotFound
	}
	return v, err
}

func versionURL(v *storage.PlanVersionDetail) string {
	return fmt.Sprintf("/admin/plans/%d/versions/%d", v.PlanID, v.Version)
}

// ruleView is a rule as the version page lists it.
type ruleView struct {
	ID           int64
	N            int
	Level, Event string
	Text         string
	First        bool
}

// versionData is what every page of one version shows at its top.
func (s *Server) versionData(c *fiber.Ctx, v *storage.PlanVersionDetail) fiber.Map {
	u := web.CurrentUser(c)
	rules := make([]ruleView, 0, len(v.Rules))
	for i, r := range v.Rules {
		rules = append(rules, ruleView{ID: r.ID, N: i + 1, Level: fmt.Sprintf(web.T(u.Locale, "pl_level_n"), r.Level),
			Event: web.T(u.Locale, "pl_event_"+r.Event), Text: web.DescribeRule(r, u.Locale), First: i == 0})
	}
	data := fiber.Map{"PlanID": v.PlanID, "Plan": v.Plan, "Version": v.Version, "URL": versionURL(v),
		"PlanURL": fmt.Sprintf("/admin/plans/%d", v.PlanID), "Heading": fmt.Sprintf("%s v%d", v.Plan, v.Version),
		"Status": web.T(u.Locale, "pl_status_"+v.Status), "StatusClass": v.Status, "Notes": v.Notes,
		"Rules": rules, "Draft": v.Draft(), "Manager": can(u, managers), "Flash": planFlash(c), "PartnerID": int64(0)}
	if v.PublishedAt != nil {
		data["Published"] = web.FormatDate(*v.PublishedAt, u.Locale)
	}
	return data
}

// adminPlanVersion shows a version's rules: editable while a draft, with
// the preview form and, for a draft, the publish button.
func (s *Server) adminPlanVersion(c *fiber.Ctx) error {
	v, err := s.versionParam(c)
	if err != nil {
		return err
	}
	return s.renderVersion(c, v, nil, fiber.StatusOK)
}

func (s *Server) renderVersion(c *fiber.Ctx, v *storage.PlanVersionDetail, formErr error, status int) error {
	u := web.CurrentUser(c)
	data := s.versionData(c, v)
	partners, err := s.DB.ActivePartners(c.UserContext())
	if err != nil {
		return err
	}
	data["Partners"] = partners
	if formErr != nil {
		data["Error"] = web.ErrorText(u.Locale, formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_plans_version", u.Locale, data["Heading"].(string), data))
}

// refuseEdit answers an attempt to change a published version: a 409 that
// says why and what to do instead.
func (s *Server) refuseEdit(c *fiber.Ctx, v *storage.PlanVersionDetail) error {
	u := web.CurrentUser(c)
	return s.renderVersion(c, v, partnerka.Errorf(partnerka.ECONFLICT, "%s", web.T(u.Locale, "pl_immutable")), fiber.StatusConflict)
}

// versionActionError turns what a change of a version returned into a
// page: a 404 for something missing, the version page with the message
// for a conflict (a published version) or an unprocessable request.
func (s *Server) versionActionError(c *fiber.Ctx, v *storage.PlanVersionDetail, err error) error {
	switch partnerka.ErrorCode(err) {
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound
	case partnerka.ECONFLICT:
		if !v.Draft() {
			return s.refuseEdit(c, v)
		}
		return s.renderVersion(c, v, err, fiber.StatusConflict)
	case partnerka.EUNPROCESSABLE, partnerka.EINVALID:
		return s.renderVersion(c, v, err, fiber.StatusUnprocessableEntity)
	}
	return err
}

// publishPlanVersion asks for confirmation, then publishes the draft: from
// then on contracts may use it and it never changes.
func (s *Server) publishPlanVersion(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	v, _, err := s.draftRule(c, false)
	if v == nil {
		return err
	}
	if len(v.Rules) == 0 {
		return s.renderVersion(c, v, partnerka.Errorf(partnerka.EUNPROCESSABLE, "%s", web.T(u.Locale, "pl_err_no_rules")), fiber.StatusUnprocessableEntity)
	}
	if c.FormValue("confirm") != "1" {
		return s.confirmPlanAction(c, v, fmt.Sprintf(web.T(u.Locale, "pl_confirm_publish"), v.Plan, v.Version, len(v.Rules)),
			versionURL(v)+"/publish", web.T(u.Locale, "pl_publish"), "primary")
	}
	if err := s.DB.PublishPlanVersion(c.UserContext(), s.Actor(c), v.ID); err != nil {
		return s.versionActionError(c, v, err)
	}
	return c.Redirect(versionURL(v)+"?done=pl_published", fiber.StatusSeeOther)
}

// confirmPlanAction asks before a destructive or final action, saying
// exactly what will happen.
func (s *Server) confirmPlanAction(c *fiber.Ctx, v *storage.PlanVersionDetail, question, action, button, class string) error {
	u := web.CurrentUser(c)
	return c.Type("html").Send(s.Page(c, "admin_plans_confirm", u.Locale, button, fiber.Map{
		"Question": question, "Action": action, "Button": button, "Class": class, "Back": versionURL(v),
	}))
}

var _ = web.AddMessages(map[string]string{
	"pl_plans_lead":   "A plan is what partners earn. Each version is a list of rules; once published, a version never changes, so partners keep the terms they signed until they are moved to a new version from a date on.",
	"pl_no_plans":     "No plans yet. Create one, add rules to its first version, publish it; then partners can be put on it.",
	"pl_create_plan":  "Create plan",
	"pl_name":         "Name",
	"pl_description":  "Description (optional)",
	"pl_default_for":  "Default for",
	"pl_versions":     "Versions",
	"pl_version":      "Version",
	"pl_rules":        "Rules",
	"pl_partners_on":  "Partners on it",
	"pl_created":      "Created",
	"pl_published_on": "Published",
	"pl_notes":        "Notes",
	"pl_status_draft": "draft", "pl_status_published": "published",
	"pl_no_versions":     "No versions yet: create the first one below, add its rules, then publish it.",
	"pl_new_version":     "New version",
	"pl_notes_optional":  "What changes (optional)",
	"pl_start_from":      "Start from",
	"pl_copy_latest":     "a copy of version %d's rules",
	"pl_start_empty":     "no rules",
	"pl_create_version":  "Create draft",
	"pl_draft_open":      "Version %d is a draft: edit and publish it before starting another.",
	"pl_open_draft":      "Open the draft",
	"pl_plan_created":    "The plan is created. Now create its first version and add rules.",
	"pl_version_created": "The draft is created. Add or change its rules, preview it on a partner, then publish it.",
	"pl_rule_saved":      "The rule is saved.",
	"pl_rule_deleted":    "The rule is deleted.",
	"pl_rule_moved":      "The rule is moved up.",
	"pl_published":       "The version is published. It can no longer change; partners can be put on it.",
	"pl_immutable":       "This version is published and can never change, so partners keep the terms they agreed to. To change the terms, create a new version of the plan.",
	"pl_published_note":  "Published on %s. It never changes; to change the terms, create a new version of the plan.",
	"pl_draft_note":      "A draft: nobody earns by it until it is published. Rules are tried in order; the first one a payment matches pays.",
	"pl_no_rules":        "No rules yet. Add the first one: for example 20% of every payment of the partner's customers.",
	"pl_add_rule":        "Add rule",
	"pl_edit":            "Edit",
	"pl_move_up":         "Move up",
	"pl_delete":          "Delete",
	"pl_publish":         "Publish",
	"pl_level_n":         "Level %d",
	"pl_event_sale":      "sale", "pl_event_lead": "new customer",
	"pl_err_name":        "Name: enter a name of at most 100 characters.",
	"pl_err_name_taken":  "Name: a plan with this name exists already.",
	"pl_err_description": "Description: at most 2,000 characters.",
	"pl_err_no_rules":    "Add at least one rule before publishing.",
	"pl_confirm_publish": "Publish %s v%d with %d rule(s)? A published version can never change; partners can then be put on it.",
	"pl_confirm_delete":  "Delete rule %d of %s v%d: “%s”?",
	"pl_preview":         "Preview",
	"pl_preview_lead":    "What would a partner have earned last month under this version? Pick a partner: their customers' real payments are replayed through these rules and set beside what they actually earned.",
	"pl_partner":         "Partner",
	"pl_choose_partner":  "Choose a partner",
	"pl_no_active":       "No active partners to preview on yet.",
}, map[string]string{
	"pl_plans_lead":   "Тариф определяет вознаграждение партнёров. Каждая версия — список правил; опубликованная версия больше не меняется, поэтому партнёр сохраняет согласованные условия, пока его не переведут на новую версию с определённой даты.",
	"pl_no_plans":     "Тарифов пока нет. Создайте тариф, добавьте правила в первую версию и опубликуйте её — после этого на неё можно переводить партнёров.",
	"pl_create_plan":  "Создать тариф",
	"pl_name":         "Название",
	"pl_description":  "Описание (необязательно)",
	"pl_default_for":  "По умолчанию для",
	"pl_versions":     "Версии",
	"pl_version":      "Версия",
	"pl_rules":        "Правила",
	"pl_partners_on":  "Партнёров на версии",
	"pl_created":      "Создана",
	"pl_published_on": "Опубликована",
	"pl_notes":        "Примечание",
	"pl_status_draft": "черновик", "pl_status_published": "опубликована",
	"pl_no_versions":     "Версий пока нет: создайте первую ниже, добавьте правила и опубликуйте её.",
	"pl_new_version":     "Новая версия",
	"pl_notes_optional":  "Что меняется (необязательно)",
	"pl_start_from":      "Начать с",
	"pl_copy_latest":     "копии правил версии %d",
	"pl_start_empty":     "пустого списка правил",
	"pl_create_version":  "Создать черновик",
	"pl_draft_open":      "Версия %d — черновик: отредактируйте и опубликуйте её, прежде чем начинать следующую.",
	"pl_open_draft":      "Открыть черновик",
	"pl_plan_created":    "Тариф создан. Теперь создайте первую версию и добавьте правила.",
	"pl_version_created": "Черновик создан. Добавьте или измените правила, проверьте их на партнёре и опубликуйте.",
	"pl_rule_saved":      "Правило сохранено.",
	"pl_rule_deleted":    "Правило удалено.",
	"pl_rule_moved":      "Правило перемещено выше.",
	"pl_published":       "Версия опубликована. Она больше не изменится; на неё можно переводить партнёров.",
	"pl_immutable":       "Эта версия опубликована и никогда не меняется, чтобы партнёры сохраняли согласованные условия. Чтобы изменить условия, создайте новую версию тарифа.",
	"pl_published_note":  "Опубликована %s. Больше не меняется; чтобы изменить условия, создайте новую версию тарифа.",
	"pl_draft_note":      "Черновик: по нему никто не получает вознаграждение, пока он не опубликован. Правила проверяются по порядку; платёж оплачивает первое подходящее.",
	"pl_no_rules":        "Правил пока нет. Добавьте первое — например, 20% от каждого платежа клиентов партнёра.",
	"pl_add_rule":        "Добавить правило",
	"pl_edit":            "Изменить",
	"pl_move_up":         "Выше",
	"pl_delete":          "Удалить",
	"pl_publish":         "Опубликовать",
	"pl_level_n":         "Линия %d",
	"pl_event_sale":      "платёж", "pl_event_lead": "новый клиент",
	"pl_err_name":        "Название: введите название не длиннее 100 символов.",
	"pl_err_name_taken":  "Название: тариф с таким названием уже есть.",
	"pl_err_description": "Описание: не больше 2000 символов.",
	"pl_err_no_rules":    "Перед публикацией добавьте хотя бы одно правило.",
	"pl_confirm_publish": "Опубликовать %s v%d (правил: %d)? Опубликованная версия больше не меняется; на неё можно будет переводить партнёров.",
	"pl_confirm_delete":  "Удалить правило %d версии %s v%d: «%s»?",
	"pl_preview":         "Проверка на партнёре",
	"pl_preview_lead":    "Сколько партнёр получил бы за прошлый месяц по этой версии? Выберите партнёра: реальные платежи его клиентов будут пересчитаны по этим правилам и сопоставлены с фактически начисленным вознаграждением.",
	"pl_partner":         "Партнёр",
	"pl_choose_partner":  "Выберите партнёра",
	"pl_no_active":       "Активных партнёров для проверки пока нет.",
})
