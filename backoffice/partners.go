package backoffice

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// Bonuses are the managers' tool (contests, event costs); adjustments
// (corrections of either sign) are finance's.
var entryRoles = map[string][]string{"bonus": managers, "adjustment": financeRoles}

// adminPartner is everything about one partner, with the actions the
// signed-in role may take.
func (s *Server) adminPartner(c *fiber.Ctx) error {
	return s.renderPartner(c, "", nil, nil, fiber.StatusOK)
}

// renderPartner renders the partner page; on a failed form, formName says
// which form, formErr why, and input what was typed.
func (s *Server) renderPartner(c *fiber.Ctx, formName string, formErr error, input fiber.Map, status int) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	return s.renderPartnerOf(c, id, formName, formErr, input, status)
}

// renderPartnerOf renders the page of partner id (from a form of another
// page's route, such as a promo code's).
func (s *Server) renderPartnerOf(c *fiber.Ctx, id int64, formName string, formErr error, input fiber.Map, status int) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	f, err := s.DB.PartnerFile(ctx, id)
	if err != nil {
		return err
	}
	loc := web.UserLoc(u)
	money := func(amount partnerka.Money) string { return web.FormatMoney(amount, u.Locale) }
	date := func(t time.Time) string { return web.FormatDate(t.In(loc), u.Locale) }

	var contracts []fiber.Map
	now := s.Now()
	for _, k := range f.Contracts {
		until := ""
		if k.EndsAt != nil {
			until = date(*k.EndsAt)
		}
		inForce := !k.StartsAt.After(now) && (k.EndsAt == nil || k.EndsAt.After(now))
		contracts = append(contracts, fiber.Map{"Plan": k.Plan + " v" + strconv.Itoa(k.Version), "From": date(k.StartsAt),
			"Until": until, "InForce": inForce, "Scheduled": k.StartsAt.After(now)})
	}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	balances := web.BalanceRows(f.Balances, st.DefaultCurrency, nil, loc, u.Locale) // the main currency first, as the partner sees them
	var payouts []fiber.Map
	for _, p := range f.Payouts {
		payouts = append(payouts, fiber.Map{"ID": p.ID, "Date": date(p.RequestedAt), "Amount": money(partnerka.Money{Amount: p.Amount, Currency: p.Currency}),
			"Status": web.T(u.Locale, "status_"+p.Status), "StatusClass": p.Status, "Reason": p.Reason})
	}
	links, err := s.DB.PartnerLinks(ctx, id, now.AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	earnings, manual, err := s.DB.PartnerEarnings(ctx, id, now.AddDate(-10, 0, 0), now.Add(time.Hour), 20)
	if err != nil {
		return err
	}
	var latest []fiber.Map
	for _, r := range earnings {
		latest = append(latest, fiber.Map{"Date": date(r.EarnedAt), "Amount": money(partnerka.Money{Amount: r.Amount, Currency: r.Currency}),
			"Status": web.T(u.Locale, "status_"+r.Status), "StatusClass": r.Status, "Explanation": web.Explain(r.Explanation, u.Locale)})
	}
	var entries []fiber.Map
	for _, m := range manual {
		entries = append(entries, fiber.Map{"Date": date(m.CreatedAt), "Amount": money(partnerka.Money{Amount: m.Amount, Currency: m.Currency}),
			"Kind": web.T(u.Locale, m.Kind), "Reason": m.Reason})
	}
	var team []fiber.Map
	for _, m := range f.Users {
		team = append(team, fiber.Map{"Email": m.Email, "Name": m.Name, "Role": web.T(u.Locale, "role_"+m.Role), "Since": date(m.CreatedAt)})
	}
	audit, err := s.auditView(ctx, f.Audit, u.Locale, loc)
	if err != nil {
		return err
	}
	data := fiber.Map{
		"P": f.Partner, "File": f, "StatusText": web.T(u.Locale, "ps_"+f.Partner.Status), "Created": date(f.Partner.CreatedAt),
		"Contracts": contracts, "Balances": balances, "Payouts": payouts, "PayoutsNote": historyNote(u.Locale, len(f.Payouts), f.PayoutCount), "Links": links, "Latest": latest, "Entries": entries,
		"Team": team, "Audit": audit, "TrackerURL": s.TrackerURL,
		"Clicks": web.FormatInt(f.Summary.Clicks, u.Locale), "Customers": web.FormatInt(f.Summary.Customers, u.Locale),
		"Recruits": web.FormatInt(f.Summary.Recruits, u.Locale), "Commissions": web.FormatInt(f.Summary.Commissions, u.Locale),
		"Manager": can(u, managers), "Finance": can(u, financeRoles), "Today": now.In(loc).Format("2006-01-02"),
		"Form": formName, "Input": input,
	}
	if data["Tier"], err = s.Tier(ctx, s.DB, id, u.Locale); err != nil {
		return err
	}
	if f.Partner.CertifiedAt != nil {
		data["Certified"] = web.FormatDate(*f.Partner.CertifiedAt, u.Locale)
	}
	if formErr != nil {
		data["Error"] = web.ErrorText(u.Locale, formErr)
		switch formName {
		case "promo", "promo_change", "link_disable", "link_enable":
			data["Error"] = promoErrorText(formErr, u.Locale)
		}
	}
	codes, err := s.DB.PromoCodes(ctx, storage.PromoFilter{PartnerID: id})
	if err != nil {
		return err
	}
	data["PromoCodes"], data["PromoPrefix"] = promoCodeViews(codes, u), strings.ToUpper(f.Partner.Ref)+"-"
	if can(u, managers) {
		types, err := s.DB.PartnerTypes(ctx)
		if err != nil {
			return err
		}
		versions, err := s.DB.PublishedVersions(ctx)
		if err != nil {
			return err
		}
		data["Types"], data["Versions"] = types, versions
		if f.Partner.Status == partnerka.PartnerApplied {
			data["Approve"] = approvalView(f.Partner, types, versions, formName, input, u.Locale)
		}
	}
	if done := c.Query("done"); done != "" && strings.HasPrefix(done, "done_") {
		data["Flash"] = done // our own message keys only
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_partner", u.Locale, f.Partner.Name, data))
}

// auditView shows a partner's audit records as the audit log does: only
// what changed, labels in the page's language, ids as names.
func (s *Server) auditView(ctx context.Context, rows []storage.AuditRow, locale string, loc *time.Location) ([]fiber.Map, error) {
	records := make([]storage.AuditRecord, len(rows))
	for i, r := range rows {
		records[i] = storage.AuditRecord{ID: r.ID, At: r.At, Actor: r.Actor, Action: r.Action, Before: r.Before, After: r.After}
	}
	names, err := auditNames(ctx, s.DB, records)
	if err != nil {
		return nil, err
	}
	view := auditReader{lc: locale, loc: loc, names: names}
	var out []fiber.Map
	for _, r := range rows {
		out = append(out, fiber.Map{"At": web.FormatDateTime(r.At.In(loc), locale),
			"Actor": r.Actor, "Action": r.Action, "Changes": view.of(r.Action).changes(r.Before, r.After)})
	}
	return out, nil
}

// partnerAction runs a partner-page form: on success back to the page with
// a message, on a user error the page again with the error and input.
func (s *Server) partnerAction(c *fiber.Ctx, form string, input fiber.Map, do func(ctx context.Context, id int64) error) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	err = do(c.UserContext(), id)
	switch partnerka.ErrorCode(err) {
	case "":
		s.forgetBadges()
		return c.Redirect("/admin/partners/"+strconv.FormatInt(id, 10)+"?done=done_"+form, fiber.StatusSeeOther)
	case partnerka.EINVALID, partnerka.EUNPROCESSABLE:
		return s.renderPartner(c, form, err, input, fiber.StatusUnprocessableEntity)
	case partnerka.ECONFLICT:
		return s.renderPartner(c, form, err, input, fiber.StatusConflict)
	case partnerka.EFORBIDDEN:
		return s.renderPartner(c, form, err, input, fiber.StatusForbidden)
	}
	return err
}

