package backoffice

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// reportCSVs are the reports that export as CSV, in the page's order.
var reportCSVs = []string{"totals", "leaderboard", "concentration", "funnel", "dormant"}

// reportRows is how many partners the page lists in a table; the CSV
// exports have every one.
const reportRows = 50

// dormantDays is how long without a click makes an active partner dormant.
const dormantDays = 30

// reportRange is a report's period: [From, To) in the viewer's time zone.
type reportRange struct {
	Period           string // 7d, 30d, this_month, last_month or custom
	From, To         time.Time
	FromDay, ToDay   string // the custom form's values (YYYY-MM-DD; To inclusive)
	Currency, SortBy string // the leaderboard's
}

// query is the period (and leaderboard choice) as URL parameters, for
// links that keep them.
func (r reportRange) query() string {
	v := url.Values{"period": {r.Period}}
	if r.Period == "custom" {
		v.Set("from", r.FromDay)
		v.Set("to", r.ToDay)
	}
	if r.Currency != "" {
		v.Set("currency", r.Currency)
	}
	if r.SortBy != "" {
		v.Set("by", r.SortBy)
	}
	return v.Encode()
}

// reportPeriod reads ?period= (30 days by default) or ?period=custom with
// from and to (days, both included) in the viewer's time zone. A bad
// custom range is an invalid error naming "from" or "to".
func (s *Server) reportPeriod(c *fiber.Ctx, loc *time.Location) (reportRange, error) {
	r := reportRange{Period: c.Query("period", "30d"), FromDay: c.Query("from"), ToDay: c.Query("to"),
		Currency: c.Query("currency"), SortBy: c.Query("by")}
	if r.SortBy != "commissions" {
		r.SortBy = "revenue"
	}
	if !partnerka.ValidCurrency(r.Currency) {
		r.Currency = ""
	}
	now := s.Now().In(loc)
	if r.Period != "custom" {
		var ok bool
		if r.From, r.To, ok = web.PeriodRange(r.Period, now); !ok {
			r.Period = "30d"
			r.From, r.To, _ = web.PeriodRange(r.Period, now)
		}
		r.FromDay, r.ToDay = r.From.Format(time.DateOnly), r.To.AddDate(0, 0, -1).Format(time.DateOnly)
		return r, nil
	}
	var err error
	r.From, r.To, err = web.ParseDays(r.FromDay, r.ToDay, loc, 3700)
	return r, err
}

// reportData reads the period's report; the leaderboard currency defaults
// to the program's currency when money moved in it, else the first one.
func (s *Server) reportData(c *fiber.Ctx, r *reportRange) (*storage.Report, error) {
	rep, err := s.Read(c).Report(c.UserContext(), r.From, r.To)
	if err != nil {
		return nil, err
	}
	return rep, s.pickCurrency(c, r, rep.Currencies())
}

// leaderboardCurrency sets the leaderboard's currency for its CSV as the
// page chooses it, from the currencies of the period's totals.
func (s *Server) leaderboardCurrency(c *fiber.Ctx, r *reportRange) error {
	t, _, err := s.Read(c).ReportTotals(c.UserContext(), r.From, r.To)
	if err != nil {
		return err
	}
	var curs []string
	for _, m := range t.Money {
		curs = append(curs, m.Currency)
	}
	return s.pickCurrency(c, r, curs)
}

// pickCurrency keeps the leaderboard's currency when money moved in it
// (curs), else takes the program's currency when money moved in it or
// none moved at all, else the first of curs.
func (s *Server) pickCurrency(c *fiber.Ctx, r *reportRange, curs []string) error {
	if r.Currency != "" && slices.Contains(curs, r.Currency) {
		return nil
	}
	st, err := s.Read(c).Settings(c.UserContext())
	if err != nil {
		return err
	}
	switch {
	case slices.Contains(curs, st.DefaultCurrency) || len(curs) == 0:
		r.Currency = st.DefaultCurrency
	default:
		r.Currency = curs[0]
	}
	return nil
}

// dormantSince is the first day of the dormancy window: an active partner
// with no click on it or later is dormant.
func (s *Server) dormantSince() time.Time {
	now := s.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -(dormantDays - 1))
}

