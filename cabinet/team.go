package cabinet

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
)

// inviteTTL is how long an invitation link works.
const inviteTTL = 7 * 24 * time.Hour

// validEmail is the same rough check the application form makes; the
// invitation email proves the address.
func validEmail(e string) bool {
	return strings.Count(e, "@") == 1 && len(e) <= 254 && !strings.HasPrefix(e, "@") && !strings.HasSuffix(e, "@") &&
		!strings.ContainsAny(e, " \t\r\n<>,;\"")
}

// ownersOnly answers a member's attempt to change the team.
func ownersOnly(c *fiber.Ctx, u *partnerka.User) error {
	return web.Forbidden("team_owners_only")
}

// inviteMember sends a one-time link to join the partner as a member. An
// email that has an account elsewhere (another partner's, the program
// team's) is answered exactly as a new one: the invitation is stored and
// listed as pending, and one email goes to the address, there a notice
// that it cannot join with this address, so no owner can learn from the
// form which emails have accounts. Only a member of the owner's own team,
// whom the settings page lists anyway, is refused.
func (s *Server) inviteMember(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner {
		return ownersOnly(c, u)
	}
	ctx := c.UserContext()
	raw := strings.TrimSpace(c.FormValue("email"))
	email := partnerka.NormalizeEmail(raw)
	fail := func(msg string) error {
		return s.renderSettings(c, &settingsInput{InviteEmail: raw, InviteErr: partnerka.FieldError("email", "%s", msg)},
			fiber.StatusUnprocessableEntity)
	}
	if !validEmail(email) {
		return fail(web.T(u.Locale, "team_err_email"))
	}
	token := web.RandomToken()
	now := s.Now()
	res, err := s.DB.Invite(ctx, s.Actor(c), *u.PartnerID, email, web.TokenHash(token), now, now.Add(inviteTTL))
	switch partnerka.ErrorCode(err) {
	case "":
	case partnerka.ECONFLICT:
		return fail(fmt.Sprintf(web.T(u.Locale, "team_err_member"), email))
	case partnerka.EFORBIDDEN:
		return ownersOnly(c, u)
	default:
		return err
	}
	p, err := s.DB.PartnerByID(ctx, *u.PartnerID)
	if err != nil {
		return err
	}
	from := u.Name
	if from == "" {
		from = u.Email
	}
	subject := fmt.Sprintf(web.T(u.Locale, "team_mail_subject"), p.Name)
	body := fmt.Sprintf(web.T(u.Locale, "team_mail_body"), from, p.Name, s.CabinetURL+"/invite?token="+url.QueryEscape(token), int(inviteTTL.Hours()/24))
	if res.AccountExists {
		subject = fmt.Sprintf(web.T(res.Locale, "team_mail_subject"), p.Name)
		body = fmt.Sprintf(web.T(res.Locale, "team_taken_body"), from, p.Name, s.CabinetURL+"/login", s.CabinetURL+"/password/forgot")
	}
	if err := s.Mailer.Send(ctx, email, subject, body); err != nil {
		s.Logger.Error("invitation email", "err", err)
		return c.Redirect("/settings?done=team_invite_unsent#team", fiber.StatusSeeOther)
	}
	return c.Redirect("/settings?done=team_invited#team", fiber.StatusSeeOther)
}

// revokeInvitation withdraws a pending invitation after a confirmation.
func (s *Server) revokeInvitation(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner {
		return ownersOnly(c, u)
	}
	email := partnerka.NormalizeEmail(c.FormValue("email"))
	if c.FormValue("confirm") != "1" {
		_, invites, err := s.DB.Team(c.UserContext(), *u.PartnerID, s.Now())
		if err != nil {
			return err
		}
		for _, i := range invites {
			if i.Email == email {
				return s.confirmTeam(c, "/settings/team/revoke", email, fmt.Sprintf(web.T(u.Locale, "team_confirm_revoke"), email), "team_revoke")
			}
		}
		return fiber.ErrNotFound
	}
	err := s.DB.RevokeInvitation(c.UserContext(), s.Actor(c), *u.PartnerID, email)
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect("/settings?done=team_revoked#team", fiber.StatusSeeOther)
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound
	case partnerka.EFORBIDDEN:
		return ownersOnly(c, u)
	}
	return err
}

// removeMember takes a user out of the team after a confirmation; another
// partner's user is the same 404 as a missing one.
func (s *Server) removeMember(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner {
		return ownersOnly(c, u)
	}
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.DB.TeamMemberByID(c.UserContext(), *u.PartnerID, id)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" && m.ID != u.ID {
		return s.confirmTeam(c, "/settings/team/"+strconv.FormatInt(m.ID, 10)+"/remove", "",
			fmt.Sprintf(web.T(u.Locale, "team_confirm_remove"), m.Email), "team_remove")
	}
	err = s.DB.RemoveMember(c.UserContext(), s.Actor(c), *u.PartnerID, id, s.Now())
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect("/settings?done=team_removed#team", fiber.StatusSeeOther)
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound
	case partnerka.EFORBIDDEN:
		return ownersOnly(c, u)
	case partnerka.ECONFLICT:
		key := "team_err_last_owner"
		if id == u.ID {
			key = "team_err_self"
		}
		return s.renderSettings(c, &settingsInput{TeamErr: partnerka.Errorf(partnerka.ECONFLICT, "%s", web.T(u.Locale, key))}, fiber.StatusConflict)
	}
	return err
}

