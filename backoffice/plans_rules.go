package backoffice

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// ruleForm is a rule as typed into the form, kept as text so a form with
// mistakes comes back exactly as it was sent.
type ruleForm struct {
	Event, Level, Products, Kind, Percent, FlatAmount, FlatCurrency, Payments, Duration, Months string
	Tiers                                                                                       []tierForm
}

// tierForm is one row of the tiers table.
type tierForm struct {
	Volume, Currency, Percent string
}

// maxTierRows bounds the tier rows a form shows and reads.
const maxTierRows = 10

// withBlankTiers leaves room for new tier rows: at least three, two
// more than are filled in, at most maxTierRows.
func (f *ruleForm) withBlankTiers() {
	n := min(max(len(f.Tiers)+2, 3), maxTierRows)
	for len(f.Tiers) < n {
		f.Tiers = append(f.Tiers, tierForm{})
	}
}

// formOfRule fills the form from a saved rule.
func formOfRule(r partnerka.Rule) ruleForm {
	f := ruleForm{Event: r.Event, Level: strconv.Itoa(r.Level), Products: strings.Join(r.Products, ", "), Kind: r.Kind,
		Payments: r.Payments, Duration: "lifetime"}
	if r.Kind == partnerka.KindPercent {
		f.Percent = r.Percent.String()
	} else {
		f.FlatAmount, f.FlatCurrency = r.Flat.Amount.String(), r.Flat.Currency
	}
	if r.DurationMonths > 0 {
		f.Duration, f.Months = "months", strconv.Itoa(r.DurationMonths)
	}
	for _, t := range r.Tiers {
		f.Tiers = append(f.Tiers, tierForm{Volume: t.MinVolume.Amount.String(), Currency: t.MinVolume.Currency, Percent: t.Percent.String()})
	}
	return f
}

// readRuleForm reads the posted form.
func readRuleForm(c *fiber.Ctx) ruleForm {
	v := func(k string) string { return strings.TrimSpace(c.FormValue(k)) }
	f := ruleForm{Event: v("event"), Level: v("level"), Products: v("products"), Kind: v("kind"), Percent: v("percent"),
		FlatAmount: v("flat_amount"), FlatCurrency: strings.ToUpper(v("flat_currency")), Payments: v("payments"),
		Duration: v("duration"), Months: v("months")}
	for i := 0; i < maxTierRows; i++ {
		t := tierForm{Volume: v(fmt.Sprintf("tier_volume_%d", i)), Currency: strings.ToUpper(v(fmt.Sprintf("tier_currency_%d", i))),
			Percent: v(fmt.Sprintf("tier_percent_%d", i))}
		if t != (tierForm{}) {
			f.Tiers = append(f.Tiers, t)
		}
	}
	return f
}

var percentPattern = regexp.MustCompile(`^[0-9]{1,3}(\.[0-9]{1,4})?$`)

// parsePercent reads a rate: above 0, at most 100, at most 4 decimals
// (the column's precision); a decimal comma is accepted.
func parsePercent(s string) (decimal.Decimal, bool) {
	s = strings.Replace(s, ",", ".", 1)
	if !percentPattern.MatchString(s) {
		return decimal.Decimal{}, false
	}
	p, err := decimal.NewFromString(s)
	if err != nil || !p.IsPositive() || p.GreaterThan(decimal.NewFromInt(100)) {
		return decimal.Decimal{}, false
	}
	return p, true
}

// parseMoney reads a positive amount in a known currency; which says
// which of the two was wrong ("" if neither).
func parseMoney(amount, currency string) (partnerka.Money, string) {
	if !partnerka.ValidCurrency(currency) {
		return partnerka.Money{}, "currency"
	}
	m, err := partnerka.ParseAmount("amount", strings.Replace(amount, ",", ".", 1), currency)
	if err != nil || !m.Amount.IsPositive() {
		return partnerka.Money{}, "amount"
	}
	return m, ""
}

