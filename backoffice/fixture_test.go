package backoffice

import (
	"testing"

	"github.com/gofiber/fiber/v2"

	"partnerka/cabinet"
	"partnerka/commissions"
	"partnerka/storage"
	"partnerka/web"
	"partnerka/web/webtest"
)

var now = webtest.Now

const pw = webtest.Password

// fixture is the back office over a seeded program, beside the cabinet
// (the partner pages that show what staff decide), as in the real binary.
type fixture struct {
	*webtest.Fixture
	srv *Server
}

// newFixture is the back office over webtest.StandardSeed.
func newFixture(t *testing.T) *fixture { return newSeededFixture(t, nil) }

func newSeededFixture(t *testing.T, seed func(webtest.UserFunc) storage.Seed) *fixture {
	t.Helper()
	f := &fixture{}
	f.Fixture = webtest.NewReplicated(t, seed, func(site *web.Site, r fiber.Router) error { // on the replica when make test has one
		db := site.DB
		f.srv = &Server{Site: site, PreviewPlan: commissions.PreviewPlan,
			AddManualEntry: commissions.ManualEntries(db)}
		if err := f.srv.Mount(r); err != nil {
			return err
		}
		return (&cabinet.Server{Site: site, RegisterLead: commissions.LeadRegistrar(db)}).Mount(r)
	})
	return f
}

// requestPayout gives alpha an available balance and has alpha's owner
// request amount RUB.
func (f *fixture) requestPayout(t *testing.T, amount string) int64 {
	return webtest.RequestPayout(t, f.DB, f.Seed, amount)
}
