package cabinet

import (
	"context"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/sync/errgroup"

	"partnerka"
	"partnerka/storage"
)

// periods the dashboard offers, in the user's time zone.
var periods = []string{"7d", "30d", "this_month", "last_month"}

func periodRange(name string, now time.Time) (from, to time.Time, ok bool) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, now.Location())
	switch name {
	case "7d":
		return day.AddDate(0, 0, -6), day.AddDate(0, 0, 1), true
	case "30d":
		return day.AddDate(0, 0, -29), day.AddDate(0, 0, 1), true
	case "this_month":
		return month, month.AddDate(0, 1, 0), true
	case "last_month":
		return month.AddDate(0, -1, 0), month, true
	}
	return time.Time{}, time.Time{}, false
}

// maxCustomDays bounds a custom period.
const maxCustomDays = 366

// period is a range of whole days [From, To) in the user's time zone.
type period struct {
	Name     string // a preset or "custom"
	From, To time.Time
	Loc      *time.Location
	Err      error // why a custom range was not taken
}

// query is the period as URL parameters, for links that keep it.
func (p period) query() string {
	if p.Name == "custom" {
		return "period=custom&from=" + p.From.Format("2006-01-02") + "&to=" + p.To.AddDate(0, 0, -1).Format("2006-01-02")
	}
	return "period=" + p.Name
}

// picker is what the period picker partial (layout.html) shows.
func (p period) picker(path, locale string) fiber.Map {
	var links []fiber.Map
	for _, name := range periods {
		links = append(links, fiber.Map{"Name": name, "Label": T(locale, "p_"+name), "Current": name == p.Name})
	}
	return fiber.Map{"T": func(key string) string { return T(locale, key) }, "Path": path, "Links": links,
		"Custom": p.Name == "custom", "FromValue": p.From.Format("2006-01-02"), "ToValue": p.To.AddDate(0, 0, -1).Format("2006-01-02"),
		"FromText": FormatDate(p.From, locale), "ToText": FormatDate(p.To.AddDate(0, 0, -1), locale), "Zone": p.Loc.String(),
		"Error": periodError(p.Err, locale)}
}

// userPeriod reads ?period= (30 days by default; "custom" with from and
// to, both days included) as days in the signed-in user's time zone. A
// custom range that does not parse, runs backwards or spans more than
// maxCustomDays is shown as 30 days, with the error saying why.
func (s *Server) userPeriod(c *fiber.Ctx) period {
	loc := userLoc(currentUser(c))
	p := period{Name: c.Query("period", "30d"), Loc: loc}
	if p.Name == "custom" {
		if p.From, p.To, p.Err = parseDays(c.Query("from"), c.Query("to"), loc, maxCustomDays); p.Err == nil {
			return p
		}
		p.Name = "30d"
	}
	var ok bool
	if p.From, p.To, ok = periodRange(p.Name, s.Now().In(loc)); !ok {
		p.Name = "30d"
		p.From, p.To, _ = periodRange(p.Name, s.Now().In(loc))
	}
	return p
}

// parseDays reads a range of days, both included, as [from, to) in loc.
// Errors name the field: "from" or "to".
func parseDays(fromDay, toDay string, loc *time.Location, maxDays int) (from, to time.Time, err error) {
	if from, err = time.ParseInLocation(time.DateOnly, fromDay, loc); err != nil {
		return from, to, partnerka.FieldError("from", "enter the first day as YYYY-MM-DD")
	}
	last, err := time.ParseInLocation(time.DateOnly, toDay, loc)
	if err != nil {
		return from, to, partnerka.FieldError("to", "enter the last day as YYYY-MM-DD")
	}
	to = last.AddDate(0, 0, 1)
	switch {
	case !to.After(from):
		return from, to, partnerka.FieldError("to", "the last day is before the first")
	case to.After(from.AddDate(0, 0, maxDays)):
		return from, to, partnerka.FieldError("to", "a period covers at most %d days", maxDays)
	}
	return from, to, nil
}

// balanceView is one currency's balance, formatted, bucket by bucket.
type balanceView struct {
	Currency                           string
	Pending, Available, Reserved, Paid string
}

