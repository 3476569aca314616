package cabinet

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/web"
)

// postbackView is the settings page's postback section: the URL, the
// placeholders it may hold, and the latest deliveries with their outcome.
func (s *Server) postbackView(c *fiber.Ctx, u *partnerka.User, in *settingsInput) (fiber.Map, error) {
	ctx := c.UserContext()
	st, err := s.DB.PostbackSettings(ctx, *u.PartnerID)
	if err != nil {
		return nil, err
	}
	url := st.URL
	if in.PostbackErr != nil {
		url = in.PostbackURL
	}
	recs, err := s.DB.PartnerPostbacks(ctx, *u.PartnerID, 10)
	if err != nil {
		return nil, err
	}
	loc := web.UserLoc(u)
	var rows []fiber.Map
	for _, r := range recs {
		var outcome, class string
		switch {
		case r.SentAt != nil:
			outcome, class = web.T(u.Locale, "pb_delivered"), "available"
		case r.GaveUp():
			outcome, class = web.T(u.Locale, "pb_gave_up"), "rejected"
		case r.Attempts == 0:
			outcome, class = web.T(u.Locale, "pb_queued"), "pending"
		default:
			outcome, class = web.T(u.Locale, "pb_retry")+" "+web.FormatDateTime(r.NextAt.In(loc), u.Locale), "pending"
		}
		rows = append(rows, fiber.Map{"When": web.FormatDateTime(r.CreatedAt.In(loc), u.Locale), "Commission": r.CommissionID,
			"Refund": r.Reversal, "Attempts": r.Attempts, "Outcome": outcome, "Class": class,
			"Error": postbackFailure(u.Locale, r.LastError), "Detail": r.LastError})
	}
	fields := make([]string, len(partnerka.PostbackFields))
	for i, f := range partnerka.PostbackFields {
		fields[i] = "{" + f + "}"
	}
	v := fiber.Map{"URL": url, "Fields": strings.Join(fields, " "), "Deliveries": rows, "Testable": s.SamplePostback != nil && url != ""}
	if st.TestedAt != nil && s.Now().Sub(*st.TestedAt) < time.Hour {
		v["TestWhen"] = web.FormatDateTime(st.TestedAt.In(loc), u.Locale)
		switch {
		case st.TestError == nil:
			v["Test"], v["TestClass"] = web.T(u.Locale, "pb_test_running"), "pending"
		case *st.TestError == "":
			v["Test"], v["TestClass"] = web.T(u.Locale, "pb_test_ok"), "available"
		default:
			v["Test"], v["TestClass"] = web.T(u.Locale, "pb_test_failed"), "rejected"
			v["TestError"], v["TestDetail"] = postbackFailure(u.Locale, *st.TestError), *st.TestError
		}
	}
	if in.PostbackErr != nil {
		v["Error"] = web.T(u.Locale, "pb_invalid") + " " + web.ErrorText(u.Locale, in.PostbackErr)
	}
	return v, nil
}

// savePostback sets or clears the partner's postback URL; only owners may.
func (s *Server) savePostback(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner {
		return web.Forbidden("members_cannot")
	}
	url := strings.TrimSpace(c.FormValue("postback_url"))
	if err := partnerka.CheckPostbackURL(url); err != nil {
		return s.renderSettings(c, &settingsInput{PostbackURL: url, PostbackErr: err}, fiber.StatusUnprocessableEntity)
	}
	if err := s.DB.SetPostbackURL(c.UserContext(), *u.PartnerID, url, s.Actor(c)); err != nil {
		return err
	}
	return c.Redirect("/settings?done=pb_saved#postback", fiber.StatusSeeOther)
}

// testPostback calls the saved postback URL once with sample values and
// keeps the outcome for the settings page; owners only, one test per
// partner every 10 seconds, so the button cannot be used to hammer a host.
func (s *Server) testPostback(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	if u.Role != partnerka.RoleOwner || s.SamplePostback == nil {
		return web.Forbidden("members_cannot")
	}
	ctx := c.UserContext()
	now := s.Now().UTC().Truncate(time.Microsecond)
	url, err := s.DB.ClaimPostbackTest(ctx, *u.PartnerID, now)
	if err != nil {
		return err
	}
	if url == "" {
		return c.Redirect("/settings?done=pb_test_wait#postback", fiber.StatusSeeOther)
	}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	outcome := ""
	if err := s.SamplePostback(ctx, url, st.DefaultCurrency, now); err != nil {
		outcome = err.Error()
	}
	if err := s.DB.RecordPostbackTest(ctx, *u.PartnerID, now, outcome); err != nil {
		return err
	}
	return c.Redirect("/settings#postback", fiber.StatusSeeOther)
}

