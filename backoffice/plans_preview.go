package backoffice

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// maxPreviewItems bounds the rows a preview lists; the totals count every
// one, and the page says how many it lists of how many.
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
// payment with the explanation a commission would carry. ?differ=1 lists
// only the rows the version pays differently.
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
	differOnly := c.Query("differ") == "1"
	data["DifferOnly"] = differOnly
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
		for k, view := range previewViews(p, u.Locale, differOnly) {
			data[k] = view
		}
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_plans_version", u.Locale,
		web.T(u.Locale, "pl_preview")+" · "+data["Heading"].(string), data))
}

// previewViews formats a preview for the page: lines per currency (the
// sums of all its rows), the rows listed (only those that differ when
// differOnly, at most maxPreviewItems), a sentence saying how many are
// listed of how many when not all are, and one naming what was earned
// outside the rows.
func previewViews(p *storage.PlanPreview, locale string, differOnly bool) fiber.Map {
	money := func(m *partnerka.Money) string {
		if m == nil {
			return "—"
		}
		return web.FormatMoney(*m, locale)
	}
	var lines []fiber.Map
	for _, l := range p.Lines {
		d, class := signedMoney([]partnerka.Money{{Amount: l.Difference(), Currency: l.Currency}}, locale)
		lines = append(lines, fiber.Map{"Currency": l.Currency,
			"Volume":  web.FormatMoney(partnerka.Money{Amount: l.Volume, Currency: l.Currency}, locale),
			"Actual":  web.FormatMoney(partnerka.Money{Amount: l.Actual, Currency: l.Currency}, locale),
			"Preview": web.FormatMoney(partnerka.Money{Amount: l.Preview, Currency: l.Currency}, locale),
			"Diff":    d, "DiffClass": class})
	}
	var items []fiber.Map
	differing := 0
	for _, it := range p.Items {
		diff := itemDifference(it)
		if len(diff) > 0 {
			differing++
		}
		if (differOnly && len(diff) == 0) || len(items) == maxPreviewItems {
			continue
		}
		what := web.T(locale, "pl_event_"+it.Event) + ", " + fmt.Sprintf(web.T(locale, "pl_level_n"), it.Level)
		d, class := signedMoney(diff, locale)
		items = append(items, fiber.Map{"Date": web.FormatDate(it.At, locale), "What": what, "Payment": money(it.Base),
			"Actual": money(it.Actual), "Preview": money(it.Preview), "Diff": d, "DiffClass": class,
			"Explanation": web.Explain(it.Explanation, locale)})
	}
	out := fiber.Map{"Lines": lines, "Items": items, "Differing": web.FormatInt(int64(differing), locale)}
	if len(items) < len(p.Items) {
		out["Listed"] = fmt.Sprintf(web.T(locale, "pl_rows_listed"), web.FormatInt(int64(len(items)), locale),
			web.FormatInt(int64(len(p.Items)), locale))
	}
	var outside []string
	for _, o := range p.Outside {
		outside = append(outside, fmt.Sprintf(web.T(locale, "pl_outside_amount"),
			web.FormatMoney(partnerka.Money{Amount: o.Amount, Currency: o.Currency}, locale), web.FormatInt(int64(o.Count), locale)))
	}
	if outside != nil {
		out["Outside"] = fmt.Sprintf(web.T(locale, "pl_outside"), strings.Join(outside, "; "))
	}
	return out
}

