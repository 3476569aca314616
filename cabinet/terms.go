package cabinet

import (
	"fmt"

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
		"SelfReferral": !st.AllowSelfReferral,
	}
	if data["MinPayouts"], err = web.MinPayoutsText(ctx, s.DB, u.Locale); err != nil {
		return err
	}
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
				if r.DurationMonths > 0 {
					data["Months"] = true
				}
				if len(r.Tiers) > 0 {
					data["Tiers"] = true
				}
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

// How the program counts, said where a partner reads the terms.
var _ = web.AddMessages(map[string]string{
	"terms_months": "A customer's month 1 runs from the day they were bound to you to the same day a month later: a rule for the first N months counts from that day, not from the first payment.",
	"terms_tiers":  "A tier is set by what your customers paid in the previous calendar month (UTC), net of refunds. A payment or refund of that month that arrives late, until its hold has passed, re-rates the commissions already rated on it, up or down, with an entry that names it; after that the month's volume is final.",
	"terms_self":   "A customer whose email is your own (a member of your team's, or your contact email) is never attributed to you.",
}, map[string]string{
	"terms_months": "Первый месяц клиента длится со дня закрепления за вами до того же числа следующего месяца: правило «первые N месяцев» отсчитывается от этого дня, а не от первой оплаты.",
	"terms_tiers":  "Уровень определяется суммой, которую ваши клиенты оплатили за предыдущий календарный месяц (UTC), за вычетом возвратов. Платёж или возврат за тот месяц, пришедший с опозданием, но до конца холда, пересчитывает уже начисленные по нему комиссии — вверх или вниз, с записью, где он назван; после этого сумма месяца окончательна.",
	"terms_self":   "Клиент с вашим email (вашей команды или контактным) за вами не закрепляется.",
})
