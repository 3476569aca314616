package cabinet

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

type linkForm struct{ Destination, SubID, Label, Code string }

// linksPage is what the links page shows again after a failed form: which
// form (the new link's, a link's edit by id, the code request), the error
// and what was typed.
type linksPage struct {
	form   string // "create", "edit", "request"
	linkID int64
	input  linkForm
	note   string
	err    error
}

// dynamicSubExample is the sub ID the links page's example of
// /r/{code}/{sub} adds to the partner's own link.
const dynamicSubExample = "telegram"

// links lists the partner's links with what each brought in the period
// (clicks, leads, paying customers, earnings) and their promo codes, with
// the form to create another.
func (s *Server) links(c *fiber.Ctx) error {
	return s.renderLinks(c, linksPage{}, fiber.StatusOK)
}

func (s *Server) renderLinks(c *fiber.Ctx, pg linksPage, status int) error {
	u := web.CurrentUser(c)
	ctx, db := c.UserContext(), s.Read(c)
	per := s.UserPeriod(c)
	links, err := db.PartnerLinkFigures(ctx, *u.PartnerID, per.From, per.To)
	if err != nil {
		return err
	}
	codes, err := db.PromoCodes(ctx, storage.PromoFilter{PartnerID: *u.PartnerID})
	if err != nil {
		return err
	}
	st, err := db.Settings(ctx)
	if err != nil {
		return err
	}
	type row struct {
		ID                                           int64
		URL, Code, Destination, Label, SubID, Reason string
		Clicks, Unique, Leads, Paying                string
		Earned                                       []string // one amount a currency, never summed across them
		Default, Disabled, ByStaff, Editing          bool
		Error, ErrorField                            string
		Input                                        linkForm
	}
	var rows []row
	dynamic := ""
	for _, l := range links {
		r := row{ID: l.ID, URL: s.TrackerURL + "/r/" + l.Code, Code: l.Code, Destination: l.Destination, Label: l.Label,
			SubID: l.SubID, Default: l.IsDefault, Disabled: l.Disabled, ByStaff: l.ByStaff, Reason: l.Reason,
			Clicks: web.FormatInt(l.Clicks, u.Locale), Unique: web.FormatInt(l.UniqueClicks, u.Locale),
			Leads: web.FormatInt(l.Leads, u.Locale), Paying: web.FormatInt(l.Paying, u.Locale),
			Input: linkForm{Destination: l.Destination, SubID: l.SubID, Label: l.Label}}
		for _, m := range l.Earned {
			r.Earned = append(r.Earned, web.FormatMoney(m, u.Locale))
		}
		if len(r.Earned) == 0 {
			r.Earned = []string{web.FormatMoney(partnerka.Money{Currency: st.DefaultCurrency}, u.Locale)}
		}
		if pg.form == "edit" && pg.linkID == l.ID {
			r.Editing, r.Input = true, pg.input
			r.Error, r.ErrorField = linkErrorText(pg.err, u.Locale), partnerka.ErrorField(pg.err)
		}
		if dynamic == "" && !l.Disabled {
			dynamic = r.URL + "/" + dynamicSubExample // the first link that works: the example must work too
		}
		rows = append(rows, r)
	}
	data := fiber.Map{"Links": rows, "PromoCodes": promoViews(codes, u), "Form": linkForm{}, "Created": c.Query("created") != "",
		"Done": doneMessage(c.Query("done")), "CodeRequests": st.AllowCodeRequests, "Picker": per.Picker("/links", u.Locale),
		"DynamicExample": dynamic}
	switch pg.form {
	case "create":
		data["Form"] = pg.input
		data["Error"], data["ErrorField"] = linkErrorText(pg.err, u.Locale), partnerka.ErrorField(pg.err)
		if partnerka.ErrorCode(pg.err) == partnerka.ECONFLICT {
			data["Error"] = web.Tf(u.Locale, "link_code_taken", pg.input.Code)
		}
	case "request":
		data["RequestCode"], data["RequestNote"] = pg.input.Code, pg.note
		data["RequestError"], data["RequestErrorField"] = promoRequestErrorText(pg.err, u.Locale), partnerka.ErrorField(pg.err)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "links", u.Locale, web.T(u.Locale, "links"), data))
}

