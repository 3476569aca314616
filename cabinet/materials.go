package cabinet

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// materials shows the vendor's banners, texts and emails with the
// partner's own link and promo code filled in, ready to copy.
func (s *Server) materials(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	ms, err := s.DB.Materials(ctx)
	if err != nil {
		return err
	}
	code, promo, err := s.DB.MaterialFill(ctx, *u.PartnerID)
	if err != nil {
		return err
	}
	var link string
	var pairs []string
	if code != "" {
		link = s.TrackerURL + "/r/" + code
		pairs = append(pairs, "{link}", link)
	}
	if promo != "" {
		pairs = append(pairs, "{promo_code}", promo)
	}
	fill := strings.NewReplacer(pairs...)
	base := s.CabinetURL
	if base == "" {
		base = c.BaseURL()
	}
	groups := map[string][]web.MaterialView{}
	for _, m := range ms {
		m.Body = fill.Replace(m.Body)
		v := s.MaterialView(c, m, u.Locale)
		v.NoPromo = strings.Contains(m.Body, "{promo_code}")
		if v.ImagePath != "" && link != "" {
			v.Snippet = bannerSnippet(link, base+v.ImagePath, m.Title, v.Width, v.Height)
		}
		groups[m.Kind] = append(groups[m.Kind], v)
	}
	return c.Type("html").Send(s.Page(c, "materials", u.Locale, web.T(u.Locale, "mat_materials"), fiber.Map{
		"Link": link, "Promo": promo, "Empty": len(ms) == 0,
		"Banners": groups[storage.MaterialBanner], "Texts": groups[storage.MaterialText], "Emails": groups[storage.MaterialEmail],
	}))
}

// bannerSnippet is the HTML a partner pastes into their site: the banner,
// served by the cabinet, linking through their referral link.
func bannerSnippet(link, src, alt string, width, height int) string {
	size := ""
	if width > 0 && height > 0 {
		size = fmt.Sprintf(` width="%d" height="%d"`, width, height)
	}
	return fmt.Sprintf(`<a href="%s" rel="sponsored"><img src="%s"%s alt="%s"></a>`,
		html.EscapeString(link), html.EscapeString(src), size, html.EscapeString(alt))
}

// materialImage serves a banner's bytes. It is public: the snippet puts
// it on partners' own sites, where visitors are not signed in, and
// materials are the same for every partner. A material never changes, so
// its id is a strong validator and caches may keep it a day.
func (s *Server) materialImage(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	etag := `"material-` + strconv.FormatInt(id, 10) + `"`
	img, typ, created, err := s.DB.MaterialImage(c.UserContext(), id)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	if !web.BannerTypes[typ] {
		typ = "application/octet-stream" // never let stored bytes be taken for HTML
	}
	c.Set(fiber.HeaderContentType, typ)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderLastModified, created.UTC().Format(http.TimeFormat))
	c.Set("Cross-Origin-Resource-Policy", "cross-origin") // partners' sites embed it
	c.Set(fiber.HeaderContentDisposition, `inline; filename="banner-`+strconv.FormatInt(id, 10)+"."+strings.TrimPrefix(typ, "image/")+`"`)
	if c.Get(fiber.HeaderIfNoneMatch) == etag {
		return c.SendStatus(fiber.StatusNotModified)
	}
	return c.Send(img)
}