// confirmTeam asks before a team change, saying exactly what will happen.
func (s *Server) confirmTeam(c *fiber.Ctx, action, email, question, button string) error {
	u := web.CurrentUser(c)
	return c.Type("html").Send(s.Page(c, "team_confirm", u.Locale, web.T(u.Locale, button), fiber.Map{
		"Action": action, "Email": email, "Question": question, "Button": web.T(u.Locale, button),
	}))
}

// invitePage shows whose team the invitation is to, and asks the new
// member for a name and a password.
func (s *Server) invitePage(c *fiber.Ctx) error {
	return s.renderInvite(c, c.Query("token"), "", nil, fiber.StatusOK)
}

func (s *Server) renderInvite(c *fiber.Ctx, token, name string, formErr error, status int) error {
	locale := s.Locale(c)
	data := fiber.Map{"Name": name, "MinPassword": web.MinPasswordLength}
	inv, err := s.DB.InvitationByToken(c.UserContext(), web.TokenHash(token), s.Now())
	switch {
	case partnerka.ErrorCode(err) == partnerka.ENOTFOUND:
		data["Error"], status = web.T(locale, "team_invite_bad"), fiber.StatusGone
	case err != nil:
		return err
	case inv.PartnerStatus != partnerka.PartnerActive:
		data["Error"], status = web.T(locale, "inactive"), fiber.StatusForbidden
	default:
		data["Token"], data["Partner"], data["Email"] = token, inv.PartnerName, inv.Email
		if formErr != nil {
			data["Error"], data["ErrorField"] = web.ErrorText(locale, formErr), partnerka.ErrorField(formErr)
		}
	}
	return c.Status(status).Type("html").Send(s.Page(c, "invite", locale, web.T(locale, "team_join"), data))
}

// acceptInvitation creates the member, uses the invitation once and signs
// the member in with a new session.
func (s *Server) acceptInvitation(c *fiber.Ctx) error {
	ctx := c.UserContext()
	locale := s.Locale(c)
	token := c.FormValue("token")
	name := strings.TrimSpace(c.FormValue("name"))
	password := c.FormValue("password")
	var formErr error
	switch {
	case name == "" || utf8.RuneCountInString(name) > 200:
		formErr = partnerka.FieldError("name", "%s", web.T(locale, "team_err_name"))
	case len(password) < web.MinPasswordLength:
		formErr = partnerka.FieldError("password", "%s", fmt.Sprintf(web.T(locale, "team_err_password"), web.MinPasswordLength))
	}
	if formErr != nil {
		return s.renderInvite(c, token, name, formErr, fiber.StatusUnprocessableEntity)
	}
	inv, err := s.DB.InvitationByToken(ctx, web.TokenHash(token), s.Now())
	if err != nil || inv.PartnerStatus != partnerka.PartnerActive {
		return s.renderInvite(c, token, name, nil, fiber.StatusGone) // says why
	}
	hash, err := web.HashPassword(password)
	if err != nil {
		return err
	}
	now := s.Now()
	u, err := s.DB.AcceptInvitation(ctx, web.TokenHash(token), name, hash, locale, s.ClientIP(c), now)
	switch partnerka.ErrorCode(err) {
	case "":
	case partnerka.ENOTFOUND:
		return s.renderInvite(c, token, name, nil, fiber.StatusGone)
	case partnerka.ECONFLICT:
		return s.renderInvite(c, token, name, partnerka.FieldError("email", "%s", fmt.Sprintf(web.T(locale, "team_err_registered"), inv.Email)), fiber.StatusConflict)
	default:
		return err
	}
	return s.SignIn(c, u, now)
}