// doneMessage is the confirmation a links form redirects with: our own
// message keys only.
func doneMessage(key string) string {
	switch key {
	case "link_saved", "link_disabled", "link_enabled", "code_requested":
		return key
	}
	return ""
}

// promoView is a promo code as the partner sees it.
type promoView struct {
	Code, Label, Discount, Period, Uses, Status, StatusText, Reason, Note string
	Active                                                                bool
}

func promoViews(codes []partnerka.PromoCode, u *partnerka.User) []promoView {
	loc := web.UserLoc(u)
	out := make([]promoView, 0, len(codes))
	for _, pc := range codes {
		v := promoView{Code: pc.Code, Label: pc.Label, Discount: pc.Discount, Status: pc.Status,
			StatusText: web.T(u.Locale, "promo_"+pc.Status), Reason: pc.Reason, Note: pc.Note, Active: pc.Status == partnerka.PromoActive}
		v.Period = promoPeriod(pc.ValidFrom, pc.ValidUntil, loc, u.Locale)
		if pc.MaxUses != nil {
			v.Uses = web.Tf(u.Locale, "promo_uses_of", web.FormatInt(int64(pc.Uses), u.Locale), web.FormatInt(int64(*pc.MaxUses), u.Locale))
		} else if pc.Uses > 0 {
			v.Uses = web.Tf(u.Locale, "promo_uses", web.FormatInt(int64(pc.Uses), u.Locale))
		}
		out = append(out, v)
	}
	return out
}

// promoPeriod says when a code is valid, in the reader's dates; the end
// is exclusive, so the last day shown is the one before it.
func promoPeriod(from, until *time.Time, loc *time.Location, lc string) string {
	day := func(t time.Time) string { return web.FormatDate(t.In(loc), lc) }
	last := func(t time.Time) string { return day(t.Add(-time.Nanosecond)) }
	switch {
	case from != nil && until != nil:
		return web.Tf(lc, "promo_from_until", day(*from), last(*until))
	case from != nil:
		return web.Tf(lc, "promo_from", day(*from))
	case until != nil:
		return web.Tf(lc, "promo_until", last(*until))
	}
	return ""
}

// createLink adds a link to any landing page of the program's allowed
// domains and tells the trackers at once.
func (s *Server) createLink(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	form := linkForm{Destination: strings.TrimSpace(c.FormValue("destination")), SubID: strings.TrimSpace(c.FormValue("sub_id")),
		Label: strings.TrimSpace(c.FormValue("label")), Code: strings.TrimSpace(c.FormValue("code"))}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	p, err := s.DB.PartnerByID(ctx, *u.PartnerID)
	if err != nil {
		return err
	}
	l, err := validateLink(form, st.AllowedDomains, p.Ref)
	if err == nil {
		l.PartnerID = p.ID
		err = s.DB.CreateLink(ctx, l)
	}
	if err != nil {
		if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
			return err
		}
		return s.renderLinks(c, linksPage{form: "create", input: form, err: err}, fiber.StatusUnprocessableEntity)
	}
	s.Announce(ctx, storage.LinkChanged(l.Code))
	return c.Redirect("/links?created="+url.QueryEscape(l.Code), fiber.StatusSeeOther)
}

// editLink saves a link's destination (within the allowed domains), sub
// ID and label: the code, and so every place it was shared, stays. The
// trackers hear of it as they hear of a new link.
func (s *Server) editLink(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	form := linkForm{Destination: strings.TrimSpace(c.FormValue("destination")), SubID: strings.TrimSpace(c.FormValue("sub_id")),
		Label: strings.TrimSpace(c.FormValue("label"))}
	// Another partner's link is the same 404 as a missing one, whatever
	// the form says (a change of nothing only reads the link).
	if _, err := s.DB.ChangeLink(ctx, storage.LinkChange{PartnerID: *u.PartnerID, LinkID: id}); partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	err = validateDestination(form.Destination, st.AllowedDomains)
	if err == nil {
		err = validateSubID(form.SubID)
	}
	if err == nil {
		err = validateLabel(form.Label)
	}
	var l *partnerka.Link
	if err == nil {
		l, err = s.DB.ChangeLink(ctx, storage.LinkChange{PartnerID: *u.PartnerID, LinkID: id, Label: &form.Label,
			Destination: &form.Destination, SubID: &form.SubID, Actor: s.Actor(c)})
	}
	switch partnerka.ErrorCode(err) {
	case "":
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound
	case partnerka.EINVALID:
		return s.renderLinks(c, linksPage{form: "edit", linkID: id, input: form, err: err}, fiber.StatusUnprocessableEntity)
	default:
		return err
	}
	s.Announce(ctx, storage.LinkChanged(l.Code))
	return c.Redirect("/links?done=link_saved", fiber.StatusSeeOther)
}

