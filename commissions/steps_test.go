package commissions

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// world is a program over real PostgreSQL and Redis with two active
// partners (alpha, beta) and a suspended one.
type world struct {
	db    *storage.DB
	rdb   *storage.Redis
	seed  *storage.SeedResult
	clock time.Time
	leads *LeadStep
	click *ClickStep
	n     int
}

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, model string) *world {
	t.Helper()
	w := &world{db: storagetest.NewDB(t), rdb: storagetest.NewRedis(t), clock: t0}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var err error
	w.seed, err = w.db.LoadSeed(context.Background(), storage.Seed{
		Settings: &partnerka.Settings{Name: "T", DefaultCurrency: "USD", DefaultLandingURL: "https://example.com/",
			AllowedDomains: []string{"example.com"}, AttributionWindowDays: 30, AttributionModel: model, HoldDays: 30,
			RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click"},
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha", Kind: "company", Status: "active"}, ContractStart: start,
				Users:      []partnerka.User{{Email: "owner@alpha.test", Role: "owner", PasswordHash: "x"}},
				Links:      []partnerka.Link{{Code: "alpha", Destination: "https://example.com/"}},
				PromoCodes: []string{"ALPHA10"}},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta", Kind: "company", Status: "active"}, ContractStart: start,
				Links:      []partnerka.Link{{Code: "beta", Destination: "https://example.com/"}},
				PromoCodes: []string{"BETA5"}},
			{Partner: partnerka.Partner{Ref: "susp", Name: "Suspended", Kind: "person", Status: "suspended"}, ContractStart: start,
				PromoCodes: []string{"SUSP"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.leads = &LeadStep{DB: w.db, Redis: w.rdb, Consumer: "test"}
	w.click = &ClickStep{DB: w.db, Redis: w.rdb, Consumer: "test"}
	if err := w.db.EnsureClickPartitions(context.Background(), t0.AddDate(0, -3, 0), 6); err != nil {
		t.Fatal(err)
	}
	return w
}

// clickAt records a click of partner ref's link at t, as the tracker would,
// naming prev as the earlier click of the visitor's cookie.
func (w *world) clickAt(t *testing.T, ref string, at time.Time, flags int, prev string) string {
	t.Helper()
	id := partnerka.NewClickID(at).String()
	c := storage.StreamClick{ID: id, LinkID: w.seed.Links[ref], PartnerID: w.seed.Partners[ref], At: at, Flags: flags,
		IP: "198.51.100.7", UserAgent: "Mozilla/5.0", PrevClick: prev}
	lines := storage.AppendClick(nil, &c)
	if err := w.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: w.rdb.Key(storage.ClickStream),
		Values: storage.ClickBatchFields(1, lines)}).Err(); err != nil {
		t.Fatal(err)
	}
	return id
}

func (w *world) lead(t *testing.T, l partnerka.Lead) {
	t.Helper()
	w.n++
	l.ID = partnerka.NewClickID(time.Now()).UUID()
	if l.ClickID != "" {
		id, err := partnerka.ParseClickID(l.ClickID)
		if err != nil {
			t.Fatal(err)
		}
		l.ClickID = id.UUID()
	}
	l.ReceivedAt = l.OccurredAt
	b, _ := json.Marshal(l)
	if err := w.rdb.XAdd(context.Background(), &redis.XAddArgs{Stream: w.rdb.Key(storage.LeadStream),
		Values: []any{"lead", b}}).Err(); err != nil {
		t.Fatal(err)
	}
}

func (w *world) reconcile(t *testing.T) {
	t.Helper()
	for _, s := range []Step{w.click, w.leads} {
		if _, err := s.Run(context.Background()); err != nil {
			t.Fatalf("%s: %v", s.Name(), err)
		}
	}
}

func (w *world) binding(t *testing.T, customer string) *storage.CustomerBinding {
	t.Helper()
	b, err := w.db.CustomerBinding(context.Background(), customer)
	if err != nil {
		t.Fatalf("customer %s: %v", customer, err)
	}
	return b
}

func lastReason(b *storage.CustomerBinding) string {
	if len(b.Decisions) == 0 {
		return ""
	}
	return b.Decisions[len(b.Decisions)-1].Reason
}

func TestLeadAttribution(t *testing.T) {
	window := 30 * 24 * time.Hour
	for _, tc := range []struct {
		name        string
		model       string
		run         func(t *testing.T, w *world)
		customer    string
		wantPartner string // "" = unbound
		wantReason  string
		wantSource  string
	}{
		{name: "click inside the window", customer: "c1", wantPartner: "alpha", wantReason: ReasonAttributed, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				id := w.clickAt(t, "alpha", t0, 0, "")
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: id, OccurredAt: t0.Add(window - time.Second)})
			}},
		{name: "click exactly at the window's end", customer: "c1", wantReason: ReasonExpiredClick, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				id := w.clickAt(t, "alpha", t0, 0, "")
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: id, OccurredAt: t0.Add(window)})
			}},
		{name: "same-second click", customer: "c1", wantPartner: "alpha", wantReason: ReasonAttributed, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				id := w.clickAt(t, "alpha", t0.Add(400*time.Millisecond), 0, "")
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: id, OccurredAt: t0})
			}},
		{name: "bot click does not attribute", customer: "c1", wantReason: ReasonNoEvidence, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				id := w.clickAt(t, "alpha", t0, storage.FlagBot, "")
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: id, OccurredAt: t0.Add(time.Hour)})
			}},
		{name: "unknown click id", customer: "c1", wantReason: ReasonUnknownCode, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: partnerka.NewClickID(t0).String(), OccurredAt: t0})
			}},
		{name: "last click wins", model: "last_click", customer: "c1", wantPartner: "beta", wantReason: ReasonAttributed, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				a := w.clickAt(t, "alpha", t0, 0, "")
				b := w.clickAt(t, "beta", t0.Add(time.Hour), 0, a)
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: b, OccurredAt: t0.Add(2 * time.Hour)})
			}},
		{name: "first click model", model: "first_click", customer: "c1", wantPartner: "alpha", wantReason: ReasonAttributed, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				a := w.clickAt(t, "alpha", t0, 0, "")
				b := w.clickAt(t, "beta", t0.Add(time.Hour), 0, a)
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: b, OccurredAt: t0.Add(2 * time.Hour)})
			}},
		{name: "first click outside the window falls to the next", model: "first_click", customer: "c1", wantPartner: "beta",
			wantReason: ReasonAttributed, wantSource: SourceClick,
			run: func(t *testing.T, w *world) {
				a := w.clickAt(t, "alpha", t0, 0, "")
				b := w.clickAt(t, "beta", t0.Add(window), 0, a)
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: b, OccurredAt: t0.Add(window + time.Hour)})
			}},
		{name: "promo code beats a click", customer: "c1", wantPartner: "beta", wantReason: ReasonAttributed, wantSource: SourcePromoCode,
			run: func(t *testing.T, w *world) {
				id := w.clickAt(t, "alpha", t0, 0, "")
				w.lead(t, partnerka.Lead{CustomerID: "c1", ClickID: id, PromoCode: "beta5", OccurredAt: t0.Add(time.Hour)})
			}},
		{name: "suspended partner's promo code", customer: "c1", wantReason: ReasonPartnerInactive, wantSource: SourcePromoCode,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", PromoCode: "SUSP", OccurredAt: t0})
			}},
		{name: "partner ref", customer: "c1", wantPartner: "beta", wantReason: ReasonAttributed, wantSource: SourcePartnerRef,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", PartnerRef: "beta", OccurredAt: t0})
			}},
		{name: "existing customer", customer: "c1", wantReason: ReasonExistingCustomer,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", PromoCode: "ALPHA10", ExistingCustomer: true, OccurredAt: t0})
			}},
		{name: "existing customer stays unbound", customer: "c1", wantReason: ReasonExistingCustomer,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", ExistingCustomer: true, OccurredAt: t0})
				w.lead(t, partnerka.Lead{CustomerID: "c1", PromoCode: "ALPHA10", OccurredAt: t0.Add(time.Hour)})
			}},
		{name: "self-referral", customer: "c1", wantReason: ReasonSelfReferral, wantSource: SourcePromoCode,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", Email: "owner@alpha.test", PromoCode: "ALPHA10", OccurredAt: t0})
			}},
		{name: "first binding wins", customer: "c1", wantPartner: "alpha", wantReason: ReasonAlreadyBound, wantSource: SourcePromoCode,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", PromoCode: "ALPHA10", OccurredAt: t0})
				w.lead(t, partnerka.Lead{CustomerID: "c1", PromoCode: "BETA5", OccurredAt: t0.Add(time.Hour)})
			}},
		{name: "registration binds before a promo code", customer: "c1", wantPartner: "beta", wantReason: ReasonAttributed, wantSource: SourceRegistration,
			run: func(t *testing.T, w *world) {
				if _, err := RegisterLead(context.Background(), w.db, w.seed.Partners["beta"],
					RegistrationInput{Company: "Acme", Email: "ceo@acme.example"}, t0); err != nil {
					t.Fatal(err)
				}
				w.lead(t, partnerka.Lead{CustomerID: "c1", Email: "cfo@acme.example", PromoCode: "ALPHA10", OccurredAt: t0.Add(time.Hour)})
			}},
		{name: "expired registration protects nothing", customer: "c1", wantPartner: "alpha", wantReason: ReasonAttributed, wantSource: SourcePromoCode,
			run: func(t *testing.T, w *world) {
				if _, err := RegisterLead(context.Background(), w.db, w.seed.Partners["beta"],
					RegistrationInput{Email: "ceo@acme.example"}, t0); err != nil {
					t.Fatal(err)
				}
				w.lead(t, partnerka.Lead{CustomerID: "c1", Email: "ceo@acme.example", PromoCode: "ALPHA10", OccurredAt: t0.Add(90 * 24 * time.Hour)})
			}},
		{name: "no evidence", customer: "c1", wantReason: ReasonNoEvidence,
			run: func(t *testing.T, w *world) {
				w.lead(t, partnerka.Lead{CustomerID: "c1", OccurredAt: t0})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := tc.model
			if model == "" {
				model = "last_click"
			}
			w := newWorld(t, model)
			tc.run(t, w)
			w.reconcile(t)
			b := w.binding(t, tc.customer)
			gotPartner := ""
			if b.PartnerRef != nil {
				gotPartner = *b.PartnerRef
			}
			gotSource := ""
			if b.Source != nil {
				gotSource = *b.Source
			}
			if d := b.Decisions[len(b.Decisions)-1]; d.Source != "" && tc.wantSource != "" {
				gotSource = d.Source
			}
			if gotPartner != tc.wantPartner || lastReason(b) != tc.wantReason || gotSource != tc.wantSource {
				t.Errorf("partner %q reason %q source %q, want %q %q %q; decisions %+v",
					gotPartner, lastReason(b), gotSource, tc.wantPartner, tc.wantReason, tc.wantSource, b.Decisions)
			}
			if len(b.Decisions) != w.n {
				t.Errorf("%d decisions for %d leads", len(b.Decisions), w.n)
			}
		})
	}
}