// itemDifference is what the version pays more for a row (negative: less),
// per currency and by currency, leaving out currencies it pays the same
// in: a row earned in one currency and paid by the version in another
// differs in both, never summed across them.
func itemDifference(it storage.PreviewItem) []partnerka.Money {
	by := map[string]decimal.Decimal{}
	if it.Preview != nil {
		by[it.Preview.Currency] = by[it.Preview.Currency].Add(it.Preview.Amount)
	}
	if it.Actual != nil {
		by[it.Actual.Currency] = by[it.Actual.Currency].Sub(it.Actual.Amount)
	}
	var out []partnerka.Money
	for c, d := range by {
		if !d.IsZero() {
			out = append(out, partnerka.Money{Amount: d, Currency: c})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// signedMoney formats differences with a plus on gains, and the class the
// page colours them by ("up", "down", or none when mixed or zero); no
// differences at all read "—".
func signedMoney(ms []partnerka.Money, locale string) (string, string) {
	if len(ms) == 0 {
		return "—", ""
	}
	var parts []string
	up, down := false, false
	for _, m := range ms {
		s := web.FormatMoney(m, locale)
		if m.Amount.IsPositive() {
			s, up = "+"+s, true
		} else if m.Amount.IsNegative() {
			down = true
		}
		parts = append(parts, s)
	}
	class := ""
	switch {
	case up && !down:
		class = "up"
	case down && !up:
		class = "down"
	}
	return strings.Join(parts, ", "), class
}

var _ = web.AddMessages(map[string]string{
	"pl_err_partner":    "Partner: choose an active partner to preview on.",
	"pl_preview_off":    "The preview is not available on this server.",
	"pl_period":         "Period",
	"pl_preview_of":     "%s under %s",
	"pl_paid_by":        "Paid by their customers",
	"pl_earned":         "Actually earned",
	"pl_would_earn":     "Under this version",
	"pl_difference":     "Difference",
	"pl_nothing":        "Nothing was paid or earned in this period: no difference to show.",
	"pl_payments_list":  "Payment by payment",
	"pl_what_col":       "What",
	"pl_payment":        "Payment",
	"pl_why":            "Why",
	"pl_rows_listed":    "Rows listed: %s of %s; the totals above count every row.",
	"pl_differ_only":    "Only rows that differ",
	"pl_differ_note":    "Only the rows this version pays differently are listed (%s); the others earn the same under both.",
	"pl_no_differ":      "No row differs: this version pays every payment and new customer of the period as the partner was paid.",
	"pl_outside":        "Left out of the rows and the totals: %s earned in this period on commissions the preview does not replay, such as payments of customers since reassigned to another partner.",
	"pl_outside_amount": "%s (commissions: %s)",
	"pl_preview_note":   "Commissions before refunds. The version is applied to every payment of the period, at level 2 to the customers of partners they recruited; tiers count the partner's paid volume of the month before, as the reconciler does.",
}, map[string]string{
	"pl_err_partner":    "Партнёр: выберите активного партнёра для проверки.",
	"pl_preview_off":    "Проверка на партнёре недоступна на этом сервере.",
	"pl_period":         "Период",
	"pl_preview_of":     "%s по %s",
	"pl_paid_by":        "Оплатили его клиенты",
	"pl_earned":         "Фактически начислено",
	"pl_would_earn":     "По этой версии",
	"pl_difference":     "Разница",
	"pl_nothing":        "В этом периоде не было ни оплат, ни начислений — сравнивать нечего.",
	"pl_payments_list":  "По каждому платежу",
	"pl_what_col":       "Что",
	"pl_payment":        "Платёж",
	"pl_why":            "Почему",
	"pl_rows_listed":    "Показано строк: %s из %s; итоги выше учитывают все строки.",
	"pl_differ_only":    "Только строки с разницей",
	"pl_differ_note":    "Показаны только строки, где эта версия платит иначе (%s); по остальным начисление одинаковое.",
	"pl_no_differ":      "Разницы нет ни в одной строке: по этой версии каждый платёж и новый клиент периода оплачиваются так же, как фактически.",
	"pl_outside":        "Не вошло ни в строки, ни в итоги: %s начислено в этом периоде по вознаграждениям, которые проверка не воспроизводит, например за платежи клиентов, позже закреплённых за другим партнёром.",
	"pl_outside_amount": "%s (начислений: %s)",
	"pl_preview_note":   "Вознаграждение до возвратов. Версия применяется ко всем платежам периода, на второй линии — к клиентам привлечённых партнёров; уровень определяется оплатами клиентов партнёра за предыдущий месяц, как при начислении.",
})