// postbackFailure says in the reader's language why a call failed; the
// page shows the technical cause beside it, as the call reported it.
func postbackFailure(lc, cause string) string {
	key := ""
	switch c := strings.ToLower(cause); {
	case cause == "":
		return ""
	case strings.HasPrefix(cause, "HTTP "):
		return web.Tf(lc, "pb_err_status", strings.TrimPrefix(cause, "HTTP "))
	case strings.Contains(c, "connection refused"):
		key = "pb_err_refused"
	case strings.Contains(c, "no such host") || strings.HasPrefix(c, "lookup "):
		key = "pb_err_host"
	case strings.Contains(c, "timeout") || strings.Contains(c, "deadline exceeded"):
		key = "pb_err_timeout"
	case strings.Contains(c, "certificate") || strings.Contains(c, "x509") || strings.Contains(c, "tls"):
		key = "pb_err_tls"
	case strings.Contains(c, "loopback, private or link-local"):
		key = "pb_err_private"
	default:
		key = "pb_err_other"
	}
	return web.T(lc, key)
}

var _ = web.AddMessages(map[string]string{
	"pb_err_status": "the address answered HTTP %s instead of 2xx", "pb_err_refused": "the server refused the connection",
	"pb_err_host": "the host name is not found", "pb_err_timeout": "the address did not answer in time",
	"pb_err_tls": "the server's certificate is not accepted", "pb_err_private": "the address is on a private network, which postbacks never call",
	"pb_err_other": "the call failed",
}, map[string]string{
	"pb_err_status": "адрес ответил HTTP %s вместо 2xx", "pb_err_refused": "сервер отклонил соединение",
	"pb_err_host": "имя хоста не найдено", "pb_err_timeout": "адрес не ответил вовремя",
	"pb_err_tls": "сертификат сервера не принят", "pb_err_private": "адрес в частной сети, постбэки туда не отправляются",
	"pb_err_other": "вызов не удался",
})

var _ = web.AddMessages(map[string]string{
	"pb_title": "Postback", "pb_url": "Postback URL", "pb_save": "Save postback URL",
	"pb_hint": "We call this address (GET) for every commission you earn, and again with the event refund and a negative amount when a refund takes one back, " +
		"from the next reconciliation (a few seconds) on. " +
		"Leave it empty to turn postbacks off. It may hold these placeholders, filled in and URL-encoded:",
	"pb_latest": "Latest postbacks", "pb_none": "No postbacks yet.", "pb_when": "Queued", "pb_commission": "Commission", "pb_refund": "refund",
	"pb_attempts": "Attempts", "pb_outcome": "Outcome", "pb_delivered": "delivered", "pb_gave_up": "gave up after 10 attempts",
	"pb_queued": "queued", "pb_retry": "next attempt", "pb_invalid": "The postback URL was not saved:",
	"pb_saved":   "Postback URL saved. Postbacks are sent from the next reconciliation on.",
	"pb_retries": "A call that does not answer 2xx is tried again a minute later, then after 2, 4, 8… minutes, ten times in all.",
	"pb_test":    "Send a test postback", "pb_test_hint": "Calls the saved address once with sample values: event test, commission 0, amount 12.34.",
	"pb_test_running": "Test postback sent", "pb_test_ok": "Test postback delivered", "pb_test_failed": "Test postback failed",
	"pb_test_wait": "A test postback was sent less than 10 seconds ago (or no address is saved); try again in a moment.",
}, map[string]string{
	"pb_title": "Постбэк", "pb_url": "Адрес постбэка", "pb_save": "Сохранить адрес постбэка",
	"pb_hint": "Мы вызываем этот адрес (GET) на каждое начисленное вам вознаграждение и ещё раз, с событием refund и отрицательной суммой, когда возврат его уменьшает, " +
		"начиная со следующей сверки (через несколько секунд). " +
		"Оставьте поле пустым, чтобы отключить постбэки. В адресе можно использовать подстановки, они заполняются и кодируются для URL:",
	"pb_latest": "Последние постбэки", "pb_none": "Постбэков пока не было.", "pb_when": "Поставлен", "pb_commission": "Вознаграждение", "pb_refund": "возврат",
	"pb_attempts": "Попыток", "pb_outcome": "Итог", "pb_delivered": "доставлен", "pb_gave_up": "не доставлен за 10 попыток",
	"pb_queued": "в очереди", "pb_retry": "следующая попытка", "pb_invalid": "Адрес постбэка не сохранён:",
	"pb_saved":   "Адрес постбэка сохранён. Постбэки отправляются начиная со следующей сверки.",
	"pb_retries": "Если адрес не ответил кодом 2xx, вызов повторяется через минуту, затем через 2, 4, 8… минут, всего десять раз.",
	"pb_test":    "Отправить тестовый постбэк", "pb_test_hint": "Один вызов сохранённого адреса с примерными значениями: событие test, вознаграждение 0, сумма 12.34.",
	"pb_test_running": "Тестовый постбэк отправлен", "pb_test_ok": "Тестовый постбэк доставлен", "pb_test_failed": "Тестовый постбэк не доставлен",
	"pb_test_wait": "Тестовый постбэк отправлялся меньше 10 секунд назад (или адрес не сохранён); попробуйте чуть позже.",
})