func TestPurchaseEvidenceBindsAtPurchaseTime(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	id := w.clickAt(t, "alpha", t0, 0, "")
	cid, _ := partnerka.ParseClickID(id)
	// The purchase arrives before any lead; its click id acts as the lead.
	p := &partnerka.Purchase{ExternalID: "inv-1", CustomerID: "c9", Amount: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "USD"},
		ClickID: cid.UUID(), OccurredAt: t0.Add(2 * time.Hour)}
	if _, _, err := w.db.CreatePurchase(ctx, p, []byte("h")); err != nil {
		t.Fatal(err)
	}
	w.reconcile(t)
	b := w.binding(t, "c9")
	if b.PartnerRef == nil || *b.PartnerRef != "alpha" || !b.BoundAt.Equal(t0.Add(2*time.Hour)) || b.Decisions[0].PurchaseID == nil {
		t.Fatalf("binding %+v", b)
	}
	// A later lead with another partner's code does not move the customer,
	// and reconciling again decides nothing twice.
	w.lead(t, partnerka.Lead{CustomerID: "c9", PromoCode: "BETA5", OccurredAt: t0.Add(3 * time.Hour)})
	w.reconcile(t)
	w.reconcile(t)
	b = w.binding(t, "c9")
	if *b.PartnerRef != "alpha" || len(b.Decisions) != 2 || b.Decisions[1].Reason != ReasonAlreadyBound {
		t.Errorf("after a later lead: %+v", b)
	}
}

