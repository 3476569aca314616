package notify

import (
	"testing"

	"partnerka/storage"
	"partnerka/web/webtest"
)

var now = webtest.Now

// fixture is the standard seed's database; notices need no web site.
type fixture struct {
	db   *storage.DB
	seed *storage.SeedResult
}

func newFixture(t *testing.T) *fixture {
	db, seed := webtest.NewDB(t, nil)
	return &fixture{db: db, seed: seed}
}

func (f *fixture) requestPayout(t *testing.T, amount string) int64 {
	return webtest.RequestPayout(t, f.db, f.seed, amount)
}
