package cabinet

import (
	"context"
	"encoding/csv"
	"html/template"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// earningsPageRows is how many commissions the page shows; the CSV export
// has them all.
const earningsPageRows = 200

func (s *Server) earningsData(c *fiber.Ctx, limit int) (web.Period, []storage.EarningRow, []storage.ManualEntry, error) {
	u := web.CurrentUser(c)
	p := s.UserPeriod(c)
	rows, manual, err := s.DB.PartnerEarnings(c.UserContext(), *u.PartnerID, p.From, p.To, limit)
	return p, rows, manual, err
}

// earnings itemises every commission with its explanation, status, release
// date and reversals, and the bonuses and adjustments, for a period.
func (s *Server) earnings(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	per, rows, manual, err := s.earningsData(c, earningsPageRows+1)
	loc := per.Loc
	if err != nil {
		return err
	}
	more := len(rows) > earningsPageRows || len(manual) > earningsPageRows
	if len(rows) > earningsPageRows {
		rows = rows[:earningsPageRows]
	}
	if len(manual) > earningsPageRows {
		manual = manual[:earningsPageRows]
	}
	type view struct{ Date, Amount, Reversed, Status, StatusClass, Release, Explanation string }
	var out []view
	for _, r := range rows {
		v := view{Date: web.FormatDate(r.EarnedAt.In(loc), u.Locale),
			Amount: web.FormatMoney(partnerka.Money{Amount: r.Amount, Currency: r.Currency}, u.Locale),
			Status: web.T(u.Locale, "status_"+r.Status), StatusClass: r.Status, Explanation: web.ExplainCommission(r.Explanation, r.Rerate, u.Locale),
			Release: web.FormatDate(r.HoldUntil.In(loc), u.Locale)}
		if r.Reversed.IsPositive() {
			v.Reversed = "−" + web.FormatMoney(partnerka.Money{Amount: r.Reversed, Currency: r.Currency}, u.Locale)
		}
		out = append(out, v)
	}
	type manualView struct{ Date, Amount, Kind, Reason string }
	var mv []manualView
	for _, m := range manual {
		mv = append(mv, manualView{web.FormatDate(m.CreatedAt.In(loc), u.Locale),
			web.FormatMoney(partnerka.Money{Amount: m.Amount, Currency: m.Currency}, u.Locale), web.T(u.Locale, m.Kind), m.Reason})
	}
	return c.Type("html").Send(s.Page(c, "earnings", u.Locale, web.T(u.Locale, "earnings_page"), fiber.Map{
		"Rows": out, "Manual": mv, "Picker": per.Picker("/earnings", u.Locale), "More": more,
		"Query": template.URL(per.Query()), // built here from parsed dates, not from the request
	}))
}

// earningsCSV exports what the earnings page shows, with plain numbers:
// every commission of the period, then the bonuses and adjustments. The
// file streams as the rows are read (web.StreamCSV), one export per
// partner at a time.
func (s *Server) earningsCSV(c *fiber.Ctx) error {
	partnerID := *web.CurrentUser(c).PartnerID
	per := s.UserPeriod(c)
	loc := per.Loc
	return s.StreamCSV(c, web.CSVOwner(c), "earnings.csv", func(ctx context.Context, w *csv.Writer) error {
		if err := w.Write([]string{"date", "kind", "amount", "reversed", "currency", "status", "available_from", "purchase", "explanation"}); err != nil {
			return err
		}
		err := s.DB.EachPartnerEarning(ctx, partnerID, per.From, per.To, func(r storage.EarningRow) error {
			n, _ := partnerka.MinorUnits(r.Currency)
			return w.Write([]string{r.EarnedAt.In(loc).Format(time.RFC3339), "commission", r.Amount.StringFixed(n), r.Reversed.StringFixed(n),
				r.Currency, r.Status, r.HoldUntil.In(loc).Format(time.RFC3339), web.CSVSafe(r.Purchase), web.CSVSafe(web.ExplainCommission(r.Explanation, r.Rerate, "en"))})
		})
		if err != nil {
			return err
		}
		return s.DB.EachPartnerManualEntry(ctx, partnerID, per.From, per.To, func(m storage.ManualEntry) error {
			n, _ := partnerka.MinorUnits(m.Currency)
			return w.Write([]string{m.CreatedAt.In(loc).Format(time.RFC3339), m.Kind, m.Amount.StringFixed(n), "", m.Currency, "available", "", "", web.CSVSafe(m.Reason)})
		})
	})
}