// adminReports shows the program's totals, the leaderboard, revenue
// concentration, the funnel per partner and dormant partners for a period.
func (s *Server) adminReports(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	loc := web.UserLoc(web.CurrentUser(c))
	lc := u.Locale
	r, perr := s.reportPeriod(c, loc)
	data := fiber.Map{"Range": r, "Zone": loc.String(), "Periods": reportPeriodLinks(r, lc), "ErrorField": ""}
	if perr != nil {
		data["Error"], data["ErrorField"] = web.T(lc, "period_err_"+partnerka.ErrorField(perr)), partnerka.ErrorField(perr)
		return c.Status(fiber.StatusUnprocessableEntity).Type("html").Send(s.Page(c, "admin_reports", lc, web.T(lc, "reports"), data))
	}
	rep, err := s.reportData(c, &r)
	if err != nil {
		return err
	}
	dormant, err := s.Read(c).DormantPartners(c.UserContext(), s.dormantSince())
	if err != nil {
		return err
	}
	money := func(d decimal.Decimal, cur string) string {
		return web.FormatMoney(partnerka.Money{Amount: d, Currency: cur}, lc)
	}
	tot := rep.Totals()
	type moneyRow struct {
		Currency                                                                 string
		Paid, Refunded, Revenue, Pending, Available, Rejected, Reversed, Payouts string
		PayoutCount                                                              string
	}
	byCur := map[string]*moneyRow{}
	var moneyRows []*moneyRow
	row := func(cur string) *moneyRow {
		if byCur[cur] == nil {
			zero := money(decimal.Zero, cur)
			byCur[cur] = &moneyRow{Currency: cur, Paid: zero, Refunded: zero, Revenue: zero, Pending: zero, Available: zero,
				Rejected: zero, Reversed: zero, Payouts: zero, PayoutCount: "0"}
			moneyRows = append(moneyRows, byCur[cur])
		}
		return byCur[cur]
	}
	for _, m := range tot.Money {
		v := row(m.Currency)
		v.Paid, v.Refunded, v.Revenue = money(m.Paid, m.Currency), money(m.Refunded, m.Currency), money(m.Revenue(), m.Currency)
		v.Pending, v.Available = money(m.Pending, m.Currency), money(m.Available, m.Currency)
		v.Rejected, v.Reversed = money(m.Rejected, m.Currency), money(m.Reversed, m.Currency)
	}
	for _, p := range tot.Payouts {
		v := row(p.Currency)
		v.Payouts, v.PayoutCount = money(p.Amount, p.Currency), web.FormatInt(p.Count, lc)
	}
	slices.SortFunc(moneyRows, func(a, b *moneyRow) int {
		if a.Currency < b.Currency {
			return -1
		}
		return 1
	})

	board := rep.Leaderboard(r.Currency, r.SortBy)
	var leaders []fiber.Map
	for i, l := range board {
		if i == reportRows {
			break
		}
		leaders = append(leaders, fiber.Map{"Rank": i + 1, "ID": l.PartnerActivity.PartnerID, "Name": l.Name, "Ref": l.Ref,
			"Revenue": money(l.Revenue(), r.Currency), "Commissions": money(l.Commissions(), r.Currency),
			"Clicks": web.FormatInt(l.Clicks, lc), "Leads": web.FormatInt(l.Leads, lc), "Customers": web.FormatInt(l.Customers, lc)})
	}
	var conc []fiber.Map
	for _, k := range rep.Concentration() {
		conc = append(conc, fiber.Map{"Currency": k.Currency, "Share": repShare(k.Share, lc),
			"Text":  fmt.Sprintf(web.T(lc, "rep_conc_text"), k.Top, k.Partners, money(k.TopSum, k.Currency), money(k.Total, k.Currency)),
			"Names": k.TopNames})
	}
	var funnel []fiber.Map
	funnelRows := rep.Funnel()
	for i, p := range funnelRows {
		if i == reportRows {
			break
		}
		funnel = append(funnel, fiber.Map{"ID": p.PartnerID, "Name": p.Name, "Clicks": web.FormatInt(p.Clicks, lc),
			"F": web.Funnel(p.Funnel, lc)})
	}
	var dormantRows []fiber.Map
	for i, d := range dormant {
		if i == reportRows {
			break
		}
		last := web.T(lc, "rep_never")
		if d.LastClick != nil {
			last = web.FormatDate(*d.LastClick, lc)
		}
		dormantRows = append(dormantRows, fiber.Map{"ID": d.ID, "Name": d.Name, "Ref": d.Ref,
			"Since": web.FormatDate(d.CreatedAt.In(loc), lc), "LastClick": last})
	}
	var currencies []fiber.Map
	for _, cur := range rep.Currencies() {
		currencies = append(currencies, fiber.Map{"Code": cur, "Selected": cur == r.Currency})
	}
	data["Clicks"], data["Unique"] = web.FormatInt(tot.Clicks, lc), web.FormatInt(tot.UniqueClicks, lc)
	data["Leads"], data["Customers"], data["Paying"] = web.FormatInt(tot.Leads, lc), web.FormatInt(tot.Customers, lc), web.FormatInt(tot.Paying, lc)
	data["Money"] = moneyRows
	data["Leaders"], data["MoreLeaders"] = leaders, len(board) > reportRows
	data["Currencies"], data["ByCommissions"] = currencies, r.SortBy == "commissions"
	data["Concentration"] = conc
	data["Funnel"], data["MoreFunnel"] = funnel, len(funnelRows) > reportRows
	data["Dormant"], data["MoreDormant"], data["DormantCount"] = dormantRows, len(dormant) > reportRows, web.FormatInt(int64(len(dormant)), lc)
	data["DormantText"] = fmt.Sprintf(web.T(lc, "rep_dormant_text"), dormantDays, web.FormatDate(s.dormantSince(), lc))
	data["Query"] = template.URL(r.query())
	data["FromText"], data["ToText"] = web.FormatDate(r.From, lc), web.FormatDate(r.To.AddDate(0, 0, -1), lc)
	return c.Type("html").Send(s.Page(c, "admin_reports", lc, web.T(lc, "reports"), data))
}

