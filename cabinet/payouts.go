package cabinet

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// payouts shows the available balance, the request form and the history.
func (s *Server) payouts(c *fiber.Ctx) error {
	return s.renderPayouts(c, "", "", nil, fiber.StatusOK)
}

// payoutBalance is one currency the partner can be paid in: what is
// available and the program's minimum.
type payoutBalance struct {
	Currency           string
	Available, Minimum decimal.Decimal
	HasMinimum         bool
}

// payoutBalances are the partner's available balances with the minimum
// of each, the program's main currency first, then by code.
func payoutBalances(ctx context.Context, db *storage.DB, partnerID int64) ([]payoutBalance, error) {
	bs, err := db.PartnerBalances(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	mins, err := db.MinPayouts(ctx)
	if err != nil {
		return nil, err
	}
	st, err := db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	var out []payoutBalance
	for _, b := range bs {
		if b.Bucket != "available" || !b.Amount.IsPositive() {
			continue
		}
		pb := payoutBalance{Currency: b.Currency, Available: b.Amount}
		for _, m := range mins {
			if m.Currency == b.Currency {
				pb.Minimum, pb.HasMinimum = m.Amount, true
			}
		}
		out = append(out, pb)
	}
	slices.SortFunc(out, func(a, b payoutBalance) int {
		if (a.Currency == st.DefaultCurrency) != (b.Currency == st.DefaultCurrency) {
			if a.Currency == st.DefaultCurrency {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	return out, nil
}

func (s *Server) renderPayouts(c *fiber.Ctx, amount, currency string, formErr error, status int) error {
	u := web.CurrentUser(c)
	ctx, db := c.UserContext(), s.Read(c)
	balances, err := payoutBalances(ctx, db, *u.PartnerID)
	if err != nil {
		return err
	}
	var available []fiber.Map
	for _, b := range balances {
		n, _ := partnerka.MinorUnits(b.Currency)
		row := fiber.Map{"Currency": b.Currency, "Amount": web.FormatMoney(partnerka.Money{Amount: b.Available, Currency: b.Currency}, u.Locale),
			"All": b.Available.StringFixed(n), "Enough": !b.HasMinimum || !b.Available.LessThan(b.Minimum)}
		if b.HasMinimum {
			row["Minimum"] = web.FormatMoney(partnerka.Money{Amount: b.Minimum, Currency: b.Currency}, u.Locale)
		}
		available = append(available, row)
	}
	if currency == "" && len(balances) > 0 {
		currency = balances[0].Currency
	}
	method, _, err := db.PayoutDetails(ctx, *u.PartnerID)
	if err != nil {
		return err
	}
	hpage := web.PageParam(c, "hpage")
	ps, total, err := db.PartnerPayouts(ctx, *u.PartnerID, listPageRows, offset(hpage))
	if err != nil {
		return err
	}
	var history []fiber.Map
	for _, p := range ps {
		history = append(history, fiber.Map{"ID": p.ID, "Date": web.FormatDate(p.RequestedAt, u.Locale),
			"Amount": web.FormatMoney(partnerka.Money{Amount: p.Amount, Currency: p.Currency}, u.Locale),
			"Status": web.T(u.Locale, "status_"+p.Status), "StatusClass": p.Status, "Reason": p.Reason,
			"Reference": p.PaidReference, "Cancellable": p.Status == storage.PayoutRequested})
	}
	flash := c.Query("done")
	if flash != "payout_requested" && flash != "payout_cancelled" {
		flash = "" // only our own messages, never text from the address bar
	}
	data := fiber.Map{"Available": available, "History": history, "Amount": amount, "Currency": currency,
		"HistoryPager": pager(u.Locale, hpage, len(ps), total, "/payouts", url.Values{}, "hpage"),
		"Owner":        u.Role == partnerka.RoleOwner, "Flash": flash, "NoDetails": method == ""}
	if formErr != nil {
		data["Error"], data["ErrorField"] = web.ErrorText(u.Locale, formErr), partnerka.ErrorField(formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "payouts", u.Locale, web.T(u.Locale, "payouts"), data))
}

// requestPayout asks for confirmation, saying exactly what will happen,
// then reserves the amount. Only owners may.
func (s *Server) requestPayout(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner {
		return web.Forbidden("members_cannot")
	}
	typed := strings.TrimSpace(c.FormValue("amount"))
	amount := web.AmountInput(u.Locale, typed)
	currency := strings.ToUpper(strings.TrimSpace(c.FormValue("currency")))
	m, err := partnerka.ParseAmount("amount", amount, currency)
	if err == nil && !m.Amount.IsPositive() {
		err = partnerka.FieldError("amount", "enter an amount greater than zero")
	}
	if err != nil {
		return s.renderPayouts(c, typed, currency, err, fiber.StatusUnprocessableEntity)
	}
	if c.FormValue("confirm") != "1" {
		// The rules are checked before the confirmation step too: a
		// request they refuse is never offered for confirmation.
		if err := s.DB.CheckPayout(c.UserContext(), *u.PartnerID, m); err != nil {
			if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
				return err
			}
			return s.renderPayouts(c, typed, currency, err, fiber.StatusUnprocessableEntity)
		}
		method, account, err := s.DB.PayoutDetails(c.UserContext(), *u.PartnerID)
		if err != nil {
			return err
		}
		to := web.T(u.Locale, "m_"+method)
		if len(account) >= 4 {
			to += " …" + account[len(account)-4:]
		}
		return c.Type("html").Send(s.Page(c, "payout_confirm", u.Locale, web.T(u.Locale, "request_payout"), fiber.Map{
			"Question": fmt.Sprintf(web.T(u.Locale, "confirm_payout"), web.FormatMoney(m, u.Locale), to),
			"Amount":   amount, "Currency": currency,
		}))
	}
	if _, err := s.DB.RequestPayout(c.UserContext(), *u.PartnerID, u.ID, m, s.Now()); err != nil {
		if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
			return err
		}
		return s.renderPayouts(c, amount, currency, err, fiber.StatusUnprocessableEntity)
	}
	return c.Redirect("/payouts?done=payout_requested", fiber.StatusSeeOther)
}

// cancelPayout withdraws the partner's own request while it is requested.
func (s *Server) cancelPayout(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner {
		return web.Forbidden("members_cannot")
	}
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	err = s.DB.TransitionPayout(c.UserContext(), storage.PayoutTransition{PayoutID: id, PartnerID: *u.PartnerID,
		To: storage.PayoutCancelled, ActorID: u.ID, At: s.Now()})
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect("/payouts?done=payout_cancelled", fiber.StatusSeeOther)
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound // another partner's payout looks exactly like a missing one
	case partnerka.ECONFLICT:
		return s.renderPayouts(c, "", "", err, fiber.StatusConflict)
	}
	return err
}

var _ = web.AddMessages(map[string]string{
	"request_all": "Request all", "below_minimum": "below the minimum", "nothing_available": "Nothing is available for payout yet: commissions become available once their hold ends.",
	"set_details_link": "Set payout details", "amount_example": "e.g. 2,000.50",
}, map[string]string{
	"request_all": "Запросить всё", "below_minimum": "меньше минимума", "nothing_available": "Пока нечего выводить: вознаграждения становятся доступными после холда.",
	"set_details_link": "Указать реквизиты", "amount_example": "например, 2 000,50",
})
