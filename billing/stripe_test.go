package billing

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"partnerka"
)

const whsec = "whsec_test_partnerka"

var stripeSettings = Settings{Values: map[string]string{"webhook_secret": whsec}, Products: map[string]string{"price_crm_year": "crm"}}

// stripeEvent is an event as Stripe delivers it, its object built with
// stripe-go's own types, signed with stripe-go's test helper at signedAt.
func stripeEvent(t *testing.T, id string, typ stripe.EventType, object any, signedAt time.Time, secret string) Notice {
	t.Helper()
	raw, err := json.Marshal(object)
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := object.(map[string]any); ok {
		raw, _ = json.Marshal(m)
	}
	ev := stripe.Event{ID: id, Object: "event", Type: typ, Created: signedAt.Unix(), APIVersion: "2024-06-20",
		Data: &stripe.EventData{Raw: raw}}
	body, _ := json.Marshal(ev)
	// stripe.EventData marshals its object, not Raw: put the object in.
	var env map[string]any
	json.Unmarshal(body, &env)
	env["data"] = map[string]json.RawMessage{"object": raw}
	body, _ = json.Marshal(env)
	p := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: signedAt})
	h := http.Header{}
	h.Set("Stripe-Signature", p.Header)
	return Notice{Body: p.Payload, Header: h, ReceivedAt: time.Now()}
}

func stripeEvents(t *testing.T, n Notice) []Event {
	t.Helper()
	events, err := StripeConnector{}.Events(context.Background(), n, stripeSettings)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 {
		t.Fatalf("%d events", len(events))
	}
	return events
}

func invoice(id, currency string, paid int64) *stripe.Invoice {
	return &stripe.Invoice{ID: id, Object: "invoice", Customer: &stripe.Customer{ID: "cus_1"}, Currency: stripe.Currency(currency),
		AmountPaid: paid, Created: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC).Unix(),
		StatusTransitions: &stripe.InvoiceStatusTransitions{PaidAt: time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC).Unix()},
		Metadata:          map[string]string{},
		Lines: &stripe.InvoiceLineItemList{Data: []*stripe.InvoiceLineItem{{ID: "il_1", Amount: paid,
			Pricing: &stripe.InvoiceLineItemPricing{PriceDetails: &stripe.InvoiceLineItemPricingPriceDetails{Price: "price_crm_year", Product: "prod_crm"}}}}}}
}

func TestStripeInvoicePaid(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		currency string
		paid     int64
		want     string
	}{{"rub", 199000, "1990.00 RUB"}, {"jpy", 1500, "1500 JPY"}, {"kwd", 12345, "12.345 KWD"}} {
		e := stripeEvents(t, stripeEvent(t, "evt_"+tc.currency, "invoice.paid", invoice("in_"+tc.currency, tc.currency, tc.paid), now, whsec))[0]
		if len(e.Actions) != 1 || e.Actions[0].Purchase == nil {
			t.Fatalf("%s: %+v", tc.currency, e)
		}
		p := e.Actions[0].Purchase
		if p.ID != "in_"+tc.currency || p.CustomerID != "cus_1" || p.Amount.String() != tc.want || p.Product != "crm" ||
			!p.OccurredAt.Equal(time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC)) {
			t.Errorf("%s: purchase %+v", tc.currency, p)
		}
	}
	// Nothing paid (a trial): nothing recorded.
	if e := stripeEvents(t, stripeEvent(t, "evt_trial", "invoice.paid", invoice("in_trial", "usd", 0), now, whsec))[0]; len(e.Actions) != 0 || e.Ignored == "" {
		t.Errorf("a trial invoice: %+v", e)
	}
	// A subscription's metadata carrying the click binds the customer too.
	inv := invoice("in_meta", "usd", 4900)
	inv.Metadata = map[string]string{"pk_click": "01JD0000000000000000000000"}
	if e := stripeEvents(t, stripeEvent(t, "evt_meta", "invoice.paid", inv, now, whsec))[0]; len(e.Actions) != 2 || e.Actions[0].Lead == nil ||
		e.Actions[1].Purchase.ClickID != "01JD0000000000000000000000" {
		t.Errorf("an invoice with metadata: %+v", e)
	}
}