// setLinkDisabled disables a link (its clicks go to the program's landing
// page and attribute nothing) or enables it again, on every tracker within
// a second. A link the program's team disabled stays so.
func (s *Server) setLinkDisabled(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	disable := strings.HasSuffix(c.Path(), "/disable")
	l, err := s.DB.ChangeLink(ctx, storage.LinkChange{PartnerID: *u.PartnerID, LinkID: id, Disabled: &disable, Actor: s.Actor(c)})
	switch partnerka.ErrorCode(err) {
	case "":
	case partnerka.ENOTFOUND:
		return fiber.ErrNotFound
	case partnerka.EFORBIDDEN:
		return web.Forbidden("link_disabled_by_staff")
	default:
		return err
	}
	s.Announce(ctx, storage.LinkChanged(l.Code))
	return c.Redirect("/links?done="+map[bool]string{true: "link_disabled", false: "link_enabled"}[disable], fiber.StatusSeeOther)
}

// requestPromoCode asks the program's team for a vanity promo code, when
// the program takes such requests.
func (s *Server) requestPromoCode(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	code, note := strings.TrimSpace(c.FormValue("code")), strings.TrimSpace(c.FormValue("note"))
	_, err := s.DB.RequestPromoCode(c.UserContext(), *u.PartnerID, code, note, s.Actor(c))
	switch partnerka.ErrorCode(err) {
	case "":
		return c.Redirect("/links?done=code_requested#promo-codes", fiber.StatusSeeOther)
	case partnerka.EFORBIDDEN:
		return web.Forbidden("code_requests_off")
	case partnerka.EINVALID, partnerka.ECONFLICT:
		return s.renderLinks(c, linksPage{form: "request", input: linkForm{Code: code}, note: note, err: err}, fiber.StatusUnprocessableEntity)
	}
	return err
}

// validateLink checks a new link: a destination on an allowed domain, and
// a code and sub id the tracker accepts. An empty code gets one made from
// the partner's ref.
func validateLink(f linkForm, domains []string, ref string) (*partnerka.Link, error) {
	if err := validateDestination(f.Destination, domains); err != nil {
		return nil, err
	}
	if err := validateSubID(f.SubID); err != nil {
		return nil, err
	}
	if err := validateLabel(f.Label); err != nil {
		return nil, err
	}
	code := f.Code
	if code == "" {
		code = ref + "-" + strings.ToLower(web.RandomToken()[:6])
		code = strings.NewReplacer("_", "x").Replace(code)
	}
	if !partnerka.ValidLinkCode(code) {
		return nil, partnerka.FieldError("code", "a code is 3 to 64 letters, digits, - or _")
	}
	return &partnerka.Link{Code: code, Destination: f.Destination, SubID: f.SubID, Label: f.Label}, nil
}

// validateDestination accepts a full http(s) address on one of domains.
func validateDestination(dest string, domains []string) error {
	if u, err := url.Parse(dest); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return partnerka.FieldError("destination", "enter a full address such as https://example.com/pricing")
	}
	if !partnerka.HostAllowed(dest, domains) {
		return &partnerka.Error{Code: partnerka.EINVALID, Field: "destination_domain",
			Message: "links may lead only to " + strings.Join(domains, ", ")}
	}
	return nil
}

// validateSubID accepts no sub ID, or one the tracker takes in a path.
func validateSubID(sub string) error {
	if sub != "" && !partnerka.ValidSubID(sub) {
		return partnerka.FieldError("sub_id", "a sub ID is up to 128 letters, digits, and . _ ~ -")
	}
	return nil
}

func validateLabel(label string) error {
	if len(label) > 100 {
		return partnerka.FieldError("label", "the label is longer than 100 characters")
	}
	return nil
}

