package backoffice

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
)

// staffInviteTTL is how long a new staff member's set-password link works.
const staffInviteTTL = 72 * time.Hour

func (s *Server) adminStaff(c *fiber.Ctx) error {
	return s.renderStaff(c, nil, fiber.Map{}, fiber.StatusOK)
}

func (s *Server) renderStaff(c *fiber.Ctx, formErr error, input fiber.Map, status int) error {
	u := web.CurrentUser(c)
	staff, err := s.DB.StaffUsers(c.UserContext())
	if err != nil {
		return err
	}
	loc := web.UserLoc(u)
	var rows []fiber.Map
	for _, m := range staff {
		rows = append(rows, fiber.Map{"U": m, "Since": web.FormatDate(m.CreatedAt.In(loc), u.Locale), "Self": m.ID == u.ID,
			"Disabled": m.DisabledAt != nil, "Role": web.T(u.Locale, "role_"+m.Role)})
	}
	data := fiber.Map{"Rows": rows, "Roles": []string{partnerka.RoleAdmin, partnerka.RoleManager, partnerka.RoleFinance}, "Input": input}
	if formErr != nil {
		data["Error"] = web.ErrorText(u.Locale, formErr)
	}
	if done := c.Query("done"); done == "staff_added" || done == "staff_saved" {
		data["Flash"] = done
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_staff", u.Locale, web.T(u.Locale, "staff"), data))
}

// addStaff creates a staff account and emails a link to set its password
// (valid 72 hours, once).
func (s *Server) addStaff(c *fiber.Ctx) error {
	input := fiber.Map{"email": c.FormValue("email"), "name": c.FormValue("name"), "role": c.FormValue("role")}
	hash, err := web.HashPassword(web.RandomToken()) // nobody knows it; the link sets the real one
	if err != nil {
		return err
	}
	token := web.RandomToken()
	nu := &partnerka.User{Email: c.FormValue("email"), Name: strings.TrimSpace(c.FormValue("name")), Role: c.FormValue("role"),
		PasswordHash: hash, Locale: web.CurrentUser(c).Locale}
	err = s.DB.AddStaff(c.UserContext(), nu, web.TokenHash(token), s.Now().Add(staffInviteTTL), s.Actor(c))
	if code := partnerka.ErrorCode(err); code == partnerka.EINVALID || code == partnerka.ECONFLICT {
		return s.renderStaff(c, err, input, fiber.StatusUnprocessableEntity)
	} else if err != nil {
		return err
	}
	link := s.CabinetURL + "/password/reset?token=" + url.QueryEscape(token)
	if err := s.Mailer.Send(c.UserContext(), nu.Email, web.T(nu.Locale, "staff_welcome_subject"), web.T(nu.Locale, "staff_welcome")+"\n\n"+link); err != nil {
		s.Logger.Error("staff welcome email", "err", err)
	}
	return c.Redirect("/admin/staff?done=staff_added", fiber.StatusSeeOther)
}

// updateStaff changes a staff member's role or disables them.
func (s *Server) updateStaff(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	err = s.DB.SetStaff(c.UserContext(), id, c.FormValue("role"), c.FormValue("disabled") == "1", s.Now(), s.Actor(c))
	if partnerka.ErrorCode(err) == partnerka.EINVALID {
		return s.renderStaff(c, err, fiber.Map{"id": strconv.FormatInt(id, 10)}, fiber.StatusUnprocessableEntity)
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/staff?done=staff_saved", fiber.StatusSeeOther)
}

var _ = web.AddMessages(map[string]string{
	"staff": "Staff", "add_staff": "Add a staff member", "role": "Role", "disable": "Disabled (cannot sign in)",
	"staff_added": "The account is created; a link to set the password is emailed (valid 72 hours).", "staff_saved": "Saved.",
	"staff_welcome_subject": "Your back-office account", "staff_welcome": "An account in the partner program's back office was created for you. Set your password with this link (valid 72 hours, once):",
	"you": "you", "staff_hint": "A new member gets an email with a link to set their password. Changing a role or disabling signs the person out.",
}, map[string]string{
	"staff": "Сотрудники", "add_staff": "Добавить сотрудника", "role": "Роль", "disable": "Отключён (не может войти)",
	"staff_added": "Учётная запись создана; ссылка для установки пароля отправлена по почте (действует 72 часа).", "staff_saved": "Сохранено.",
	"staff_welcome_subject": "Ваша учётная запись в бэк-офисе", "staff_welcome": "Для вас создана учётная запись в бэк-офисе партнёрской программы. Задайте пароль по ссылке (действует 72 часа, один раз):",
	"you": "вы", "staff_hint": "Новый сотрудник получит письмо со ссылкой для установки пароля. Смена роли или отключение завершает его сеансы.",
})
