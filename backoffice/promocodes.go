package backoffice

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// promoCodeViews are a partner's codes (or the requests queue) as staff
// see them.
func promoCodeViews(codes []partnerka.PromoCode, u *partnerka.User) []fiber.Map {
	loc := web.UserLoc(u)
	date := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return web.FormatDateTime(t.In(loc), u.Locale)
	}
	var out []fiber.Map
	for _, pc := range codes {
		uses := web.FormatInt(int64(pc.Uses), u.Locale)
		if pc.MaxUses != nil {
			uses += " / " + web.FormatInt(int64(*pc.MaxUses), u.Locale)
		}
		out = append(out, fiber.Map{"ID": pc.ID, "Code": pc.Code, "Status": pc.Status, "StatusText": web.T(u.Locale, "promo_"+pc.Status),
			"Label": pc.Label, "Discount": pc.Discount, "From": date(pc.ValidFrom), "Until": date(pc.ValidUntil), "Uses": uses,
			"Note": pc.Note, "Reason": pc.Reason, "PartnerID": pc.PartnerID, "Partner": pc.PartnerName, "Created": date(&pc.CreatedAt)})
	}
	return out
}

// createPromoCodes creates codes for a partner: those typed (one per
// line or separated by spaces or commas) or a number generated from a
// prefix, on the same terms, all or none.
func (s *Server) createPromoCodes(c *fiber.Ctx) error {
	input := fiber.Map{}
	for _, k := range []string{"codes", "prefix", "count", "label", "discount", "valid_from", "valid_until", "max_uses"} {
		input[k] = c.FormValue(k)
	}
	var made []partnerka.PromoCode
	err := s.partnerAction(c, "promo", input, func(ctx context.Context, id int64) error {
		u := web.CurrentUser(c)
		n := storage.NewPromoCodes{PartnerID: id, Prefix: strings.TrimSpace(c.FormValue("prefix")), Actor: s.Actor(c)}
		n.Codes = strings.FieldsFunc(c.FormValue("codes"), func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
		if raw := strings.TrimSpace(c.FormValue("count")); raw != "" {
			k, err := strconv.Atoi(raw)
			if err != nil || k < 1 || k > partnerka.MaxPromoBatch {
				return partnerka.FieldError("count", "give a number of codes from 1 to %d", partnerka.MaxPromoBatch)
			}
			n.Count = k
		}
		var err error
		if n.Terms, err = promoTermsForm(c, web.UserLoc(u)); err != nil {
			return err
		}
		made, err = s.DB.CreatePromoCodes(ctx, n)
		return err
	})
	if len(made) > 0 {
		changes := make([]storage.Change, len(made))
		for i, pc := range made {
			changes[i] = storage.PromoChanged(pc.Code)
		}
		s.Announce(c.UserContext(), changes...)
	}
	return err
}

// promoTermsForm reads a code's terms from the form; the period is in
// whole days of the staff member's time zone, the last day included.
func promoTermsForm(c *fiber.Ctx, loc *time.Location) (partnerka.PromoTerms, error) {
	t := partnerka.PromoTerms{Label: strings.TrimSpace(c.FormValue("label")), Discount: strings.TrimSpace(c.FormValue("discount"))}
	for _, f := range []struct {
		name    string
		to      **time.Time
		nextDay bool
	}{{"valid_from", &t.ValidFrom, false}, {"valid_until", &t.ValidUntil, true}} {
		raw := strings.TrimSpace(c.FormValue(f.name))
		if raw == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", raw, loc)
		if err != nil {
			return t, partnerka.FieldError(f.name, "enter the date as YYYY-MM-DD")
		}
		if f.nextDay {
			d = d.AddDate(0, 0, 1) // the last day counts in full
		}
		*f.to = &d
	}
	if raw := strings.TrimSpace(c.FormValue("max_uses")); raw != "" {
		k, err := strconv.Atoi(raw)
		if err != nil || k < 1 {
			return t, partnerka.FieldError("max_uses", "the cap is a whole number of customers, at least 1")
		}
		t.MaxUses = &k
	}
	return t, t.Validate()
}

// changePromoCode disables, enables, approves or refuses a code, from the
// partner's page or the requests queue (back= says where to return).
func (s *Server) changePromoCode(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	pc, err := s.DB.PromoCode(ctx, id)
	if err != nil {
		return err
	}
	action := c.Path()[strings.LastIndexByte(c.Path(), '/')+1:]
	status := map[string]string{"disable": partnerka.PromoDisabled, "enable": partnerka.PromoActive,
		"approve": partnerka.PromoActive, "reject": partnerka.PromoRejected}[action]
	reason := strings.TrimSpace(c.FormValue("reason"))
	queue := c.FormValue("back") == "queue"
	_, err = s.DB.ChangePromoCode(ctx, storage.PromoChange{ID: id, Status: status, Reason: reason, Actor: s.Actor(c)})
	if err == nil {
		s.Announce(ctx, storage.PromoChanged(pc.Code))
		s.forgetBadges()
		if queue {
			return c.Redirect("/admin/promo-codes?done=done_promo_"+action, fiber.StatusSeeOther)
		}
		return c.Redirect("/admin/partners/"+strconv.FormatInt(pc.PartnerID, 10)+"?done=done_promo_"+action+"#promo-codes", fiber.StatusSeeOther)
	}
	switch partnerka.ErrorCode(err) {
	case partnerka.EINVALID, partnerka.ECONFLICT:
		st := fiber.StatusUnprocessableEntity
		if partnerka.ErrorCode(err) == partnerka.ECONFLICT {
			st = fiber.StatusConflict
		}
		if queue {
			return s.renderPromoQueue(c, err, st)
		}
		return s.renderPartnerOf(c, pc.PartnerID, "promo_change", err, fiber.Map{"code": pc.Code, "reason": reason}, st)
	}
	return err
}

// adminPromoCodes is the promo codes page: partners' requests for vanity
// codes first (oldest first), then every code by status.
func (s *Server) adminPromoCodes(c *fiber.Ctx) error {
	return s.renderPromoQueue(c, nil, fiber.StatusOK)
}

func (s *Server) renderPromoQueue(c *fiber.Ctx, formErr error, status int) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	st := c.Query("status", partnerka.PromoRequested)
	switch st {
	case partnerka.PromoRequested, partnerka.PromoActive, partnerka.PromoDisabled, partnerka.PromoRejected:
	default:
		st = partnerka.PromoRequested
	}
	codes, err := s.DB.PromoCodes(ctx, storage.PromoFilter{Status: st, Limit: 200})
	if err != nil {
		return err
	}
	if st == partnerka.PromoRequested { // the oldest request first
		for i, j := 0, len(codes)-1; i < j; i, j = i+1, j-1 {
			codes[i], codes[j] = codes[j], codes[i]
		}
	}
	var tabs []fiber.Map
	for _, t := range []string{partnerka.PromoRequested, partnerka.PromoActive, partnerka.PromoDisabled, partnerka.PromoRejected} {
		tabs = append(tabs, fiber.Map{"Status": t, "Label": web.T(u.Locale, "promo_tab_"+t), "Current": t == st})
	}
	data := fiber.Map{"Codes": promoCodeViews(codes, u), "Tabs": tabs, "Requests": st == partnerka.PromoRequested,
		"Manager": can(u, managers)}
	if formErr != nil {
		data["Error"] = promoErrorText(formErr, u.Locale)
	}
	if done := c.Query("done"); strings.HasPrefix(done, "done_promo_") {
		data["Flash"] = done
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_promo_codes", u.Locale, web.T(u.Locale, "promo_codes_admin"), data))
}

// promoErrorText says in the reader's language what is wrong with a promo
// code form.
func promoErrorText(err error, lc string) string {
	field := partnerka.ErrorField(err)
	switch {
	case partnerka.ErrorCode(err) == partnerka.ECONFLICT && field == "code":
		msg := partnerka.ErrorMessage(err)
		code := strings.Fields(strings.TrimPrefix(msg, "the promo code "))
		if len(code) > 0 {
			return web.Tf(lc, "promo_err_taken_code", code[0])
		}
	case partnerka.ErrorCode(err) == partnerka.ECONFLICT:
		return web.T(lc, "promo_err_status")
	case field != "":
		if m := web.T(lc, "promo_err_"+field); m != "promo_err_"+field {
			return m
		}
	}
	return web.ErrorText(lc, err)
}

// setPartnerLinkDisabled is staff disabling a partner's link with a
// reason the partner sees (a link that breaks the program's rules), or
// enabling it again; every tracker applies it within a second.
func (s *Server) setPartnerLinkDisabled(c *fiber.Ctx) error {
	disable := strings.HasSuffix(c.Path(), "/disable")
	form := map[bool]string{true: "link_disable", false: "link_enable"}[disable]
	var code string
	err := s.partnerAction(c, form, fiber.Map{"reason": c.FormValue("reason"), "link": c.Params("link")}, func(ctx context.Context, id int64) error {
		linkID, err := web.RouteID(c, "link")
		if err != nil {
			return err
		}
		l, err := s.DB.ChangeLink(ctx, storage.LinkChange{PartnerID: id, LinkID: linkID, Disabled: &disable, ByStaff: true,
			Reason: strings.TrimSpace(c.FormValue("reason")), Actor: s.Actor(c)})
		if err == nil {
			code = l.Code
		}
		return err
	})
	if code != "" {
		s.Announce(c.UserContext(), storage.LinkChanged(code))
	}
	return err
}

var _ = web.AddMessages(map[string]string{
	"promo_codes_of": "Promo codes", "code_requests": "Promo code requests",
	"promo_tab_requested": "Requests", "promo_tab_active": "Active", "promo_tab_disabled": "Disabled", "promo_tab_rejected": "Refused",
	"promo_new":         "New promo codes",
	"promo_new_hint":    "Type codes (one per line, or separated by spaces), or a number to generate from a prefix. Codes do not differ by case and are never given to another partner.",
	"promo_codes_typed": "Codes", "promo_prefix": "Prefix of generated codes", "promo_count": "How many to generate",
	"promo_label": "Label (for the partner)", "promo_discount": "What the customer gets (shown to the partner)",
	"promo_valid_from": "Valid from", "promo_valid_until": "Valid to (the day included)", "promo_max_uses": "At most this many customers",
	"promo_create": "Create codes", "promo_uses_col": "Customers", "promo_none_yet": "No promo codes yet.",
	"promo_approve": "Approve", "promo_reject": "Refuse", "promo_disable": "Disable", "promo_enable": "Enable",
	"promo_note": "Partner's note", "promo_no_requests": "No requests wait.",
	"done_promo":         "Promo codes created: every tracker knows them within a second.",
	"done_promo_disable": "The promo code is disabled.", "done_promo_enable": "The promo code is active again.",
	"done_promo_approve": "The promo code is approved and active.", "done_promo_reject": "The request is refused.",
	"done_link_disable": "The link is disabled; the partner sees the reason.", "done_link_enable": "The link works again.",
	"link_disable_staff": "Disable", "link_enable_staff": "Enable",
	"promo_err_taken_code":  "The promo code %s is taken (codes do not differ by case, and a code is never given to another partner).",
	"promo_err_status":      "This cannot be done to the code in its status, or the partner is not active.",
	"promo_err_count":       "Give a number of codes from 1 to 1000.",
	"promo_err_codes":       "Type the codes, or give a number of codes to generate.",
	"promo_err_prefix":      "A prefix is letters, digits, - or _, at most 58 of them.",
	"promo_err_label":       "The label is longer than 100 characters.",
	"promo_err_discount":    "The discount text is longer than 200 characters.",
	"promo_err_valid_from":  "Enter the date as YYYY-MM-DD.",
	"promo_err_valid_until": "The last day must be a date (YYYY-MM-DD) on or after the first.",
	"promo_err_max_uses":    "The cap is a whole number of customers, at least 1 and not below the customers the code has bound.",
	"promo_err_reason":      "Give a reason (at most 500 characters): the partner sees it.",
}, map[string]string{
	"promo_codes_of": "Промокоды", "code_requests": "Запросы промокодов",
	"promo_tab_requested": "Запросы", "promo_tab_active": "Действуют", "promo_tab_disabled": "Отключены", "promo_tab_rejected": "Отклонены",
	"promo_new":         "Новые промокоды",
	"promo_new_hint":    "Введите коды (по одному в строке или через пробел) или число кодов, которые нужно создать с префиксом. Регистр букв в кодах не различается; код никогда не передаётся другому партнёру.",
	"promo_codes_typed": "Коды", "promo_prefix": "Префикс создаваемых кодов", "promo_count": "Сколько создать",
	"promo_label": "Название (для партнёра)", "promo_discount": "Что получает клиент (видит партнёр)",
	"promo_valid_from": "Действует с", "promo_valid_until": "Действует по (включительно)", "promo_max_uses": "Не больше клиентов",
	"promo_create": "Создать коды", "promo_uses_col": "Клиенты", "promo_none_yet": "Промокодов пока нет.",
	"promo_approve": "Одобрить", "promo_reject": "Отклонить", "promo_disable": "Отключить", "promo_enable": "Включить",
	"promo_note": "Комментарий партнёра", "promo_no_requests": "Запросов нет.",
	"done_promo":         "Промокоды созданы: все трекеры знают их в течение секунды.",
	"done_promo_disable": "Промокод отключён.", "done_promo_enable": "Промокод снова действует.",
	"done_promo_approve": "Промокод одобрен и действует.", "done_promo_reject": "Запрос отклонён.",
	"done_link_disable": "Ссылка отключена; партнёр видит причину.", "done_link_enable": "Ссылка снова работает.",
	"link_disable_staff": "Отключить", "link_enable_staff": "Включить",
	"promo_err_taken_code":  "Промокод %s занят (регистр букв не различается; код никогда не передаётся другому партнёру).",
	"promo_err_status":      "С кодом в этом статусе так сделать нельзя, или партнёр не активен.",
	"promo_err_count":       "Укажите число кодов от 1 до 1000.",
	"promo_err_codes":       "Введите коды или укажите, сколько кодов создать.",
	"promo_err_prefix":      "Префикс — латинские буквы, цифры, - или _, не больше 58.",
	"promo_err_label":       "Название длиннее 100 символов.",
	"promo_err_discount":    "Описание скидки длиннее 200 символов.",
	"promo_err_valid_from":  "Введите дату в виде ГГГГ-ММ-ДД.",
	"promo_err_valid_until": "Последний день — дата (ГГГГ-ММ-ДД) не раньше первого.",
	"promo_err_max_uses":    "Ограничение — целое число клиентов, не меньше 1 и не меньше уже привлечённых кодом.",
	"promo_err_reason":      "Укажите причину (не длиннее 500 символов): её увидит партнёр.",
})
