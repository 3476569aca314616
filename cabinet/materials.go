package cabinet

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
)

// materialRoutes lists the back-office routes of promotional materials the vendor uploads (issue 6.7).
func (s *Server) materialRoutes() []adminRoute {
	return []adminRoute{
		{"GET", "/admin/materials", managers, s.adminMaterials},
		{"POST", "/admin/materials", managers, s.createMaterial},
		{"POST", "/admin/materials/:id/delete", managers, s.deleteMaterial},
	}
}

var materialKinds = []string{storage.MaterialBanner, storage.MaterialText, storage.MaterialEmail}

// materialView is a material as a page shows it.
type materialView struct {
	ID                   int64
	Kind, KindName       string
	Title, Body, Preview string
	ImagePath            string // this site's path of the image; empty without one
	Width, Height        int    // 0 when the header could not be read
	Meta                 string // "728 × 90 · PNG · 35 KB"
	Snippet              string // the banner's HTML for the partner's site
	Date                 string
	NoPromo              bool // the body asks for a promo code the partner does not have
}

// view prepares a material for a page. Banners' sizes come from the
// stored header; a JPEG whose header lies beyond it is read whole.
func (s *Server) materialView(c *fiber.Ctx, m storage.Material, locale string) materialView {
	v := materialView{ID: m.ID, Kind: m.Kind, KindName: T(locale, "mat_kind_"+m.Kind), Title: m.Title, Body: m.Body,
		Date: FormatDate(m.CreatedAt, locale)}
	v.Preview = m.Body
	if utf8.RuneCountInString(v.Preview) > 140 {
		v.Preview = string([]rune(v.Preview)[:140]) + "…"
	}
	if m.ImageSize == 0 {
		return v
	}
	v.ImagePath = "/materials/" + strconv.FormatInt(m.ID, 10) + "/image"
	w, h, ok := imageSize(m.ImageHead)
	if !ok && m.ImageSize > int64(len(m.ImageHead)) {
		if img, _, _, err := s.DB.MaterialImage(c.UserContext(), m.ID); err == nil {
			w, h, ok = imageSize(img)
		}
	}
	if ok {
		v.Width, v.Height = w, h
		v.Meta = fmt.Sprintf("%d × %d · ", w, h)
	}
	v.Meta += strings.ToUpper(strings.TrimPrefix(m.ImageType, "image/")) + " · " + FormatInt((m.ImageSize+1023)/1024, locale) + "\u00a0" + T(locale, "mat_kb")
	return v
}

