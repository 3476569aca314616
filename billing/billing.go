// Package billing connects partnerka to the vendor's billing: Stripe,
// YooKassa and CloudPayments notify it of payments and refunds, and each
// connector turns a verified notification into the same leads, purchases
// and refunds the vendor API records, with the same validation and
// idempotency (the provider's ids are the purchases' and refunds' ids).
//
// A connector is pure translation and verification: it never writes.
// The receiver (receiver.go) stores every notification before it answers
// the provider, records what the connector made of it, and keeps the
// outcome for the back office's event log.
package billing

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"partnerka"

	"github.com/shopspring/decimal"
)

// Provider names, as in the webhook path /webhooks/{provider}.
const (
	Stripe        = "stripe"
	YooKassa      = "yookassa"
	CloudPayments = "cloudpayments"
)

// Notice is one HTTP delivery from a provider, as received.
type Notice struct {
	Body   []byte
	Header http.Header
	// Query is the webhook URL's query. CloudPayments signs only the body
	// and a Check looks like a Pay, so the URL the vendor gives Check says
	// so: /webhooks/cloudpayments?type=check.
	Query      url.Values
	ReceivedAt time.Time // by the program's clock
}

// Settings are a connector's settings from the back office: secrets
// (Stripe's webhook signing secret, YooKassa's shop id and secret key,
// CloudPayments' API secret), options such as YooKassa's API base URL,
// and which provider product or price ids are which plan products.
type Settings struct {
	Values   map[string]string // by key: "webhook_secret", "shop_id", "secret_key", "api_secret", "api_url"
	Products map[string]string // provider product or price id -> the plan's product name
}

// Get returns a setting, or "" when unset.
func (s Settings) Get(key string) string { return s.Values[key] }

// Product maps a provider's product or price id to the plan's product
// ("" when the id is not mapped: the purchase has no product, and plan
// rules without products apply).
func (s Settings) Product(ids ...string) string {
	for _, id := range ids {
		if p, ok := s.Products[id]; ok && id != "" {
			return p
		}
	}
	return ""
}

// Event is what a connector makes of one notification: the provider's id
// and type of the event, and what to record. An event of a type the
// connector does not handle has no actions and says so in Ignored.
type Event struct {
	ID      string // the provider's id of the event (Stripe's evt_..., YooKassa's payment id and event, ...)
	Type    string // the provider's event type, such as invoice.paid
	Actions []Action
	Ignored string // why nothing is recorded, when nothing is
}

// Action is one thing to record: exactly one of its fields is set.
type Action struct {
	Lead     *Lead
	Purchase *Purchase
	Refund   *Refund
	Alias    *Alias
}

// Alias says a provider's id (Stripe's payment intent pi_...) names the
// purchase recorded as PurchaseID (the invoice in_...): a refund naming
// the alias returns that purchase.
type Alias struct {
	Name       string
	PurchaseID string
}

// Lead binds a provider's customer to what the payer carried: the click
// id pk.js kept, a promo code, a partner ref (any may be empty; a lead
// with none still reports the customer's email for self-referral checks).
type Lead struct {
	CustomerID string // the provider's customer id (Stripe's cus_..., CloudPayments' AccountId, ...)
	ClickID    string // as pk.js hands it out (26 characters) or a UUID
	PromoCode  string
	PartnerRef string
	Email      string
	Name       string
	OccurredAt time.Time
}

// Purchase is a payment: its id is the provider's (an invoice, a payment),
// the amount what was actually paid, in the payment's currency.
type Purchase struct {
	ID         string
	CustomerID string
	Amount     partnerka.Money
	Product    string // the plan's product, mapped by Settings.Product
	PromoCode  string // a promo code the payment carried
	ClickID    string // a click id the payment carried (26 characters or a UUID)
	OccurredAt time.Time
}

// Refund returns part or all of a purchase. Its id is the provider's
// refund id, so the same refund reported by two events is one refund.
type Refund struct {
	ID         string
	PurchaseID string // the id the purchase was recorded with
	Amount     partnerka.Money
	OccurredAt time.Time
}

// Connector verifies and translates one provider's notifications.
type Connector interface {
	// Name is the provider's name (Stripe, YooKassa, CloudPayments).
	Name() string
	// Events verifies the notice and returns the events it carries. A
	// notice that is not the provider's (no signature, a wrong or stale
	// one, a payment the provider's API does not confirm) is an error
	// with code partnerka.EINVALID: the receiver answers 400 and records
	// nothing. Other errors (the provider's API unreachable) are
	// EUNAVAILABLE: the receiver answers 503 and the provider retries.
	Events(ctx context.Context, n Notice, s Settings) ([]Event, error)
	// Ack is the status and body the provider expects when the notice
	// was taken (CloudPayments wants {"code":0}).
	Ack() (status int, contentType string, body []byte)
}

// FromMinor is an amount the provider gives in minor units of currency
// (cents; yen; fils for KWD, three digits) as Money.
func FromMinor(units int64, currency string) (partnerka.Money, error) {
	n, ok := partnerka.MinorUnits(currency)
	if !ok {
		return partnerka.Money{}, partnerka.FieldError("currency", "unknown currency %q", currency)
	}
	return partnerka.Money{Amount: decimalShift(units, n), Currency: currency}, nil
}

func decimalShift(units int64, exp int32) decimal.Decimal { return decimal.New(units, -exp) }

// Field is one of a connector's settings: secrets are write-only (a page
// shows only that one is set, and its last four characters).
type Field struct {
	Key    string
	Secret bool
}

// Providers are the connectors in the order the back office shows them.
var Providers = []string{Stripe, YooKassa, CloudPayments}

// Fields are each connector's settings.
var Fields = map[string][]Field{
	Stripe:        {{Key: "webhook_secret", Secret: true}},
	YooKassa:      {{Key: "shop_id"}, {Key: "secret_key", Secret: true}, {Key: "api_url"}},
	CloudPayments: {{Key: "api_secret", Secret: true}},
}

// Secrets are the keys of a connector's secret settings.
func Secrets(provider string) []string {
	var out []string
	for _, f := range Fields[provider] {
		if f.Secret {
			out = append(out, f.Key)
		}
	}
	return out
}
