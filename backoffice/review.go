package backoffice

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// adminReview is the review queue: the partners and rules with open fraud
// flags, the oldest flag first, with what each group holds.
func (s *Server) adminReview(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	page := pageNumber(c)
	groups, total, err := s.DB.ReviewGroups(ctx, listPage, (page-1)*listPage)
	if err != nil {
		return err
	}
	if len(groups) == 0 && page > 1 {
		// Past the end (decisions shortened the queue): its last page.
		to := "/admin/review"
		if last := lastPage(total); last > 1 {
			to += "?page=" + strconv.Itoa(last)
		}
		return c.Redirect(to, fiber.StatusSeeOther)
	}
	held, err := s.DB.ReviewGroupsHeld(ctx, groups)
	if err != nil {
		return err
	}
	loc := web.UserLoc(u)
	var rows []fiber.Map
	for _, g := range groups {
		_, money := heldText(held[storage.ReviewGroupKey{PartnerID: g.PartnerID, Rule: g.Rule}], u.Locale)
		rows = append(rows, fiber.Map{"G": g, "Href": reviewPath(g.PartnerID, g.Rule), "Rule": web.RuleTitle(u.Locale, g.Rule),
			"Flags": web.FormatInt(g.Flags, u.Locale), "Oldest": web.FormatDateTime(g.Oldest.In(loc), u.Locale),
			"Commissions": web.FormatInt(g.Commissions, u.Locale), "Held": money,
			"PartnerStatus": web.T(u.Locale, "ps_"+g.PartnerStatus), "Active": g.PartnerStatus == partnerka.PartnerActive})
	}
	data := fiber.Map{"Rows": rows, "Pager": pagerView("/admin/review", nil, page, len(rows), total, u.Locale)}
	if done := c.Query("done"); slices.Contains([]string{storage.DecisionClear, storage.DecisionConfirm, storage.DecisionSuspend}, done) {
		data["Flash"] = "review_done_" + done
	}
	return c.Type("html").Send(s.Page(c, "admin_review", u.Locale, web.T(u.Locale, "review_title"), data))
}

// reviewPath is a group's page.
func reviewPath(partnerID int64, rule string) string {
	return "/admin/review/" + strconv.FormatInt(partnerID, 10) + "/" + rule
}

// heldText is what a group holds: the number of commissions and their
// worth, one amount per currency (never added across currencies).
func heldText(held []storage.HeldMoney, lc string) (int64, []string) {
	var n int64
	var out []string
	for _, h := range held {
		n += h.Commissions
		out = append(out, web.FormatMoney(partnerka.Money{Amount: h.Amount, Currency: h.Currency}, lc))
	}
	return n, out
}

// reviewGroupOf reads a group's route: an existing partner and a rule of
// partnerka.FraudRuleNames, or the same 404 as a missing page.
func (s *Server) reviewGroupOf(c *fiber.Ctx) (*partnerka.Partner, string, error) {
	id, err := web.RouteID(c, "partner")
	if err != nil {
		return nil, "", err
	}
	rule := c.Params("rule")
	if !slices.Contains(partnerka.FraudRuleNames, rule) {
		return nil, "", fiber.ErrNotFound
	}
	p, err := s.DB.PartnerByID(c.UserContext(), id)
	return p, rule, err
}

// adminReviewGroup is one group of the queue: every open flag with its
// evidence, the commissions they hold, the partner's earlier decisions,
// and the decision form.
func (s *Server) adminReviewGroup(c *fiber.Ctx) error {
	return s.renderReviewGroup(c, nil, fiber.StatusOK)
}

