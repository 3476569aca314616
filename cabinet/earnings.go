package cabinet

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// earnings itemises a period's commissions, a page at a time, each with
// its explanation, status (under review, with the program rules holding
// it), release date, the customer and payment it came from and its
// reversals with their reasons and dates; above them
// the period's totals per currency and bucket, and below the bonuses and
// adjustments, paged too.
func (s *Server) earnings(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx, db := c.UserContext(), s.Read(c)
	per := s.UserPeriod(c)
	loc := per.Loc
	page, mpage := web.PageParam(c, "page"), web.PageParam(c, "mpage")
	// The totals read every commission of the period: the page's lines and
	// entries are read beside them, each on its own connection.
	var (
		totals []storage.EarningTotal
		rows   []storage.EarningLine
		revs   []storage.ReversalLine
		manual []storage.ManualEntry
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		totals, err = db.CabinetEarningTotals(gctx, *u.PartnerID, per.From, per.To)
		return err
	})
	g.Go(func() (err error) {
		rows, revs, err = db.CabinetEarnings(gctx, *u.PartnerID, per.From, per.To, listPageRows, offset(page))
		return err
	})
	g.Go(func() (err error) {
		manual, err = db.CabinetManualEntries(gctx, *u.PartnerID, per.From, per.To, listPageRows, offset(mpage))
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	var lines, manualLines int64
	for _, t := range totals {
		lines, manualLines = lines+t.Lines, manualLines+t.ManualLines
	}
	keep, _ := url.ParseQuery(per.Query()) // built from parsed dates, not from the request
	if page > lastPage(lines) || mpage > lastPage(manualLines) {
		// A page past the end (another period, or a stale link): the last.
		for param, n := range map[string]int64{"page": lines, "mpage": manualLines} {
			if last := lastPage(n); last > 1 {
				keep.Set(param, strconv.Itoa(min(last, web.PageParam(c, param))))
			}
		}
		return c.Redirect("/earnings?"+keep.Encode(), fiber.StatusSeeOther)
	}
	if page > 1 {
		keep.Set("page", strconv.Itoa(page))
	}
	if mpage > 1 {
		keep.Set("mpage", strconv.Itoa(mpage))
	}
	st, err := db.Settings(ctx)
	if err != nil {
		return err
	}
	// The page's commissions under review, in one query for the page.
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	review, err := db.CommissionsUnderReview(ctx, *u.PartnerID, ids)
	if err != nil {
		return err
	}
	type manualView struct{ Date, Amount, Kind, Reason string }
	var mv []manualView
	for _, m := range manual {
		mv = append(mv, manualView{web.FormatDate(m.CreatedAt.In(loc), u.Locale),
			web.FormatMoney(partnerka.Money{Amount: m.Amount, Currency: m.Currency}, u.Locale), web.T(u.Locale, m.Kind), m.Reason})
	}
	out := earningViews(rows, revs, review, loc, u.Locale)
	tv, rejected := totalsView(totals, st.DefaultCurrency, u.Locale)
	data := fiber.Map{"Rows": out, "Manual": mv, "Totals": tv, "ShowRejected": rejected, "Picker": per.Picker("/earnings", u.Locale),
		"Query": template.URL(per.Query()), // built here from parsed dates, not from the request
	}
	if len(out) > 0 {
		data["Pager"] = pager(u.Locale, page, len(out), lines, "/earnings", keep, "page")
	}
	if len(mv) > 0 {
		data["ManualPager"] = pager(u.Locale, mpage, len(mv), manualLines, "/earnings", keep, "mpage")
	}
	return c.Type("html").Send(s.Page(c, "earnings", u.Locale, web.T(u.Locale, "earnings_page"), data))
}

// earningView is one commission's line.
type earningView struct {
	Date, Amount, Reversed, Status, StatusClass, Release, Explanation string
	Customer, CustomerLink, Payment                                   string
	Reversals                                                         []string   // reason and date of each
	UnderReview                                                       []ruleLink // the program rules holding it, if any
}

// earningViews are the page's lines: each names the partner's own
// customer (a link to it on the customers page) and payment, or says it
// was a recruit's customer, and lists its reversals. A commission open
// flags hold (review: its program rules by id) is under review: pending
// until a manager decides, whatever its hold says.
func earningViews(rows []storage.EarningLine, revs []storage.ReversalLine, review map[int64][]string, loc *time.Location, locale string) []earningView {
	money := func(amount decimal.Decimal, currency string) string {
		return web.FormatMoney(partnerka.Money{Amount: amount, Currency: currency}, locale)
	}
	byCommission := map[int64][]string{}
	for _, r := range revs {
		byCommission[r.CommissionID] = append(byCommission[r.CommissionID], reversalReason(r, loc, locale))
	}
	var out []earningView
	for _, r := range rows {
		v := earningView{Date: web.FormatDate(r.EarnedAt.In(loc), locale), Amount: money(r.Amount, r.Currency),
			Status: web.T(locale, "status_"+r.Status), StatusClass: r.Status, Explanation: web.ExplainCommission(r.Explanation, r.Rerate, locale),
			Release: web.FormatDate(r.HoldUntil.In(loc), locale), Reversals: byCommission[r.ID]}
		if rules := review[r.ID]; len(rules) > 0 {
			v.Status, v.StatusClass, v.UnderReview = web.T(locale, "under_review"), "pending", ruleLinks(locale, rules)
			v.Release = web.T(locale, "cabrules_after_review")
		}
		if r.Reversed.IsPositive() {
			v.Reversed = "−" + money(r.Reversed, r.Currency)
		}
		switch {
		case r.Level == 2:
			v.Customer = web.T(locale, "earn_recruits_customer")
		case r.Customer != "":
			v.Customer, v.CustomerLink = r.Customer, "/customers?"+url.Values{"q": {r.Customer}}.Encode()
		}
		switch {
		case r.Purchase != "":
			v.Payment = fmt.Sprintf(web.T(locale, "earn_payment"), r.Purchase)
		case r.Event == "lead":
			v.Payment = web.T(locale, "earn_new_customer")
		}
		out = append(out, v)
	}
	return out
}

// totalsView is the totals table: a row per currency, the main one
// first; rejected says whether any currency has rejected money (the
// column is shown only then).
func totalsView(totals []storage.EarningTotal, main, locale string) (rows []fiber.Map, rejected bool) {
	totals = slices.Clone(totals)
	slices.SortStableFunc(totals, func(a, b storage.EarningTotal) int { return cmpBool(b.Currency == main, a.Currency == main) })
	for _, t := range totals {
		money := func(amount decimal.Decimal) string {
			return web.FormatMoney(partnerka.Money{Amount: amount, Currency: t.Currency}, locale)
		}
		rejected = rejected || !t.Rejected.IsZero()
		rows = append(rows, fiber.Map{"Currency": t.Currency, "Earned": money(t.Earned),
			"Pending": money(t.Pending), "Available": money(t.Available), "Rejected": money(t.Rejected),
			"Reversed": money(t.Reversed), "Manual": money(t.Manual), "Paid": money(t.Paid)})
	}
	return rows, rejected
}

// reversalReason says why and when a commission was reversed: the refund
// behind it, with the vendor's ids of the refund and payment for the
// partner's own customer only (a level-2 line names neither).
func reversalReason(r storage.ReversalLine, loc *time.Location, locale string) string {
	money := func(amount decimal.Decimal) string {
		return web.FormatMoney(partnerka.Money{Amount: amount, Currency: r.Currency}, locale)
	}
	if r.Refund == "" {
		return fmt.Sprintf(web.T(locale, "earn_reversal_anon"), money(r.Amount), web.FormatDate(r.CreatedAt.In(loc), locale),
			money(r.RefundAmount), money(r.PurchaseAmount), web.FormatDate(r.RefundedAt.In(loc), locale))
	}
	return fmt.Sprintf(web.T(locale, "earn_reversal"), money(r.Amount), web.FormatDate(r.CreatedAt.In(loc), locale),
		r.Refund, money(r.RefundAmount), r.Purchase, money(r.PurchaseAmount), web.FormatDate(r.RefundedAt.In(loc), locale))
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

var _ = web.AddMessages(map[string]string{
	"earn_totals":            "Totals of the period",
	"earn_earned":            "Earned",
	"earn_reversed":          "Reversed",
	"earn_rejected":          "Rejected",
	"earn_manual":            "Bonuses and adjustments",
	"earn_paid":              "Paid out in the period",
	"earn_totals_note":       "Each commission counts once, in its status, net of what was reversed: pending, available, rejected and reversed add up to earned. Payouts are made from the available balance, not commission by commission: “Paid out in the period” is what was paid to you in these days.",
	"earn_customer":          "Customer and payment",
	"earn_payment":           "payment %s",
	"earn_new_customer":      "for a new customer",
	"earn_recruits_customer": "a customer of a partner you recruited",
	"earn_reversal":          "Reversed %s on %s: refund %s of %s of payment %s of %s, made on %s.",
	"earn_reversal_anon":     "Reversed %s on %s: a refund of %s of a %s payment, made on %s.",
}, map[string]string{
	"earn_totals":            "Итоги за период",
	"earn_earned":            "Начислено",
	"earn_reversed":          "Сторно",
	"earn_rejected":          "Отклонено",
	"earn_manual":            "Бонусы и корректировки",
	"earn_paid":              "Выплачено за период",
	"earn_totals_note":       "Каждое начисление учтено один раз, в своём статусе, за вычетом сторно: в холде, доступно, отклонено и сторно в сумме дают начисленное. Выплаты делаются из доступного баланса, а не по отдельным начислениям: «Выплачено за период» — сколько вам выплатили за эти дни.",
	"earn_customer":          "Клиент и платёж",
	"earn_payment":           "платёж %s",
	"earn_new_customer":      "за нового клиента",
	"earn_recruits_customer": "клиент приглашённого вами партнёра",
	"earn_reversal":          "Сторно %s от %s: возврат %s на %s по платежу %s на %s, сделан %s.",
	"earn_reversal_anon":     "Сторно %s от %s: возврат %s по платежу на %s, сделан %s.",
})