// materials shows the vendor's banners, texts and emails with the
// partner's own link and promo code filled in, ready to copy.
func (s *Server) materials(c *fiber.Ctx) error {
	u := currentUser(c)
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
	groups := map[string][]materialView{}
	for _, m := range ms {
		m.Body = fill.Replace(m.Body)
		v := s.materialView(c, m, u.Locale)
		v.NoPromo = strings.Contains(m.Body, "{promo_code}")
		if v.ImagePath != "" && link != "" {
			v.Snippet = bannerSnippet(link, base+v.ImagePath, m.Title, v.Width, v.Height)
		}
		groups[m.Kind] = append(groups[m.Kind], v)
	}
	return c.Type("html").Send(s.page(c, "materials", u.Locale, T(u.Locale, "mat_materials"), fiber.Map{
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
	id, err := routeID(c, "id")
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
	if !bannerTypes[typ] {
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

type materialForm struct{ Kind, Title, Body string }

// adminMaterials lists the materials with the form to add one.
func (s *Server) adminMaterials(c *fiber.Ctx) error {
	return s.renderAdminMaterials(c, materialForm{Kind: storage.MaterialBanner}, nil, fiber.StatusOK)
}

func (s *Server) renderAdminMaterials(c *fiber.Ctx, form materialForm, formErr error, status int) error {
	u := currentUser(c)
	ms, err := s.DB.Materials(c.UserContext())
	if err != nil {
		return err
	}
	views := make([]materialView, len(ms))
	for i, m := range ms {
		views[i] = s.materialView(c, m, u.Locale)
	}
	flash := c.Query("done")
	if flash != "mat_created" && flash != "mat_deleted" {
		flash = ""
	}
	data := fiber.Map{"Materials": views, "Form": form, "Kinds": materialKinds, "Flash": flash}
	if formErr != nil {
		data["Error"], data["ErrorField"] = partnerka.ErrorMessage(formErr), partnerka.ErrorField(formErr)
	}
	return c.Status(status).Type("html").Send(s.page(c, "admin_materials", u.Locale, T(u.Locale, "mat_materials"), data))
}

// createMaterial adds a banner, text or email template for every partner.
func (s *Server) createMaterial(c *fiber.Ctx) error {
	u := currentUser(c)
	form := materialForm{Kind: c.FormValue("kind"), Title: strings.TrimSpace(c.FormValue("title")),
		Body: strings.TrimRight(strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n"), " \n\t")}
	m, err := s.readMaterial(c, form, u.Locale)
	if err == nil {
		_, err = s.DB.CreateMaterial(c.UserContext(), s.actor(c), m)
	}
	if err != nil {
		if partnerka.ErrorCode(err) == partnerka.EINTERNAL {
			return err
		}
		return s.renderAdminMaterials(c, form, err, fiber.StatusUnprocessableEntity)
	}
	return c.Redirect("/admin/materials?done=mat_created", fiber.StatusSeeOther)
}

// readMaterial validates the form and reads the banner's image, judging
// its type by its content.
func (s *Server) readMaterial(c *fiber.Ctx, f materialForm, locale string) (storage.NewMaterial, error) {
	m := storage.NewMaterial{Kind: f.Kind, Title: f.Title, Body: f.Body, At: s.Now()}
	fail := func(field, key string, args ...any) (storage.NewMaterial, error) {
		return m, partnerka.FieldError(field, "%s", fmt.Sprintf(T(locale, key), args...))
	}
	switch {
	case !storage.ValidMaterialKind(f.Kind):
		return fail("kind", "mat_err_kind")
	case f.Title == "" || utf8.RuneCountInString(f.Title) > 200:
		return fail("title", "mat_err_title")
	case utf8.RuneCountInString(f.Body) > 20000:
		return fail("body", "mat_err_body_long")
	case f.Body == "" && f.Kind != storage.MaterialBanner:
		return fail("body", "mat_err_body")
	}
	fh, err := c.FormFile("image") // a form without a chosen file has none
	if err != nil {
		if f.Kind == storage.MaterialBanner {
			return fail("image", "mat_err_image_missing")
		}
		return m, nil
	}
	if f.Kind != storage.MaterialBanner {
		return fail("image", "mat_err_image_kind")
	}
	if fh.Size > maxBannerBytes {
		return fail("image", "mat_err_image_size", maxBannerBytes>>20)
	}
	file, err := fh.Open()
	if err != nil {
		return m, err
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, maxBannerBytes+1))
	if err != nil {
		return m, err
	}
	if len(b) > maxBannerBytes {
		return fail("image", "mat_err_image_size", maxBannerBytes>>20)
	}
	typ, _, _, ok := sniffBanner(b)
	if !ok {
		return fail("image", "mat_err_image_type")
	}
	m.Image, m.ImageType = b, typ
	return m, nil
}

// deleteMaterial asks for confirmation, then deletes the material for
// every partner.
func (s *Server) deleteMaterial(c *fiber.Ctx) error {
	u := currentUser(c)
	id, err := routeID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.DB.MaterialByID(c.UserContext(), id)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	if c.FormValue("confirm") != "1" {
		return c.Type("html").Send(s.page(c, "admin_material_delete", u.Locale, T(u.Locale, "mat_delete"), fiber.Map{
			"ID": m.ID, "Banner": m.Kind == storage.MaterialBanner,
			"Question": fmt.Sprintf(T(u.Locale, "mat_confirm_delete"), T(u.Locale, "mat_kind_"+m.Kind), m.Title),
		}))
	}
	err = s.DB.DeleteMaterial(c.UserContext(), s.actor(c), id)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/materials?done=mat_deleted", fiber.StatusSeeOther)
}

var _ = addMessages(map[string]string{
	"mat_materials": "Materials", "mat_banners": "Banners", "mat_texts": "Texts", "mat_emails": "Email templates",
	"mat_kind_banner": "banner", "mat_kind_text": "text", "mat_kind_email": "email template",
	"mat_lead":      "Banners, texts and emails from the program, with your referral link and promo code already in them: copy and use.",
	"mat_your_link": "Your link:", "mat_your_promo": "promo code:",
	"mat_no_link":  "You have no active referral link, so materials show {link} where it goes. Create one on the Links page.",
	"mat_no_promo": "This text mentions a promo code and you have none yet; ask the program's manager for one.",
	"mat_empty":    "The program has no materials yet. Meanwhile, share your link; materials appear here as soon as the program adds them.",
	"mat_snippet":  "HTML for your site", "mat_download": "Download the image", "mat_kb": "KB",
	"mat_admin_lead":  "Every partner sees these with their own link and promo code in place of {link} and {promo_code}.",
	"mat_admin_empty": "No materials yet. Add a banner, a text or an email template for partners to use.",
	"mat_kind":        "Kind", "mat_title": "Title", "mat_content": "Content", "mat_body": "Text",
	"mat_body_hint":  "{link} becomes the partner's referral link and {promo_code} their promo code. Optional for banners (a caption).",
	"mat_image":      "Image (banners only)",
	"mat_image_hint": "PNG, JPEG, GIF or WebP, at most 2 MB. After an error, choose the file again.",
	"mat_add":        "Add material", "mat_delete": "Delete",
	"mat_created": "The material is added; partners see it now.", "mat_deleted": "The material is deleted.",
	"mat_confirm_delete":     "Delete the %s “%s” for every partner?",
	"mat_delete_banner_note": "Partners who put this banner on their sites will show a broken image there.",
	"mat_err_kind":           "Choose banner, text or email template.",
	"mat_err_title":          "Enter a title of at most 200 characters.",
	"mat_err_body":           "Enter the text partners will copy.",
	"mat_err_body_long":      "The text is longer than 20,000 characters.",
	"mat_err_image_missing":  "Choose the banner's image.",
	"mat_err_image_kind":     "Only banners carry an image; choose the kind banner or remove the file.",
	"mat_err_image_size":     "The image is larger than %d MB.",
	"mat_err_image_type":     "The file is not a PNG, JPEG, GIF or WebP image.",
}, map[string]string{
	"mat_materials": "Промоматериалы", "mat_banners": "Баннеры", "mat_texts": "Тексты", "mat_emails": "Шаблоны писем",
	"mat_kind_banner": "баннер", "mat_kind_text": "текст", "mat_kind_email": "шаблон письма",
	"mat_lead":      "Баннеры, тексты и письма от программы, в которые уже подставлены ваша реферальная ссылка и промокод: копируйте и используйте.",
	"mat_your_link": "Ваша ссылка:", "mat_your_promo": "промокод:",
	"mat_no_link":  "У вас нет активной реферальной ссылки, поэтому в материалах стоит {link}. Создайте ссылку на странице «Ссылки».",
	"mat_no_promo": "В тексте упоминается промокод, а у вас его пока нет; попросите промокод у менеджера программы.",
	"mat_empty":    "Промоматериалов пока нет. А пока делитесь своей ссылкой; материалы появятся здесь, как только программа их добавит.",
	"mat_snippet":  "HTML для вашего сайта", "mat_download": "Скачать изображение", "mat_kb": "КБ",
	"mat_admin_lead":  "Каждый партнёр видит их со своей ссылкой и промокодом вместо {link} и {promo_code}.",
	"mat_admin_empty": "Промоматериалов пока нет. Добавьте баннер, текст или шаблон письма для партнёров.",
	"mat_kind":        "Вид", "mat_title": "Название", "mat_content": "Содержание", "mat_body": "Текст",
	"mat_body_hint":  "{link} заменится реферальной ссылкой партнёра, {promo_code} — его промокодом. Для баннера необязателен (подпись).",
	"mat_image":      "Изображение (только для баннера)",
	"mat_image_hint": "PNG, JPEG, GIF или WebP, не больше 2 МБ. После ошибки выберите файл заново.",
	"mat_add":        "Добавить материал", "mat_delete": "Удалить",
	"mat_created": "Материал добавлен; партнёры уже видят его.", "mat_deleted": "Материал удалён.",
	"mat_confirm_delete":     "Удалить %s «%s» для всех партнёров?",
	"mat_delete_banner_note": "У партнёров, разместивших этот баннер на своих сайтах, вместо него появится пустое изображение.",
	"mat_err_kind":           "Выберите вид: баннер, текст или шаблон письма.",
	"mat_err_title":          "Введите название не длиннее 200 символов.",
	"mat_err_body":           "Введите текст, который партнёры будут копировать.",
	"mat_err_body_long":      "Текст длиннее 20 000 символов.",
	"mat_err_image_missing":  "Выберите изображение баннера.",
	"mat_err_image_kind":     "Изображение бывает только у баннера; выберите вид «баннер» или уберите файл.",
	"mat_err_image_size":     "Изображение больше %d МБ.",
	"mat_err_image_type":     "Файл не является изображением PNG, JPEG, GIF или WebP.",
})