func TestStripeCheckoutAndCustomer(t *testing.T) {
	now := time.Now()
	cs := &stripe.CheckoutSession{ID: "cs_1", Object: "checkout.session", ClientReferenceID: "01JD0000000000000000000000",
		Customer: &stripe.Customer{ID: "cus_2"}, CustomerDetails: &stripe.CheckoutSessionCustomerDetails{Email: "buyer@corp.example", Name: "Buyer"},
		Mode: stripe.CheckoutSessionModeSubscription, PaymentStatus: stripe.CheckoutSessionPaymentStatusPaid, Created: now.Unix()}
	e := stripeEvents(t, stripeEvent(t, "evt_cs", "checkout.session.completed", cs, now, whsec))[0]
	if len(e.Actions) != 1 || e.Actions[0].Lead == nil || e.Actions[0].Lead.ClickID != "01JD0000000000000000000000" ||
		e.Actions[0].Lead.CustomerID != "cus_2" || e.Actions[0].Lead.Email != "buyer@corp.example" {
		t.Errorf("a subscription checkout: %+v", e)
	}
	// A one-off payment with a promotion code: a lead and a purchase of the payment intent.
	pay := map[string]any{"id": "cs_2", "object": "checkout.session", "customer": nil, "mode": "payment", "payment_status": "paid",
		"customer_details": map[string]any{"email": "Guest@Mail.example"}, "payment_intent": "pi_1", "amount_total": 99000, "currency": "rub",
		"created": now.Unix(), "discounts": []any{map[string]any{"promotion_code": map[string]any{"id": "promo_1", "code": "ALPHA10"}}},
		"metadata": map[string]any{}}
	e = stripeEvents(t, stripeEvent(t, "evt_cs2", "checkout.session.completed", pay, now, whsec))[0]
	if len(e.Actions) != 2 || e.Actions[0].Lead.PromoCode != "ALPHA10" || e.Actions[0].Lead.CustomerID != "guest@mail.example" ||
		e.Actions[1].Purchase.ID != "pi_1" || e.Actions[1].Purchase.Amount.String() != "990.00 RUB" {
		t.Errorf("a one-off checkout: %+v %+v", e, e.Actions)
	}
	// A one-off payment Checkout made an invoice of: invoice.paid records it.
	pay["invoice"] = "in_cs2"
	if e := stripeEvents(t, stripeEvent(t, "evt_cs3", "checkout.session.completed", pay, now, whsec))[0]; len(e.Actions) != 1 || e.Actions[0].Lead == nil {
		t.Errorf("a one-off checkout with an invoice: %+v", e.Actions)
	}
	// Rewardful's way: the customer's metadata.
	c := &stripe.Customer{ID: "cus_3", Object: "customer", Email: "x@corp.example", Metadata: map[string]string{"promo_code": "BETA"}, Created: now.Unix()}
	if e := stripeEvents(t, stripeEvent(t, "evt_cu", "customer.updated", c, now, whsec))[0]; len(e.Actions) != 1 || e.Actions[0].Lead.PromoCode != "BETA" {
		t.Errorf("customer.updated: %+v", e)
	}
	c.Metadata = map[string]string{}
	if e := stripeEvents(t, stripeEvent(t, "evt_cu2", "customer.created", c, now, whsec))[0]; len(e.Actions) != 0 || e.Ignored == "" {
		t.Errorf("a customer without metadata: %+v", e)
	}
	if e := stripeEvents(t, stripeEvent(t, "evt_x", "payment_method.attached", map[string]any{"id": "pm_1"}, now, whsec))[0]; len(e.Actions) != 0 || e.Ignored != "event type payment_method.attached is not used" {
		t.Errorf("an unused event: %+v", e)
	}
}

