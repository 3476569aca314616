package web

import "github.com/gofiber/fiber/v2"

// landing is the public page of the program: its terms in plain words.
func (s *Site) landing(c *fiber.Ctx) error {
	st, err := s.DB.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.Type("html").Send(s.Page(c, "landing", s.Locale(c), st.Name, fiber.Map{"Settings": st}))
}
