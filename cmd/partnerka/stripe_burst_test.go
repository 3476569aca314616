package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stripe/stripe-go/v82/webhook"

	"partnerka/billing"
	"partnerka/storage"
)

// signedStripe is a Stripe event as Stripe delivers it, signed now.
func signedStripe(id, typ string, object map[string]any, secret string) (body []byte, sig string) {
	raw, _ := json.Marshal(object)
	env, _ := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": "2024-06-20",
		"created": time.Now().Unix(), "data": map[string]json.RawMessage{"object": raw}})
	p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: env, Secret: secret, Timestamp: time.Now()})
	return p.Payload, p.Header
}

// TestStripeBurst runs the real server: a visitor clicks alpha's link,
// pays through Stripe Checkout with the click id as client_reference_id,
// and a burst of signed events follows from 64 connections at once:
// invoices paid, some delivered twice, partial refunds and a full one, some delivered
// before their invoice, each refund told by both charge.refunded and
// refund.created. The reconciler earns and reverses; every purchase and
// refund is stored once, and `partnerka verify` (which recomputes every
// commission from the stored evidence) finds nothing to correct.
func TestStripeBurst(t *testing.T) {
	// Without the demo's six months of activity: the test counts every
	// purchase, refund and commission, and alpha earns its base rate.
	e, trk, _ := demoEnv(t, "--activity=false")
	sdb, err := storage.Open(context.Background(), e["PARTNERKA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	sdb.Prepare(context.Background())
	const secret = "whsec_burst"
	if err := sdb.SaveBillingConnector(context.Background(), storage.BillingConnector{Provider: "stripe", Enabled: true,
		Settings: map[string]string{"webhook_secret": secret}}, []string{"webhook_secret"}, storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	serveFor(t, e)

	// The click.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", "http://"+trk+"/r/alpha", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	click := loc.Query().Get("pk_click")
	if click == "" {
		t.Fatalf("no click id in %s", resp.Header.Get("Location"))
	}
	deliver := func(id, typ string, obj map[string]any) {
		body, sig := signedStripe(id, typ, obj, secret)
		req, _ := http.NewRequest("POST", "http://"+trk+"/webhooks/stripe", strings.NewReader(string(body)))
		req.Header.Set("Stripe-Signature", sig)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s %s: %d", typ, id, resp.StatusCode)
		}
	}
	const customers, invoices = 8, 3
	for c := 0; c < customers; c++ {
		deliver(fmt.Sprintf("evt_cs_%d", c), "checkout.session.completed", map[string]any{"id": fmt.Sprintf("cs_%d", c), "object": "checkout.session",
			"client_reference_id": click, "customer": fmt.Sprintf("cus_%d", c), "mode": "subscription", "payment_status": "paid",
			"customer_details": map[string]any{"email": fmt.Sprintf("buyer%d@corp.example", c)}, "created": time.Now().Unix() + 1})
	}
	// The binding comes first (the reconciler decides the leads).
	time.Sleep(time.Second)

	type job struct {
		id, typ string
		obj     map[string]any
	}
	var jobs []job
	paid, refunded := decimal.Zero, decimal.Zero
	for c := 0; c < customers; c++ {
		for i := 0; i < invoices; i++ {
			inv := fmt.Sprintf("in_%d_%d", c, i)
			amount := int64(99000 + 1000*c + 10*i) // kopecks
			paid = paid.Add(decimal.New(amount, -2))
			obj := map[string]any{"id": inv, "object": "invoice", "customer": fmt.Sprintf("cus_%d", c), "currency": "rub", "payment_intent": "pi_" + inv,
				"amount_paid": amount, "created": time.Now().Unix(), "status_transitions": map[string]any{"paid_at": time.Now().Unix()}}
			jobs = append(jobs, job{"evt_" + inv, "invoice.paid", obj}, job{"evt_" + inv, "invoice.paid", obj}) // each delivered twice
			if i == 1 {
				// A partial refund; the first customer's is a full one.
				re, part := fmt.Sprintf("re_%d", c), amount/4
				if c == 0 {
					part = amount
				}
				refund := map[string]any{"id": re, "object": "refund", "amount": part, "currency": "rub", "status": "succeeded",
					"created": time.Now().Unix(), "charge": "ch_" + inv, "payment_intent": "pi_" + inv}
				refunded = refunded.Add(decimal.New(part, -2))
				charge := map[string]any{"id": "ch_" + inv, "object": "charge", "invoice": inv, "payment_intent": "pi_" + inv,
					"refunds": map[string]any{"data": []any{refund}}}
				if c%2 == 1 { // an API version since 2022-11-15: no refunds list; refund.created counts, by the payment intent
					charge = map[string]any{"id": "ch_" + inv, "object": "charge", "payment_intent": "pi_" + inv}
				}
				// The refund's events go ahead of the invoice's.
				jobs = append([]job{{"evt_ch_" + inv, "charge.refunded", charge}, {"evt_re_" + inv, "refund.created", refund}}, jobs...)
			}
		}
	}
	var wg sync.WaitGroup
	queue := make(chan job)
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				deliver(j.id, j.typ, j.obj)
			}
		}()
	}
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	wg.Wait()

	db := openRaw(t, e["PARTNERKA_DATABASE_URL"])
	var purchases, refunds, commissions int
	var earned, reversed decimal.Decimal
	deadline := time.Now().Add(40 * time.Second)
	for {
		db.QueryRow(`SELECT count(*) FROM purchases WHERE external_id LIKE 'in\_%'`).Scan(&purchases)
		db.QueryRow(`SELECT count(*) FROM refunds`).Scan(&refunds)
		db.QueryRow(`SELECT count(*), coalesce(sum(amount + rerated_amount), 0), coalesce(sum(reversed_amount), 0) FROM commissions`).Scan(&commissions, &earned, &reversed)
		// Each refund takes back its share of its commission, rounded to
		// the kopeck: within a kopeck a refund of 20% of the refunds.
		if purchases == customers*invoices && refunds == customers && commissions == customers*invoices &&
			reversed.Sub(refunded.Mul(decimal.RequireFromString("0.20"))).Abs().LessThanOrEqual(decimal.New(customers, -2)) && reversed.IsPositive() {
			break
		}
		if time.Now().After(deadline) {
			var waiting []string
			rows, _ := db.Query(`SELECT event_id || ' ' || status || ' ' || detail FROM billing_events WHERE status NOT IN ('recorded', 'ignored') ORDER BY id`)
			for rows.Next() {
				var s string
				rows.Scan(&s)
				waiting = append(waiting, s)
			}
			t.Fatalf("after 40 s: %d purchases, %d refunds, %d commissions earning %s, reversed %s (want %s); not recorded: %v",
				purchases, refunds, commissions, earned, reversed, refunded.Mul(decimal.RequireFromString("0.20")), waiting)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A refund.created that came before its alias waits for the retry
	// pass (every 5 s), though charge.refunded may have recorded it already.
	var pending int
	for end := time.Now().Add(3 * billing.RetryInterval); ; time.Sleep(200 * time.Millisecond) {
		db.QueryRow(`SELECT count(*) FROM billing_events WHERE status IN ('received', 'waiting', 'failed')`).Scan(&pending)
		if pending == 0 || time.Now().After(end) {
			break
		}
	}
	if pending != 0 {
		rows, _ := db.Query(`SELECT event_id || ' ' || status || ' ' || detail FROM billing_events WHERE status IN ('received', 'waiting', 'failed')`)
		for rows.Next() {
			var s string
			rows.Scan(&s)
			if strings.Contains(s, " failed ") {
				t.Errorf("an event refused: %s", s)
			} else {
				// A duplicate telling of a refund already recorded, still
				// waiting for a retry pass on a loaded machine.
				t.Logf("not recorded yet: %s", s)
			}
		}
		rows.Close()
	}
	if want := paid.Mul(decimal.RequireFromString("0.20")); !earned.Equal(want) {
		t.Errorf("commissions earn %s, want 20%% of %s = %s", earned, paid, want)
	}
	var deliveries int
	db.QueryRow(`SELECT coalesce(sum(deliveries), 0) FROM billing_events WHERE type = 'invoice.paid'`).Scan(&deliveries)
	if deliveries != 2*customers*invoices {
		t.Errorf("%d invoice deliveries stored, want %d", deliveries, 2*customers*invoices)
	}
	out, err := run(t, context.Background(), e, "verify")
	if err != nil || strings.Contains(out, "MISMATCH") {
		t.Errorf("verify: %v\n%s", err, out)
	}
}
