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
	offers, err := s.landingOffers(ctx, lc)
	if err != nil {
		return err
	}
	return c.Type("html").Send(s.Page(c, "landing", lc, st.Name, fiber.Map{"Settings": st,
		"Window": fmt.Sprintf(T(lc, "land_days"), st.AttributionWindowDays), "Hold": fmt.Sprintf(T(lc, "land_days"), st.HoldDays),
		"MinPayouts": mins, "Offers": offers}))
}

// landingOffer is what a partner of one type earns: the direct rules of
// the type's default plan as it is published now.
type landingOffer struct {
	Type  string
	Rules []string
}

// landingOffers describes the commission a new partner of each type is
// approved with (the type's default plan, its latest published version).
func (s *Site) landingOffers(ctx context.Context, locale string) ([]landingOffer, error) {
	types, err := s.DB.PartnerTypes(ctx)
	if err != nil {
		return nil, err
	}
	var out []landingOffer
	for _, t := range types {
		if t.DefaultVersionID == nil {
			continue
		}
		pv, err := s.PlanVersion(ctx, *t.DefaultVersionID)
		if err != nil {
			return nil, err
		}
		if pv == nil {
			continue
		}
		o := landingOffer{Type: t.Name}
		for _, r := range pv.Rules {
			if r.Level == 1 {
				o.Rules = append(o.Rules, DescribeRule(r, locale))
			}
		}
		if len(o.Rules) > 0 {
			out = append(out, o)
		}
	}
	return out, nil
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
	"land_commission": "What you earn",
}, map[string]string{
	"land_window": "Переход закрепляет регистрацию на", "land_hold": "Холд вознаграждения", "land_bound": "Приведённые клиенты остаются за вами",
	"land_for_life": "навсегда", "land_days": "%d дн.", "land_min": "Минимальная выплата", "land_apply": "Стать партнёром",
	"land_commission": "Сколько вы зарабатываете",
})
