package cabinet

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
)

// terms shows the partner's plan version in plain words and the program's
// rules: what is earned, for how long, when it becomes available.
func (s *Server) terms(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	data := fiber.Map{
		"Hold":     fmt.Sprintf(web.T(u.Locale, "hold_days"), st.HoldDays),
		"Window":   fmt.Sprintf(web.T(u.Locale, "window_days"), st.AttributionWindowDays),
		"Lifetime": web.T(u.Locale, "lifetime"), "ProgramText": st.Terms,
	}
	var mins []string
	ms, err := s.DB.MinPayouts(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		mins = append(mins, web.FormatMoney(m, u.Locale))
	}
	data["MinPayouts"] = strings.Join(mins, " · ")
	contract, err := s.DB.ContractAt(ctx, *u.PartnerID, s.Now())
	switch partnerka.ErrorCode(err) {
	case "":
		pv, err := s.PlanVersion(ctx, contract.PlanVersionID)
		if err != nil {
			return err
		}
		if pv != nil {
			data["Plan"] = fmt.Sprintf("%s v%d", pv.Plan, pv.Version)
			data["Since"] = web.FormatDate(contract.StartsAt, u.Locale)
			var l1, l2 []string
			for _, r := range pv.Rules {
				if r.Level == 1 {
					l1 = append(l1, web.DescribeRule(r, u.Locale))
				} else {
					l2 = append(l2, web.DescribeRule(r, u.Locale))
				}
			}
			data["Rules"], data["Level2"] = l1, l2
		}
	case partnerka.ENOTFOUND:
	default:
		return err
	}
	return c.Type("html").Send(s.Page(c, "terms", u.Locale, web.T(u.Locale, "terms"), data))
}
