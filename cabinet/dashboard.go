package cabinet

import (
	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/errgroup"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// dashboard shows the partner's numbers for a period: clicks, leads,
// customers, conversion, and what they earned.
func (s *Server) dashboard(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	per := s.UserPeriod(c)
	from, to, loc := per.From, per.To, per.Loc
	// The page's reads are independent: run them side by side, each on its
	// own pooled connection, so the page waits for the slowest, not the sum.
	var (
		d    *storage.Dashboard
		p    *partnerka.Partner
		st   partnerka.Settings
		days []storage.DayStat
		tier *web.TierView
	)
	g, ctx := errgroup.WithContext(c.UserContext())
	g.Go(func() (err error) { d, err = s.DB.PartnerDashboard(ctx, *u.PartnerID, from, to); return err })
	g.Go(func() (err error) { p, err = s.DB.PartnerByID(ctx, *u.PartnerID); return err })
	g.Go(func() (err error) {
		if st, err = s.DB.Settings(ctx); err != nil {
			return err
		}
		days, err = s.DB.DailyStats(ctx, *u.PartnerID, from, to, st.DefaultCurrency)
		return err
	})
	g.Go(func() (err error) { tier, err = s.Tier(ctx, *u.PartnerID, u.Locale); return err })
	if err := g.Wait(); err != nil {
		return err
	}
	locale := u.Locale
	balances := web.BalanceTable(d.Balances, locale)
	type latest struct{ Date, Amount, Status, StatusClass, Explanation string }
	var ls []latest
	for _, l := range d.Latest {
		ls = append(ls, latest{Date: web.FormatDate(l.EarnedAt.In(loc), locale),
			Amount: web.FormatMoney(partnerka.Money{Amount: l.Amount, Currency: l.Currency}, locale),
			Status: web.T(locale, "status_"+l.Status), StatusClass: l.Status, Explanation: web.Explain(l.Explanation, locale)})
	}
	next := ""
	if d.NextRelease != nil {
		next = web.FormatDate(d.NextRelease.In(loc), locale)
	}
	var table []fiber.Map
	for _, day := range days {
		table = append(table, fiber.Map{"Day": web.FormatDate(day.Day, locale), "Clicks": web.FormatInt(day.Clicks, locale),
			"Leads": web.FormatInt(day.Leads, locale), "Earned": web.FormatMoney(partnerka.Money{Amount: day.Earned, Currency: st.DefaultCurrency}, locale)})
	}
	return c.Type("html").Send(s.Page(c, "dashboard", locale, web.T(locale, "dashboard"), fiber.Map{
		"Partner": p, "Picker": per.Picker("/dashboard", locale),
		"Clicks": web.FormatInt(d.Clicks, locale), "Unique": web.FormatInt(d.UniqueClicks, locale), "NoClicks": d.Clicks == 0,
		"Leads": web.FormatInt(d.Leads, locale), "Customers": web.FormatInt(d.Customers, locale), "Paying": web.FormatInt(d.Paying, locale),
		"ConvClickLead": web.FormatPercent(d.Leads, d.UniqueClicks, locale), "ConvLeadPaying": web.FormatPercent(d.Paying, d.Leads, locale),
		"Balances": balances, "NextRelease": next, "Latest": ls,
		"DefaultLink": defaultLink(s.TrackerURL, d.DefaultLinkCode),
		"Chart":       web.ChartSVG(days, locale), "Days": table, "Tier": tier,
	}))
}

func defaultLink(trackerURL, code string) string {
	if code == "" {
		return ""
	}
	return trackerURL + "/r/" + code
}