func (s *Server) renderReviewGroup(c *fiber.Ctx, formErr error, status int) error {
	u := web.CurrentUser(c)
	lc, loc, ctx := u.Locale, web.UserLoc(u), c.UserContext()
	p, rule, err := s.reviewGroupOf(c)
	if err != nil {
		return err
	}
	flags, err := s.DB.ReviewFlags(ctx, p.ID, rule, 200)
	if err != nil {
		return err
	}
	held, err := s.DB.ReviewHeldCommissions(ctx, p.ID, rule, 500)
	if err != nil {
		return err
	}
	money, err := s.DB.ReviewGroupHeld(ctx, p.ID, rule)
	if err != nil {
		return err
	}
	past, err := s.DB.ReviewFlags(ctx, p.ID, "", 50)
	if err != nil {
		return err
	}

	var open []fiber.Map
	var oldest string
	for _, f := range flags {
		if f.Status != "open" {
			continue
		}
		oldest = web.FormatDateTime(f.CreatedAt.In(loc), lc) // newest first: the last is the oldest
		open = append(open, fiber.Map{"ID": f.ID, "Raised": web.FormatDateTime(f.CreatedAt.In(loc), lc),
			"Lines": evidenceLines(lc, loc, f)})
	}
	var commissions []fiber.Map
	for _, k := range held {
		commissions = append(commissions, fiber.Map{"K": k, "Earned": web.FormatDate(k.EarnedAt.In(loc), lc),
			"Amount": web.FormatMoney(partnerka.Money{Amount: k.Amount, Currency: k.Currency}, lc),
			"Status": web.T(lc, "status_"+k.Status), "StatusClass": k.Status})
	}
	n, amounts := heldText(money, lc)
	data := fiber.Map{"P": p, "Rule": rule, "RuleTitle": web.RuleTitle(lc, rule), "Action": reviewPath(p.ID, rule),
		"PartnerStatus": web.T(lc, "ps_"+p.Status), "Open": open, "OpenCount": web.FormatInt(int64(len(open)), lc),
		"Oldest": oldest, "Held": commissions, "HeldCount": web.FormatInt(n, lc), "HeldMoney": amounts,
		"History": reviewHistory(past, lc, loc), "CanSuspend": p.Status == partnerka.PartnerActive,
		"Decision": c.FormValue("decision"), "Reason": c.FormValue("reason")}
	if len(held) == 500 {
		data["HeldMore"] = true
	}
	total := strings.Join(amounts, ", ")
	if n > 0 {
		data["ClearWhat"] = web.Tf(lc, "review_clear_what", web.FormatInt(n, lc), total)
		data["ConfirmWhat"] = web.Tf(lc, "review_confirm_what", web.FormatInt(n, lc), total)
	} else {
		data["ClearWhat"], data["ConfirmWhat"] = web.T(lc, "review_nothing_held"), web.T(lc, "review_nothing_held")
	}
	data["SuspendWhat"] = web.Tf(lc, "review_suspend_what", p.Name)
	if p.Status != partnerka.PartnerActive {
		data["SuspendNot"] = web.Tf(lc, "review_suspend_not", web.T(lc, "ps_"+p.Status))
	}
	if formErr != nil {
		data["Error"] = web.ErrorText(lc, formErr)
	}
	title := web.RuleTitle(lc, rule) + " · " + p.Name
	return c.Status(status).Type("html").Send(s.Page(c, "admin_review_group", lc, title, data))
}

// historyLine is one decision in a partner's history.
type historyLine struct {
	n                                               int64
	Flags, Rule, Decision, Class, Reason, Who, When string
}

// reviewHistory is a partner's decided flags, one line per decision (the
// flags one decision closed together), newest first.
func reviewHistory(flags []storage.ReviewFlag, lc string, loc *time.Location) []*historyLine {
	type key struct {
		rule, decision string
		at             int64
	}
	var out []*historyLine
	seen := map[key]*historyLine{}
	for _, f := range flags {
		if f.Status == "open" || f.DecidedAt == nil || f.Decision == nil {
			continue
		}
		k := key{f.Rule, *f.Decision, f.DecidedAt.UnixMicro()}
		h := seen[k]
		if h == nil {
			h = &historyLine{Rule: web.RuleTitle(lc, f.Rule), Decision: web.T(lc, "review_decision_"+*f.Decision), Class: "rejected",
				Reason: f.Reason, Who: f.DecidedBy, When: web.FormatDateTime(f.DecidedAt.In(loc), lc)}
			if *f.Decision == storage.DecisionClear {
				h.Class = "available"
			}
			seen[k] = h
			out = append(out, h)
		}
		h.n++
		h.Flags = web.FormatInt(h.n, lc)
	}
	return out
}

// decideReview decides a group: clear, confirm or suspend, with a reason
// (storage.DecideReview), then back to the queue.
func (s *Server) decideReview(c *fiber.Ctx) error {
	p, rule, err := s.reviewGroupOf(c)
	if err != nil {
		return err
	}
	decision := c.FormValue("decision")
	reason := strings.TrimSpace(c.FormValue("reason"))
	if len(reason) > 500 {
		err = errReason
	} else {
		_, err = s.DB.DecideReview(c.UserContext(), p.ID, rule, decision, reason, s.Actor(c))
	}
	switch partnerka.ErrorCode(err) {
	case "":
		s.forgetBadges()
		if decision == storage.DecisionSuspend {
			// Every link and promo code of theirs, on every tracker within a second.
			s.Announce(c.UserContext(), storage.PartnerChanged(p.ID))
		}
		return c.Redirect("/admin/review?done="+decision, fiber.StatusSeeOther)
	case partnerka.EINVALID:
		return s.renderReviewGroup(c, err, fiber.StatusUnprocessableEntity)
	case partnerka.ECONFLICT:
		return s.renderReviewGroup(c, err, fiber.StatusConflict)
	}
	return err
}