// linkErrorText says in the reader's language what is wrong with a link
// form; the field names the message (destination_domain lists the
// allowed domains).
func linkErrorText(err error, lc string) string {
	if err == nil {
		return ""
	}
	switch f := partnerka.ErrorField(err); {
	case f == "destination_domain":
		msg := partnerka.ErrorMessage(err)
		return web.Tf(lc, "link_err_destination_domain", msg[strings.LastIndex(msg, " to ")+4:])
	case f != "":
		return web.T(lc, "link_err_"+f)
	}
	return web.ErrorText(lc, err)
}

// promoRequestErrorText says what is wrong with a code request.
func promoRequestErrorText(err error, lc string) string {
	switch {
	case err == nil:
		return ""
	case partnerka.ErrorCode(err) == partnerka.ECONFLICT && partnerka.ErrorField(err) == "code":
		return web.T(lc, "promo_err_taken")
	case partnerka.ErrorCode(err) == partnerka.ECONFLICT:
		return web.T(lc, "promo_err_inactive")
	case strings.Contains(partnerka.ErrorMessage(err), "waiting"):
		return web.Tf(lc, "promo_err_waiting", strconv.Itoa(storage.MaxCodeRequests))
	}
	return web.T(lc, "promo_err_"+partnerka.ErrorField(err))
}

