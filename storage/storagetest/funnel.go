package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// FunnelLink is a partner and one of its links.
type FunnelLink struct{ Partner, Link int64 }

// SeedFunnel gives main a funnel over the days Nov 1 to 22, 2026 (UTC)
// whose customers bound without a click outnumber its clicks, and other
// one click that bound a customer (it must not leak into main's counts).
// Every instant is before the fixtures' clock (Nov 23, 12:00 UTC). main:
//
//	clicks of the period: Nov 20 10:00 and 10:10 from 10.0.0.1 (one
//	  visitor: an address on a link in an hour), 11:00 from 10.0.0.2,
//	  Nov 21 from 10.0.0.3, Nov 22 23:30 from 10.0.0.5 (5 clicks, 4 unique),
//	  a bot on Nov 20; and one on Oct 25 from 10.0.0.4.
//	customers bound by those clicks: v1 and v2 (the first visitor's two
//	  clicks; v1 paid on Nov 21), v3 (10.0.0.2's, bound Nov 23 09:00, paid
//	  only before it was bound), v5 (Nov 22 23:30's, bound Nov 23 00:10,
//	  paid Nov 23 10:00), v4 (bound Nov 2 by the October click).
//	customers bound without a click in the period: five by promo code
//	  (three of them paid), two by partner ref; one by promo code in
//	  October.
//
// So over the period: 4 visitors, 3 of them leads (v1/v2, v3, v5), 2 of
// those paying (v1, v5); 7 customers without a click (5 promo code, 2
// partner ref). Counted the old way, 10 leads of the period (v1, v2, v4
// and the 7) over 4 unique clicks were 250 %.
func SeedFunnel(t testing.TB, db *storage.DB, main, other FunnelLink) {
	t.Helper()
	ctx := context.Background()
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, time.UTC) }
	type click struct {
		on       FunnelLink
		at       time.Time
		ip       string
		flags    int
		customer string // bound by the click, "" for none
		bound    time.Time
	}
	clicks := []click{
		{main, at(11, 20, 10, 0), "10.0.0.1", 0, "v1", at(11, 20, 10, 30)},
		{main, at(11, 20, 10, 10), "10.0.0.1", 0, "v2", at(11, 20, 10, 40)},
		{main, at(11, 20, 11, 0), "10.0.0.2", 0, "v3", at(11, 23, 9, 0)},
		{main, at(11, 21, 9, 0), "10.0.0.3", 0, "", time.Time{}},
		{main, at(11, 22, 23, 30), "10.0.0.5", 0, "v5", at(11, 23, 0, 10)},
		{main, at(11, 20, 11, 30), "10.0.0.9", 1, "", time.Time{}}, // a bot
		{main, at(10, 25, 9, 0), "10.0.0.4", 0, "v4", at(11, 2, 12, 0)},
		{other, at(11, 20, 12, 0), "10.0.0.1", 0, "w1", at(11, 20, 12, 5)},
	}
	var stream []storage.StreamClick
	for _, c := range clicks {
		stream = append(stream, storage.StreamClick{ID: partnerka.NewClickID(c.at).String(), LinkID: c.on.Link,
			PartnerID: c.on.Partner, At: c.at, IP: c.ip, Flags: c.flags})
	}
	if err := db.InsertClicks(ctx, stream, true); err != nil {
		t.Fatal(err)
	}
	bind := func(customer string, b storage.Binding) {
		t.Helper()
		if err := db.InLeadTx(ctx, func(tx *storage.LeadTx) error {
			c, err := tx.LockCustomer(ctx, customer, b.BoundAt, "", "")
			if err != nil {
				return err
			}
			return tx.BindCustomer(ctx, c.ID, b)
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range clicks {
		if c.customer == "" {
			continue
		}
		id, err := partnerka.ParseClickID(stream[i].ID)
		if err != nil {
			t.Fatal(err)
		}
		bind(c.customer, storage.Binding{PartnerID: c.on.Partner, Source: "click", BoundAt: c.bound, ClickID: id.UUID(), LinkID: c.on.Link})
	}
	for i := 1; i <= 5; i++ {
		bind(fmt.Sprintf("promo%d", i), storage.Binding{PartnerID: main.Partner, Source: "promo_code", BoundAt: at(11, 2+i, 12, 0)})
	}
	bind("ref1", storage.Binding{PartnerID: main.Partner, Source: "partner_ref", BoundAt: at(11, 10, 12, 0)})
	bind("ref2", storage.Binding{PartnerID: main.Partner, Source: "partner_ref", BoundAt: at(11, 11, 12, 0)})
	bind("promo-oct", storage.Binding{PartnerID: main.Partner, Source: "promo_code", BoundAt: at(10, 20, 12, 0)})
	for i, p := range []struct {
		customer string
		at       time.Time
	}{{"v1", at(11, 21, 12, 0)}, {"v3", at(11, 22, 12, 0)}, {"v5", at(11, 23, 10, 0)},
		{"promo1", at(11, 15, 12, 0)}, {"promo2", at(11, 15, 12, 0)}, {"promo3", at(11, 16, 12, 0)}} {
		purchase := &partnerka.Purchase{ExternalID: fmt.Sprintf("fp%d", i), CustomerID: p.customer,
			Amount: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "RUB"}, OccurredAt: p.at}
		if _, _, err := db.CreatePurchase(ctx, purchase, []byte(purchase.ExternalID)); err != nil {
			t.Fatal(err)
		}
	}
}

// SeededFunnel is main's funnel SeedFunnel makes, for the days Nov 1 to 22.
var SeededFunnel = storage.Funnel{Visitors: 4, Leads: 3, Paying: 2, NoClick: storage.NoClick{PromoCode: 5, PartnerRef: 2}}
