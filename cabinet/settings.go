package cabinet

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
)

// settingsInput is what a failed form on the settings page sent back,
// re-rendered with its error.
type settingsInput struct {
	Method, Account string
	DetailsErr      error
	InviteEmail     string
	InviteErr       error
	TeamErr         error // removing a member failed
	PostbackURL     string
	PostbackErr     error
}

// settings shows the payout details and the team; owners change them.
func (s *Server) settings(c *fiber.Ctx) error {
	return s.renderSettings(c, nil, fiber.StatusOK)
}

func (s *Server) renderSettings(c *fiber.Ctx, in *settingsInput, status int) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	owner := u.Role == partnerka.RoleOwner
	method, account, err := s.DB.PayoutDetails(ctx, *u.PartnerID)
	if err != nil {
		return err
	}
	if in == nil {
		in = &settingsInput{}
	} else if in.DetailsErr != nil {
		method, account = in.Method, in.Account
	}
	members, invites, err := s.DB.Team(ctx, *u.PartnerID, s.Now())
	if err != nil {
		return err
	}
	owners := 0
	for _, m := range members {
		if m.Role == partnerka.RoleOwner {
			owners++
		}
	}
	var team, pending []fiber.Map
	for _, m := range members {
		self := m.ID == u.ID
		team = append(team, fiber.Map{"ID": m.ID, "Email": m.Email, "Name": m.Name, "Role": web.T(u.Locale, "role_"+m.Role),
			"Joined": web.FormatDate(m.CreatedAt, u.Locale), "Self": self,
			"Removable": owner && !self && (m.Role != partnerka.RoleOwner || owners > 1)})
	}
	for _, i := range invites {
		pending = append(pending, fiber.Map{"Email": i.Email, "InvitedBy": i.InvitedBy, "Expires": web.FormatDate(i.ExpiresAt, u.Locale)})
	}
	flash := c.Query("done")
	switch {
	case c.Query("saved") != "":
		flash = "saved"
	case flash != "team_invited" && flash != "team_invite_unsent" && flash != "team_revoked" && flash != "team_removed" && flash != "pb_saved" && flash != "pb_test_wait":
		flash = "" // only our own messages, never text from the address bar
	}
	data := fiber.Map{"Method": method, "Account": account, "Owner": owner, "Flash": flash,
		"Methods": []string{"bank", "card", "other"}, "Team": team, "Pending": pending, "InviteEmail": in.InviteEmail}
	if data["Postback"], err = s.postbackView(c, u, in); err != nil {
		return err
	}
	for key, e := range map[string]error{"DetailsError": in.DetailsErr, "InviteError": in.InviteErr, "TeamError": in.TeamErr} {
		if e != nil {
			data[key] = web.ErrorText(u.Locale, e)
		}
	}
	return c.Status(status).Type("html").Send(s.Page(c, "settings", u.Locale, web.T(u.Locale, "settings"), data))
}

// saveSettings saves the payout details; only owners may.
func (s *Server) saveSettings(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner {
		return web.Forbidden("members_cannot")
	}
	method := c.FormValue("method")
	account := strings.TrimSpace(c.FormValue("account"))
	if method != "bank" && method != "card" && method != "other" || account == "" || len(account) > 200 {
		return s.renderSettings(c, &settingsInput{Method: method, Account: account,
			DetailsErr: partnerka.FieldError("account", "%s", web.T(u.Locale, "team_details_invalid"))}, fiber.StatusUnprocessableEntity)
	}
	if err := s.DB.SetPayoutDetails(c.UserContext(), *u.PartnerID, method, map[string]string{"account": account}); err != nil {
		return err
	}
	return c.Redirect("/settings?saved=1", fiber.StatusSeeOther)
}