// linkQR is the QR code of one of the partner's links, for print and
// slides: a page with the image, the link it opens and a download button;
// with format=png the image itself (download=1: as a file to save).
// Another partner's code is the same 404 as a missing one.
func (s *Server) linkQR(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	code, err := s.DB.PartnerLinkCode(c.UserContext(), *u.PartnerID, c.Query("code"))
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	link := s.TrackerURL + "/r/" + code
	if c.Query("format") != "png" {
		return c.Type("html").Send(s.Page(c, "link_qr", u.Locale, web.T(u.Locale, "link_qr_title"), fiber.Map{
			"URL": link, "Code": code, "Alt": web.Tf(u.Locale, "link_qr_alt", link)}))
	}
	png, err := qrcode.Encode(link, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	disposition := "inline"
	if c.Query("download") != "" {
		disposition = "attachment"
	}
	c.Set(fiber.HeaderContentType, "image/png")
	// A code is letters, digits, - and _ (partnerka.ValidLinkCode): safe in the header.
	c.Set(fiber.HeaderContentDisposition, disposition+`; filename="`+code+`.png"`)
	return c.Send(png)
}

var _ = web.AddMessages(map[string]string{
	"link_code_taken":             "This link code is taken: %s is another link's code (codes do not differ by case). Choose another code, or leave it empty for one made for you.",
	"link_err_destination":        "Enter a full address such as https://example.com/pricing.",
	"link_err_destination_domain": "Links may lead only to the program's sites: %s.",
	"link_err_sub_id":             "A sub ID is up to 128 letters, digits and . _ ~ -.",
	"link_err_label":              "The label is longer than 100 characters.",
	"link_err_code":               "A code is 3 to 64 letters, digits, - or _.",
	"link_saved":                  "The link is saved: every tracker uses it within a second.",
	"link_disabled":               "The link is disabled: its clicks go to the program's home page and attribute nothing.",
	"link_enabled":                "The link works again.",
	"link_disabled_by_staff":      "The program's team disabled this link; only they can enable it.",
	"edit":                        "Edit", "link_disable": "Disable", "link_enable": "Enable",
	"link_help_sub_id":  "Your own tag for this link's clicks, such as the channel; your postback receives it as {sub_id}.",
	"link_help_code":    "The end of the link's address after /r/: 3 to 64 letters, digits, - or _, fixed once created; leave it empty for one made for you.",
	"link_help_dynamic": "To tell sources apart without new links, add a sub ID after any link's code, /r/{code}/{sub}, for example:",
	"link_help_disable": "A disabled link still takes visitors to the program's home page, but its clicks attribute nothing to you.",
	"link_figures_help": "Figures for the period: leads are the customers a link brought, paying customers those who paid in the period, earnings your commissions on them net of refunds.",
	"link_qr_title":     "QR code of the link",
	"link_qr_alt":       "QR code that opens %s",
	"link_qr_download":  "Download PNG",
	"link_qr_back":      "Back to links",
	"link_qr_help":      "Print it or put it on a slide: a phone's camera opens the link.",
	"promo_uses_of":     "used by %s of %s customers", "promo_uses": "used by %s customers",
	"promo_from_until": "valid %s to %s", "promo_from": "valid from %s", "promo_until": "valid to %s",
	"promo_none":         "You have no promo codes yet. The program's team creates them; a customer who types yours at checkout becomes your customer.",
	"promo_request":      "Request a promo code of your own",
	"promo_request_help": "Choose a code that is easy to say aloud, such as your name or channel. The program's team approves it; until then it is reserved for you.",
	"promo_request_note": "A note for the program's team (optional)",
	"promo_request_send": "Request the code",
	"code_requested":     "Your request is sent: the program's team will approve or refuse it.",
	"code_requests_off":  "The program does not take requests for promo codes.",
	"promo_err_note":     "The note is longer than 500 characters.",
	"promo_err_taken":    "This code is taken (codes do not differ by case). Choose another.",
	"promo_err_inactive": "Promo codes are for active partners.",
	"promo_err_waiting":  "You have %s requests waiting already; wait for the team's answer.",
}, map[string]string{
	"link_code_taken":             "Этот код ссылки занят: %s — код другой ссылки (регистр букв не различается). Выберите другой код или оставьте поле пустым, чтобы получить код автоматически.",
	"link_err_destination":        "Введите полный адрес, например https://example.com/pricing.",
	"link_err_destination_domain": "Ссылки могут вести только на сайты программы: %s.",
	"link_err_sub_id":             "Sub ID — до 128 латинских букв, цифр и символов . _ ~ -.",
	"link_err_label":              "Название длиннее 100 символов.",
	"link_err_code":               "Код — от 3 до 64 латинских букв, цифр, - или _.",
	"link_saved":                  "Ссылка сохранена: все трекеры используют её в течение секунды.",
	"link_disabled":               "Ссылка отключена: переходы по ней ведут на главную страницу программы и не засчитываются.",
	"link_enabled":                "Ссылка снова работает.",
	"link_disabled_by_staff":      "Эту ссылку отключила команда программы; включить её может только она.",
	"edit":                        "Изменить", "link_disable": "Отключить", "link_enable": "Включить",
	"link_help_sub_id":  "Ваша метка для переходов по этой ссылке, например канал; постбэк получает её как {sub_id}.",
	"link_help_code":    "Окончание адреса ссылки после /r/: от 3 до 64 латинских букв, цифр, - или _, после создания не меняется; оставьте пустым, и код подберётся сам.",
	"link_help_dynamic": "Чтобы различать источники без новых ссылок, добавьте Sub ID после кода любой ссылки — /r/{код}/{sub}, например:",
	"link_help_disable": "Отключённая ссылка по-прежнему ведёт посетителей на главную страницу программы, но переходы по ней вам не засчитываются.",
	"link_figures_help": "Показатели за период: лиды — клиенты, пришедшие по ссылке, платящие клиенты — оплатившие в этом периоде, вознаграждение — ваши начисления с них за вычетом возвратов.",
	"link_qr_title":     "QR-код ссылки",
	"link_qr_alt":       "QR-код, открывающий %s",
	"link_qr_download":  "Скачать PNG",
	"link_qr_back":      "Назад к ссылкам",
	"link_qr_help":      "Распечатайте его или добавьте на слайд: камера телефона откроет ссылку.",
	"promo_uses_of":     "использован %s из %s клиентов", "promo_uses": "использован клиентами: %s",
	"promo_from_until": "действует с %s по %s", "promo_from": "действует с %s", "promo_until": "действует по %s",
	"promo_none":         "Промокодов пока нет. Их создаёт команда программы; клиент, который введёт ваш промокод при оплате, становится вашим клиентом.",
	"promo_request":      "Запросить свой промокод",
	"promo_request_help": "Выберите код, который легко произнести вслух, например ваше имя или название канала. Команда программы его одобрит; до тех пор он закреплён за вами.",
	"promo_request_note": "Комментарий для команды программы (необязательно)",
	"promo_request_send": "Запросить промокод",
	"code_requested":     "Запрос отправлен: команда программы одобрит или отклонит его.",
	"code_requests_off":  "Программа не принимает запросы промокодов.",
	"promo_err_note":     "Комментарий длиннее 500 символов.",
	"promo_err_taken":    "Этот код занят (регистр букв не различается). Выберите другой.",
	"promo_err_inactive": "Промокоды выдаются только активным партнёрам.",
	"promo_err_waiting":  "У вас уже %s запроса на рассмотрении; дождитесь ответа команды.",
})
