package tracker

import "github.com/gofiber/fiber/v2"

// Mount adds the tracker's routes to app. Start must have been called.
func (s *Server) Mount(app *fiber.App) {
	app.Get("/r/*", s.redirect) // GET and HEAD
	app.Get("/pk.js", s.pkJS)
	app.Post("/pk/seen", s.seen) // pk.js confirms a view with sendBeacon,
	app.Get("/pk/seen", s.seen)  // or an image where it cannot
	app.Get("/api/openapi.json", s.openAPI)

	api := app.Group("/api/v1", s.apiErrors, s.requireAPIKey)
	api.Post("/leads", s.createLead)
	api.Post("/purchases", s.createPurchase)
	api.Post("/purchases/import", s.importPurchases)
	api.Post("/refunds", s.createRefund)
	api.Get("/customers/:customer_id", s.getCustomer)
	api.Post("/promo-codes", s.createPromoCode)
	api.Get("/promo-codes", s.listPromoCodes)
	api.Get("/promo-codes/:code", s.checkPromoCode)
	api.Delete("/promo-codes/:code", s.disablePromoCode)
}

// apiErrors renders every error of the vendor API as its JSON error.
func (s *Server) apiErrors(c *fiber.Ctx) error {
	if err := c.Next(); err != nil {
		return WriteAPIError(c, s.Logger, err)
	}
	return nil
}
