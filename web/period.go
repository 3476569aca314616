package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

// Periods the dashboard offers, in the user's time zone.
var Periods = []string{"7d", "30d", "this_month", "last_month"}

// PeriodRange is the preset period name ending today, as days [from, to)
// in now's time zone; ok is false for a name that is not a preset.
func PeriodRange(name string, now time.Time) (from, to time.Time, ok bool) {
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

// MaxCustomDays bounds a custom period.
const MaxCustomDays = 366

// Period is a range of whole days [From, To) in the user's time zone.
type Period struct {
	Name     string // a preset or "custom"
	From, To time.Time
	Loc      *time.Location
	Err      error // why a custom range was not taken
}

// Query is the period as URL parameters, for links that keep it.
func (p Period) Query() string {
	if p.Name == "custom" {
		return "period=custom&from=" + p.From.Format("2006-01-02") + "&to=" + p.To.AddDate(0, 0, -1).Format("2006-01-02")
	}
	return "period=" + p.Name
}

// Picker is what the period picker partial (layout.html) shows.
func (p Period) Picker(path, locale string) fiber.Map {
	var links []fiber.Map
	for _, name := range Periods {
		links = append(links, fiber.Map{"Name": name, "Label": T(locale, "p_"+name), "Current": name == p.Name})
	}
	return fiber.Map{"T": func(key string) string { return T(locale, key) }, "Path": path, "Links": links,
		"Custom": p.Name == "custom", "FromValue": p.From.Format("2006-01-02"), "ToValue": p.To.AddDate(0, 0, -1).Format("2006-01-02"),
		"FromText": FormatDate(p.From, locale), "ToText": FormatDate(p.To.AddDate(0, 0, -1), locale), "Zone": p.Loc.String(),
		"Error": PeriodError(p.Err, locale)}
}

// UserPeriod reads ?period= (30 days by default; "custom" with from and
// to, both days included) as days in the signed-in user's time zone. A
// custom range that does not parse, runs backwards or spans more than
// maxCustomDays is shown as 30 days, with the error saying why.
func (s *Site) UserPeriod(c *fiber.Ctx) Period {
	loc := UserLoc(CurrentUser(c))
	p := Period{Name: c.Query("period", "30d"), Loc: loc}
	if p.Name == "custom" {
		if p.From, p.To, p.Err = ParseDays(c.Query("from"), c.Query("to"), loc, MaxCustomDays); p.Err == nil {
			return p
		}
		p.Name = "30d"
	}
	var ok bool
	if p.From, p.To, ok = PeriodRange(p.Name, s.Now().In(loc)); !ok {
		p.Name = "30d"
		p.From, p.To, _ = PeriodRange(p.Name, s.Now().In(loc))
	}
	return p
}

// ParseDays reads a range of days, both included, as [from, to) in loc.
// Errors name the field: "from" or "to".
func ParseDays(fromDay, toDay string, loc *time.Location, maxDays int) (from, to time.Time, err error) {
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

// PeriodError says, in the user's language, why a custom period was refused.
func PeriodError(err error, locale string) string {
	if err == nil {
		return ""
	}
	return T(locale, "period_err_"+partnerka.ErrorField(err))
}
