package backoffice

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// maxPreviewItems bounds the payments a preview lists; the totals count
// every one.
const maxPreviewItems = 200

// lastMonth returns the calendar month (UTC, as tiers count months) before
// the one now falls in.
func lastMonth(now time.Time) (from, to time.Time) {
	now = now.UTC()
	to = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return to.AddDate(0, -1, 0), to
}

// previewPlanVersion shows what a partner would have earned last month
// under the version, beside what they earned: per currency, and payment by
// payment with the explanation a commission would carry.
func (s *Server) previewPlanVersion(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	v, err := s.versionParam(c)
	if err != nil {
		return err
	}
	data := s.versionData(c, v)
	partners, err := s.DB.ActivePartners(c.UserContext())
	if err != nil {
		return err
	}
	data["Partners"] = partners
	from, to := lastMonth(s.Now())
	data["Period"] = web.FormatDate(from, u.Locale) + " – " + web.FormatDate(to.Add(-time.Nanosecond), u.Locale) + " (UTC)"
	status := fiber.StatusOK
	var partner *storage.PartnerOption
	if id, err := strconv.ParseInt(c.Query("partner"), 10, 64); err == nil {
		for i := range partners {
			if partners[i].ID == id {
				partner = &partners[i]
			}
		}
	}
	switch {
	case partner == nil:
		data["PreviewError"] = web.T(u.Locale, "pl_err_partner")
		status = fiber.StatusUnprocessableEntity
	case s.PreviewPlan == nil:
		data["PreviewError"] = web.T(u.Locale, "pl_preview_off")
		status = fiber.StatusServiceUnavailable
	default:
		p, err := s.PreviewPlan(c.UserContext(), s.DB, partner.ID, &v.PlanVersion, from, to)
		if err != nil {
			return err
		}
		data["Partner"], data["PartnerID"] = partner.Name, partner.ID
		data["Lines"], data["Items"], data["More"] = previewViews(p, u.Locale)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_plans_version", u.Locale,
		web.T(u.Locale, "pl_preview")+" · "+data["Heading"].(string), data))
}

// previewViews formats a preview for the page: lines per currency, the
// first payments, and how many more there are.
func previewViews(p *storage.PlanPreview, locale string) ([]fiber.Map, []fiber.Map, string) {
	money := func(m *partnerka.Money) string {
		if m == nil {
			return "—"
		}
		return web.FormatMoney(*m, locale)
	}
	var lines []fiber.Map
	for _, l := range p.Lines {
		diff := l.Difference()
		d := web.FormatMoney(partnerka.Money{Amount: diff, Currency: l.Currency}, locale)
		class := ""
		if diff.IsPositive() {
			d, class = "+"+d, "up"
		} else if diff.IsNegative() {
			class = "down"
		}
		lines = append(lines, fiber.Map{"Currency": l.Currency,
			"Volume":  web.FormatMoney(partnerka.Money{Amount: l.Volume, Currency: l.Currency}, locale),
			"Actual":  web.FormatMoney(partnerka.Money{Amount: l.Actual, Currency: l.Currency}, locale),
			"Preview": web.FormatMoney(partnerka.Money{Amount: l.Preview, Currency: l.Currency}, locale),
			"Diff":    d, "DiffClass": class})
	}
	var items []fiber.Map
	for i, it := range p.Items {
		if i == maxPreviewItems {
			break
		}
		what := web.T(locale, "pl_event_"+it.Event) + ", " + fmt.Sprintf(web.T(locale, "pl_level_n"), it.Level)
		items = append(items, fiber.Map{"Date": web.FormatDate(it.At, locale), "What": what, "Payment": money(it.Base),
			"Actual": money(it.Actual), "Preview": money(it.Preview), "Explanation": web.Explain(it.Explanation, locale)})
	}
	more := ""
	if len(p.Items) > maxPreviewItems {
		more = fmt.Sprintf(web.T(locale, "pl_more_items"), maxPreviewItems, web.FormatInt(int64(len(p.Items)), locale))
	}
	return lines, items, more
}

var _ = web.AddMessages(map[string]string{
	"pl_err_partner":   "Partner: choose an active partner to preview on.",
	"pl_preview_off":   "The preview is not available on this server.",
	"pl_period":        "Period",
	"pl_preview_of":    "%s under %s",
	"pl_paid_by":       "Paid by their customers",
	"pl_earned":        "Actually earned",
	"pl_would_earn":    "Under this version",
	"pl_difference":    "Difference",
	"pl_nothing":       "Nothing was paid or earned in this period: no difference to show.",
	"pl_payments_list": "Payment by payment",
	"pl_what_col":      "What",
	"pl_payment":       "Payment",
	"pl_why":           "Why",
	"pl_more_items":    "The first %d of %s are listed; the totals above count every one.",
	"pl_preview_note":  "Commissions before refunds. The version is applied to every payment of the period, at level 2 to the customers of partners they recruited; tiers count the partner's paid volume of the month before, as the reconciler does.",
}, map[string]string{
	"pl_err_partner":   "Партнёр: выберите активного партнёра для проверки.",
	"pl_preview_off":   "Проверка на партнёре недоступна на этом сервере.",
	"pl_period":        "Период",
	"pl_preview_of":    "%s по %s",
	"pl_paid_by":       "Оплатили его клиенты",
	"pl_earned":        "Фактически начислено",
	"pl_would_earn":    "По этой версии",
	"pl_difference":    "Разница",
	"pl_nothing":       "В этом периоде не было ни оплат, ни начислений — сравнивать нечего.",
	"pl_payments_list": "По каждому платежу",
	"pl_what_col":      "Что",
	"pl_payment":       "Платёж",
	"pl_why":           "Почему",
	"pl_more_items":    "Показаны первые %d из %s; итоги выше учитывают все.",
	"pl_preview_note":  "Вознаграждение до возвратов. Версия применяется ко всем платежам периода, на второй линии — к клиентам привлечённых партнёров; уровень определяется оплатами клиентов партнёра за предыдущий месяц, как при начислении.",
})
