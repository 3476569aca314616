package billing

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"partnerka"
)

// YooKassaConnector takes YooKassa's HTTP notifications (payment.succeeded,
// payment.canceled, refund.succeeded). YooKassa signs none of them, so the
// connector believes nothing a notice says but the object's id: it asks
// the YooKassa API (GET /v3/payments/{id} or /v3/refunds/{id}, with the
// shop id and secret key) and records what the API answers. A notice the
// API does not confirm is refused. (YooKassa also publishes the addresses
// it sends from; asking the API makes checking them unnecessary.)
//
// A payment is a purchase named by its id, of its amount (what the payer
// paid, not income_amount, which is after YooKassa's fee) at captured_at.
// The customer is the payment's metadata customer_id, else
// merchant_customer_id, else the metadata email (the API's payment object
// carries no receipt, so the receipt's email is not to be had); pk_click,
// promo_code, partner_ref and product come from the metadata too.
//
// Test payments (test: true) are recorded like others: only a test
// shop's keys can fetch them, so a live shop's connector never sees one.
type YooKassaConnector struct {
	// Client makes the API calls (http.DefaultClient with a 10-second
	// timeout when nil).
	Client *http.Client
}

// Name implements Connector.
func (YooKassaConnector) Name() string { return "YooKassa" }

// Ack implements Connector: YooKassa wants a 200.
func (YooKassaConnector) Ack() (int, string, []byte) { return 200, "application/json", []byte(`{}`) }

type ykAmount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

type ykPayment struct {
	ID                 string            `json:"id"`
	Status             string            `json:"status"`
	Paid               bool              `json:"paid"`
	Amount             ykAmount          `json:"amount"`
	CreatedAt          time.Time         `json:"created_at"`
	CapturedAt         *time.Time        `json:"captured_at"`
	Metadata           map[string]string `json:"metadata"`
	MerchantCustomerID string            `json:"merchant_customer_id"`
	Test               bool              `json:"test"`
}

type ykRefund struct {
	ID        string    `json:"id"`
	PaymentID string    `json:"payment_id"`
	Status    string    `json:"status"`
	Amount    ykAmount  `json:"amount"`
	CreatedAt time.Time `json:"created_at"`
}

// Events implements Connector.
func (y YooKassaConnector) Events(ctx context.Context, n Notice, s Settings) ([]Event, error) {
	shop, key := s.Get("shop_id"), s.Get("secret_key")
	if shop == "" || key == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the YooKassa connector has no shop id or secret key: it is not set up")
	}
	var notice struct {
		Type   string `json:"type"`
		Event  string `json:"event"`
		Object struct {
			ID string `json:"id"`
		} `json:"object"`
	}
	if err := json.Unmarshal(n.Body, &notice); err != nil || notice.Object.ID == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the notification is not a YooKassa notification")
	}
	e := Event{ID: notice.Event + ":" + notice.Object.ID, Type: notice.Event}
	switch notice.Event {
	case "payment.succeeded", "payment.canceled":
		var p ykPayment
		if err := y.get(ctx, s, "/v3/payments/"+url.PathEscape(notice.Object.ID), &p); err != nil {
			return nil, err
		}
		if notice.Event == "payment.canceled" {
			if p.Status != "canceled" {
				return nil, partnerka.Errorf(partnerka.EINVALID, "the YooKassa API does not confirm payment %s as canceled (it is %s)", p.ID, p.Status)
			}
			e.Ignored = "a canceled payment earns nothing"
			return []Event{e}, nil
		}
		if p.Status != "succeeded" || !p.Paid {
			return nil, partnerka.Errorf(partnerka.EINVALID, "the YooKassa API does not confirm payment %s as succeeded (it is %s)", p.ID, p.Status)
		}
		amount, err := partnerka.ParseAmount("amount", p.Amount.Value, p.Amount.Currency)
		if err != nil {
			e.Ignored = "the payment's amount " + p.Amount.Value + " " + p.Amount.Currency + " is not one partnerka records"
			return []Event{e}, nil
		}
		m := p.Metadata
		customer := m["customer_id"]
		if customer == "" {
			customer = p.MerchantCustomerID
		}
		if customer == "" {
			customer = strings.ToLower(strings.TrimSpace(m["email"]))
		}
		if customer == "" {
			e.Ignored = "the payment names no customer (metadata customer_id, merchant_customer_id or metadata email)"
			return []Event{e}, nil
		}
		at := p.CreatedAt
		if p.CapturedAt != nil {
			at = *p.CapturedAt
		}
		if m["pk_click"] != "" || m["promo_code"] != "" || m["partner_ref"] != "" {
			e.Actions = append(e.Actions, Action{Lead: &Lead{CustomerID: customer, ClickID: m["pk_click"], PromoCode: m["promo_code"],
				PartnerRef: m["partner_ref"], Email: m["email"], OccurredAt: at}})
		}
		e.Actions = append(e.Actions, Action{Purchase: &Purchase{ID: p.ID, CustomerID: customer, Amount: amount,
			Product: s.Product(m["product"]), PromoCode: m["promo_code"], ClickID: m["pk_click"], OccurredAt: at}})
	case "refund.succeeded":
		var r ykRefund
		if err := y.get(ctx, s, "/v3/refunds/"+url.PathEscape(notice.Object.ID), &r); err != nil {
			return nil, err
		}
		if r.Status != "succeeded" {
			return nil, partnerka.Errorf(partnerka.EINVALID, "the YooKassa API does not confirm refund %s as succeeded (it is %s)", r.ID, r.Status)
		}
		amount, err := partnerka.ParseAmount("amount", r.Amount.Value, r.Amount.Currency)
		if err != nil {
			e.Ignored = "the refund's amount " + r.Amount.Value + " " + r.Amount.Currency + " is not one partnerka records"
			return []Event{e}, nil
		}
		e.Actions = []Action{{Refund: &Refund{ID: r.ID, PurchaseID: r.PaymentID, Amount: amount, OccurredAt: r.CreatedAt}}}
	default:
		e.Ignored = "event " + notice.Event + " is not used"
	}
	return []Event{e}, nil
}

// get asks the YooKassa API for an object. Not found is a refusal (the
// notice named an object the shop does not have); refused keys and
// anything else going wrong are unavailable, so YooKassa delivers again
// once the keys are fixed or the API answers.
func (y YooKassaConnector) get(ctx context.Context, s Settings, path string, into any) error {
	base := strings.TrimRight(s.Get("api_url"), "/")
	if base == "" {
		base = "https://api.yookassa.ru"
	}
	client := y.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		return partnerka.Errorf(partnerka.EUNAVAILABLE, "the YooKassa API address is not usable: %v", err)
	}
	req.SetBasicAuth(s.Get("shop_id"), s.Get("secret_key"))
	resp, err := client.Do(req)
	if err != nil {
		return partnerka.Errorf(partnerka.EUNAVAILABLE, "the YooKassa API did not answer: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return partnerka.Errorf(partnerka.EINVALID, "the YooKassa API does not know %s: the notice is not this shop's", path)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return partnerka.Errorf(partnerka.EUNAVAILABLE, "the YooKassa API refused the shop id and secret key (%d): fix them on the billing page", resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return partnerka.Errorf(partnerka.EUNAVAILABLE, "the YooKassa API answered %d", resp.StatusCode)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return partnerka.Errorf(partnerka.EUNAVAILABLE, "the YooKassa API answered what is not JSON")
	}
	return nil
}