// parseRule checks a rule form. Errors are keyed by field, each a
// sentence that names the field in the user's language.
func parseRule(f ruleForm, locale string) (partnerka.Rule, map[string]string) {
	errs := map[string]string{}
	fail := func(field string) { errs[field] = web.T(locale, "pl_err_"+field) }
	var r partnerka.Rule
	switch f.Event {
	case partnerka.EventSale, partnerka.EventLead:
		r.Event = f.Event
	default:
		fail("event")
	}
	switch f.Level {
	case "1", "2":
		r.Level, _ = strconv.Atoi(f.Level)
	default:
		fail("level")
	}
	for _, p := range strings.Split(f.Products, ",") {
		if p = strings.TrimSpace(p); p != "" {
			r.Products = append(r.Products, p)
		}
	}
	switch f.Kind {
	case partnerka.KindPercent:
		r.Kind = f.Kind
		if p, ok := parsePercent(f.Percent); ok {
			r.Percent = p
		} else {
			fail("percent")
		}
	case partnerka.KindFlat:
		r.Kind = f.Kind
		m, bad := parseMoney(f.FlatAmount, f.FlatCurrency)
		switch bad {
		case "currency":
			fail("flat_currency")
		case "amount":
			fail("flat_amount")
		}
		r.Flat = m
	default:
		fail("kind")
	}
	// Which payments and for how long do not apply to a new-customer rule:
	// the form hides them then (app.js), and does not send what it hides.
	if r.Event != partnerka.EventLead {
		switch f.Payments {
		case partnerka.PaymentsFirst, partnerka.PaymentsRecurring, partnerka.PaymentsAll:
			r.Payments = f.Payments
		default:
			fail("payments")
		}
		switch f.Duration {
		case "lifetime":
		case "months":
			n, err := strconv.Atoi(f.Months)
			if err != nil || n < 1 || n > 1200 {
				fail("months")
			}
			r.DurationMonths = n
		default:
			fail("duration")
		}
	}
	for i, t := range f.Tiers {
		row := fmt.Sprintf("tier_%d", i)
		m, bad := parseMoney(t.Volume, t.Currency)
		p, ok := parsePercent(t.Percent)
		switch {
		case bad == "currency":
			errs[row] = fmt.Sprintf(web.T(locale, "pl_err_tier_currency"), i+1)
		case bad == "amount":
			errs[row] = fmt.Sprintf(web.T(locale, "pl_err_tier_volume"), i+1)
		case !ok:
			errs[row] = fmt.Sprintf(web.T(locale, "pl_err_tier_percent"), i+1)
		case i > 0 && len(r.Tiers) == i && m.Currency != r.Tiers[0].MinVolume.Currency:
			errs[row] = fmt.Sprintf(web.T(locale, "pl_err_tier_one_currency"), i+1)
		case i > 0 && len(r.Tiers) == i && !m.Amount.GreaterThan(r.Tiers[i-1].MinVolume.Amount):
			errs[row] = fmt.Sprintf(web.T(locale, "pl_err_tier_order"), i+1)
		}
		if errs[row] == "" {
			r.Tiers = append(r.Tiers, partnerka.Tier{MinVolume: m, Percent: p})
		}
	}
	if r.Kind == partnerka.KindFlat && len(f.Tiers) > 0 {
		fail("tiers_flat")
	}
	if r.Event == partnerka.EventLead {
		// A lead rule pays once per new customer: a flat amount, whatever
		// they buy; payments and duration do not apply.
		if r.Kind == partnerka.KindPercent {
			fail("lead_kind")
		}
		if r.Products != nil {
			fail("lead_products")
		}
		r.Payments, r.DurationMonths = partnerka.PaymentsAll, 0
	}
	return r, errs
}

// ruleParam finds the route's :rule in the version, or a 404.
func ruleParam(c *fiber.Ctx, v *storage.PlanVersionDetail) (int, error) {
	id, err := web.RouteID(c, "rule")
	if err != nil {
		return 0, err
	}
	for i, r := range v.Rules {
		if r.ID == id {
			return i, nil
		}
	}
	return 0, fiber.ErrNotFound
}