func TestLeadRedeliveryDecidesOnce(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	w.lead(t, partnerka.Lead{CustomerID: "c1", PromoCode: "ALPHA10", OccurredAt: t0})
	if err := w.rdb.EnsureGroup(ctx, storage.LeadStream); err != nil {
		t.Fatal(err)
	}
	// A reconciler reads the lead, commits it, and dies before XACK.
	msgs, err := w.rdb.ReadGroup(ctx, storage.LeadStream, "dead-one", 10, time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("read: %v %v", msgs, err)
	}
	lead, err := DecodeLead(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	st, _ := w.db.Settings(ctx)
	if err := w.db.InLeadTx(ctx, func(tx *storage.LeadTx) error { return w.leads.decideIn(ctx, tx, st, lead, 0, false) }); err != nil {
		t.Fatal(err)
	}
	// Another reconciler takes the stale entry over and processes it again.
	w.leads.ReclaimAfter = time.Millisecond
	time.Sleep(5 * time.Millisecond)
	w.reconcile(t)
	b := w.binding(t, "c1")
	if len(b.Decisions) != 1 || *b.PartnerRef != "alpha" {
		t.Errorf("decisions %+v", b.Decisions)
	}
	p, err := w.rdb.XPending(ctx, w.rdb.Key(storage.LeadStream), storage.ReconcileGroup).Result()
	if err != nil || p.Count != 0 {
		t.Errorf("pending after reclaim: %+v %v", p, err)
	}
}

func TestMalformedLeadIsDeadLettered(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	w.rdb.XAdd(ctx, &redis.XAddArgs{Stream: w.rdb.Key(storage.LeadStream), Values: []any{"lead", "{not json"}})
	w.lead(t, partnerka.Lead{CustomerID: "c1", PromoCode: "ALPHA10", OccurredAt: t0})
	w.reconcile(t)
	if b := w.binding(t, "c1"); *b.PartnerRef != "alpha" {
		t.Errorf("the good lead behind a bad one was not processed: %+v", b)
	}
	dead, _ := w.rdb.XRange(ctx, w.rdb.Key(storage.LeadStream+":dead"), "-", "+").Result()
	if len(dead) != 1 || dead[0].Values["error"] == "" {
		t.Errorf("dead letters: %v", dead)
	}
}

// TestPoisonLeadInABatch: the leads of a read are decided in one
// transaction, each under a savepoint; one the database refuses (a click
// id that is not one) is dead-lettered alone, and the lead read with it
// is bound.
func TestPoisonLeadInABatch(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	bad, _ := json.Marshal(partnerka.Lead{ID: partnerka.NewClickID(t0).UUID(), CustomerID: "c-bad", ClickID: "not-a-click",
		OccurredAt: t0, ReceivedAt: t0})
	w.rdb.XAdd(ctx, &redis.XAddArgs{Stream: w.rdb.Key(storage.LeadStream), Values: []any{"lead", bad}})
	w.lead(t, partnerka.Lead{CustomerID: "c-good", PromoCode: "ALPHA10", OccurredAt: t0})
	w.reconcile(t)
	if b := w.binding(t, "c-good"); b.PartnerRef == nil || *b.PartnerRef != "alpha" {
		t.Errorf("the good lead read with a poisoned one: %+v", b)
	}
	if _, err := w.db.CustomerBinding(ctx, "c-bad"); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Errorf("the poisoned lead left its customer: %v", err)
	}
	dead, _ := w.rdb.XRange(ctx, w.rdb.Key(storage.LeadStream+":dead"), "-", "+").Result()
	if len(dead) != 1 || !strings.Contains(dead[0].Values["error"].(string), "uuid") {
		t.Errorf("dead letters: %v", dead)
	}
}