func reportPeriodLinks(r reportRange, lc string) []fiber.Map {
	var out []fiber.Map
	for _, name := range web.Periods {
		q := url.Values{"period": {name}, "currency": {r.Currency}, "by": {r.SortBy}}
		out = append(out, fiber.Map{"Query": template.URL(q.Encode()), "Label": web.T(lc, "p_"+name), "Current": name == r.Period})
	}
	return out
}

// repShare formats a fraction (0.7143) as a percent with one decimal.
func repShare(share decimal.Decimal, lc string) string {
	p := share.Mul(decimal.NewFromInt(100)).StringFixed(1)
	if lc == "ru" {
		return strings.Replace(p, ".", ",", 1) + "\u00a0%"
	}
	return p + "%"
}

// reportCSV exports one report of the page with the same filters: plain
// decimal amounts with a currency column, dates as YYYY-MM-DD. Every row,
// as the database ranks them, streamed as read (web.StreamCSV): memory
// stays flat however many partners the program has.
func (s *Server) reportCSV(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r, err := s.reportPeriod(c, web.UserLoc(web.CurrentUser(c)))
		if err != nil {
			return c.Status(fiber.StatusUnprocessableEntity).SendString(web.ErrorText(web.CurrentUser(c).Locale, err))
		}
		if name == "leaderboard" {
			if err := s.leaderboardCurrency(c, &r); err != nil {
				return err
			}
		}
		file := "partnerka-" + name + "-" + r.FromDay + "-" + r.ToDay + ".csv"
		since := s.dormantSince()
		if name == "dormant" {
			file = "partnerka-dormant-" + s.Now().UTC().Format(time.DateOnly) + ".csv"
		}
		return s.StreamCSV(c, web.CSVOwner(c), file, func(ctx context.Context, w *csv.Writer) error {
			switch name {
			case "totals":
				t, _, err := s.DB.ReportTotals(ctx, r.From, r.To)
				if err != nil {
					return err
				}
				return w.WriteAll(totalsCSV(t))
			case "concentration":
				cs, err := s.DB.ReportConcentration(ctx, r.From, r.To)
				if err != nil {
					return err
				}
				return w.WriteAll(concentrationCSV(cs))
			case "leaderboard":
				w.Write(leaderboardHeader)
				rank := 0
				return s.DB.EachLeader(ctx, r.From, r.To, r.Currency, r.SortBy, func(l storage.LeaderRow) error {
					rank++
					return w.Write(leaderboardLine(rank, l))
				})
			case "funnel":
				w.Write(funnelHeader)
				return s.DB.EachFunnelRow(ctx, r.From, r.To, func(p storage.FunnelRow) error { return w.Write(funnelLine(p)) })
			case "dormant":
				w.Write(dormantHeader)
				return s.DB.EachDormantPartner(ctx, since, func(d storage.DormantPartner) error { return w.Write(dormantLine(d)) })
			}
			return nil
		})
	}
}

