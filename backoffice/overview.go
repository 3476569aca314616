package backoffice

import (
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// overviewTop is how many partners the overview ranks.
const overviewTop = 5

// adminOverview is the back office's first page: what waits for the
// signed-in role, and what it can act on. Managers see the applications,
// registrations and code requests to decide and the program's analytics
// for a period against the one before it; finance sees the payouts to
// approve and pay and what the program owes; admins see everything.
func (s *Server) adminOverview(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	s.forgetBadges() // the overview shows exact counts: read them now; the badges reuse them
	q, err := s.queues(c)
	if err != nil {
		return err
	}
	manager, finance := can(u, managers), can(u, financeRoles)
	data := fiber.Map{"Q": q, "Manager": manager, "Finance": finance, "Admin": can(u, adminsOnly)}
	db := s.Read(c) // the queues' counts above are the primary's: the badges reuse them
	st, err := db.Settings(c.UserContext())
	if err != nil {
		return err
	}
	if finance {
		var requested []string
		for _, m := range q.RequestedAmounts {
			requested = append(requested, web.FormatMoney(m, u.Locale))
		}
		data["Requested"] = requested
		ls, err := db.Liabilities(c.UserContext())
		if err != nil {
			return err
		}
		data["Liabilities"] = liabilityViews(ls, st.DefaultCurrency, u.Locale)
	}
	if manager {
		if err := s.overviewAnalytics(c, st.DefaultCurrency, data); err != nil {
			return err
		}
	}
	return c.Type("html").Send(s.Page(c, "admin_overview", u.Locale, web.T(u.Locale, "overview"), data))
}

// overviewAnalytics adds the program's figures for the chosen period and
// the period of as many days before it: funnel counts and money per
// currency (the reports' figures, storage.ReportTotals), the top partners
// and a chart by day in one currency.
func (s *Server) overviewAnalytics(c *fiber.Ctx, main string, data fiber.Map) error {
	u := web.CurrentUser(c)
	lc := u.Locale
	per := s.UserPeriod(c)
	days := 0
	for d := per.From; d.Before(per.To); d = d.AddDate(0, 0, 1) {
		days++
	}
	prevFrom, prevTo := per.From.AddDate(0, 0, -days), per.From
	db := s.Read(c)
	var cur, prev storage.Totals
	g, ctx := errgroup.WithContext(c.UserContext())
	g.Go(func() (err error) { cur, _, err = db.ReportTotals(ctx, per.From, per.To); return err })
	g.Go(func() (err error) { prev, _, err = db.ReportTotals(ctx, prevFrom, prevTo); return err })
	if err := g.Wait(); err != nil {
		return err
	}

	currencies := []string{main}
	for _, t := range []storage.Totals{cur, prev} {
		for _, m := range t.Money {
			if !slices.Contains(currencies, m.Currency) {
				currencies = append(currencies, m.Currency)
			}
		}
		for _, p := range t.Payouts {
			if !slices.Contains(currencies, p.Currency) {
				currencies = append(currencies, p.Currency)
			}
		}
	}
	slices.Sort(currencies[1:]) // the program's currency first, then the others by code
	currency := c.Query("currency")
	if !slices.Contains(currencies, currency) {
		currency = main
	}

	var top []storage.TopPartner
	var daily []storage.ProgramDay
	g, ctx = errgroup.WithContext(c.UserContext())
	g.Go(func() (err error) {
		top, err = db.TopPartners(ctx, per.From, per.To, currency, overviewTop)
		return err
	})
	g.Go(func() (err error) { daily, err = db.ProgramDays(ctx, per.From, per.To, currency); return err })
	if err := g.Wait(); err != nil {
		return err
	}

	count := func(key string, now, before int64) fiber.Map {
		return fiber.Map{"Label": web.T(lc, key), "Value": web.FormatInt(now, lc),
			"Trend": trendView(decimal.NewFromInt(now), decimal.NewFromInt(before), web.FormatInt(before, lc), lc)}
	}
	data["Counts"] = []fiber.Map{
		count("clicks", cur.Clicks, prev.Clicks), count("leads", cur.Leads, prev.Leads),
		count("ov_new_customers", cur.Customers, prev.Customers), count("ov_paying", cur.Paying, prev.Paying),
	}

	money := func(d decimal.Decimal, cur string) string {
		return web.FormatMoney(partnerka.Money{Amount: d, Currency: cur}, lc)
	}
	var rows []fiber.Map
	for _, code := range currencies {
		m, pm := moneyIn(cur, code), moneyIn(prev, code)
		paidOut, prevPaidOut := payoutsIn(cur, code), payoutsIn(prev, code)
		if code != main && noMoney(m) && noMoney(pm) && paidOut.IsZero() && prevPaidOut.IsZero() {
			continue
		}
		rows = append(rows, fiber.Map{"Currency": code,
			"Revenue":        money(m.Revenue(), code),
			"RevenueTrend":   trendView(m.Revenue(), pm.Revenue(), money(pm.Revenue(), code), lc),
			"Commissions":    money(m.Commissions(), code),
			"CommTrend":      trendView(m.Commissions(), pm.Commissions(), money(pm.Commissions(), code), lc),
			"Pending":        money(m.Pending, code),
			"Available":      money(m.Available, code),
			"PaidOut":        money(paidOut, code),
			"Reversed":       money(m.Reversed, code),
			"CurrencyFilter": code == currency})
	}
	data["Money"] = rows

	var leaders []fiber.Map
	for i, p := range top {
		leaders = append(leaders, fiber.Map{"Rank": i + 1, "ID": p.ID, "Name": p.Name, "Ref": p.Ref,
			"Revenue": money(p.Revenue, currency), "Commissions": money(p.Commissions, currency)})
	}
	data["Top"] = leaders

	data["Chart"], data["Days"] = overviewChart(daily, currency, lc)

	var curLinks []fiber.Map
	if len(currencies) > 1 {
		for _, code := range currencies {
			q := url.Values{}
			for k, v := range c.Queries() {
				q.Set(k, v)
			}
			q.Set("currency", code)
			curLinks = append(curLinks, fiber.Map{"Code": code, "Href": "/admin?" + q.Encode(), "Current": code == currency})
		}
	}
	data["Picker"], data["Currency"], data["CurrencyLinks"] = per.Picker("/admin", lc), currency, curLinks
	data["Compared"] = web.Tf(lc, "ov_compared", days, web.FormatDate(prevFrom, lc), web.FormatDate(prevTo.AddDate(0, 0, -1), lc))
	data["ReportsLink"] = "/admin/reports?" + url.Values{"period": {"custom"}, "from": {per.From.Format(time.DateOnly)},
		"to": {per.To.AddDate(0, 0, -1).Format(time.DateOnly)}, "currency": {currency}}.Encode()
	return nil
}

// overviewChart draws the program's days, counts over money in one
// currency, and the table of the same numbers.
func overviewChart(days []storage.ProgramDay, currency, lc string) (template.HTML, []fiber.Map) {
	chart := web.DayChart{Label: web.T(lc, "ov_chart")}
	var clicks, leads, revenue, earned []decimal.Decimal
	var table []fiber.Map
	money := func(d decimal.Decimal) string {
		return web.FormatMoney(partnerka.Money{Amount: d, Currency: currency}, lc)
	}
	for _, d := range days {
		chart.Days = append(chart.Days, d.Day)
		clicks, leads = append(clicks, decimal.NewFromInt(d.Clicks)), append(leads, decimal.NewFromInt(d.Leads))
		revenue, earned = append(revenue, d.Revenue), append(earned, d.Earned)
		table = append(table, fiber.Map{"Day": web.FormatDate(d.Day, lc), "Clicks": web.FormatInt(d.Clicks, lc),
			"Leads": web.FormatInt(d.Leads, lc), "Revenue": money(d.Revenue), "Earned": money(d.Earned)})
	}
	chart.Panels = []web.ChartPanel{
		{Series: []web.ChartSeries{{Name: web.T(lc, "clicks"), Class: "c-clicks", Values: clicks}}},
		{Series: []web.ChartSeries{{Name: web.T(lc, "ov_new_customers"), Class: "c-leads", Values: leads}}},
		{Bars: true, Series: []web.ChartSeries{
			{Name: web.T(lc, "ov_revenue"), Class: "c-s1", Currency: currency, Values: revenue},
			{Name: web.T(lc, "ov_commissions"), Class: "c-earned", Currency: currency, Values: earned}}},
	}
	return chart.SVG(lc), table
}

// moneyIn is a period's money in currency (zero when none moved in it).
func moneyIn(t storage.Totals, currency string) storage.ReportMoney {
	for _, m := range t.Money {
		if m.Currency == currency {
			return m
		}
	}
	return storage.ReportMoney{}
}

// noMoney reports whether nothing moved in m.
func noMoney(m storage.ReportMoney) bool {
	for _, d := range []decimal.Decimal{m.Paid, m.Refunded, m.Pending, m.Available, m.Rejected, m.Reversed} {
		if !d.IsZero() {
			return false
		}
	}
	return true
}

// payoutsIn is what was paid out to partners in a period in currency.
func payoutsIn(t storage.Totals, currency string) decimal.Decimal {
	for _, p := range t.Payouts {
		if p.Currency == currency {
			return p.Amount
		}
	}
	return decimal.Zero
}

// trendView compares a figure with the previous period's: ▲ or ▼ and the
// change in percent of the previous figure (one decimal), "from zero"
// when there was none before, nothing when there is none either time.
func trendView(now, before decimal.Decimal, beforeText, lc string) fiber.Map {
	if now.IsZero() && before.IsZero() {
		return nil
	}
	v := fiber.Map{"Before": web.Tf(lc, "ov_before", beforeText)}
	if before.IsZero() {
		v["Text"], v["Class"] = "▲ "+web.T(lc, "ov_from_zero"), "up"
		return v
	}
	change := now.Sub(before).Mul(decimal.NewFromInt(100)).Div(before.Abs()).Round(1)
	pct := change.Abs().StringFixed(1)
	if lc == "ru" {
		pct = strings.Replace(pct, ".", ",", 1) + "\u00a0%"
	} else {
		pct += "%"
	}
	switch change.Sign() {
	case 1:
		v["Text"], v["Class"] = "▲ "+pct, "up"
	case -1:
		v["Text"], v["Class"] = "▼ "+pct, "down"
	default:
		v["Text"], v["Class"] = "= "+pct, "flat"
	}
	return v
}

// liabilityViews formats what the program owes, one row per currency,
// the program's currency first.
func liabilityViews(ls []storage.Liability, main, lc string) []fiber.Map {
	slices.SortStableFunc(ls, func(a, b storage.Liability) int {
		switch {
		case a.Currency == b.Currency:
			return 0
		case a.Currency == main:
			return -1
		case b.Currency == main:
			return 1
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	var out []fiber.Map
	for _, l := range ls {
		m := func(d decimal.Decimal) string {
			return web.FormatMoney(partnerka.Money{Amount: d, Currency: l.Currency}, lc)
		}
		out = append(out, fiber.Map{"Currency": l.Currency, "Pending": m(l.Pending), "Available": m(l.Available), "Owed": m(l.Owed()),
			"Requested": m(l.Requested), "RequestedCount": web.FormatInt(l.RequestedCount, lc),
			"Approved": m(l.Approved), "ApprovedCount": web.FormatInt(l.ApprovedCount, lc)})
	}
	return out
}

var _ = web.AddMessages(map[string]string{
	"ov_to_decide": "To decide", "ov_analytics": "Program analytics", "ov_compared": "Compared with the previous %d days (%s – %s).",
	"ov_new_customers": "New customers", "ov_paying": "Of them paying", "ov_before": "before: %s", "ov_from_zero": "from zero",
	"ov_money": "Money by currency", "ov_revenue": "Attributed revenue", "ov_commissions": "Commissions earned",
	"ov_paid_out": "Paid out", "ov_reversed": "Reversed", "ov_top": "Top partners by revenue", "ov_all_reports": "Full reports for this period",
	"ov_no_top": "No partner's customers paid in this period.", "ov_liabilities": "Owed to partners (today)",
	"ov_owed": "Owed (pending + available)", "ov_requested": "Requested, awaiting approval", "ov_approved": "Approved, awaiting payment",
	"ov_no_liabilities": "The program owes partners nothing.", "ov_chart_in": "Chart currency",
	"ov_chart":     "Clicks, new customers, revenue and commissions per day",
	"ov_note":      "Revenue is what partners' customers paid in the period minus what was refunded in it. Commissions are those earned in the period, net of what refunds took back, by where they stand today; paid out: payouts marked paid in the period. Each currency on its own line: amounts are never added across currencies.",
	"ov_liab_note": "From the ledger's balances: what partners earned and have not yet requested (pending waits for its hold to end), and what is reserved for their payout requests.",
}, map[string]string{
	"ov_to_decide": "Ждут решения", "ov_analytics": "Показатели программы", "ov_compared": "В сравнении с предыдущими %d дн. (%s – %s).",
	"ov_new_customers": "Новые клиенты", "ov_paying": "Из них платящие", "ov_before": "было: %s", "ov_from_zero": "с нуля",
	"ov_money": "Деньги по валютам", "ov_revenue": "Выручка от клиентов партнёров", "ov_commissions": "Начислено вознаграждения",
	"ov_paid_out": "Выплачено", "ov_reversed": "Сторно", "ov_top": "Лучшие партнёры по выручке", "ov_all_reports": "Полные отчёты за этот период",
	"ov_no_top": "В этом периоде клиенты партнёров не платили.", "ov_liabilities": "Долг перед партнёрами (на сегодня)",
	"ov_owed": "К выплате (в холде + доступно)", "ov_requested": "Запрошено, ждёт одобрения", "ov_approved": "Одобрено, ждёт оплаты",
	"ov_no_liabilities": "Программа ничего не должна партнёрам.", "ov_chart_in": "Валюта графика",
	"ov_chart":     "Переходы, новые клиенты, выручка и вознаграждение по дням",
	"ov_note":      "Выручка — оплаты клиентов партнёров за период минус возвраты за период. Вознаграждение — начисленное в периоде за вычетом сторно, по состоянию на сегодня; выплачено — выплаты, отмеченные выплаченными в периоде. Каждая валюта в своей строке: суммы разных валют не складываются.",
	"ov_liab_note": "По балансам журнала начислений: что партнёры заработали и ещё не запросили (в холде — ждёт окончания холда), и что зарезервировано под их заявки на выплату.",
})