func TestStripeRefunds(t *testing.T) {
	now := time.Now()
	refund := func(id string, amount int64) map[string]any {
		return map[string]any{"id": id, "object": "refund", "amount": amount, "currency": "rub", "status": "succeeded",
			"created": now.Unix(), "charge": "ch_1", "payment_intent": "pi_9"}
	}
	// Two partial refunds of an invoice's charge (an API version that names the invoice).
	charge := map[string]any{"id": "ch_1", "object": "charge", "invoice": "in_1", "payment_intent": "pi_9",
		"refunds": map[string]any{"object": "list", "data": []any{refund("re_1", 50000), refund("re_2", 25000)}}}
	e := stripeEvents(t, stripeEvent(t, "evt_ch", "charge.refunded", charge, now, whsec))[0]
	if len(e.Actions) != 2 || e.Actions[0].Refund.ID != "re_1" || e.Actions[0].Refund.PurchaseID != "in_1" ||
		e.Actions[0].Refund.Amount.String() != "500.00 RUB" || e.Actions[1].Refund.Amount.String() != "250.00 RUB" {
		t.Errorf("charge.refunded: %+v", e.Actions)
	}
	// refund.created of the same refund names its payment intent (the
	// receiver resolves it to the invoice through the alias), with the same re_ id.
	r := refund("re_1", 50000)
	if e := stripeEvents(t, stripeEvent(t, "evt_rc", "refund.created", r, now, whsec))[0]; len(e.Actions) != 1 ||
		e.Actions[0].Refund.ID != "re_1" || e.Actions[0].Refund.PurchaseID != "pi_9" || e.Actions[0].Refund.Amount.String() != "500.00 RUB" {
		t.Errorf("refund.created: %+v", e)
	}
	// Since API version 2022-11-15 a charge lists no refunds: refund.created counts.
	bare := map[string]any{"id": "ch_2", "object": "charge", "payment_intent": "pi_9", "amount_refunded": 50000}
	if e := stripeEvents(t, stripeEvent(t, "evt_ch3", "charge.refunded", bare, now, whsec))[0]; len(e.Actions) != 0 || e.Ignored == "" {
		t.Errorf("a charge without its refunds list: %+v", e)
	}
	// The invoice's payment intent is an alias of it: from invoice.paid
	// (API versions before 2025-03-31) or invoice_payment.paid (later).
	inv := invoice("in_7", "rub", 100000)
	inv2, _ := json.Marshal(inv)
	var withPI map[string]any
	json.Unmarshal(inv2, &withPI)
	withPI["payment_intent"] = "pi_7"
	if e := stripeEvents(t, stripeEvent(t, "evt_in7", "invoice.paid", withPI, now, whsec))[0]; len(e.Actions) != 2 || e.Actions[1].Alias == nil ||
		*e.Actions[1].Alias != (Alias{Name: "pi_7", PurchaseID: "in_7"}) {
		t.Errorf("invoice.paid with its payment intent: %+v", e.Actions)
	}
	ip := map[string]any{"id": "inpay_1", "object": "invoice_payment", "invoice": "in_8", "status": "paid",
		"payment": map[string]any{"type": "payment_intent", "payment_intent": "pi_8"}}
	if e := stripeEvents(t, stripeEvent(t, "evt_ip", "invoice_payment.paid", ip, now, whsec))[0]; len(e.Actions) != 1 ||
		*e.Actions[0].Alias != (Alias{Name: "pi_8", PurchaseID: "in_8"}) {
		t.Errorf("invoice_payment.paid: %+v", e.Actions)
	}
	r["charge"] = map[string]any{"id": "ch_1", "invoice": "in_1"}
	if e := stripeEvents(t, stripeEvent(t, "evt_rc2", "refund.created", r, now, whsec))[0]; len(e.Actions) != 1 || e.Actions[0].Refund.ID != "re_1" ||
		e.Actions[0].Refund.PurchaseID != "in_1" {
		t.Errorf("refund.created with the invoice: %+v", e)
	}
	// A one-off payment's charge names its payment intent.
	charge["invoice"] = nil
	if e := stripeEvents(t, stripeEvent(t, "evt_ch2", "charge.refunded", charge, now, whsec))[0]; e.Actions[0].Refund.PurchaseID != "pi_9" {
		t.Errorf("a one-off payment's refund: %+v", e.Actions)
	}
}

func TestStripeRefusals(t *testing.T) {
	now := time.Now()
	obj := invoice("in_1", "usd", 100)
	good := stripeEvent(t, "evt_1", "invoice.paid", obj, now, whsec)
	for name, n := range map[string]Notice{
		"unsigned":      {Body: good.Body, Header: http.Header{}},
		"wrong secret":  stripeEvent(t, "evt_1", "invoice.paid", obj, now, "whsec_other"),
		"stale":         stripeEvent(t, "evt_1", "invoice.paid", obj, now.Add(-10*time.Minute), whsec),
		"tampered body": {Body: append([]byte(nil), append(good.Body[:len(good.Body)-1], ' ', '}')...), Header: good.Header},
	} {
		if _, err := (StripeConnector{}).Events(context.Background(), n, stripeSettings); partnerka.ErrorCode(err) != partnerka.EINVALID {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if _, err := (StripeConnector{}).Events(context.Background(), good, Settings{}); partnerka.ErrorCode(err) != partnerka.EINVALID {
		t.Errorf("no secret set: %v", err)
	}
}
