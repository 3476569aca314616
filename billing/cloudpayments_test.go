package billing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerka"

	"github.com/shopspring/decimal"
)

const cpSecret = "cp_api_secret_1234"

var cpSettings = Settings{Values: map[string]string{"api_secret": cpSecret}, Products: map[string]string{"crm-year": "crm"}}

// cpPay is a Pay notification as CloudPayments' documentation shows one
// (a form; Data is the JSON the payment widget was given).
func cpPay(tx, amount, currency, status, data string) string {
	v := url.Values{"TransactionId": {tx}, "Amount": {amount}, "Currency": {currency}, "PaymentAmount": {amount},
		"PaymentCurrency": {currency}, "OperationType": {"Payment"}, "InvoiceId": {"1234567"}, "AccountId": {"user_x"},
		"SubscriptionId": {""}, "Name": {"CARDHOLDER NAME"}, "Email": {"user@example.com"}, "DateTime": {"2026-11-17 14:51:20"},
		"IpAddress": {"127.0.0.1"}, "IpCountry": {"RU"}, "CardFirstSix": {"411111"}, "CardLastFour": {"1111"}, "CardType": {"Visa"},
		"CardExpDate": {"11/27"}, "Description": {"Оплата в example.com"}, "AuthCode": {"A1B2C3"}, "TestMode": {"1"},
		"Status": {status}, "GatewayName": {"Test"}, "Data": {data}, "TotalFee": {"0"}, "CardProduct": {"I"}}
	return v.Encode()
}

func cpSign(body, secret string) http.Header {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Content-HMAC", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	return h
}

func cpEvents(t *testing.T, body string, h http.Header) ([]Event, error) {
	t.Helper()
	return CloudPaymentsConnector{}.Events(context.Background(), Notice{Body: []byte(body), Header: h, ReceivedAt: time.Now()}, cpSettings)
}

func TestCloudPaymentsPay(t *testing.T) {
	body := cpPay("504", "1990.00", "RUB", "Completed", `{"pk_click":"01JD0000000000000000000000","promo_code":"ALPHA10","product":"crm-year"}`)
	events, err := cpEvents(t, body, cpSign(body, cpSecret))
	if err != nil || len(events) != 1 {
		t.Fatalf("%v %v", events, err)
	}
	e := events[0]
	if e.ID != "pay:504" || len(e.Actions) != 2 || e.Actions[0].Lead == nil || e.Actions[1].Purchase == nil {
		t.Fatalf("event %+v", e)
	}
	p := e.Actions[1].Purchase
	if p.ID != "cloudpayments:504" || p.CustomerID != "user_x" || p.Amount.String() != "1990.00 RUB" || p.Product != "crm" ||
		p.ClickID != "01JD0000000000000000000000" || p.PromoCode != "ALPHA10" || !p.OccurredAt.Equal(time.Date(2026, 11, 17, 14, 51, 20, 0, time.UTC)) {
		t.Errorf("purchase %+v", p)
	}
	if l := e.Actions[0].Lead; l.CustomerID != "user_x" || l.PromoCode != "ALPHA10" || l.Email != "user@example.com" {
		t.Errorf("lead %+v", l)
	}
	if status, ctype, ack := (CloudPaymentsConnector{}).Ack(); status != 200 || ctype != "application/json" || string(ack) != `{"code":0}` {
		t.Errorf("ack %d %s %s", status, ctype, ack)
	}

	// The JSON body variant, KZT and USD amounts.
	js := `{"TransactionId":505,"Amount":"15000","Currency":"KZT","OperationType":"Payment","Status":"Completed","AccountId":"user_y","DateTime":"2026-11-17 15:00:00","Data":{"pk_click":""}}`
	h := cpSign(js, cpSecret)
	h.Set("Content-Type", "application/json")
	events, err = cpEvents(t, js, h)
	if err != nil || events[0].Actions[0].Purchase.Amount.String() != "15000.00 KZT" || events[0].Actions[0].Purchase.ID != "cloudpayments:505" {
		t.Errorf("JSON body: %+v %v", events, err)
	}
	usd := cpPay("506", "19.9", "USD", "Completed", "")
	if events, err := cpEvents(t, usd, cpSign(usd, cpSecret)); err != nil || events[0].Actions[0].Purchase.Amount.String() != "19.90 USD" {
		t.Errorf("USD: %+v %v", events, err)
	}
}

func TestCloudPaymentsRefusals(t *testing.T) {
	body := cpPay("504", "1990.00", "RUB", "Completed", "")
	for _, tc := range []struct {
		name string
		body string
		h    http.Header
	}{
		{"wrong secret", body, cpSign(body, "another secret")},
		{"no HMAC", body, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}},
		{"tampered after signing", strings.Replace(body, "1990.00", "199000.00", 1), cpSign(body, cpSecret)},
		{"more digits than the currency", cpPay("507", "10.001", "RUB", "Completed", ""), cpSign(cpPay("507", "10.001", "RUB", "Completed", ""), cpSecret)},
	} {
		if _, err := cpEvents(t, tc.body, tc.h); partnerka.ErrorCode(err) != partnerka.EINVALID {
			t.Errorf("%s: %v, want invalid", tc.name, err)
		}
	}
	if _, err := (CloudPaymentsConnector{}).Events(context.Background(), Notice{Body: []byte(body), Header: cpSign(body, cpSecret)}, Settings{}); partnerka.ErrorCode(err) != partnerka.EINVALID {
		t.Errorf("no secret set: %v", err)
	}
}