func TestClickDrain(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	day := t0.Truncate(24 * time.Hour)
	w.clickAt(t, "alpha", t0, 0, "")
	w.clickAt(t, "alpha", t0.Add(time.Minute), 0, "")               // same address, same hour: not unique
	w.clickAt(t, "alpha", t0.Add(time.Hour), 0, "")                 // next hour: unique again
	w.clickAt(t, "alpha", t0.Add(2*time.Hour), storage.FlagBot, "") // a bot
	w.rdb.XAdd(ctx, &redis.XAddArgs{Stream: w.rdb.Key(storage.ClickStream), Values: []any{"v", "1", "n", "1", "c", "garbage\n"}})
	n, err := w.click.Run(ctx)
	if err != nil || n != 4 {
		t.Fatalf("drained %d clicks, %v; want 4", n, err)
	}
	type stat struct{ Clicks, Unique, Bots int }
	var got stat
	if err := w.db.QueryRowContext(ctx, `SELECT clicks, unique_clicks, bot_clicks FROM click_stats_daily WHERE partner_id = $1 AND day = $2`,
		w.seed.Partners["alpha"], day).Scan(&got.Clicks, &got.Unique, &got.Bots); err != nil {
		t.Fatal(err)
	}
	if want := (stat{3, 2, 1}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	// Replaying the same clicks (a crash before XACK) changes nothing.
	var replay []storage.StreamClick
	for _, ref := range []string{"alpha"} {
		replay = append(replay, storage.StreamClick{ID: partnerka.NewClickID(t0).String(), LinkID: w.seed.Links[ref],
			PartnerID: w.seed.Partners[ref], At: t0, IP: "198.51.100.8"})
	}
	if err := w.db.InsertClicks(ctx, replay, false); err != nil {
		t.Fatal(err)
	}
	if err := w.db.InsertClicks(ctx, replay, false); !storage.IsUniqueViolation(err, "") {
		t.Errorf("storing a stored click as new: %v, want a unique violation", err)
	}
	if err := w.db.InsertClicks(ctx, replay, true); err != nil {
		t.Fatal(err)
	}
	if err := w.db.QueryRowContext(ctx, `SELECT clicks, unique_clicks FROM click_stats_daily WHERE partner_id = $1 AND day = $2`,
		w.seed.Partners["alpha"], day).Scan(&got.Clicks, &got.Unique); err != nil || got.Clicks != 4 || got.Unique != 3 {
		t.Errorf("after replaying one click twice: %+v %v, want 4 clicks, 3 unique", got, err)
	}
	var clicks int
	w.db.Get(&clicks, `SELECT count(*) FROM clicks`)
	if clicks != 5 {
		t.Errorf("%d clicks stored, want 5", clicks)
	}
	dead, _ := w.rdb.XLen(ctx, w.rdb.Key(storage.ClickStream+":dead")).Result()
	if dead != 1 {
		t.Errorf("%d dead letters, want 1", dead)
	}
	if p, _ := w.rdb.XPending(ctx, w.rdb.Key(storage.ClickStream), storage.ReconcileGroup).Result(); p.Count != 0 {
		t.Errorf("%d clicks entries left pending", p.Count)
	}
}

func TestRegistrationProtection(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	alpha, beta := w.seed.Partners["alpha"], w.seed.Partners["beta"]
	if _, err := RegisterLead(ctx, w.db, alpha, RegistrationInput{Company: "Acme", Email: "ceo@acme.example"}, t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		partner int64
		in      RegistrationInput
		at      time.Time
		want    string // error code, "" for accepted
	}{
		{"same email, other partner", beta, RegistrationInput{Email: "CEO@acme.example"}, t0.Add(time.Hour), partnerka.ECONFLICT},
		{"same company domain, other partner", beta, RegistrationInput{Email: "sales@acme.example"}, t0.Add(time.Hour), partnerka.ECONFLICT},
		{"public mail domain is no company", beta, RegistrationInput{Email: "someone@gmail.com"}, t0.Add(time.Hour), ""},
		{"same partner again", alpha, RegistrationInput{Email: "cto@acme.example"}, t0.Add(time.Hour), ""},
		{"after protection ends", beta, RegistrationInput{Email: "ceo@acme.example"}, t0.Add(91 * 24 * time.Hour), ""},
		{"nothing to register", beta, RegistrationInput{Phone: "+1"}, t0, partnerka.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RegisterLead(ctx, w.db, tc.partner, tc.in, tc.at)
			if got := partnerka.ErrorCode(err); got != tc.want {
				t.Errorf("got %q (%v), want %q", got, err, tc.want)
			}
			if tc.want == partnerka.ECONFLICT && err != nil && !strings.Contains(err.Error(), "protected until 2026-08-30") {
				t.Errorf("refusal %q does not say until when", err)
			}
		})
	}
}