func formID(c *fiber.Ctx, field string) (int64, error) {
	id, err := strconv.ParseInt(c.FormValue(field), 10, 64)
	if err != nil || id <= 0 {
		return 0, partnerka.FieldError(field, "choose one")
	}
	return id, nil
}

// approvalView is the approval form's choice: what the manager sent on a
// refused form, else the partner type the applicant asked for and the
// latest published version of that type's default plan. Each type names
// its plan and each version its plan, so the page (app.js) follows a type
// with its plan; Mismatch (a version not of the chosen type's plan) shows
// the confirmation the server asks for.
func approvalView(p *partnerka.Partner, types []storage.PartnerType, versions []storage.VersionRef, formName string, input fiber.Map, locale string) fiber.Map {
	var typeID, versionID int64
	other := false
	if formName == "approve" {
		typed, _ := input["type"].(string)
		version, _ := input["version"].(string)
		typeID, _ = strconv.ParseInt(typed, 10, 64)
		versionID, _ = strconv.ParseInt(version, 10, 64)
		other = input["other_type_plan"] != ""
	} else if p.PartnerTypeID != nil {
		typeID = *p.PartnerTypeID
	}
	var asked string
	var typePlan *int64
	typesOfPlan := map[int64][]string{}
	for _, t := range types {
		if p.PartnerTypeID != nil && t.ID == *p.PartnerTypeID {
			asked = t.Name
		}
		if t.ID == typeID {
			typePlan = t.DefaultPlanID
			if formName != "approve" && t.DefaultVersionID != nil {
				versionID = *t.DefaultVersionID
			}
		}
		if t.DefaultPlanID != nil {
			typesOfPlan[*t.DefaultPlanID] = append(typesOfPlan[*t.DefaultPlanID], t.Name)
		}
	}
	var options []fiber.Map
	mismatch := false
	for _, v := range versions {
		label := v.String()
		if names := typesOfPlan[v.PlanID]; len(names) > 0 {
			label = fmt.Sprintf(web.T(locale, "plan_of_types"), label, strings.Join(names, ", "))
		}
		if v.ID == versionID && typePlan != nil && *typePlan != v.PlanID {
			mismatch = true
		}
		options = append(options, fiber.Map{"ID": v.ID, "PlanID": v.PlanID, "Label": label})
	}
	return fiber.Map{"Type": typeID, "Version": versionID, "Asked": asked, "Versions": options, "Mismatch": mismatch, "Other": other}
}

