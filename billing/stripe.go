package billing

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"

	"partnerka"
)

// StripeConnector takes Stripe's webhook events, verified by the official
// stripe-go webhook package: the Stripe-Signature header must be the
// endpoint's signing secret's HMAC of the body, made within Stripe's
// five-minute tolerance (a replay of an old delivery is refused).
//
// The event's API version may be the vendor account's, not stripe-go's:
// the version check is off, and the objects are read by the few fields
// used here, which every version since 2020 has (an expandable field may
// be an id or an object).
//
// What is recorded:
//   - checkout.session.completed: a lead binding the session's customer
//     (its cus_… id, else the payer's email) to the click id in
//     client_reference_id or metadata pk_click, to metadata promo_code or
//     partner_ref, or to a promotion code of the session's discounts when
//     Stripe sent it expanded. A one-off payment (mode payment, paid, no
//     invoice made of it) is also a purchase, named by its payment intent.
//   - customer.created / customer.updated with metadata pk_click,
//     promo_code or partner_ref: a lead (Rewardful's way).
//   - invoice.paid: a purchase named by the invoice (in_…) of amount_paid
//     in the invoice's currency, in its minor units (JPY has none, KWD
//     three); an invoice of nothing paid (a trial) records nothing. Its
//     payment intent, when the API version names it, becomes an alias of
//     the invoice; from 2025-03-31 invoice_payment.paid says it instead.
//   - refund.created: the refund (re_…) of its payment intent, which the
//     receiver resolves to the invoice through the alias. charge.refunded
//     records the refunds it lists (API versions before 2022-11-15 list
//     them; later ones do not, and refund.created is the one that counts).
//     Both carry the same re_… id: a refund is recorded once.
type StripeConnector struct{}

// Name implements Connector.
func (StripeConnector) Name() string { return "Stripe" }

// Ack implements Connector.
func (StripeConnector) Ack() (int, string, []byte) {
	return 200, "application/json", []byte(`{"received":true}`)
}

// ref is an expandable field: an id, or the object with its id.
type ref struct {
	ID   string
	Code string // a promotion code's code, when expanded
}

func (r *ref) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &r.ID)
	}
	var o struct {
		ID   string `json:"id"`
		Code string `json:"code"`
	}
	err := json.Unmarshal(b, &o)
	r.ID, r.Code = o.ID, o.Code
	return err
}

type stripeDiscount struct {
	PromotionCode ref `json:"promotion_code"`
}

type stripeSession struct {
	ID                string                       `json:"id"`
	ClientReferenceID string                       `json:"client_reference_id"`
	Customer          ref                          `json:"customer"`
	CustomerDetails   struct{ Email, Name string } `json:"customer_details"`
	Metadata          map[string]string            `json:"metadata"`
	Mode              string                       `json:"mode"`
	PaymentStatus     string                       `json:"payment_status"`
	PaymentIntent     ref                          `json:"payment_intent"`
	Invoice           ref                          `json:"invoice"`
	AmountTotal       int64                        `json:"amount_total"`
	Currency          string                       `json:"currency"`
	Created           int64                        `json:"created"`
	Discounts         []stripeDiscount             `json:"discounts"`
	TotalDetails      struct {
		Breakdown struct {
			Discounts []struct {
				Discount stripeDiscount `json:"discount"`
			} `json:"discounts"`
		} `json:"breakdown"`
	} `json:"total_details"`
}

type stripeCustomer struct {
	ID       string            `json:"id"`
	Email    string            `json:"email"`
	Name     string            `json:"name"`
	Metadata map[string]string `json:"metadata"`
	Created  int64             `json:"created"`
}

type stripeInvoice struct {
	ID                string            `json:"id"`
	Customer          ref               `json:"customer"`
	CustomerEmail     string            `json:"customer_email"`
	PaymentIntent     ref               `json:"payment_intent"` // API versions before 2025-03-31
	Currency          string            `json:"currency"`
	AmountPaid        int64             `json:"amount_paid"`
	Created           int64             `json:"created"`
	Metadata          map[string]string `json:"metadata"`
	Discounts         []json.RawMessage `json:"discounts"`
	StatusTransitions struct {
		PaidAt int64 `json:"paid_at"`
	} `json:"status_transitions"`
	Lines struct {
		Data []struct {
			Price struct {
				ID      string
				Product ref
			} `json:"price"`
			Pricing struct {
				PriceDetails struct {
					Price   string `json:"price"`
					Product string `json:"product"`
				} `json:"price_details"`
			} `json:"pricing"`
		} `json:"data"`
	} `json:"lines"`
	Parent struct {
		SubscriptionDetails struct {
			Metadata map[string]string `json:"metadata"`
		} `json:"subscription_details"`
	} `json:"parent"`
	SubscriptionDetails struct {
		Metadata map[string]string `json:"metadata"`
	} `json:"subscription_details"`
}