// repAmount is an amount with exactly its currency's minor digits and a
// plain decimal point, for files.
func repAmount(d decimal.Decimal, currency string) string {
	if n, ok := partnerka.MinorUnits(currency); ok {
		return d.StringFixed(n)
	}
	return d.String()
}

// ratio is num/den as a decimal fraction with four digits, empty when den is 0.
func repRatio(num, den int64) string {
	if den == 0 {
		return ""
	}
	return decimal.NewFromInt(num).Div(decimal.NewFromInt(den)).StringFixed(4)
}

func repItoa(n int64) string { return strconv.FormatInt(n, 10) }

func totalsCSV(t storage.Totals) [][]string {
	rows := [][]string{{"metric", "currency", "value"},
		{"clicks", "", repItoa(t.Clicks)}, {"unique_clicks", "", repItoa(t.UniqueClicks)}, {"leads", "", repItoa(t.Leads)},
		{"new_customers", "", repItoa(t.Customers)}, {"paying_customers", "", repItoa(t.Paying)}}
	for _, m := range t.Money {
		c := m.Currency
		rows = append(rows, []string{"paid", c, repAmount(m.Paid, c)}, []string{"refunded", c, repAmount(m.Refunded, c)},
			[]string{"revenue", c, repAmount(m.Revenue(), c)},
			[]string{"commissions_pending", c, repAmount(m.Pending, c)},
			[]string{"commissions_available", c, repAmount(m.Available, c)},
			[]string{"commissions_rejected", c, repAmount(m.Rejected, c)},
			[]string{"commissions_reversed", c, repAmount(m.Reversed, c)})
	}
	for _, p := range t.Payouts {
		rows = append(rows, []string{"payouts_paid", p.Currency, repAmount(p.Amount, p.Currency)},
			[]string{"payouts_paid_count", p.Currency, repItoa(p.Count)})
	}
	return rows
}

var leaderboardHeader = []string{"rank", "partner_id", "ref", "name", "currency", "revenue", "commissions",
	"clicks", "unique_clicks", "leads", "customers"}

func leaderboardLine(rank int, l storage.LeaderRow) []string {
	c := l.Currency
	return []string{strconv.Itoa(rank), repItoa(l.PartnerActivity.PartnerID), l.Ref, web.CSVSafe(l.Name), c,
		repAmount(l.Revenue(), c), repAmount(l.Commissions(), c),
		repItoa(l.Clicks), repItoa(l.UniqueClicks), repItoa(l.Leads), repItoa(l.Customers)}
}

func concentrationCSV(cs []storage.Concentration) [][]string {
	rows := [][]string{{"currency", "partners", "top_partners", "top_revenue", "total_revenue", "share"}}
	for _, k := range cs {
		rows = append(rows, []string{k.Currency, strconv.Itoa(k.Partners), strconv.Itoa(k.Top),
			repAmount(k.TopSum, k.Currency), repAmount(k.Total, k.Currency), k.Share.StringFixed(4)})
	}
	return rows
}

// The funnel's file: the cohort's steps and ratios as the page counts
// them (web.Funnel), then the customers bound without a click by source,
// never divided by clicks.
var funnelHeader = []string{"partner_id", "ref", "name", "clicks", "unique_clicks", "leads_from_clicks", "paying_of_them",
	"click_to_lead", "lead_to_paying", "customers_without_click", "promo_code", "partner_ref", "registration", "manual"}

func funnelLine(p storage.FunnelRow) []string {
	n := p.NoClick
	return []string{repItoa(p.PartnerID), p.Ref, web.CSVSafe(p.Name), repItoa(p.Clicks), repItoa(p.Visitors),
		repItoa(p.Leads), repItoa(p.Paying), repRatio(p.Leads, p.Visitors), repRatio(p.Paying, p.Leads),
		repItoa(n.Total()), repItoa(n.PromoCode), repItoa(n.PartnerRef), repItoa(n.Registration), repItoa(n.Manual)}
}

var dormantHeader = []string{"partner_id", "ref", "name", "partner_since", "last_click"}

func dormantLine(d storage.DormantPartner) []string {
	last := ""
	if d.LastClick != nil {
		last = d.LastClick.Format(time.DateOnly)
	}
	return []string{repItoa(d.ID), d.Ref, web.CSVSafe(d.Name), d.CreatedAt.UTC().Format(time.DateOnly), last}
}

