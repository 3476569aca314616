package web

import (
	"context"
	"fmt"
	"partnerka/storage"
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
	mins, err := MinPayoutsText(ctx, s.DB, lc)
	if err != nil {
		return err
	}
	return c.Type("html").Send(s.Page(c, "landing", lc, st.Name, fiber.Map{"Settings": st,
		"Window": fmt.Sprintf(T(lc, "land_days"), st.AttributionWindowDays), "Hold": fmt.Sprintf(T(lc, "land_days"), st.HoldDays),
		"MinPayouts": mins}))
}

// MinPayoutsText is the program's minimum payouts in locale, one per
// currency ("" when there are none), as the landing and terms pages say.
func MinPayoutsText(ctx context.Context, db *storage.DB, locale string) (string, error) {
	ms, err := db.MinPayouts(ctx)
	if err != nil {
		return "", err
	}
	mins := make([]string, len(ms))
	for i, m := range ms {
		mins[i] = FormatMoney(m, locale)
	}
	return strings.Join(mins, " · "), nil
}

var _ = AddMessages(map[string]string{
	"land_window": "A click attributes a sign-up for", "land_hold": "Commissions are held for", "land_bound": "Customers you bring stay yours",
	"land_for_life": "for life", "land_days": "%d days", "land_min": "Minimum payout", "land_apply": "Become a partner",
}, map[string]string{
	"land_window": "Переход закрепляет регистрацию на", "land_hold": "Холд вознаграждения", "land_bound": "Приведённые клиенты остаются за вами",
	"land_for_life": "навсегда", "land_days": "%d дн.", "land_min": "Минимальная выплата", "land_apply": "Стать партнёром",
})