// balanceTable turns ledger balances into one row per currency, in
// currency order, every bucket shown (zero when it has no entries).
func balanceTable(bs []storage.Balance, locale string) []*balanceView {
	by := map[string]*balanceView{}
	var out []*balanceView
	for _, b := range bs {
		v := by[b.Currency]
		if v == nil {
			zero := FormatMoney(partnerka.Money{Currency: b.Currency}, locale)
			v = &balanceView{Currency: b.Currency, Pending: zero, Available: zero, Reserved: zero, Paid: zero}
			by[b.Currency] = v
			out = append(out, v)
		}
		f := FormatMoney(partnerka.Money{Amount: b.Amount, Currency: b.Currency}, locale)
		switch b.Bucket {
		case "pending":
			v.Pending = f
		case "available":
			v.Available = f
		case "reserved":
			v.Reserved = f
		case "paid":
			v.Paid = f
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Currency < out[k].Currency })
	return out
}

// dashboard shows the partner's numbers for a period: clicks, leads,
// customers, conversion, and what they earned.
func (s *Server) dashboard(c *fiber.Ctx) error {
	u := currentUser(c)
	per := s.userPeriod(c)
	from, to, loc := per.From, per.To, per.Loc
	// The page's reads are independent: run them side by side, each on its
	// own pooled connection, so the page waits for the slowest, not the sum.
	var (
		d    *storage.Dashboard
		p    *partnerka.Partner
		st   partnerka.Settings
		days []storage.DayStat
		tier *tierView
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
	g.Go(func() (err error) { tier, err = s.tier(ctx, *u.PartnerID, u.Locale); return err })
	if err := g.Wait(); err != nil {
		return err
	}
	locale := u.Locale
	balances := balanceTable(d.Balances, locale)
	type latest struct{ Date, Amount, Status, StatusClass, Explanation string }
	var ls []latest
	for _, l := range d.Latest {
		ls = append(ls, latest{Date: FormatDate(l.EarnedAt.In(loc), locale),
			Amount: FormatMoney(partnerka.Money{Amount: l.Amount, Currency: l.Currency}, locale),
			Status: T(locale, "status_"+l.Status), StatusClass: l.Status, Explanation: explain(l.Explanation, locale)})
	}
	next := ""
	if d.NextRelease != nil {
		next = FormatDate(d.NextRelease.In(loc), locale)
	}
	var table []fiber.Map
	for _, day := range days {
		table = append(table, fiber.Map{"Day": FormatDate(day.Day, locale), "Clicks": FormatInt(day.Clicks, locale),
			"Leads": FormatInt(day.Leads, locale), "Earned": FormatMoney(partnerka.Money{Amount: day.Earned, Currency: st.DefaultCurrency}, locale)})
	}
	return c.Type("html").Send(s.page(c, "dashboard", locale, T(locale, "dashboard"), fiber.Map{
		"Partner": p, "Picker": per.picker("/dashboard", locale),
		"Clicks": FormatInt(d.Clicks, locale), "Unique": FormatInt(d.UniqueClicks, locale), "NoClicks": d.Clicks == 0,
		"Leads": FormatInt(d.Leads, locale), "Customers": FormatInt(d.Customers, locale), "Paying": FormatInt(d.Paying, locale),
		"ConvClickLead": FormatPercent(d.Leads, d.UniqueClicks, locale), "ConvLeadPaying": FormatPercent(d.Paying, d.Leads, locale),
		"Balances": balances, "NextRelease": next, "Latest": ls,
		"DefaultLink": defaultLink(s.TrackerURL, d.DefaultLinkCode),
		"Chart":       chartSVG(days, locale), "Days": table, "Tier": tier,
	}))
}

func defaultLink(trackerURL, code string) string {
	if code == "" {
		return ""
	}
	return trackerURL + "/r/" + code
}

// tier returns the tier badge of the partner's current plan, or nil when
// the plan has no tiers.
func (s *Server) tier(ctx context.Context, partnerID int64, locale string) (*tierView, error) {
	now := s.Now()
	contract, err := s.DB.ContractAt(ctx, partnerID, now)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	pv, err := s.planVersion(ctx, contract.PlanVersionID)
	if err != nil || pv == nil {
		return nil, err
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC) // tiers use calendar months in UTC
	volume := func(from, to time.Time) func(string) decimal.Decimal {
		return func(cur string) decimal.Decimal {
			v, _ := s.DB.PartnerVolume(ctx, partnerID, from, to, cur)
			return v
		}
	}
	return tierProgress(pv, volume(month.AddDate(0, -1, 0), month), volume(month, month.AddDate(0, 1, 0)), locale), nil
}

// periodError says, in the user's language, why a custom period was refused.
func periodError(err error, locale string) string {
	if err == nil {
		return ""
	}
	return T(locale, "period_err_"+partnerka.ErrorField(err))
}