func (s *Server) approvePartner(c *fiber.Ctx) error {
	input := fiber.Map{"type": c.FormValue("type"), "version": c.FormValue("version"), "other_type_plan": c.FormValue("other_type_plan")}
	return s.partnerAction(c, "approve", input, func(ctx context.Context, id int64) error {
		typeID, err := formID(c, "type")
		if err != nil {
			return err
		}
		versionID, err := formID(c, "version")
		if err != nil {
			return err
		}
		settings, err := s.DB.Settings(ctx)
		if err != nil {
			return err
		}
		code, err := s.DB.ApproveApplication(ctx, storage.Approval{PartnerID: id, TypeID: typeID, VersionID: versionID,
			Start: s.Now(), LandingURL: settings.DefaultLandingURL, Actor: s.Actor(c), OtherTypePlan: c.FormValue("other_type_plan") != ""})
		if err == nil {
			s.Announce(ctx, storage.LinkChanged(code), storage.PartnerChanged(id))
		}
		return err
	})
}

// A staff decision's reason: required, at most 500 characters.
var errReason = partnerka.FieldError("reason", "give a reason (at most 500 characters)")

func validReason(reason string) bool { return reason != "" && len(reason) <= 500 }

// requiredReason reads the form's reason, refusing a missing or long one.
func requiredReason(c *fiber.Ctx) (string, error) {
	reason := strings.TrimSpace(c.FormValue("reason"))
	if !validReason(reason) {
		return reason, errReason
	}
	return reason, nil
}

func (s *Server) rejectPartner(c *fiber.Ctx) error {
	return s.partnerAction(c, "reject", fiber.Map{"reason": c.FormValue("reason")}, func(ctx context.Context, id int64) error {
		reason, err := requiredReason(c)
		if err != nil {
			return err
		}
		return s.DB.RejectApplication(ctx, id, reason, s.Actor(c))
	})
}

func (s *Server) suspendPartner(c *fiber.Ctx) error {
	suspend := strings.HasSuffix(c.Path(), "/suspend")
	form := map[bool]string{true: "suspend", false: "reactivate"}[suspend]
	return s.partnerAction(c, form, fiber.Map{"reason": c.FormValue("reason")}, func(ctx context.Context, id int64) error {
		reason := strings.TrimSpace(c.FormValue("reason"))
		if suspend {
			var err error
			if reason, err = requiredReason(c); err != nil {
				return err
			}
		}
		if err := s.DB.SuspendPartner(ctx, id, suspend, reason, s.Actor(c)); err != nil {
			return err
		}
		// Every link and promo code of theirs, on every tracker within a second.
		s.Announce(ctx, storage.PartnerChanged(id))
		return nil
	})
}

func (s *Server) certifyPartner(c *fiber.Ctx) error {
	return s.partnerAction(c, "certify", fiber.Map{"date": c.FormValue("date")}, func(ctx context.Context, id int64) error {
		var day *time.Time
		if v := strings.TrimSpace(c.FormValue("date")); v != "" {
			d, err := time.Parse("2006-01-02", v)
			if err != nil {
				return partnerka.FieldError("date", "enter the date as YYYY-MM-DD")
			}
			if d.After(s.Now()) {
				return partnerka.FieldError("date", "the training cannot be passed in the future")
			}
			day = &d
		}
		return s.DB.CertifyPartner(ctx, id, day, s.Actor(c))
	})
}

