package web

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// landing is the public page of the program: its terms in plain words, in
// the visitor's language, from the program's settings.
func (s *Site) landing(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	lc := s.Locale(c)
	ms, err := s.DB.MinPayouts(ctx)
	if err != nil {
		return err
	}
	var mins []string
	for _, m := range ms {
		mins = append(mins, FormatMoney(m, lc))
	}
	return c.Type("html").Send(s.Page(c, "landing", lc, st.Name, fiber.Map{"Settings": st,
		"Window": fmt.Sprintf(T(lc, "land_days"), st.AttributionWindowDays), "Hold": fmt.Sprintf(T(lc, "land_days"), st.HoldDays),
		"MinPayouts": strings.Join(mins, " · ")}))
}

var _ = AddMessages(map[string]string{
	"land_window": "A click attributes a sign-up for", "land_hold": "Commissions are held for", "land_bound": "Customers you bring stay yours",
	"land_for_life": "for life", "land_days": "%d days", "land_min": "Minimum payout", "land_apply": "Become a partner",
}, map[string]string{
	"land_window": "Переход закрепляет регистрацию на", "land_hold": "Холд вознаграждения", "land_bound": "Приведённые клиенты остаются за вами",
	"land_for_life": "навсегда", "land_days": "%d дн.", "land_min": "Минимальная выплата", "land_apply": "Стать партнёром",
})