var _ = web.AddMessages(map[string]string{
	"review_title":       "Review queue",
	"review_intro":       "Flags the fraud rules raised, by partner and rule, the oldest first. The commissions a flag holds stay pending until a manager decides.",
	"review_empty":       "No flag waits for a decision. When a program rule trips, the partner and the rule appear here, and the commissions concerned stay pending until you decide.",
	"review_col_partner": "Partner", "review_col_rule": "Rule", "review_col_flags": "Flags", "review_col_oldest": "Oldest flag",
	"review_col_held": "Commissions held", "review_col_decide": "Review", "review_open": "Open the evidence",
	"review_done_clear":   "The flags are cleared: the money follows its hold again.",
	"review_done_confirm": "The breach is confirmed: the commissions are reversed.",
	"review_done_suspend": "The breach is confirmed: the commissions are reversed and the partner is suspended.",
	"review_back":         "← Review queue", "review_open_flags": "Open flags", "review_first_raised": "First raised",
	"review_legend":       "What did the review show?",
	"review_opt_clear":    "Clear the flags — the money is released",
	"review_opt_confirm":  "Confirm the breach — the commissions are reversed",
	"review_opt_suspend":  "Confirm and suspend the partner",
	"review_clear_what":   "Commissions released: %s (%s); each follows its own hold again. A commission another open flag holds stays held.",
	"review_confirm_what": "Commissions reversed: %s, %s in total. What was already paid out is taken from the partner's next earnings (the balance may go below zero).",
	"review_nothing_held": "No commission is held: only the flags are closed.",
	"review_suspend_what": "Then %s is suspended: the team is signed out and the partner is notified.",
	"review_suspend_not":  "Suspension is not offered: the partner's status is already %s.",
	"review_reason_hint":  "Required, up to 500 characters. It stays in the partner's history and the audit log; the partner may see it.",
	"review_submit":       "Save the decision",
	"review_flags_h":      "Flags and their evidence", "review_raised": "Raised",
	"review_no_open": "No flag of this rule is open: it has been decided. The partner's history below says how.",
	"review_held_h":  "Commissions held", "review_col_purchase": "Purchase", "review_col_earned": "Earned",
	"review_held_more": "The first 500 commissions are shown.",
	"review_held_none": "The open flags of this rule hold no commission.",
	"review_history_h": "The partner's history", "review_col_decided": "Decided", "review_col_who": "Who",
	"review_history_none":   "No flag of this partner has been decided before.",
	"review_partner_page":   "The partner's page →",
	"review_decision_clear": "cleared", "review_decision_confirm": "breach confirmed", "review_decision_suspend": "confirmed and suspended",

	"review_ev_raw":           "Evidence (as recorded)",
	"review_ev_click_ip":      "Address of the click",
	"review_ev_match_email":   "Email matches the team's",
	"review_ev_match_domain":  "Email domain matches the team's",
	"review_ev_match_address": "Click from an address the team signs in from",
	"review_ev_match_network": "Click from a network the team signs in from",
	"review_ev_match_of":      "%s (%s)",
	"review_ev_click":         "Click", "review_ev_clicked_at": "Clicked", "review_ev_lead_at": "Became a lead",
	"review_ev_seconds": "From click to lead", "review_ev_n_seconds": "%s\u00a0s", "review_ev_threshold": "Rule threshold",
	"review_ev_under_seconds": "less than %s\u00a0s", "review_ev_window": "Period",
	"review_ev_click_customers": "Customers brought by clicks", "review_ev_unseen": "Of them from clicks no person saw",
	"review_ev_n_of": "%s (%s)", "review_ev_over": "more than %s", "review_ev_sample": "Such clicks (latest)",
	"review_ev_day_to": "24 hours up to", "review_ev_last_24h": "New customers in those 24 hours",
	"review_ev_previous": "In the 28 days before", "review_ev_average": "%s (%s a day on average)",
	"review_ev_times_average": "more than %s times the daily average",
	"review_ev_same_account":  "Other partners paid to this account", "review_ev_network": "Network",
	"review_ev_purchases": "Purchases", "review_ev_paid": "Customers paid", "review_ev_refunded": "Refunded",
	"review_ev_share": "%s (%s of what was paid)", "review_ev_program_share": "Refunded share across the program",
	"review_ev_refund_threshold": "more than %s and more than %s times the program's share, over at least %s purchases",
}, map[string]string{
	"review_title":       "Проверка",
	"review_intro":       "Флаги, поднятые правилами программы, по партнёрам и правилам, сначала самые старые. Вознаграждения, которые удерживает флаг, остаются в холде, пока менеджер не примет решение.",
	"review_empty":       "Флагов, ждущих решения, нет. Когда срабатывает правило программы, партнёр и правило появятся здесь, а связанные вознаграждения останутся в холде до вашего решения.",
	"review_col_partner": "Партнёр", "review_col_rule": "Правило", "review_col_flags": "Флаги", "review_col_oldest": "Самый старый флаг",
	"review_col_held": "Удержано вознаграждений", "review_col_decide": "Проверка", "review_open": "Открыть основания",
	"review_done_clear":   "Флаги сняты: деньги снова идут по своему холду.",
	"review_done_confirm": "Нарушение подтверждено: вознаграждения сторнированы.",
	"review_done_suspend": "Нарушение подтверждено: вознаграждения сторнированы, партнёр приостановлен.",
	"review_back":         "← Проверка", "review_open_flags": "Открытых флагов", "review_first_raised": "Первый флаг",
	"review_legend":       "Что показала проверка?",
	"review_opt_clear":    "Снять флаг — деньги освобождаются",
	"review_opt_confirm":  "Подтвердить нарушение — вознаграждения сторнируются",
	"review_opt_suspend":  "Подтвердить и приостановить партнёра",
	"review_clear_what":   "Освобождаются вознаграждения: %s (%s); каждое снова идёт по своему холду. Вознаграждение, которое удерживает другой открытый флаг, остаётся в холде.",
	"review_confirm_what": "Будут сторнированы вознаграждения: %s на сумму %s. Уже выплаченное удерживается из следующих начислений партнёра (баланс может стать отрицательным).",
	"review_nothing_held": "Удержанных вознаграждений нет: закрываются только флаги.",
	"review_suspend_what": "Затем партнёр %s приостанавливается: сессии его команды закрываются, партнёр получает уведомление.",
	"review_suspend_not":  "Приостановка недоступна: статус партнёра уже «%s».",
	"review_reason_hint":  "Обязательно, до 500 символов. Причина остаётся в истории партнёра и журнале действий; партнёр может её увидеть.",
	"review_submit":       "Сохранить решение",
	"review_flags_h":      "Флаги и основания", "review_raised": "Поднят",
	"review_no_open": "Открытых флагов по этому правилу нет: решение уже принято. Какое — видно в истории партнёра ниже.",
	"review_held_h":  "Удержанные вознаграждения", "review_col_purchase": "Покупка", "review_col_earned": "Начислено",
	"review_held_more": "Показаны первые 500 вознаграждений.",
	"review_held_none": "Открытые флаги этого правила не удерживают вознаграждений.",
	"review_history_h": "История партнёра", "review_col_decided": "Решено", "review_col_who": "Кто",
	"review_history_none":   "Раньше решений по флагам этого партнёра не было.",
	"review_partner_page":   "Страница партнёра →",
	"review_decision_clear": "флаг снят", "review_decision_confirm": "нарушение подтверждено", "review_decision_suspend": "подтверждено, партнёр приостановлен",

	"review_ev_raw":           "Основание (как записано)",
	"review_ev_click_ip":      "Адрес перехода",
	"review_ev_match_email":   "Email совпадает с email команды",
	"review_ev_match_domain":  "Домен email совпадает с доменом команды",
	"review_ev_match_address": "Переход с адреса, с которого входит команда",
	"review_ev_match_network": "Переход из сети, из которой входит команда",
	"review_ev_match_of":      "%s (%s)",
	"review_ev_click":         "Переход", "review_ev_clicked_at": "Время перехода", "review_ev_lead_at": "Время регистрации лида",
	"review_ev_seconds": "От перехода до лида", "review_ev_n_seconds": "%s\u00a0с", "review_ev_threshold": "Порог правила",
	"review_ev_under_seconds": "меньше %s\u00a0с", "review_ev_window": "Период",
	"review_ev_click_customers": "Клиентов по переходам", "review_ev_unseen": "Из них по переходам, которых не видел человек",
	"review_ev_n_of": "%s (%s)", "review_ev_over": "больше %s", "review_ev_sample": "Такие переходы (последние)",
	"review_ev_day_to": "Сутки до", "review_ev_last_24h": "Новых клиентов за эти сутки",
	"review_ev_previous": "За 28 дней до этого", "review_ev_average": "%s (в среднем %s в день)",
	"review_ev_times_average": "больше чем в %s раз выше среднего за день",
	"review_ev_same_account":  "Другие партнёры с этими реквизитами", "review_ev_network": "Сеть",
	"review_ev_purchases": "Покупок", "review_ev_paid": "Оплачено клиентами", "review_ev_refunded": "Возвращено",
	"review_ev_share": "%s (%s оплаченного)", "review_ev_program_share": "Доля возвратов по всей программе",
	"review_ev_refund_threshold": "больше %s и больше чем в %s раза выше доли программы, не меньше %s покупок",
})
