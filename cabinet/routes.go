package cabinet

import (
	"github.com/gofiber/fiber/v2"
)

// routes is the one route table of the partner cabinet. Every page runs
// the shared session and CSRF checks (web.Site.Mount); all but the public
// ones (applying, accepting an invitation, a banner's image) also
// requirePartner; an applicant (pending.go) reaches only their application,
// the terms, the program rules and the materials, every other page
// requireApproved. The pages wrapped in ReadOnly only read, and read their
// figures on the replica when there is one that keeps up (web/replica.go).
func (s *Server) routes(web fiber.Router) {
	web.Get("/apply", s.apply)
	web.Post("/apply", s.submitApplication)
	web.Get("/invite", s.invitePage)
	web.Post("/invite", s.acceptInvitation)
	// Public: banner snippets show it on partners' own sites.
	web.Get("/materials/:id/image", s.materialImage)
	partner := web.Group("", s.requirePartner, s.loadPartner)
	partner.Get("/pending", s.pending)
	partner.Post("/pending", s.saveApplication)
	partner.Get("/materials", s.materials)
	partner.Get("/terms", s.terms)
	partner.Get("/rules", s.rules)
	partner.Use(s.requireApproved)
	partner.Get("/dashboard", s.ReadOnly(s.dashboard))
	partner.Get("/links", s.ReadOnly(s.links))
	partner.Post("/links", s.createLink)
	partner.Get("/links/qr", s.linkQR)
	partner.Post("/links/:id", s.editLink)
	partner.Post("/links/:id/disable", s.setLinkDisabled)
	partner.Post("/links/:id/enable", s.setLinkDisabled)
	partner.Post("/promo-codes/request", s.requestPromoCode)
	partner.Get("/customers", s.ReadOnly(s.customers))
	partner.Post("/customers", s.registerLead)
	partner.Get("/customers.csv", s.customersCSV)
	partner.Get("/earnings", s.ReadOnly(s.earnings))
	partner.Get("/earnings.csv", s.earningsCSV)
	partner.Get("/payouts", s.ReadOnly(s.payouts))
	partner.Post("/payouts", s.requestPayout)
	partner.Post("/payouts/:id/cancel", s.cancelPayout)
	partner.Get("/settings", s.settings)
	partner.Post("/settings", s.saveSettings)
	partner.Post("/settings/postback", s.savePostback)
	partner.Post("/settings/postback/test", s.testPostback)
	partner.Post("/settings/team/invite", s.inviteMember)
	partner.Post("/settings/team/revoke", s.revokeInvitation)
	partner.Post("/settings/team/:id/remove", s.removeMember)
}
