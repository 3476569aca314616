package cabinet

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
)

// terms shows the partner's plan version in plain words and the program's
// rules: what is earned, for how long, when it becomes available.
func (s *Server) terms(c *fiber.Ctx) error {
	u := currentUser(c)
	ctx := c.UserContext()
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	data := fiber.Map{
		"Hold":     fmt.Sprintf(T(u.Locale, "hold_days"), st.HoldDays),
		"Window":   fmt.Sprintf(T(u.Locale, "window_days"), st.AttributionWindowDays),
		"Lifetime": T(u.Locale, "lifetime"), "ProgramText": st.Terms,
	}
	var mins []string
	ms, err := s.DB.MinPayouts(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		mins = append(mins, FormatMoney(m, u.Locale))
	}
	data["MinPayouts"] = strings.Join(mins, " · ")
	contract, err := s.DB.ContractAt(ctx, *u.PartnerID, s.Now())
	switch partnerka.ErrorCode(err) {
	case "":
		pv, err := s.planVersion(ctx, contract.PlanVersionID)
		if err != nil {
			return err
		}
		if pv != nil {
			data["Plan"] = fmt.Sprintf("%s v%d", pv.Plan, pv.Version)
			data["Since"] = FormatDate(contract.StartsAt, u.Locale)
			var l1, l2 []string
			for _, r := range pv.Rules {
				if r.Level == 1 {
					l1 = append(l1, describeRule(r, u.Locale))
				} else {
					l2 = append(l2, describeRule(r, u.Locale))
				}
			}
			data["Rules"], data["Level2"] = l1, l2
		}
	case partnerka.ENOTFOUND:
	default:
		return err
	}
	return c.Type("html").Send(s.page(c, "terms", u.Locale, T(u.Locale, "terms"), data))
}

// describeRule says a plan rule in a sentence: "20% of every payment,
// during the customer's first 12 months; 25% from 100 000,00 ₽ paid last
// month".
func describeRule(r partnerka.Rule, locale string) string {
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
