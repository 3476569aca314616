package cabinet

import (
	"context"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka/backoffice"
	"partnerka/commissions"
	"partnerka/storage"
	"partnerka/web"
	"partnerka/web/webtest"
)

var now = webtest.Now

const pw = webtest.Password

// fixture is the cabinet over the standard seed, beside the back office
// (staff actions some pages show, as in the real binary).
type fixture struct {
	*webtest.Fixture
	srv *Server
}

func newFixture(t *testing.T) *fixture { return newSeededFixture(t, nil) }

// newSeededFixture is the fixture over seed (webtest.StandardSeed when nil).
func newSeededFixture(t *testing.T, seed func(webtest.UserFunc) storage.Seed) *fixture {
	t.Helper()
	f := &fixture{}
	f.Fixture = webtest.NewReplicated(t, seed, f.mount) // on the replica when make test has one
	return f
}

// mount adds the back office and the cabinet to the site, as cmd does.
func (f *fixture) mount(site *web.Site, r fiber.Router) error {
	db := site.DB
	staff := &backoffice.Server{Site: site, AddManualEntry: commissions.ManualEntries(db)}
	if err := staff.Mount(r); err != nil {
		return err
	}
	f.srv = &Server{Site: site,
		RegisterLead: commissions.LeadRegistrar(db),
		SamplePostback: func(ctx context.Context, tmpl, currency string, at time.Time) error {
			return commissions.SendSamplePostback(ctx, commissions.PostbackClient(true), tmpl, currency, at)
		}}
	return f.srv.Mount(r)
}