// draftRule reads the version of the path and, with rule, the index of
// the path's rule in it, for a change. A nil version means the answer is
// given: err is the lookup's error, or nil once refuseEdit has answered a
// published version with its 409.
func (s *Server) draftRule(c *fiber.Ctx, rule bool) (v *storage.PlanVersionDetail, i int, err error) {
	if v, err = s.versionParam(c); err != nil {
		return nil, 0, err
	}
	if rule {
		if i, err = ruleParam(c, v); err != nil {
			return nil, 0, err
		}
	}
	if !v.Draft() {
		return nil, 0, s.refuseEdit(c, v)
	}
	return v, i, nil
}

// newPlanRule shows an empty rule form for a draft.
func (s *Server) newPlanRule(c *fiber.Ctx) error {
	v, _, err := s.draftRule(c, false)
	if v == nil {
		return err
	}
	f := ruleForm{Event: "sale", Level: "1", Kind: "percent", Payments: "all", Duration: "lifetime"}
	return s.renderRule(c, v, 0, f, nil, fiber.StatusOK)
}

// editPlanRule shows a draft's rule in the form.
func (s *Server) editPlanRule(c *fiber.Ctx) error {
	v, i, err := s.draftRule(c, true)
	if v == nil {
		return err
	}
	return s.renderRule(c, v, v.Rules[i].ID, formOfRule(v.Rules[i]), nil, fiber.StatusOK)
}

func (s *Server) renderRule(c *fiber.Ctx, v *storage.PlanVersionDetail, ruleID int64, f ruleForm, errs map[string]string, status int) error {
	u := web.CurrentUser(c)
	f.withBlankTiers()
	data := s.versionData(c, v)
	data["F"], data["Errors"], data["RuleID"] = f, errs, ruleID
	data["Action"] = versionURL(v) + "/rules"
	title := web.T(u.Locale, "pl_add_rule")
	if ruleID != 0 {
		data["Action"] = fmt.Sprintf("%s/rules/%d", versionURL(v), ruleID)
		title = web.T(u.Locale, "pl_edit_rule")
	}
	data["FormTitle"] = title
	return c.Status(status).Type("html").Send(s.Page(c, "admin_plans_rule", u.Locale, title, data))
}

// createPlanRule adds a rule at the end of a draft.
func (s *Server) createPlanRule(c *fiber.Ctx) error { return s.savePlanRule(c, false) }

// updatePlanRule replaces a draft's rule and its tiers.
func (s *Server) updatePlanRule(c *fiber.Ctx) error { return s.savePlanRule(c, true) }

func (s *Server) savePlanRule(c *fiber.Ctx, existing bool) error {
	u := web.CurrentUser(c)
	v, i, err := s.draftRule(c, existing)
	if v == nil {
		return err
	}
	var ruleID int64
	if existing {
		ruleID = v.Rules[i].ID
	}
	f := readRuleForm(c)
	r, errs := parseRule(f, u.Locale)
	if len(errs) > 0 {
		return s.renderRule(c, v, ruleID, f, errs, fiber.StatusUnprocessableEntity)
	}
	r.ID = ruleID
	if _, err := s.DB.SavePlanRule(c.UserContext(), s.Actor(c), v.ID, r); err != nil {
		return s.versionActionError(c, v, err)
	}
	return c.Redirect(versionURL(v)+"?done=pl_rule_saved", fiber.StatusSeeOther)
}

// deletePlanRule asks for confirmation, then deletes a draft's rule.
func (s *Server) deletePlanRule(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	v, i, err := s.draftRule(c, true)
	if v == nil {
		return err
	}
	r := v.Rules[i]
	if c.FormValue("confirm") != "1" {
		return s.confirmPlanAction(c, v, fmt.Sprintf(web.T(u.Locale, "pl_confirm_delete"), i+1, v.Plan, v.Version, web.DescribeRule(r, u.Locale)),
			fmt.Sprintf("%s/rules/%d/delete", versionURL(v), r.ID), web.T(u.Locale, "pl_delete"), "danger")
	}
	if err := s.DB.DeletePlanRule(c.UserContext(), s.Actor(c), v.ID, r.ID); err != nil {
		return s.versionActionError(c, v, err)
	}
	return c.Redirect(versionURL(v)+"?done=pl_rule_deleted", fiber.StatusSeeOther)
}