type stripeRefund struct {
	ID            string `json:"id"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Status        string `json:"status"`
	Created       int64  `json:"created"`
	Charge        ref    `json:"charge"`
	PaymentIntent ref    `json:"payment_intent"`
}

type stripeCharge struct {
	ID            string `json:"id"`
	Invoice       ref    `json:"invoice"`
	PaymentIntent ref    `json:"payment_intent"`
	Refunds       struct {
		Data []stripeRefund `json:"data"`
	} `json:"refunds"`
}

func unix(s int64, fallback time.Time) time.Time {
	if s <= 0 {
		return fallback
	}
	return time.Unix(s, 0).UTC()
}

// Events implements Connector.
func (StripeConnector) Events(_ context.Context, n Notice, s Settings) ([]Event, error) {
	secret := s.Get("webhook_secret")
	if secret == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the Stripe connector has no signing secret: it is not set up")
	}
	ev, err := webhook.ConstructEventWithOptions(n.Body, n.Header.Get("Stripe-Signature"), secret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the Stripe-Signature does not verify: %v", err)
	}
	e := Event{ID: ev.ID, Type: string(ev.Type)}
	if ev.Data == nil {
		e.Ignored = "the event carries no object"
		return []Event{e}, nil
	}
	raw := ev.Data.Raw
	at := unix(ev.Created, n.ReceivedAt)
	bad := func(err error) ([]Event, error) {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the %s object is not what Stripe sends: %v", ev.Type, err)
	}
	switch e.Type {
	case "checkout.session.completed":
		var cs stripeSession
		if err := json.Unmarshal(raw, &cs); err != nil {
			return bad(err)
		}
		customer := cs.Customer.ID
		if customer == "" {
			customer = strings.ToLower(strings.TrimSpace(cs.CustomerDetails.Email))
		}
		if customer == "" {
			e.Ignored = "the session has no customer and no email"
			break
		}
		click := cs.Metadata["pk_click"]
		if click == "" {
			click = cs.ClickReference()
		}
		promo := cs.Metadata["promo_code"]
		if promo == "" {
			promo = cs.promotionCode()
		}
		when := unix(cs.Created, at)
		e.Actions = append(e.Actions, Action{Lead: &Lead{CustomerID: customer, ClickID: click, PromoCode: promo,
			PartnerRef: cs.Metadata["partner_ref"], Email: cs.CustomerDetails.Email, Name: cs.CustomerDetails.Name, OccurredAt: when}})
		// A one-off payment is a purchase here, unless Checkout made an
		// invoice of it: then invoice.paid records it.
		if cs.Mode == "payment" && cs.PaymentStatus == "paid" && cs.PaymentIntent.ID != "" && cs.AmountTotal > 0 && cs.Invoice.ID == "" {
			amount, err := FromMinor(cs.AmountTotal, strings.ToUpper(cs.Currency))
			if err != nil {
				e.Ignored = "the payment's currency " + cs.Currency + " is not one partnerka records"
				break
			}
			e.Actions = append(e.Actions, Action{Purchase: &Purchase{ID: cs.PaymentIntent.ID, CustomerID: customer, Amount: amount,
				Product: s.Product(cs.Metadata["product"]), PromoCode: promo, ClickID: click, OccurredAt: when}})
		}
	case "customer.created", "customer.updated":
		var c stripeCustomer
		if err := json.Unmarshal(raw, &c); err != nil {
			return bad(err)
		}
		m := c.Metadata
		if m["pk_click"] == "" && m["promo_code"] == "" && m["partner_ref"] == "" {
			e.Ignored = "the customer's metadata names no pk_click, promo_code or partner_ref"
			break
		}
		e.Actions = []Action{{Lead: &Lead{CustomerID: c.ID, ClickID: m["pk_click"], PromoCode: m["promo_code"], PartnerRef: m["partner_ref"],
			Email: c.Email, Name: c.Name, OccurredAt: unix(c.Created, at)}}}
	case "invoice.paid":
		var inv stripeInvoice
		if err := json.Unmarshal(raw, &inv); err != nil {
			return bad(err)
		}
		if inv.AmountPaid <= 0 {
			e.Ignored = "the invoice paid nothing (a trial or a full discount): nothing earns"
			break
		}
		amount, err := FromMinor(inv.AmountPaid, strings.ToUpper(inv.Currency))
		if err != nil {
			e.Ignored = "the invoice's currency " + inv.Currency + " is not one partnerka records"
			break
		}
		customer := inv.Customer.ID
		if customer == "" {
			customer = strings.ToLower(strings.TrimSpace(inv.CustomerEmail))
		}
		meta := inv.Metadata
		for _, m := range []map[string]string{inv.Parent.SubscriptionDetails.Metadata, inv.SubscriptionDetails.Metadata} {
			for k, v := range m {
				if meta == nil {
					meta = map[string]string{}
				}
				if meta[k] == "" {
					meta[k] = v
				}
			}
		}
		var ids []string
		for _, l := range inv.Lines.Data {
			ids = append(ids, l.Price.ID, l.Price.Product.ID, l.Pricing.PriceDetails.Price, l.Pricing.PriceDetails.Product)
		}
		when := unix(inv.StatusTransitions.PaidAt, unix(inv.Created, at))
		if meta["pk_click"] != "" || meta["promo_code"] != "" || meta["partner_ref"] != "" {
			e.Actions = append(e.Actions, Action{Lead: &Lead{CustomerID: customer, ClickID: meta["pk_click"], PromoCode: meta["promo_code"],
				PartnerRef: meta["partner_ref"], Email: inv.CustomerEmail, OccurredAt: when}})
		}
		e.Actions = append(e.Actions, Action{Purchase: &Purchase{ID: inv.ID, CustomerID: customer, Amount: amount, Product: s.Product(ids...),
			PromoCode: meta["promo_code"], ClickID: meta["pk_click"], OccurredAt: when}})
		if inv.PaymentIntent.ID != "" {
			e.Actions = append(e.Actions, Action{Alias: &Alias{Name: inv.PaymentIntent.ID, PurchaseID: inv.ID}})
		}
	case "invoice_payment.paid":
		// API versions from 2025-03-31 tie an invoice to its payment intent
		// only here: refunds name the payment intent.
		var ip struct {
			Invoice ref `json:"invoice"`
			Payment struct {
				PaymentIntent ref `json:"payment_intent"`
			} `json:"payment"`
		}
		if err := json.Unmarshal(raw, &ip); err != nil {
			return bad(err)
		}
		if ip.Invoice.ID == "" || ip.Payment.PaymentIntent.ID == "" {
			e.Ignored = "the invoice payment names no invoice or payment intent"
			break
		}
		e.Actions = []Action{{Alias: &Alias{Name: ip.Payment.PaymentIntent.ID, PurchaseID: ip.Invoice.ID}}}
	case "charge.refunded":
		var ch stripeCharge
		if err := json.Unmarshal(raw, &ch); err != nil {
			return bad(err)
		}
		purchase := ch.Invoice.ID
		if purchase == "" {
			purchase = ch.PaymentIntent.ID
		}
		for _, r := range ch.Refunds.Data {
			if a, ok := stripeRefundAction(r, purchase, at); ok {
				e.Actions = append(e.Actions, a)
			}
		}
		if purchase == "" || len(e.Actions) == 0 {
			// From API version 2022-11-15 a charge carries no refunds list:
			// refund.created records each refund.
			e.Actions, e.Ignored = nil, "the charge lists no refunds (or names no payment): refund.created records them"
		}
	case "refund.created":
		var r stripeRefund
		if err := json.Unmarshal(raw, &r); err != nil {
			return bad(err)
		}
		// A refund names its payment intent: the purchase itself for a
		// one-off payment, or an alias of the invoice (recorded from
		// invoice.paid or invoice_payment.paid; the receiver resolves it,
		// and a refund whose alias is not known yet waits for it). An
		// expanded charge may name the invoice itself. Its re_… id is the
		// one charge.refunded gives: a refund is recorded once.
		purchase := r.PaymentIntent.ID
		var exp struct {
			Charge struct {
				Invoice ref `json:"invoice"`
			} `json:"charge"`
		}
		if json.Unmarshal(raw, &exp) == nil && exp.Charge.Invoice.ID != "" {
			purchase = exp.Charge.Invoice.ID
		}
		if a, ok := stripeRefundAction(r, purchase, at); ok && purchase != "" {
			e.Actions = []Action{a}
		} else {
			e.Ignored = "the refund failed, was canceled, or names no payment"
		}
	default:
		e.Ignored = "event type " + e.Type + " is not used"
	}
	return []Event{e}, nil
}

// ClickReference is the session's client_reference_id, offered as a click
// id: a vendor's own reference there is not one, and the receiver drops
// anything that does not parse as a click id, with a note.
func (cs stripeSession) ClickReference() string { return cs.ClientReferenceID }

// promotionCode is the human code of a promotion code the session's
// discounts name, when Stripe sent it expanded ("" otherwise: a bare
// promo_… id names no partner's code).
func (cs stripeSession) promotionCode() string {
	for _, d := range cs.Discounts {
		if d.PromotionCode.Code != "" {
			return d.PromotionCode.Code
		}
	}
	for _, d := range cs.TotalDetails.Breakdown.Discounts {
		if d.Discount.PromotionCode.Code != "" {
			return d.Discount.PromotionCode.Code
		}
	}
	return ""
}

func stripeRefundAction(r stripeRefund, purchase string, at time.Time) (Action, bool) {
	if r.ID == "" || r.Amount <= 0 || r.Status == "failed" || r.Status == "canceled" {
		return Action{}, false
	}
	amount, err := FromMinor(r.Amount, strings.ToUpper(r.Currency))
	if err != nil {
		return Action{}, false
	}
	return Action{Refund: &Refund{ID: r.ID, PurchaseID: purchase, Amount: amount, OccurredAt: unix(r.Created, at)}}, true
}
