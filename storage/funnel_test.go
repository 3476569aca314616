package storage_test

import (
	"context"
	"testing"
	"time"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// The dashboard's funnel and the back office's funnel per partner count
// one cohort the same way: each step a subset of the step before, the
// customers bound without a click beside it; a second click of the same
// visitor, a bot, an October click, a payment before the binding and
// another partner's click change nothing.
func TestFunnelCohort(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	db.Now = func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	res, err := db.LoadSeed(ctx, storage.Seed{Partners: []storage.SeedPartner{
		{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha", Kind: "company", Status: "active"},
			Links: []partnerka.Link{{Code: "alpha", Destination: "https://example.com/", IsDefault: true}}},
		{Partner: partnerka.Partner{Ref: "beta", Name: "Beta", Kind: "company", Status: "active"},
			Links: []partnerka.Link{{Code: "beta1", Destination: "https://example.com/"}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	alpha, beta := res.Partners["alpha"], res.Partners["beta"]
	storagetest.SeedFunnel(t, db, storagetest.FunnelLink{Partner: alpha, Link: res.Links["alpha"]},
		storagetest.FunnelLink{Partner: beta, Link: res.Links["beta1"]})

	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	d, err := db.PartnerDashboard(ctx, alpha, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if d.Funnel != storagetest.SeededFunnel {
		t.Errorf("dashboard funnel %+v, want %+v", d.Funnel, storagetest.SeededFunnel)
	}
	if d.Clicks != 5 || d.UniqueClicks != 4 || d.Leads != 10 {
		t.Errorf("clicks %d, unique %d, leads of the period %d; want 5, 4, 10", d.Clicks, d.UniqueClicks, d.Leads)
	}
	rep, err := db.Report(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	rows := map[int64]storage.FunnelRow{}
	for _, r := range rep.Funnel() {
		rows[r.PartnerID] = r
	}
	if got := rows[alpha]; got.Funnel != d.Funnel || got.Clicks != 5 || got.Name != "Alpha" {
		t.Errorf("report's funnel of alpha %+v, want the dashboard's %+v and 5 clicks", got, d.Funnel)
	}
	if got, want := rows[beta].Funnel, (storage.Funnel{Visitors: 1, Leads: 1}); got != want {
		t.Errorf("beta's funnel %+v, want %+v", got, want)
	}
	var streamed []storage.FunnelRow
	if err := db.EachFunnelRow(ctx, from, to, func(r storage.FunnelRow) error { streamed = append(streamed, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(streamed) != 2 || streamed[0] != rep.Funnel()[0] || streamed[1] != rep.Funnel()[1] || streamed[0].PartnerID != alpha {
		t.Errorf("the export's rows %+v, want the page's %+v, alpha first", streamed, rep.Funnel())
	}

	// A period without alpha's clicks: no visitor, no lead; the customers
	// bound by promo code in it are still counted apart.
	d, err = db.PartnerDashboard(ctx, alpha, time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 6, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if want := (storage.Funnel{NoClick: storage.NoClick{PromoCode: 3}}); d.Funnel != want {
		t.Errorf("Nov 3–5: %+v, want %+v", d.Funnel, want)
	}
}