func (s *Server) setRecruiter(c *fiber.Ctx) error {
	return s.partnerAction(c, "recruiter", fiber.Map{"recruiter": c.FormValue("recruiter")}, func(ctx context.Context, id int64) error {
		var recruiter *int64
		if ref := strings.TrimSpace(c.FormValue("recruiter")); ref != "" {
			p, err := s.DB.PartnerByRef(ctx, ref)
			if err != nil {
				if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
					return partnerka.FieldError("recruiter", "no partner has the ref %q", ref)
				}
				return err
			}
			recruiter = &p.ID
		}
		return s.DB.SetRecruiter(ctx, id, recruiter, s.Actor(c))
	})
}

func (s *Server) moveContract(c *fiber.Ctx) error {
	input := fiber.Map{"version": c.FormValue("version"), "start": c.FormValue("start")}
	return s.partnerAction(c, "contract", input, func(ctx context.Context, id int64) error {
		versionID, err := formID(c, "version")
		if err != nil {
			return err
		}
		u := web.CurrentUser(c)
		now := s.Now()
		day, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(c.FormValue("start")), web.UserLoc(u))
		if err != nil {
			return partnerka.FieldError("start", "enter the first day as YYYY-MM-DD")
		}
		start := day
		if y, m, d := now.In(web.UserLoc(u)).Date(); day.Equal(time.Date(y, m, d, 0, 0, 0, 0, web.UserLoc(u))) {
			start = now // from today: from this moment on, never earlier
		}
		return s.DB.MoveContract(ctx, id, versionID, start, now, s.Actor(c))
	})
}

// addEntry books a bonus (managers) or an adjustment (finance) with a
// reason the partner sees in their earnings.
func (s *Server) addEntry(c *fiber.Ctx) error {
	kind := c.FormValue("kind")
	input := fiber.Map{"kind": kind, "amount": c.FormValue("amount"), "currency": c.FormValue("currency"), "reason": c.FormValue("reason")}
	return s.partnerAction(c, "entry", input, func(ctx context.Context, id int64) error {
		roles, ok := entryRoles[kind]
		if !ok {
			return partnerka.FieldError("kind", "choose bonus or adjustment")
		}
		if !can(web.CurrentUser(c), roles) {
			return partnerka.Errorf(partnerka.EFORBIDDEN, "%s", web.T(web.CurrentUser(c).Locale, "entry_role_"+kind))
		}
		if _, err := s.DB.PartnerByID(ctx, id); err != nil {
			return err
		}
		_, err := s.AddManualEntry(ctx, id, kind, strings.TrimSpace(strings.ReplaceAll(c.FormValue("amount"), ",", ".")),
			strings.ToUpper(strings.TrimSpace(c.FormValue("currency"))), c.FormValue("reason"), s.Actor(c))
		return err
	})
}