func TestCloudPaymentsRefundAndOthers(t *testing.T) {
	// A partial refund, as the documentation's Refund notice (no currency).
	refund := url.Values{"TransactionId": {"510"}, "PaymentTransactionId": {"504"}, "Amount": {"500.00"},
		"DateTime": {"2026-11-18 10:00:00"}, "OperationType": {"Refund"}, "InvoiceId": {"1234567"}, "AccountId": {"user_x"},
		"Email": {"user@example.com"}, "Data": {""}}.Encode()
	events, err := cpEvents(t, refund, cpSign(refund, cpSecret))
	if err != nil || len(events[0].Actions) != 1 {
		t.Fatalf("%+v %v", events, err)
	}
	if r := events[0].Actions[0].Refund; r.ID != "cloudpayments:510" || r.PurchaseID != "cloudpayments:504" || r.Amount.Amount.String() != "500" {
		t.Errorf("refund %+v", r)
	}
	// Authorized (two-step) and Fail record nothing, and are still answered.
	for _, body := range []string{cpPay("511", "10.00", "RUB", "Authorized", ""),
		url.Values{"TransactionId": {"512"}, "Amount": {"10.00"}, "Currency": {"RUB"}, "OperationType": {"Fail"}, "Status": {"Declined"}}.Encode()} {
		events, err := cpEvents(t, body, cpSign(body, cpSecret))
		if err != nil || len(events) != 1 || len(events[0].Actions) != 0 || events[0].Ignored == "" {
			t.Errorf("%+v %v", events, err)
		}
	}
}

func TestCloudPaymentsAmounts(t *testing.T) {
	for _, tc := range []struct {
		name, body, ctype, want string
	}{
		{"zeros past the currency's digits", cpPay("520", "1990.00", "JPY", "Completed", ""), "", "1990 JPY"},
		{"KZT", cpPay("521", "15000.5", "KZT", "Completed", ""), "", "15000.50 KZT"},
		{"EUR", cpPay("522", "1990", "EUR", "Completed", ""), "", "1990.00 EUR"},
		{"a JSON number read as written", `{"TransactionId":523,"Amount":99999999999999.99,"Currency":"RUB","OperationType":"Payment","Status":"Completed","AccountId":"user_y"}`,
			"application/json; charset=utf-8", "99999999999999.99 RUB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := cpSign(tc.body, cpSecret)
			if tc.ctype != "" {
				h.Set("Content-Type", tc.ctype)
			}
			events, err := cpEvents(t, tc.body, h)
			if err != nil {
				t.Fatal(err)
			}
			if got := events[0].Actions[len(events[0].Actions)-1].Purchase.Amount.String(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	// A refund names no currency: its amount has none, and its purchase's
	// currency judges it when recorded.
	refund := url.Values{"TransactionId": {"530"}, "PaymentTransactionId": {"520"}, "Amount": {"1.250"},
		"DateTime": {"2026-11-18 10:00:00"}, "OperationType": {"Refund"}}.Encode()
	events, err := cpEvents(t, refund, cpSign(refund, cpSecret))
	if err != nil {
		t.Fatal(err)
	}
	if r := events[0].Actions[0].Refund; r.Amount.Amount.String() != "1.25" || r.Amount.Currency != "" {
		t.Errorf("refund %+v", r.Amount)
	}
	// A payment of zero (a card bound) records nothing and is answered.
	zero := cpPay("531", "0.00", "RUB", "Completed", "")
	if events, err := cpEvents(t, zero, cpSign(zero, cpSecret)); err != nil || len(events[0].Actions) != 0 || events[0].Ignored == "" {
		t.Errorf("zero: %+v %v", events, err)
	}
}

// FuzzCloudAmount checks amounts against a second reading: an amount is
// taken exactly when it is a plain decimal, not negative, of at most 14
// whole digits, whose value needs no more digits than the currency has;
// and what is taken is that value, never rounded.
func FuzzCloudAmount(f *testing.F) {
	for _, s := range []string{"1990.00", "1990", "1990.5", "10.001", "0.000", "-1", "-0.00", "1e3", " 12.30 ", "1990.", ".5",
		"100000000000000", "99999999999999.990", "00012.3400", "1,5", "NaN"} {
		f.Add(s)
	}
	plain := regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)
	f.Fuzz(func(t *testing.T, raw string) {
		for _, currency := range []string{"RUB", "JPY", "BHD"} {
			digits, _ := partnerka.MinorUnits(currency)
			s := strings.TrimSpace(raw)
			want := plain.MatchString(s)
			var d decimal.Decimal
			if want {
				d = decimal.RequireFromString(s)
				whole, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
				want = !d.IsNegative() && d.Equal(d.Round(digits)) && len(strings.TrimLeft(whole, "0")) <= partnerka.MaxAmountDigits
			}
			m, err := cloudAmount(raw, currency, true)
			if (err == nil) != want {
				t.Fatalf("cloudAmount(%q, %s) = %v, %v; want taken %v", raw, currency, m, err, want)
			}
			if err == nil && (!m.Amount.Equal(d) || m.Currency != currency) {
				t.Fatalf("cloudAmount(%q, %s) = %v; want %s exactly", raw, currency, m, d)
			}
		}
	})
}
