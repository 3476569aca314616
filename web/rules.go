package web

import (
	"fmt"
	"strings"
	"time"

	"partnerka"
)

// DescribeRule says a plan rule in a sentence: "20% of every payment,
// during the customer's first 12 months; 25% from 100 000,00 ₽ paid last
// month".
func DescribeRule(r partnerka.Rule, locale string) string {
	var parts []string
	if r.Event == partnerka.EventLead {
		return fmt.Sprintf(T(locale, "r_lead"), FormatMoney(r.Flat, locale))
	}
	which := T(locale, "r_"+r.Payments)
	if r.Kind == partnerka.KindFlat {
		parts = append(parts, fmt.Sprintf(T(locale, "r_flat"), FormatMoney(r.Flat, locale))+" ("+which+")")
	} else {
		parts = append(parts, fmt.Sprintf(T(locale, "r_percent"), r.Percent.String(), which))
	}
	if r.Products != nil {
		parts = append(parts, fmt.Sprintf(T(locale, "r_products"), strings.Join(r.Products, ", ")))
	}
	if r.DurationMonths > 0 {
		parts = append(parts, fmt.Sprintf(T(locale, "r_months"), r.DurationMonths))
	}
	out := strings.Join(parts, ", ")
	for _, t := range r.Tiers {
		out += "; " + fmt.Sprintf(T(locale, "r_tier"), t.Percent.String(), FormatMoney(t.MinVolume, locale))
	}
	return out
}

// UserLoc is the signed-in user's time zone.
func UserLoc(u *partnerka.User) *time.Location {
	if loc, err := time.LoadLocation(u.TimeZone); err == nil {
		return loc
	}
	return time.UTC
}