var _ = web.AddMessages(map[string]string{
	"ps_applied": "application", "ps_active": "active", "ps_suspended": "suspended", "ps_rejected": "rejected", "all": "All",
	"search": "Search", "ref": "Ref", "type": "Partner type", "plan": "Plan", "created": "Created", "contact": "Contact",
	"approve": "Approve", "reject": "Reject", "reason": "Reason", "suspend": "Suspend", "reactivate": "Reactivate",
	"certified": "Certified", "certify": "Save training date", "training_date": "Training passed on (empty: not certified)",
	"recruiter": "Recruited by (partner ref; empty: nobody)", "set_recruiter": "Save recruiter", "recruits": "Recruited partners",
	"contracts": "Contracts", "from": "From", "until": "Until", "in_force": "in force", "scheduled": "scheduled",
	"move_plan": "Move to a plan version", "first_day": "From (today or later; never retroactive)", "move": "Move",
	"balance": "Balance", "team": "Team", "audit_trail": "Audit trail", "audit_latest": "The latest 50 changes.", "audit_all": "Every change in the audit log →", "latest_commissions": "Latest commissions",
	"bonus_or_adjustment": "Bonus or adjustment", "kind_bonus": "Bonus (contests, event costs)", "kind_adjustment": "Adjustment (correction, either sign)",
	"book": "Book", "no_partners": "No partners here.", "no_applications": "No applications wait for a decision.",
	"entry_role_bonus": "Bonuses are booked by managers.", "entry_role_adjustment": "Adjustments are booked by finance.",
	"done_approve": "The partner is approved: active, on the plan, with a default link.", "done_reject": "The application is rejected.",
	"done_suspend": "The partner is suspended and signed out.", "done_reactivate": "The partner is active again.",
	"done_certify": "The training date is saved.", "done_recruiter": "The recruiter is saved; level-2 commissions follow from the next reconcile.",
	"done_contract": "The new plan version is scheduled.", "done_entry": "Booked; the partner sees it in their earnings.",
	"approve_hint":   "The partner becomes active on this plan version from now, with a default referral link to the program's landing page.",
	"promotion_said": "How they will promote", "links_30d": "Links (clicks in 30 days)",
	"ask_reason":   "A reason is required; the partner may see it.",
	"partner_kind": "Kind", "pk_company": "company", "pk_person": "person", "commissions_n": "Commissions", "entry_kind": "Type",
	"approve_application": "Approve the application", "reject_application": "Reject the application",
	"approve_asked":      "The applicant asked to be: %s. Their type and its plan are chosen below.",
	"approve_asked_none": "The applicant chose no partner type: choose one and its plan.",
	"choose_one":         "— choose —", "plan_of_types": "%s — plan of %s",
	"other_type_plan":      "Use a plan of another type",
	"other_type_plan_hint": "The chosen plan version is not the plan of the chosen partner type. Tick to approve on it all the same.",
}, map[string]string{
	"ps_applied": "заявка", "ps_active": "активен", "ps_suspended": "приостановлен", "ps_rejected": "отклонён", "all": "Все",
	"search": "Найти", "ref": "Код", "type": "Тип партнёра", "plan": "Тариф", "created": "Создан", "contact": "Контакт",
	"approve": "Одобрить", "reject": "Отклонить", "reason": "Причина", "suspend": "Приостановить", "reactivate": "Возобновить",
	"certified": "Сертифицирован", "certify": "Сохранить дату обучения", "training_date": "Обучение пройдено (пусто — не сертифицирован)",
	"recruiter": "Привлёк (код партнёра; пусто — никто)", "set_recruiter": "Сохранить", "recruits": "Привлечённые партнёры",
	"contracts": "Договоры", "from": "С", "until": "По", "in_force": "действует", "scheduled": "запланирован",
	"move_plan": "Перевести на версию тарифа", "first_day": "С (сегодня или позже; задним числом нельзя)", "move": "Перевести",
	"balance": "Баланс", "team": "Команда", "audit_trail": "История изменений", "audit_latest": "Последние 50 изменений.", "audit_all": "Все изменения в журнале действий →", "latest_commissions": "Последние начисления",
	"bonus_or_adjustment": "Бонус или корректировка", "kind_bonus": "Бонус (конкурсы, расходы на мероприятия)", "kind_adjustment": "Корректировка (исправление, любого знака)",
	"book": "Начислить", "no_partners": "Партнёров нет.", "no_applications": "Нет заявок, ждущих решения.",
	"entry_role_bonus": "Бонусы начисляют менеджеры.", "entry_role_adjustment": "Корректировки вносят финансы.",
	"done_approve": "Партнёр одобрен: активен, на тарифе, с основной ссылкой.", "done_reject": "Заявка отклонена.",
	"done_suspend": "Партнёр приостановлен, его сессии закрыты.", "done_reactivate": "Партнёр снова активен.",
	"done_certify": "Дата обучения сохранена.", "done_recruiter": "Сохранено; вознаграждение второго уровня — со следующей сверки.",
	"done_contract": "Переход на новую версию тарифа запланирован.", "done_entry": "Начислено; партнёр видит это в своих начислениях.",
	"approve_hint":   "Партнёр станет активен на этой версии тарифа с текущего момента и получит основную реферальную ссылку на лендинг программы.",
	"promotion_said": "Как будет продвигать", "links_30d": "Ссылки (переходы за 30 дней)",
	"ask_reason":   "Нужна причина; партнёр может её увидеть.",
	"partner_kind": "Вид", "pk_company": "компания", "pk_person": "частное лицо", "commissions_n": "Начислений", "entry_kind": "Тип",
	"approve_application": "Одобрить заявку", "reject_application": "Отклонить заявку",
	"approve_asked":      "Заявитель выбрал тип: %s. Ниже выбраны этот тип и его тариф.",
	"approve_asked_none": "Заявитель не выбрал тип партнёра: выберите тип и тариф.",
	"choose_one":         "— выберите —", "plan_of_types": "%s — тариф типа «%s»",
	"other_type_plan":      "Использовать тариф другого типа",
	"other_type_plan_hint": "Выбранная версия тарифа — не тариф выбранного типа партнёра. Отметьте, чтобы всё равно одобрить на ней.",
})