var _ = web.AddMessages(map[string]string{
	"rep_totals": "Program totals", "rep_clicks": "Clicks", "rep_unique": "Unique clicks", "rep_leads": "Leads", "rep_new_customers": "New customers",
	"rep_paying": "Of them paying",
	"rep_money":  "Money by currency", "rep_paid": "Paid by customers", "rep_refunded": "Refunded", "rep_revenue": "Revenue",
	"rep_commissions": "Commissions", "rep_reversed": "Taken back by refunds", "rep_rejected": "Rejected", "rep_payouts": "Paid out to partners",
	"rep_no_money":    "No purchases, commissions or payouts in this period.",
	"rep_leaderboard": "Leaderboard", "rep_rank_by": "Rank by", "rep_partner": "Partner",
	"rep_conc": "Revenue concentration", "rep_conc_text": "The top %d of %d partners brought %s of %s.",
	"rep_funnel": "Funnel per partner", "rep_click_lead": "Click → lead", "rep_lead_paying": "Lead → paying",
	"rep_click_leads": "Leads from these clicks", "rep_paying_of": "Of them paying", "rep_no_click": "Customers without a click",
	"rep_dormant": "Dormant partners", "rep_dormant_text": "Active partners without a click in %d days (since %s).",
	"rep_last_click": "Last click", "rep_partner_since": "Partner since", "rep_never": "never",
	"rep_none": "Nothing in this period.", "rep_no_dormant": "Every active partner had clicks lately.",
	"rep_more_csv":    "The first 50 are shown; the CSV export has them all.",
	"rep_notes":       "How these are counted",
	"rep_note_clicks": "Clicks come from the daily click stats (days in UTC). Leads are the customers bound to partners in the period plus the leads partners registered by hand in it that did not become one of them; new customers are the customers bound in the period; of them paying: those who have paid since (to date).",
	"rep_note_money":  "Revenue is what partners' customers paid in the period minus what was refunded in it. Commissions are those earned in the period, net of what refunds took back; payouts are those marked paid in the period. Totals are the sums of the partners' figures.",
}, map[string]string{
	"rep_totals": "Итоги программы", "rep_clicks": "Переходы", "rep_unique": "Уникальные переходы", "rep_leads": "Лиды", "rep_new_customers": "Новые клиенты",
	"rep_paying": "Из них платящие",
	"rep_money":  "Деньги по валютам", "rep_paid": "Оплачено клиентами", "rep_refunded": "Возвраты", "rep_revenue": "Выручка",
	"rep_commissions": "Вознаграждение", "rep_reversed": "Сторно по возвратам", "rep_rejected": "Отклонено", "rep_payouts": "Выплачено партнёрам",
	"rep_no_money":    "В этом периоде не было покупок, начислений и выплат.",
	"rep_leaderboard": "Рейтинг партнёров", "rep_rank_by": "Сортировать по", "rep_partner": "Партнёр",
	"rep_conc": "Концентрация выручки", "rep_conc_text": "Лучшие %d из %d партнёров принесли %s из %s.",
	"rep_funnel": "Воронка по партнёрам", "rep_click_lead": "Переход → лид", "rep_lead_paying": "Лид → платящий",
	"rep_click_leads": "Лиды по этим переходам", "rep_paying_of": "Из них платящие", "rep_no_click": "Клиенты без перехода",
	"rep_dormant": "Неактивные партнёры", "rep_dormant_text": "Активные партнёры без переходов за %d дней (с %s).",
	"rep_last_click": "Последний переход", "rep_partner_since": "Партнёр с", "rep_never": "никогда",
	"rep_none": "В этом периоде ничего нет.", "rep_no_dormant": "У всех активных партнёров недавно были переходы.",
	"rep_more_csv":    "Показаны первые 50; в выгрузке CSV — все.",
	"rep_notes":       "Как это считается",
	"rep_note_clicks": "Переходы берутся из дневной статистики (дни по UTC). Лиды — клиенты, закреплённые за партнёрами в периоде, и регистрации лидов партнёров за период, не ставшие такими клиентами; новые клиенты — закреплённые в периоде; из них платящие — те, кто уже платил (на сегодня).",
	"rep_note_money":  "Выручка — оплаты клиентов партнёров за период минус возвраты за период. Вознаграждение — начисленное в периоде за вычетом сторно; выплаты — отмеченные выплаченными в периоде. Итоги — суммы по партнёрам.",
})