var _ = web.AddMessages(map[string]string{
	"team_team": "Team", "team_details": "Payout details", "team_email": "Email", "team_name": "Name", "team_role": "Role", "team_joined": "Joined",
	"team_you": "you", "team_pending": "Pending invitations", "team_invited_by": "invited by", "team_expires": "link works until",
	"team_invite": "Invite a member", "team_send": "Send invitation", "team_remove": "Remove", "team_revoke": "Revoke",
	"team_invite_hint":     "Members see everything in the cabinet but cannot request payouts, change payout details or invite others. The link works for 7 days, once.",
	"team_owners_only":     "Only the partner's owner can invite and remove people.",
	"team_invited":         "The invitation is sent; the link in it works for 7 days, once.",
	"team_invite_unsent":   "The invitation is saved but the email could not be sent. Try again later: sending it again replaces the link.",
	"team_revoked":         "The invitation is revoked; its link no longer works.",
	"team_removed":         "The member is removed and signed out everywhere.",
	"team_confirm_remove":  "Remove %s from the team? They are signed out at once and can no longer sign in.",
	"team_confirm_revoke":  "Revoke the invitation of %s? The link they got stops working.",
	"team_details_invalid": "Choose a payout method and enter the account (at most 200 characters).",
	"team_err_email":       "Enter an email such as name@example.com.",
	"team_err_registered":  "%s already has an account, so it cannot join with this address.",
	"team_err_member":      "%s is already in your team.",
	"team_err_self":        "You cannot remove yourself from the team.",
	"team_err_last_owner":  "The partner's last owner cannot be removed.",
	"team_err_name":        "Enter your name (at most 200 characters).",
	"team_err_password":    "The password must have at least %d characters.",
	"team_join":            "Join the team", "team_join_intro": "You are invited to the partner cabinet of",
	"team_your_name": "Your name", "team_join_button": "Join and sign in",
	"team_invite_bad":   "This invitation is unknown, used, revoked or expired. Ask the partner's owner for a new one.",
	"team_mail_subject": "%[1]s invites you to its partner cabinet",
	"team_mail_body":    "%[1]s invites you to join %[2]s in the partner cabinet.\n\nAccept the invitation and set your password:\n%[3]s\n\nThe link works once, for %[4]d days. If you did not expect this email, ignore it.\n",
	"team_taken_body":   "%[1]s invites this address to join %[2]s in the partner cabinet.\n\nThis address already has an account in the program, and an address belongs to one account only, so the invitation cannot be accepted with it. To join %[2]s, ask for an invitation to another address of yours.\n\nYour account: %[3]s\nForgot its password? %[4]s\n\nIf you did not expect this email, ignore it: nothing has changed.\n",
}, map[string]string{
	"team_team": "Команда", "team_details": "Реквизиты для выплаты", "team_email": "Эл. почта", "team_name": "Имя", "team_role": "Роль", "team_joined": "В команде с",
	"team_you": "вы", "team_pending": "Отправленные приглашения", "team_invited_by": "пригласил(а)", "team_expires": "ссылка действует до",
	"team_invite": "Пригласить участника", "team_send": "Отправить приглашение", "team_remove": "Удалить", "team_revoke": "Отозвать",
	"team_invite_hint":     "Участники видят в кабинете всё, но не могут запрашивать выплаты, менять реквизиты и приглашать других. Ссылка действует 7 дней и один раз.",
	"team_owners_only":     "Приглашать и удалять участников может только владелец партнёрского аккаунта.",
	"team_invited":         "Приглашение отправлено; ссылка в нём действует 7 дней и один раз.",
	"team_invite_unsent":   "Приглашение сохранено, но письмо отправить не удалось. Попробуйте позже: повторная отправка заменит ссылку.",
	"team_revoked":         "Приглашение отозвано; ссылка из него больше не работает.",
	"team_removed":         "Участник удалён, все его сессии завершены.",
	"team_confirm_remove":  "Удалить %s из команды? Все сессии участника сразу завершатся, войти снова он не сможет.",
	"team_confirm_revoke":  "Отозвать приглашение для %s? Ссылка из письма перестанет работать.",
	"team_details_invalid": "Выберите способ выплаты и укажите счёт (не длиннее 200 символов).",
	"team_err_email":       "Введите адрес вида name@example.com.",
	"team_err_registered":  "У адреса %s уже есть аккаунт, вступить с этим адресом нельзя.",
	"team_err_member":      "%s уже в вашей команде.",
	"team_err_self":        "Нельзя удалить из команды самого себя.",
	"team_err_last_owner":  "Нельзя удалить последнего владельца партнёрского аккаунта.",
	"team_err_name":        "Введите ваше имя (не длиннее 200 символов).",
	"team_err_password":    "Пароль должен быть не короче %d символов.",
	"team_join":            "Вступить в команду", "team_join_intro": "Вас пригласили в кабинет партнёра",
	"team_your_name": "Ваше имя", "team_join_button": "Вступить и войти",
	"team_invite_bad":   "Приглашение неизвестно, уже использовано, отозвано или устарело. Попросите владельца партнёрского аккаунта прислать новое.",
	"team_mail_subject": "%[1]s приглашает вас в кабинет партнёра",
	"team_mail_body":    "%[1]s приглашает вас в команду %[2]s в кабинете партнёра.\n\nПримите приглашение и задайте пароль:\n%[3]s\n\nСсылка действует один раз, %[4]d дней. Если вы не ждали этого письма, просто проигнорируйте его.\n",
	"team_taken_body":   "%[1]s приглашает этот адрес в команду %[2]s в кабинете партнёра.\n\nУ этого адреса уже есть аккаунт в программе, а один адрес принадлежит только одному аккаунту, поэтому принять приглашение с ним нельзя. Чтобы вступить в команду %[2]s, попросите прислать приглашение на другой ваш адрес.\n\nВаш аккаунт: %[3]s\nЗабыли пароль? %[4]s\n\nЕсли вы не ждали этого письма, просто проигнорируйте его: ничего не изменилось.\n",
})
