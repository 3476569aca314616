package cabinet

import (
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/errgroup"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// dashboard shows the partner's numbers for a period: clicks, leads,
// customers, the funnel over one cohort, the chart of days in one
// currency (?currency=, the program's main currency by default), the
// balances as one table, main currency first, and what is under review
// under which program rules (never the evidence).
func (s *Server) dashboard(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	per := s.UserPeriod(c)
	from, to, loc := per.From, per.To, per.Loc
	ctx, db := c.UserContext(), s.Read(c)
	// The page's reads are independent: run them side by side, each on its
	// own pooled connection, so the page waits for the slowest, not the sum.
	// The chart's days are in the currency asked for (else the main one);
	// one the partner has no money in is read again in the main currency
	// once the balances are known.
	var (
		d    *storage.Dashboard
		p    *partnerka.Partner
		st   partnerka.Settings
		cur  = c.Query("currency")
		days []storage.DayStat
		tier *web.TierView
		rev  []storage.UnderReview
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { d, err = db.PartnerDashboard(gctx, *u.PartnerID, from, to); return err })
	g.Go(func() (err error) { p, err = db.PartnerByID(gctx, *u.PartnerID); return err })
	g.Go(func() (err error) {
		if st, err = db.Settings(gctx); err != nil {
			return err
		}
		if !partnerka.ValidCurrency(cur) {
			cur = st.DefaultCurrency
		}
		days, err = db.DailyStats(gctx, *u.PartnerID, from, to, cur)
		return err
	})
	g.Go(func() (err error) { tier, err = s.Tier(gctx, db, *u.PartnerID, u.Locale); return err })
	g.Go(func() (err error) { rev, err = db.PartnerUnderReview(gctx, *u.PartnerID); return err })
	if err := g.Wait(); err != nil {
		return err
	}
	locale := u.Locale
	balances := web.BalanceRows(d.Balances, st.DefaultCurrency, d.NextRelease, loc, locale)
	currencies := chartCurrencies(st.DefaultCurrency, balances)
	if !slices.Contains(currencies, cur) {
		cur = st.DefaultCurrency
		var err error
		if days, err = db.DailyStats(ctx, *u.PartnerID, from, to, cur); err != nil {
			return err
		}
	}
	type latest struct{ Date, Amount, Status, StatusClass, Explanation string }
	var ls []latest
	for _, l := range d.Latest {
		ls = append(ls, latest{Date: web.FormatDate(l.EarnedAt.In(loc), locale),
			Amount: web.FormatMoney(partnerka.Money{Amount: l.Amount, Currency: l.Currency}, locale),
			Status: web.T(locale, "status_"+l.Status), StatusClass: l.Status, Explanation: web.Explain(l.Explanation, locale)})
	}
	var table []fiber.Map
	for _, day := range days {
		table = append(table, fiber.Map{"Day": web.FormatDate(day.Day, locale), "Clicks": web.FormatInt(day.Clicks, locale),
			"Leads": web.FormatInt(day.Leads, locale), "Earned": web.FormatMoney(partnerka.Money{Amount: day.Earned, Currency: cur}, locale)})
	}
	var options []fiber.Map
	for _, code := range currencies {
		options = append(options, fiber.Map{"Code": code, "Selected": code == cur})
	}
	return c.Type("html").Send(s.Page(c, "dashboard", locale, web.T(locale, "dashboard"), fiber.Map{
		"Partner": p, "Picker": per.Picker("/dashboard", locale),
		"Clicks": web.FormatInt(d.Clicks, locale), "Unique": web.FormatInt(d.UniqueClicks, locale), "NoClicks": d.Clicks == 0,
		"Leads": web.FormatInt(d.Leads, locale), "Customers": web.FormatInt(d.Customers, locale), "Paying": web.FormatInt(d.Paying, locale),
		"Funnel":   web.Funnel(d.Funnel, locale),
		"Balances": balances, "Latest": ls, "UnderReview": underReviewNotice(rev, st.DefaultCurrency, locale),
		"DefaultLink": defaultLink(s.TrackerURL, d.DefaultLinkCode),
		"Chart":       web.ChartSVG(days, locale), "Days": table, "Tier": tier,
		"Currency": cur, "Currencies": options, "Period": per.Name,
		"PeriodFrom": per.From.Format(time.DateOnly), "PeriodTo": per.To.AddDate(0, 0, -1).Format(time.DateOnly),
	}))
}

// chartCurrencies are the currencies the chart offers: the program's main
// currency, then every currency the partner has money in, in the order of
// the balances table.
func chartCurrencies(main string, balances []*web.BalanceView) []string {
	out := []string{main}
	for _, b := range balances {
		if !slices.Contains(out, b.Currency) {
			out = append(out, b.Currency)
		}
	}
	return out
}

func defaultLink(trackerURL, code string) string {
	if code == "" {
		return ""
	}
	return trackerURL + "/r/" + code
}
