package backoffice

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

type materialForm struct{ Kind, Title, Body string }

// adminMaterials lists the materials with the form to add one.
func (s *Server) adminMaterials(c *fiber.Ctx) error {
	return s.renderAdminMaterials(c, materialForm{Kind: storage.MaterialBanner}, nil, fiber.StatusOK)
}

func (s *Server) renderAdminMaterials(c *fiber.Ctx, form materialForm, formErr error, status int) error {
	u := web.CurrentUser(c)
	ms, err := s.DB.Materials(c.UserContext())
	if err != nil {
		return err
	}
	views := make([]web.MaterialView, len(ms))
	for i, m := range ms {
		views[i] = s.MaterialView(c, m, u.Locale)
	}
	flash := c.Query("done")
	if flash != "mat_created" && flash != "mat_deleted" {
		flash = ""
	}
	data := fiber.Map{"Materials": views, "Form": form, "Kinds": web.MaterialKinds, "Flash": flash}
	if formErr != nil {
		data["Error"], data["ErrorField"] = web.ErrorText(u.Locale, formErr), partnerka.ErrorField(formErr)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_materials", u.Locale, web.T(u.Locale, "mat_materials"), data))
}

// createMaterial adds a banner, text or email template for every partner.
func (s *Server) createMaterial(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	form := materialForm{Kind: c.FormValue("kind"), Title: strings.TrimSpace(c.FormValue("title")),
		Body: strings.TrimRight(strings.ReplaceAll(c.FormValue("body"), "\r\n", "\n"), " \n\t")}
	m, err := s.readMaterial(c, form, u.Locale)
	if err == nil {
		_, err = s.DB.CreateMaterial(c.UserContext(), s.Actor(c), m)
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
		return m, partnerka.FieldError(field, "%s", fmt.Sprintf(web.T(locale, key), args...))
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
	if fh.Size > web.MaxBannerBytes {
		return fail("image", "mat_err_image_size", web.MaxBannerBytes>>20)
	}
	file, err := fh.Open()
	if err != nil {
		return m, err
	}
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, web.MaxBannerBytes+1))
	if err != nil {
		return m, err
	}
	if len(b) > web.MaxBannerBytes {
		return fail("image", "mat_err_image_size", web.MaxBannerBytes>>20)
	}
	typ, _, _, ok := web.SniffBanner(b)
	if !ok {
		return fail("image", "mat_err_image_type")
	}
	m.Image, m.ImageType = b, typ
	return m, nil
}

// deleteMaterial asks for confirmation, then deletes the material for
// every partner.
func (s *Server) deleteMaterial(c *fiber.Ctx) error {
	u := web.CurrentUser(c)
	id, err := web.RouteID(c, "id")
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
		return c.Type("html").Send(s.Page(c, "admin_material_delete", u.Locale, web.T(u.Locale, "mat_delete"), fiber.Map{
			"ID": m.ID, "Banner": m.Kind == storage.MaterialBanner,
			"Question": fmt.Sprintf(web.T(u.Locale, "mat_confirm_delete"), web.T(u.Locale, "mat_kind_"+m.Kind), m.Title),
		}))
	}
	err = s.DB.DeleteMaterial(c.UserContext(), s.Actor(c), id)
	if partnerka.ErrorCode(err) == partnerka.ENOTFOUND {
		return fiber.ErrNotFound
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/materials?done=mat_deleted", fiber.StatusSeeOther)
}
