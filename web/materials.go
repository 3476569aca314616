package web

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partnerka/storage"
)

var MaterialKinds = []string{storage.MaterialBanner, storage.MaterialText, storage.MaterialEmail}

// MaterialView is a material as a page shows it.
type MaterialView struct {
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

// MaterialView prepares a material for a page. Banners' sizes come from the
// stored header; a JPEG whose header lies beyond it is read whole.
func (s *Site) MaterialView(c *fiber.Ctx, m storage.Material, locale string) MaterialView {
	v := MaterialView{ID: m.ID, Kind: m.Kind, KindName: T(locale, "mat_kind_"+m.Kind), Title: m.Title, Body: m.Body,
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

var _ = AddMessages(map[string]string{
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