// movePlanRuleUp moves a draft's rule one place up: the first rule a
// payment matches is the one that pays.
func (s *Server) movePlanRuleUp(c *fiber.Ctx) error {
	v, i, err := s.draftRule(c, true)
	if v == nil {
		return err
	}
	if err := s.DB.MovePlanRuleUp(c.UserContext(), s.Actor(c), v.ID, v.Rules[i].ID); err != nil {
		return s.versionActionError(c, v, err)
	}
	return c.Redirect(versionURL(v)+"?done=pl_rule_moved", fiber.StatusSeeOther)
}

var _ = web.AddMessages(map[string]string{
	"pl_edit_rule":             "Edit rule",
	"pl_fix_errors":            "Some fields need fixing; each is marked below.",
	"pl_what":                  "What earns",
	"pl_event":                 "Event",
	"pl_event_opt_sale":        "A payment of a customer (sale)",
	"pl_event_opt_lead":        "A new customer (lead): a flat amount, once",
	"pl_level":                 "Level",
	"pl_level_opt_1":           "1 — the partner who brought the customer",
	"pl_level_opt_2":           "2 — the partner who recruited that partner",
	"pl_products":              "Products (comma-separated; empty: any product)",
	"pl_how_much":              "How much",
	"pl_kind":                  "Kind",
	"pl_kind_percent":          "Percent of the paid amount",
	"pl_kind_flat":             "Flat amount per payment or customer",
	"pl_percent":               "Percent",
	"pl_flat_amount":           "Flat amount",
	"pl_flat_currency":         "Currency (ISO code)",
	"pl_which":                 "Which payments, how long",
	"pl_payments":              "Payments",
	"pl_pay_all":               "Every payment",
	"pl_pay_first":             "The first payment only",
	"pl_pay_recurring":         "Every payment after the first",
	"pl_duration":              "Duration",
	"pl_lifetime":              "The customer's lifetime",
	"pl_first_months":          "The customer's first N months",
	"pl_months":                "Months (N)",
	"pl_tiers":                 "Tiers",
	"pl_tiers_lead":            "The percent steps up once the partner's customers paid at least this much in the previous calendar month. Rows ascending; one currency; leave rows empty for none.",
	"pl_tier_from":             "From paid volume",
	"pl_tier_currency":         "Currency",
	"pl_tier_percent":          "Percent",
	"pl_save_rule":             "Save rule",
	"pl_cancel":                "Cancel",
	"pl_err_event":             "Event: choose sale or new customer.",
	"pl_err_level":             "Level: choose 1 or 2.",
	"pl_err_kind":              "Kind: choose percent or flat amount.",
	"pl_err_percent":           "Percent: enter a number above 0 and at most 100, such as 20 or 12.5.",
	"pl_err_flat_amount":       "Flat amount: enter an amount above 0 with no more decimals than the currency has, such as 500.00.",
	"pl_err_flat_currency":     "Currency: enter an ISO 4217 code such as RUB, USD or EUR.",
	"pl_err_payments":          "Payments: choose every, first or recurring payments.",
	"pl_err_duration":          "Duration: choose lifetime or the first N months.",
	"pl_err_months":            "Months: enter a whole number of months, 1 or more.",
	"pl_err_tier_volume":       "Tier %d: enter the paid volume, an amount above 0 such as 100000.",
	"pl_err_tier_currency":     "Tier %d: enter the volume's currency as an ISO 4217 code such as RUB.",
	"pl_err_tier_percent":      "Tier %d: enter a percent above 0 and at most 100.",
	"pl_err_tier_one_currency": "Tier %d: all tiers of a rule count volume in one currency, the first tier's.",
	"pl_err_tier_order":        "Tier %d: tiers go in ascending order; this volume must be above the previous tier's.",
	"pl_err_tiers_flat":        "Tiers: tiers raise a percent; a flat amount has none. Clear the tier rows or choose percent.",
	"pl_err_lead_kind":         "Kind: a new-customer rule pays a flat amount; choose flat amount.",
	"pl_err_lead_products":     "Products: a new-customer rule pays for the customer, whatever they buy; leave products empty.",
}, map[string]string{
	"pl_edit_rule":             "Изменить правило",
	"pl_fix_errors":            "Некоторые поля нужно исправить; они отмечены ниже.",
	"pl_what":                  "За что",
	"pl_event":                 "Событие",
	"pl_event_opt_sale":        "Платёж клиента (продажа)",
	"pl_event_opt_lead":        "Новый клиент (лид): фиксированная сумма, один раз",
	"pl_level":                 "Линия",
	"pl_level_opt_1":           "1 — партнёр, который привёл клиента",
	"pl_level_opt_2":           "2 — партнёр, который привлёк этого партнёра",
	"pl_products":              "Продукты (через запятую; пусто — любой продукт)",
	"pl_how_much":              "Сколько",
	"pl_kind":                  "Вид",
	"pl_kind_percent":          "Процент от оплаченной суммы",
	"pl_kind_flat":             "Фиксированная сумма за платёж или клиента",
	"pl_percent":               "Процент",
	"pl_flat_amount":           "Фиксированная сумма",
	"pl_flat_currency":         "Валюта (код ISO)",
	"pl_which":                 "Какие платежи и как долго",
	"pl_payments":              "Платежи",
	"pl_pay_all":               "Каждый платёж",
	"pl_pay_first":             "Только первый платёж",
	"pl_pay_recurring":         "Каждый платёж после первого",
	"pl_duration":              "Срок",
	"pl_lifetime":              "Всё время жизни клиента",
	"pl_first_months":          "Первые N месяцев клиента",
	"pl_months":                "Месяцев (N)",
	"pl_tiers":                 "Уровни",
	"pl_tiers_lead":            "Процент повышается, когда клиенты партнёра оплатили за прошлый календарный месяц не меньше указанной суммы. Строки — по возрастанию, в одной валюте; пустые строки не учитываются.",
	"pl_tier_from":             "От суммы оплат",
	"pl_tier_currency":         "Валюта",
	"pl_tier_percent":          "Процент",
	"pl_save_rule":             "Сохранить правило",
	"pl_cancel":                "Отмена",
	"pl_err_event":             "Событие: выберите платёж или нового клиента.",
	"pl_err_level":             "Уровень: выберите 1 или 2.",
	"pl_err_kind":              "Вид: выберите процент или фиксированную сумму.",
	"pl_err_percent":           "Процент: введите число больше 0 и не больше 100, например 20 или 12,5.",
	"pl_err_flat_amount":       "Фиксированная сумма: введите сумму больше 0, не больше знаков после запятой, чем у валюты, например 500,00.",
	"pl_err_flat_currency":     "Валюта: введите код ISO 4217, например RUB, USD или EUR.",
	"pl_err_payments":          "Платежи: выберите каждый, первый или последующие платежи.",
	"pl_err_duration":          "Срок: выберите всё время жизни клиента или первые N месяцев.",
	"pl_err_months":            "Месяцев: введите целое число месяцев, не меньше 1.",
	"pl_err_tier_volume":       "Уровень %d: введите сумму оплат больше 0, например 100000.",
	"pl_err_tier_currency":     "Уровень %d: введите валюту суммы кодом ISO 4217, например RUB.",
	"pl_err_tier_percent":      "Уровень %d: введите процент больше 0 и не больше 100.",
	"pl_err_tier_one_currency": "Уровень %d: все уровни правила считают оплаты в одной валюте — валюте первого уровня.",
	"pl_err_tier_order":        "Уровень %d: уровни идут по возрастанию; сумма должна быть больше, чем у предыдущего.",
	"pl_err_tiers_flat":        "Уровни: уровни повышают процент, у фиксированной суммы их нет. Очистите строки уровней или выберите процент.",
	"pl_err_lead_kind":         "Вид: правило за нового клиента платит фиксированную сумму; выберите фиксированную сумму.",
	"pl_err_lead_products":     "Продукты: правило за нового клиента платит за клиента, что бы он ни купил; оставьте продукты пустыми.",
})
