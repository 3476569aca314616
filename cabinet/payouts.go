package cabinet

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// payouts shows the available balance, the request form and the history.
func (s *Server) payouts(c *fiber.Ctx) error {
	return s.renderPayouts(c, "", "", nil, fiber.StatusOK)
}

func (s *Server) renderPayouts(c *fiber.Ctx, amount, currency string, formErr error, status int) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	bs, err := s.DB.PartnerBalances(ctx, *u.PartnerID)
	if err != nil {
		return err
	}
	var available []fiber.Map
	for _, b := range bs {
		if b.Bucket == "available" {
			available = append(available, fiber.Map{"Currency": b.Currency,
				"Amount": web.FormatMoney(partnerka.Money{Amount: b.Amount, Currency: b.Currency}, u.Locale)})
		}
	}
	ps, err := s.DB.PartnerPayouts(ctx, *u.PartnerID)
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
		"Owner": u.Role == partnerka.RoleOwner, "Flash": flash}
	if formErr != nil {
		data["Error"] = partnerka.ErrorMessage(formErr)
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
	amount := strings.TrimSpace(strings.ReplaceAll(c.FormValue("amount"), ",", "."))
	currency := strings.ToUpper(strings.TrimSpace(c.FormValue("currency")))
	m, err := partnerka.ParseAmount("amount", amount, currency)
	if err == nil && !m.Amount.IsPositive() {
		err = partnerka.FieldError("amount", "enter an amount greater than zero")
	}
	if err != nil {
		return s.renderPayouts(c, amount, currency, err, fiber.StatusUnprocessableEntity)
	}
	if c.FormValue("confirm") != "1" {
		p, err := s.DB.PartnerByID(c.UserContext(), *u.PartnerID)
		if err != nil {
			return err
		}
		method, account, err := s.DB.PayoutDetails(c.UserContext(), p.ID)
		if err != nil {
			return err
		}
		if method == "" {
			return s.renderPayouts(c, amount, currency, partnerka.Errorf(partnerka.EUNPROCESSABLE, "%s", web.T(u.Locale, "set_details_first")), fiber.StatusUnprocessableEntity)
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
