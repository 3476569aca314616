package billing

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"partnerka"
)

// fakeYooKassa plays the YooKassa API: objects by path, behind the shop's
// Basic auth.
func fakeYooKassa(t *testing.T, objects map[string]string, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "123456" || p != "live_secret" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"type":"error","code":"invalid_credentials"}`))
			return
		}
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if status != 0 {
			w.WriteHeader(status)
			return
		}
		body, ok := objects[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"type":"error","code":"not_found"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A payment as the YooKassa API documentation shows one.
const ykPaymentJSON = `{
  "id": "22e12f66-000f-5000-8000-18db351245c7",
  "status": "succeeded",
  "paid": true,
  "amount": {"value": "1990.00", "currency": "RUB"},
  "income_amount": {"value": "1920.35", "currency": "RUB"},
  "authorization_details": {"rrn": "10000000000", "auth_code": "000000"},
  "captured_at": "2026-11-20T09:05:00.000Z",
  "created_at": "2026-11-20T09:00:00.000Z",
  "description": "Заказ №72",
  "metadata": {"customer_id": "user_42", "pk_click": "01JD0000000000000000000000", "promo_code": "ALPHA10", "product": "crm-year"},
  "payment_method": {"type": "bank_card", "id": "22e12f66-000f-5000-8000-18db351245c7", "saved": false,
    "card": {"first6": "555555", "last4": "4444", "expiry_month": "07", "expiry_year": "2029", "card_type": "MasterCard"}, "title": "Bank card *4444"},
  "recipient": {"account_id": "123456", "gateway_id": "100500"},
  "refundable": true,
  "refunded_amount": {"value": "0.00", "currency": "RUB"},
  "test": false
}`

func ykNotice(event, id, extra string) Notice {
	body := `{"type": "notification", "event": "` + event + `", "object": {"id": "` + id + `", "status": "succeeded", "paid": true,
	  "amount": {"value": "1.00", "currency": "RUB"}` + extra + `}}`
	return Notice{Body: []byte(body), Header: http.Header{}, ReceivedAt: time.Now()}
}

func ykSettings(api string) Settings {
	return Settings{Values: map[string]string{"shop_id": "123456", "secret_key": "live_secret", "api_url": api},
		Products: map[string]string{"crm-year": "crm"}}
}

func TestYooKassaPaymentConfirmedByTheAPI(t *testing.T) {
	api := fakeYooKassa(t, map[string]string{"/v3/payments/22e12f66-000f-5000-8000-18db351245c7": ykPaymentJSON}, 0)
	// The notice says 1.00 RUB; the API says 1990.00: the API is believed.
	events, err := YooKassaConnector{}.Events(context.Background(), ykNotice("payment.succeeded", "22e12f66-000f-5000-8000-18db351245c7", ""), ykSettings(api.URL))
	if err != nil || len(events) != 1 || len(events[0].Actions) != 2 {
		t.Fatalf("%+v %v", events, err)
	}
	p := events[0].Actions[1].Purchase
	if p.ID != "22e12f66-000f-5000-8000-18db351245c7" || p.CustomerID != "user_42" || p.Amount.String() != "1990.00 RUB" ||
		p.Product != "crm" || p.PromoCode != "ALPHA10" || !p.OccurredAt.Equal(time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC)) {
		t.Errorf("purchase %+v", p)
	}
	if l := events[0].Actions[0].Lead; l == nil || l.ClickID != "01JD0000000000000000000000" {
		t.Errorf("lead %+v", l)
	}
}

func TestYooKassaRefusals(t *testing.T) {
	pending := strings.Replace(strings.Replace(ykPaymentJSON, `"status": "succeeded"`, `"status": "pending"`, 1), `"paid": true`, `"paid": false`, 1)
	api := fakeYooKassa(t, map[string]string{"/v3/payments/p-pending": pending}, 0)
	for name, tc := range map[string]struct {
		n    Notice
		s    Settings
		code string
	}{
		"a payment the API says is pending": {ykNotice("payment.succeeded", "p-pending", ""), ykSettings(api.URL), partnerka.EINVALID},
		"a payment the API does not know":   {ykNotice("payment.succeeded", "p-forged", ""), ykSettings(api.URL), partnerka.EINVALID},
		"not JSON":                          {Notice{Body: []byte("payment=1")}, ykSettings(api.URL), partnerka.EINVALID},
		"no keys set":                       {ykNotice("payment.succeeded", "p-pending", ""), Settings{}, partnerka.EINVALID},
		"wrong keys":                        {ykNotice("payment.succeeded", "p-pending", ""), Settings{Values: map[string]string{"shop_id": "123456", "secret_key": "old", "api_url": api.URL}}, partnerka.EUNAVAILABLE},
	} {
		if _, err := (YooKassaConnector{}).Events(context.Background(), tc.n, tc.s); partnerka.ErrorCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
	// The API failing or too slow: unavailable, so YooKassa delivers again.
	down := fakeYooKassa(t, nil, http.StatusInternalServerError)
	if _, err := (YooKassaConnector{}).Events(context.Background(), ykNotice("payment.succeeded", "p1", ""), ykSettings(down.URL)); partnerka.ErrorCode(err) != partnerka.EUNAVAILABLE {
		t.Errorf("the API answering 500: %v", err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(300 * time.Millisecond) }))
	defer slow.Close()
	c := YooKassaConnector{Client: &http.Client{Timeout: 50 * time.Millisecond}}
	if _, err := c.Events(context.Background(), ykNotice("payment.succeeded", "p1", ""), ykSettings(slow.URL)); partnerka.ErrorCode(err) != partnerka.EUNAVAILABLE {
		t.Errorf("the API too slow: %v", err)
	}
}

func TestYooKassaRefundAndOthers(t *testing.T) {
	api := fakeYooKassa(t, map[string]string{
		"/v3/refunds/216749f7-0016-50be-b000-078d43a63ae4": `{"id": "216749f7-0016-50be-b000-078d43a63ae4", "payment_id": "22e12f66-000f-5000-8000-18db351245c7",
		  "status": "succeeded", "created_at": "2026-11-21T10:00:00.000Z", "amount": {"value": "500.00", "currency": "RUB"}, "description": "Частичный возврат"}`,
		"/v3/payments/p-canceled": strings.Replace(ykPaymentJSON, `"status": "succeeded"`, `"status": "canceled"`, 1),
	}, 0)
	events, err := YooKassaConnector{}.Events(context.Background(), ykNotice("refund.succeeded", "216749f7-0016-50be-b000-078d43a63ae4", ""), ykSettings(api.URL))
	if err != nil || len(events[0].Actions) != 1 {
		t.Fatalf("%+v %v", events, err)
	}
	if r := events[0].Actions[0].Refund; r.ID != "216749f7-0016-50be-b000-078d43a63ae4" || r.PurchaseID != "22e12f66-000f-5000-8000-18db351245c7" || r.Amount.String() != "500.00 RUB" {
		t.Errorf("refund %+v", r)
	}
	if events, err := (YooKassaConnector{}).Events(context.Background(), ykNotice("payment.canceled", "p-canceled", ""), ykSettings(api.URL)); err != nil || len(events[0].Actions) != 0 || events[0].Ignored == "" {
		t.Errorf("canceled: %+v %v", events, err)
	}
	if events, err := (YooKassaConnector{}).Events(context.Background(), ykNotice("payment.waiting_for_capture", "p1", ""), ykSettings(api.URL)); err != nil || events[0].Ignored == "" {
		t.Errorf("an unused event: %+v %v", events, err)
	}
}

// ykPaymentWith is the documentation's payment changed by edit.
func ykPaymentWith(t *testing.T, id string, edit func(p map[string]any)) string {
	t.Helper()
	var p map[string]any
	if err := json.Unmarshal([]byte(ykPaymentJSON), &p); err != nil {
		t.Fatal(err)
	}
	p["id"] = id
	edit(p)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// ykDocNotice is a notification as YooKassa sends one: the whole object
// as it was when its status changed.
func ykDocNotice(event, object string) Notice {
	body := `{"type": "notification", "event": "` + event + `", "object": ` + object + `}`
	return Notice{Body: []byte(body), Header: http.Header{"Content-Type": {"application/json"}}}
}

func TestYooKassaNotices(t *testing.T) {
	const refundID = "216749f7-0016-50be-b000-078d43a63ae4"
	pendingRefund := `{"id": "` + refundID + `", "status": "pending", "amount": {"value": "500.00", "currency": "RUB"},
	  "created_at": "2026-11-21T10:00:00.000Z", "payment_id": "22e12f66-000f-5000-8000-18db351245c7"}`
	api := fakeYooKassa(t, map[string]string{
		"/v3/payments/p-ok": ykPaymentWith(t, "p-ok", func(p map[string]any) {}),
		"/v3/payments/p-canceled": ykPaymentWith(t, "p-canceled", func(p map[string]any) {
			p["status"], p["paid"] = "canceled", false
			p["cancellation_details"] = map[string]any{"party": "yoo_money", "reason": "expired_on_confirmation"}
		}),
		"/v3/payments/p-merchant-customer": ykPaymentWith(t, "p-merchant-customer", func(p map[string]any) {
			p["metadata"] = map[string]any{"pk_click": "01JD0000000000000000000000"}
			p["merchant_customer_id"] = "+79000000001"
		}),
		"/v3/payments/p-email": ykPaymentWith(t, "p-email", func(p map[string]any) {
			p["metadata"] = map[string]any{"email": " Buyer@Example.com ", "partner_ref": "alice"}
		}),
		"/v3/payments/p-nobody":   ykPaymentWith(t, "p-nobody", func(p map[string]any) { p["metadata"] = map[string]any{"order_id": "72"} }),
		"/v3/payments/p-unbound":  ykPaymentWith(t, "p-unbound", func(p map[string]any) { p["metadata"] = map[string]any{"customer_id": "user_7"} }),
		"/v3/payments/p-uncaught": ykPaymentWith(t, "p-uncaught", func(p map[string]any) { delete(p, "captured_at") }),
		"/v3/refunds/" + refundID: pendingRefund,
	}, 0)
	tampered := ykPaymentWith(t, "p-ok", func(p map[string]any) {
		p["amount"] = map[string]any{"value": "1.00", "currency": "RUB"}
		p["metadata"] = map[string]any{"customer_id": "mallory", "pk_click": "01JDFFFFFFFFFFFFFFFFFFFFFF"}
	})
	type want struct {
		code     string // the error's, "" for none
		customer string // the purchase's, "" for no purchase
		amount   string
		lead     *Lead // the lead's fields compared: CustomerID, ClickID, PromoCode, PartnerRef, Email
		at       time.Time
	}
	captured, created := time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC), time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		n    Notice
		want want
	}{
		{"a tampered notice: the API's amount and metadata are recorded", ykDocNotice("payment.succeeded", tampered),
			want{customer: "user_42", amount: "1990.00 RUB", at: captured,
				lead: &Lead{CustomerID: "user_42", ClickID: "01JD0000000000000000000000", PromoCode: "ALPHA10"}}},
		{"succeeded, says the notice; canceled, says the API", ykDocNotice("payment.succeeded", ykPaymentWith(t, "p-canceled", func(p map[string]any) {})),
			want{code: partnerka.EINVALID}},
		{"canceled, says the notice; succeeded, says the API", ykDocNotice("payment.canceled", ykPaymentWith(t, "p-ok", func(p map[string]any) { p["status"] = "canceled" })),
			want{code: partnerka.EINVALID}},
		{"a refund the API says is pending", ykDocNotice("refund.succeeded", `{"id": "`+refundID+`", "status": "succeeded", "amount": {"value": "500.00", "currency": "RUB"},
		  "created_at": "2026-11-21T10:00:00.000Z", "payment_id": "22e12f66-000f-5000-8000-18db351245c7"}`), want{code: partnerka.EINVALID}},
		{"the customer from merchant_customer_id", ykDocNotice("payment.succeeded", `{"id": "p-merchant-customer"}`),
			want{customer: "+79000000001", amount: "1990.00 RUB", at: captured, lead: &Lead{CustomerID: "+79000000001", ClickID: "01JD0000000000000000000000"}}},
		{"the customer from metadata email", ykDocNotice("payment.succeeded", `{"id": "p-email"}`),
			want{customer: "buyer@example.com", amount: "1990.00 RUB", at: captured,
				lead: &Lead{CustomerID: "buyer@example.com", PartnerRef: "alice", Email: " Buyer@Example.com "}}},
		{"no customer: nothing to attribute", ykDocNotice("payment.succeeded", `{"id": "p-nobody"}`), want{}},
		{"nothing in metadata to bind: a purchase only", ykDocNotice("payment.succeeded", `{"id": "p-unbound"}`),
			want{customer: "user_7", amount: "1990.00 RUB", at: captured}},
		{"not captured: created_at", ykDocNotice("payment.succeeded", `{"id": "p-uncaught"}`),
			want{customer: "user_42", amount: "1990.00 RUB", at: created, lead: &Lead{CustomerID: "user_42", ClickID: "01JD0000000000000000000000", PromoCode: "ALPHA10"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := YooKassaConnector{}.Events(context.Background(), tc.n, ykSettings(api.URL))
			if got := partnerka.ErrorCode(err); got != tc.want.code {
				t.Fatalf("error %v, want code %q", err, tc.want.code)
			}
			if tc.want.code != "" {
				return
			}
			if len(events) != 1 {
				t.Fatalf("events %+v", events)
			}
			var lead *Lead
			var purchase *Purchase
			for _, a := range events[0].Actions {
				if a.Lead != nil {
					lead = a.Lead
				}
				if a.Purchase != nil {
					purchase = a.Purchase
				}
			}
			if tc.want.customer == "" {
				if len(events[0].Actions) != 0 || events[0].Ignored == "" {
					t.Fatalf("got %+v, want nothing recorded and a reason", events[0])
				}
				return
			}
			if purchase == nil {
				t.Fatalf("no purchase in %+v", events[0])
			}
			if purchase.CustomerID != tc.want.customer || purchase.Amount.String() != tc.want.amount || !purchase.OccurredAt.Equal(tc.want.at) {
				t.Errorf("purchase %+v, want customer %s, %s at %s", purchase, tc.want.customer, tc.want.amount, tc.want.at)
			}
			switch {
			case tc.want.lead == nil && lead != nil:
				t.Errorf("lead %+v, want none", lead)
			case tc.want.lead != nil && lead == nil:
				t.Errorf("no lead, want %+v", tc.want.lead)
			case lead != nil:
				got, want := *lead, *tc.want.lead
				got.OccurredAt, want.OccurredAt = time.Time{}, time.Time{}
				if got != want {
					t.Errorf("lead %+v, want %+v", got, want)
				}
			}
		})
	}
}