// Issue 18: a registration with a company and its site, no email (it
// answered 500 before: the insert hit the CHECK that a registration has
// an email or a company domain), is stored with the site's domain and
// binds a later lead whose email is at that domain.
func TestRegistrationByWebsite(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	alpha, beta := w.seed.Partners["alpha"], w.seed.Partners["beta"]
	if _, err := RegisterLead(ctx, w.db, alpha, RegistrationInput{Company: "Globex"}, t0); partnerka.ErrorCode(err) != partnerka.EINVALID ||
		partnerka.ErrorField(err) != "website" {
		t.Fatalf("a company alone: %v, want invalid on the website field", err)
	}
	reg, err := RegisterLead(ctx, w.db, alpha, RegistrationInput{Company: "Globex", Website: "https://www.Globex.example/about"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if reg.ID == 0 || reg.CompanyDomain != "globex.example" || reg.Email != "" {
		t.Fatalf("stored %+v, want the domain globex.example and no email", reg)
	}
	_, err = RegisterLead(ctx, w.db, beta, RegistrationInput{Company: "Globex", Website: "globex.example"}, t0.Add(time.Hour))
	var taken *partnerka.RegistrationTaken
	if !errors.As(err, &taken) || taken.Domain != "globex.example" || !taken.Until.Equal(reg.ProtectedUntil) || partnerka.ErrorField(err) != "website" {
		t.Errorf("beta registering the same site: %v, want refused on the website field until %s", err, reg.ProtectedUntil)
	}
	w.lead(t, partnerka.Lead{CustomerID: "G1", Email: "hank@globex.example", OccurredAt: t0.Add(24 * time.Hour)})
	w.reconcile(t)
	b := w.binding(t, "G1")
	if b.PartnerID == nil || *b.PartnerID != alpha || b.Source == nil || *b.Source != SourceRegistration ||
		b.RegistrationID == nil || *b.RegistrationID != reg.ID {
		t.Errorf("the lead at the registered domain: %+v, want bound to alpha by registration %d", b, reg.ID)
	}
}

// Issue 16: a customer refused as a self-referral was bound to the same
// partner by the promo code of a purchase, or by a later lead with only
// a partner ref. Every path is judged on what is known of the customer.
func TestSelfReferralOnEveryPath(t *testing.T) {
	for _, tc := range []struct {
		name  string
		later func(t *testing.T, w *world, ctx context.Context)
	}{
		{"a purchase with the partner's promo code", func(t *testing.T, w *world, ctx context.Context) {
			p := &partnerka.Purchase{ExternalID: "X-p1", CustomerID: "X", Amount: partnerka.Money{Amount: decimal.RequireFromString("1650.00"), Currency: "USD"},
				PromoCode: "ALPHA10", OccurredAt: t0.Add(time.Hour)}
			if _, _, err := w.db.CreatePurchase(ctx, p, []byte("h")); err != nil {
				t.Fatal(err)
			}
		}},
		{"a purchase with the partner's click id", func(t *testing.T, w *world, ctx context.Context) {
			id := w.clickAt(t, "alpha", t0.Add(30*time.Minute), 0, "")
			cid, _ := partnerka.ParseClickID(id)
			p := &partnerka.Purchase{ExternalID: "X-p1", CustomerID: "X", Amount: partnerka.Money{Amount: decimal.RequireFromString("1650.00"), Currency: "USD"},
				ClickID: cid.UUID(), OccurredAt: t0.Add(time.Hour)}
			if _, _, err := w.db.CreatePurchase(ctx, p, []byte("h")); err != nil {
				t.Fatal(err)
			}
		}},
		{"a lead with only a partner ref", func(t *testing.T, w *world, ctx context.Context) {
			w.lead(t, partnerka.Lead{CustomerID: "X", PartnerRef: "alpha", OccurredAt: t0.Add(time.Hour)})
		}},
		{"a lead with the promo code and another email", func(t *testing.T, w *world, ctx context.Context) {
			w.lead(t, partnerka.Lead{CustomerID: "X", PromoCode: "ALPHA10", Email: "someone@else.test", OccurredAt: t0.Add(time.Hour)})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, "last_click")
			ctx := context.Background()
			click := w.clickAt(t, "alpha", t0.Add(-time.Hour), 0, "")
			w.reconcile(t)
			w.lead(t, partnerka.Lead{CustomerID: "X", ClickID: click, Email: "owner@alpha.test", OccurredAt: t0})
			w.reconcile(t)
			if b := w.binding(t, "X"); b.PartnerRef != nil || lastReason(b) != ReasonSelfReferral {
				t.Fatalf("the first lead: %+v, want refused as a self-referral", b)
			}
			tc.later(t, w, ctx)
			w.reconcile(t)
			b := w.binding(t, "X")
			if b.PartnerRef != nil || lastReason(b) != ReasonSelfReferral {
				t.Errorf("after %s: bound to %v, last reason %q; want still unbound, refused as a self-referral", tc.name, b.PartnerRef, lastReason(b))
			}
			if last := b.Decisions[len(b.Decisions)-1]; last.PartnerID == nil || *last.PartnerID != w.seed.Partners["alpha"] {
				t.Errorf("the refusal %+v does not name the partner refused", last)
			}
		})
	}
	// Another partner may still bind the customer.
	w := newWorld(t, "last_click")
	w.lead(t, partnerka.Lead{CustomerID: "Y", PromoCode: "ALPHA10", Email: "owner@alpha.test", OccurredAt: t0})
	w.reconcile(t)
	w.lead(t, partnerka.Lead{CustomerID: "Y", PromoCode: "BETA5", OccurredAt: t0.Add(time.Hour)})
	w.reconcile(t)
	if b := w.binding(t, "Y"); b.PartnerRef == nil || *b.PartnerRef != "beta" {
		t.Errorf("another partner's code: %+v, want bound to beta", b)
	}
}

// Issue 21, point 4: a customer bound by one reconciler while another is
// taking a batch of purchases. The binding reopens the customer's waiting
// purchase; the batch must not take it off the queue under the binding's
// feet (it would read the customer as unbound, earn nothing, and leave no
// trace for the next pass: the commission was lost so, under load, with
// two reconcilers side by side).
func TestBindingHoldsTheWaitingPurchase(t *testing.T) {
	w, alpha, _, _ := engineWorldLeads(t)
	ctx := context.Background()
	p := &partnerka.Purchase{ExternalID: "inv-race", CustomerID: "c-race",
		Amount: partnerka.Money{Amount: decimal.NewFromInt(100), Currency: "USD"}, OccurredAt: t0.Add(time.Hour)}
	if _, _, err := w.db.CreatePurchase(ctx, p, []byte("h")); err != nil {
		t.Fatal(err)
	}
	purchases := &PurchaseStep{DB: w.db, Workers: 1}
	var during int
	err := w.db.InLeadTx(ctx, func(tx *storage.LeadTx) error {
		cust, err := tx.LockCustomer(ctx, "c-race", t0, "", "")
		if err != nil {
			return err
		}
		if err := tx.BindCustomer(ctx, cust.ID, storage.Binding{PartnerID: alpha, Source: "manual", BoundAt: t0}); err != nil {
			return err
		}
		// The other reconciler's batch, before the binding commits.
		during, err = purchases.Run(ctx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if during != 0 {
		t.Errorf("a batch took %d purchases the binding was reopening", during)
	}
	if _, err := purchases.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var earned []string
	if err := w.db.SelectContext(ctx, &earned, `SELECT p.ref || ' ' || round(c.amount, 2) FROM commissions c JOIN partners p ON p.id = c.partner_id
		   JOIN purchases pu ON pu.id = c.purchase_id WHERE pu.external_id = 'inv-race'`); err != nil {
		t.Fatal(err)
	}
	if len(earned) != 1 || earned[0] != "alpha 20.00" {
		t.Fatalf("commissions after the binding committed: %v, want one for alpha", earned)
	}
}

// TestLeadWaitsForItsClick replays the Stripe burst that left a customer
// unbound: a pass's click step ran just before the visitor's click reached
// the stream, and the lead naming the click (a checkout a second later)
// was decided in the same pass as naming an unknown click. The lead step
// now drains the stream again first; a click another reconciler holds,
// read but not stored, makes the lead wait; a click id older than
// clickInFlight is decided as unknown, as before.
func TestLeadWaitsForItsClick(t *testing.T) {
	w := newWorld(t, "last_click")
	ctx := context.Background()
	now := t0.Add(time.Second)
	w.leads.Clicks, w.leads.Now = w.click, func() time.Time { return now }

	// The pass's click step: the stream is still empty.
	if _, err := w.click.Run(ctx); err != nil {
		t.Fatal(err)
	}
	click := w.clickAt(t, "alpha", t0, 0, "")
	w.lead(t, partnerka.Lead{CustomerID: "c-burst", ClickID: click, OccurredAt: t0.Add(time.Second)})
	if _, err := w.leads.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if b := w.binding(t, "c-burst"); b.PartnerRef == nil || *b.PartnerRef != "alpha" || lastReason(b) != ReasonAttributed {
		t.Fatalf("a lead whose click came after the pass's click step: %+v", b)
	}

	// Another reconciler has read the next click and not stored it yet.
	held := w.clickAt(t, "beta", t0.Add(2*time.Second), 0, "")
	if err := w.rdb.EnsureGroup(ctx, storage.ClickStream); err != nil {
		t.Fatal(err)
	}
	if msgs, err := w.rdb.ReadGroup(ctx, storage.ClickStream, "other", 10, time.Minute); err != nil || len(msgs) != 1 {
		t.Fatalf("the other reconciler read %v, %v", msgs, err)
	}
	w.lead(t, partnerka.Lead{CustomerID: "c-held", ClickID: held, OccurredAt: t0.Add(3 * time.Second)})
	if _, err := w.leads.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := w.db.CustomerBinding(ctx, "c-held"); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Fatalf("a lead decided while its click was in flight: %+v, %v", b, err)
	}
	// The other reconciler dies; its click is taken over and stored, and
	// the lead, redelivered, binds.
	w.click.ReclaimAfter, w.leads.ReclaimAfter = time.Millisecond, time.Millisecond
	time.Sleep(5 * time.Millisecond)
	w.reconcile(t)
	if b := w.binding(t, "c-held"); b.PartnerRef == nil || *b.PartnerRef != "beta" || len(b.Decisions) != 1 {
		t.Fatalf("after the held click was stored: %+v", b)
	}

	// A click id minted long ago and never stored: decided at once.
	lost := partnerka.NewClickID(t0.Add(-time.Hour)).String()
	w.lead(t, partnerka.Lead{CustomerID: "c-lost", ClickID: lost, OccurredAt: t0.Add(4 * time.Second)})
	if _, err := w.leads.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if b := w.binding(t, "c-lost"); b.PartnerRef != nil || lastReason(b) != ReasonUnknownCode {
		t.Fatalf("a lead naming a click never stored: %+v", b)
	}
}
