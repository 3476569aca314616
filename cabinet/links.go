package cabinet

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/skip2/go-qrcode"

	"partnerka"
	"partnerka/web"
)

type linkForm struct{ Destination, SubID, Label, Code string }

// links lists the partner's links with their clicks and promo codes, with
// the form to create another.
func (s *Server) links(c *fiber.Ctx) error {
	return s.renderLinks(c, linkForm{}, nil, fiber.StatusOK)
}

func (s *Server) renderLinks(c *fiber.Ctx, form linkForm, formErr error, status int) error {
	u := web.CurrentUser(c)
	links, codes, err := s.DB.PartnerLinks(c.UserContext(), *u.PartnerID, s.Now().AddDate(0, 0, -30))
	if err != nil {
		return err
	}
	type row struct {
		URL, Code, Destination, Label, SubID, Clicks string
		Default, Disabled                            bool
	}
	var rows []row
	for _, l := range links {
		rows = append(rows, row{URL: s.TrackerURL + "/r/" + l.Code, Code: l.Code, Destination: l.Destination, Label: l.Label,
			SubID: l.SubID, Clicks: web.FormatInt(l.Clicks, u.Locale), Default: l.IsDefault, Disabled: l.Disabled})
	}
	data := fiber.Map{"Links": rows, "PromoCodes": codes, "Form": form, "Created": c.Query("created") != ""}
	if formErr != nil {
		data["Error"], data["ErrorField"] = partnerka.ErrorMessage(formErr), partnerka.ErrorField(formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "links", u.Locale, web.T(u.Locale, "links"), data))
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
		switch partnerka.ErrorCode(err) {
		case partnerka.EINTERNAL:
			return err
		case partnerka.ECONFLICT:
			err = &partnerka.Error{Code: partnerka.ECONFLICT, Field: "code", Message: fmt.Sprintf(web.T(u.Locale, "link_code_taken"), l.Code)}
		}
		return s.renderLinks(c, form, err, fiber.StatusUnprocessableEntity)
	}
	if s.Redis != nil {
		if err := s.Redis.PublishLinkChange(ctx, l.Code); err != nil {
			s.Logger.Warn("link change not published; trackers pick it up on their next sweep", "err", err)
		}
	}
	return c.Redirect("/links?created="+url.QueryEscape(l.Code), fiber.StatusSeeOther)
}

// validateLink checks a new link: a destination on an allowed domain, and
// a code and sub id the tracker accepts. An empty code gets one made from
// the partner's ref.
func validateLink(f linkForm, domains []string, ref string) (*partnerka.Link, error) {
	if u, err := url.Parse(f.Destination); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, partnerka.FieldError("destination", "enter a full address such as https://example.com/pricing")
	}
	if !partnerka.HostAllowed(f.Destination, domains) {
		return nil, partnerka.FieldError("destination", "links may lead only to %s", strings.Join(domains, ", "))
	}
	if f.SubID != "" && !partnerka.ValidSubID(f.SubID) {
		return nil, partnerka.FieldError("sub_id", "a sub ID is up to 128 letters, digits, and . _ ~ -")
	}
	if len(f.Label) > 100 {
		return nil, partnerka.FieldError("label", "the label is longer than 100 characters")
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

// linkQR is a PNG QR code of one of the partner's links, for print and
// slides; another partner's code is the same 404 as a missing one.
func (s *Server) linkQR(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	code, err := s.DB.PartnerLinkCode(c.UserContext(), *u.PartnerID, c.Query("code"))
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	png, err := qrcode.Encode(s.TrackerURL+"/r/"+code, qrcode.Medium, 320)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "image/png")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+code+`.png"`)
	return c.Send(png)
}

var _ = web.AddMessages(map[string]string{
	"link_code_taken": "This link code is taken: %s is another link's code (codes do not differ by case). Choose another code, or leave it empty for one made for you.",
}, map[string]string{
	"link_code_taken": "Этот код ссылки занят: %s — код другой ссылки (регистр букв не различается). Выберите другой код или оставьте поле пустым, чтобы получить код автоматически.",
})
