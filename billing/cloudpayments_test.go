package billing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
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

// cpReceived is when the test's notices arrive.
var cpReceived = time.Date(2026, 11, 17, 15, 0, 0, 0, time.UTC)

// cpForm is a form body with its fields in the order CloudPayments'
// documentation lists them (the signature is over the bytes as sent).
type cpForm [][2]string

func (f cpForm) String() string {
	var b strings.Builder
	for i, kv := range f {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1]))
	}
	return b.String()
}

// set returns the form with field k set to v, or without it when v is "-".
func (f cpForm) set(k, v string) cpForm {
	var out cpForm
	found := false
	for _, kv := range f {
		if kv[0] == k {
			found = true
			if v == "-" {
				continue
			}
			kv[1] = v
		}
		out = append(out, kv)
	}
	if !found && v != "-" {
		out = append(out, [2]string{k, v})
	}
	return out
}

const cpData = `{"pk_click":"01JD0000000000000000000000","promo_code":"ALPHA10","product":"crm-year"}`

// The notifications as CloudPayments' documentation shows them.

func cpPay() cpForm {
	return cpForm{{"TransactionId", "504"}, {"Amount", "1990.00"}, {"Currency", "RUB"}, {"PaymentAmount", "1990.00"},
		{"PaymentCurrency", "RUB"}, {"OperationType", "Payment"}, {"InvoiceId", "1234567"}, {"AccountId", "user_x"},
		{"SubscriptionId", ""}, {"Name", "CARDHOLDER NAME"}, {"Email", "user@example.com"}, {"DateTime", "2026-11-17 14:51:20"},
		{"IpAddress", "46.251.83.16"}, {"IpCountry", "RU"}, {"IpCity", "Москва"}, {"IpRegion", "Москва"}, {"IpDistrict", "Центральный федеральный округ"},
		{"CardId", "a3e5e5b1f4b6a1"}, {"CardFirstSix", "411111"}, {"CardLastFour", "1111"}, {"CardType", "Visa"}, {"CardExpDate", "11/27"},
		{"Issuer", "Sberbank of Russia"}, {"IssuerBankCountry", "RU"}, {"Description", "Оплата в example.com"}, {"AuthCode", "A1B2C3"},
		{"Data", cpData}, {"Token", "477BBA133C182267FE5F086924ABDC5DB71F77BFC27F01F2843F2CDC69D89F05"}, {"TestMode", "1"},
		{"Status", "Completed"}, {"GatewayName", "Test"}, {"TotalFee", "0"}, {"CardProduct", "I"}, {"PaymentMethod", ""}, {"Rrn", "123456789012"}}
}

// cpCheck is a Check: a Pay's fields before the payment is authorized.
func cpCheck() cpForm {
	return cpPay().set("AuthCode", "-").set("Token", "-").set("GatewayName", "-").set("TotalFee", "-").set("Rrn", "-")
}

func cpFail() cpForm {
	return cpCheck().set("Status", "-").set("Reason", "InsufficientFunds").set("ReasonCode", "5051")
}

// cpConfirm is a Confirm: a two-step payment captured (no OperationType).
func cpConfirm() cpForm {
	return cpPay().set("OperationType", "-").set("GatewayName", "-").set("TotalFee", "-").set("AuthCode", "-")
}

func cpRefund() cpForm {
	return cpForm{{"TransactionId", "510"}, {"PaymentTransactionId", "504"}, {"Amount", "500.00"}, {"DateTime", "2026-11-18 10:00:00"},
		{"OperationType", "Refund"}, {"InvoiceId", "1234567"}, {"AccountId", "user_x"}, {"Email", "user@example.com"}, {"Data", cpData}, {"Rrn", "123456789013"}}
}

func cpCancel() cpForm {
	return cpForm{{"TransactionId", "511"}, {"Amount", "1990.00"}, {"DateTime", "2026-11-17 16:00:00"}, {"InvoiceId", "1234567"},
		{"AccountId", "user_x"}, {"Email", "user@example.com"}, {"Data", cpData}}
}

func cpRecurrent() cpForm {
	return cpForm{{"Id", "sc_8cf8a9338fb8ebf7202b08d09c938"}, {"AccountId", "user_x"}, {"Description", "CRM, monthly"},
		{"Email", "user@example.com"}, {"Amount", "1990.00"}, {"Currency", "RUB"}, {"RequireConfirmation", "0"},
		{"StartDate", "2026-11-17 14:51:20"}, {"Interval", "Month"}, {"Period", "1"}, {"Status", "Active"},
		{"SuccessfulTransactionsNumber", "1"}, {"FailedTransactionsNumber", "0"}, {"MaxPeriods", ""},
		{"LastTransactionDate", "2026-11-17 14:51:20"}, {"NextTransactionDate", "2026-12-17 14:51:20"}}
}

// cpJSON is a Pay in the JSON the site may be set to send: numbers are
// numbers, Data an object.
const cpJSON = `{"TransactionId":505,"Amount":15000.00,"Currency":"KZT","PaymentAmount":15000.00,"PaymentCurrency":"KZT",
"OperationType":"Payment","InvoiceId":"1234568","AccountId":"user_y","Email":"y@example.com","DateTime":"2026-11-17 15:00:00",
"CardFirstSix":"411111","CardLastFour":"1111","CardType":"Visa","CardExpDate":"11/27","TestMode":0,"Status":"Completed",
"GatewayName":"Test","Data":{"pk_click":"01JD0000000000000000000001","promo_code":12345},"TotalFee":0}`

func cpMAC(body, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(body))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// cpNotice is a form body signed as CloudPayments signs it, posted to the
// webhook URL with query.
func cpNotice(body fmt.Stringer, query string) Notice {
	s := body.String()
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Content-HMAC", cpMAC(s, cpSecret))
	q, _ := url.ParseQuery(query)
	return Notice{Body: []byte(s), Header: h, Query: q, ReceivedAt: cpReceived}
}

type cpString string

func (s cpString) String() string { return string(s) }

func cpJSONNotice(body string) Notice {
	n := cpNotice(cpString(body), "")
	n.Header.Set("Content-Type", "application/json; charset=utf-8")
	return n
}

// cpSummary is what the events would record, in one line.
func cpSummary(events []Event) string {
	var parts []string
	for _, e := range events {
		parts = append(parts, e.ID)
		if e.Ignored != "" {
			parts = append(parts, "ignored")
		}
		for _, a := range e.Actions {
			switch {
			case a.Lead != nil:
				l := a.Lead
				parts = append(parts, fmt.Sprintf("lead{%s %s click=%s promo=%s ref=%s %s}", l.CustomerID, l.Email, l.ClickID, l.PromoCode, l.PartnerRef, l.OccurredAt.Format(time.RFC3339)))
			case a.Purchase != nil:
				p := a.Purchase
				parts = append(parts, fmt.Sprintf("purchase{%s %s %s product=%s click=%s promo=%s %s}", p.ID, p.CustomerID, p.Amount, p.Product, p.ClickID, p.PromoCode, p.OccurredAt.Format(time.RFC3339)))
			case a.Refund != nil:
				r := a.Refund
				parts = append(parts, fmt.Sprintf("refund{%s of %s %s %q %s}", r.ID, r.PurchaseID, r.Amount.Amount, r.Amount.Currency, r.OccurredAt.Format(time.RFC3339)))
			}
		}
	}
	return strings.Join(parts, " ")
}

func cpEvents(t *testing.T, n Notice) ([]Event, error) {
	t.Helper()
	return CloudPaymentsConnector{}.Events(context.Background(), n, cpSettings)
}

func TestCloudPaymentsPurchases(t *testing.T) {
	const lead = "lead{user_x user@example.com click=01JD0000000000000000000000 promo=ALPHA10 ref= 2026-11-17T14:51:20Z}"
	decoded := cpNotice(cpPay(), "")
	decoded.Header.Del("Content-HMAC")
	plain, _ := url.QueryUnescape(cpPay().String())
	decoded.Header.Set("X-Content-HMAC", cpMAC(plain, cpSecret))
	for _, tc := range []struct {
		name   string
		notice Notice
		want   string
	}{
		{"a completed Pay in RUB, Data with pk_click and promo_code", cpNotice(cpPay(), ""),
			"pay:504 " + lead + " purchase{cloudpayments:504 user_x 1990.00 RUB product=crm click=01JD0000000000000000000000 promo=ALPHA10 2026-11-17T14:51:20Z}"},
		{"the URL names it a Pay", cpNotice(cpPay(), "type=pay"),
			"pay:504 " + lead + " purchase{cloudpayments:504 user_x 1990.00 RUB product=crm click=01JD0000000000000000000000 promo=ALPHA10 2026-11-17T14:51:20Z}"},
		{"X-Content-HMAC over the decoded body when Content-HMAC is absent", decoded,
			"pay:504 " + lead + " purchase{cloudpayments:504 user_x 1990.00 RUB product=crm click=01JD0000000000000000000000 promo=ALPHA10 2026-11-17T14:51:20Z}"},
		{"the JSON body, KZT, a promo code written as a number", cpJSONNotice(cpJSON),
			"pay:505 lead{user_y y@example.com click=01JD0000000000000000000001 promo=12345 ref= 2026-11-17T15:00:00Z} purchase{cloudpayments:505 user_y 15000.00 KZT product= click=01JD0000000000000000000001 promo=12345 2026-11-17T15:00:00Z}"},
		{"a JSON amount read as written, never a float", cpJSONNotice(strings.ReplaceAll(cpJSON, "15000.00", "99999999999999.99")),
			"pay:505 lead{user_y y@example.com click=01JD0000000000000000000001 promo=12345 ref= 2026-11-17T15:00:00Z} purchase{cloudpayments:505 user_y 99999999999999.99 KZT product= click=01JD0000000000000000000001 promo=12345 2026-11-17T15:00:00Z}"},
		{"USD with one digit", cpNotice(cpPay().set("Amount", "19.9").set("Currency", "USD").set("Data", ""), ""),
			"pay:504 purchase{cloudpayments:504 user_x 19.90 USD product= click= promo= 2026-11-17T14:51:20Z}"},
		{"EUR without digits", cpNotice(cpPay().set("Amount", "1990").set("Currency", "EUR").set("Data", ""), ""),
			"pay:504 purchase{cloudpayments:504 user_x 1990.00 EUR product= click= promo= 2026-11-17T14:51:20Z}"},
		{"KZT in a form", cpNotice(cpPay().set("Amount", "15000.50").set("Currency", "KZT").set("Data", ""), ""),
			"pay:504 purchase{cloudpayments:504 user_x 15000.50 KZT product= click= promo= 2026-11-17T14:51:20Z}"},
		{"zeros past the currency's digits", cpNotice(cpPay().set("Amount", "1990.00").set("Currency", "JPY").set("Data", ""), ""),
			"pay:504 purchase{cloudpayments:504 user_x 1990 JPY product= click= promo= 2026-11-17T14:51:20Z}"},
		{"Data not JSON: no metadata, the payment recorded", cpNotice(cpPay().set("Data", "{pk_click:"), ""),
			"pay:504 purchase{cloudpayments:504 user_x 1990.00 RUB product= click= promo= 2026-11-17T14:51:20Z}"},
		{"a partner ref alone is a lead", cpNotice(cpPay().set("Data", `{"partner_ref":"ivan"}`), ""),
			"pay:504 lead{user_x user@example.com click= promo= ref=ivan 2026-11-17T14:51:20Z} purchase{cloudpayments:504 user_x 1990.00 RUB product= click= promo= 2026-11-17T14:51:20Z}"},
		{"no AccountId: the payer's email", cpNotice(cpPay().set("AccountId", "").set("Email", " User@Example.com").set("Data", ""), ""),
			"pay:504 purchase{cloudpayments:504 user@example.com 1990.00 RUB product= click= promo= 2026-11-17T14:51:20Z}"},
		{"a Confirm captures a two-step payment", cpNotice(cpConfirm().set("Amount", "1500.00"), ""),
			"confirm:504 " + lead + " purchase{cloudpayments:504 user_x 1500.00 RUB product=crm click=01JD0000000000000000000000 promo=ALPHA10 2026-11-17T14:51:20Z}"},
		{"the URL names it a Confirm", cpNotice(cpConfirm().set("Data", ""), "type=confirm"),
			"confirm:504 purchase{cloudpayments:504 user_x 1990.00 RUB product= click= promo= 2026-11-17T14:51:20Z}"},
		{"no DateTime: when received", cpNotice(cpPay().set("DateTime", "-").set("Data", ""), ""),
			"pay:504 purchase{cloudpayments:504 user_x 1990.00 RUB product= click= promo= 2026-11-17T15:00:00Z}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := cpEvents(t, tc.notice)
			if err != nil {
				t.Fatal(err)
			}
			if got := cpSummary(events); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestCloudPaymentsRefunds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		notice Notice
		want   string
	}{
		{"a partial refund as documented, without a currency: its purchase's", cpNotice(cpRefund(), ""),
			`refund:510 refund{cloudpayments:510 of cloudpayments:504 500 "" 2026-11-18T10:00:00Z}`},
		{"the URL names it a Refund", cpNotice(cpRefund(), "type=refund"),
			`refund:510 refund{cloudpayments:510 of cloudpayments:504 500 "" 2026-11-18T10:00:00Z}`},
		{"a Refund at the URL given to Check: the fields tell it", cpNotice(cpRefund(), "type=check"),
			`refund:510 refund{cloudpayments:510 of cloudpayments:504 500 "" 2026-11-18T10:00:00Z}`},
		{"a refund with a currency", cpNotice(cpRefund().set("Amount", "19.9").set("Currency", "USD"), ""),
			`refund:510 refund{cloudpayments:510 of cloudpayments:504 19.9 "USD" 2026-11-18T10:00:00Z}`},
		{"three digits without a currency: the purchase's judges them", cpNotice(cpRefund().set("Amount", "1.250"), ""),
			`refund:510 refund{cloudpayments:510 of cloudpayments:504 1.25 "" 2026-11-18T10:00:00Z}`},
		{"the JSON body", cpJSONNotice(`{"TransactionId":510,"PaymentTransactionId":505,"Amount":7500.00,"DateTime":"2026-11-18 10:00:00","OperationType":"Refund","AccountId":"user_y","Data":null}`),
			`refund:510 refund{cloudpayments:510 of cloudpayments:505 7500 "" 2026-11-18T10:00:00Z}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := cpEvents(t, tc.notice)
			if err != nil {
				t.Fatal(err)
			}
			if got := cpSummary(events); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Notices that record nothing are still answered {"code":0}: a Check so
// lets its payment through, and CloudPayments stops retrying the others.
func TestCloudPaymentsIgnored(t *testing.T) {
	for _, tc := range []struct {
		name   string
		notice Notice
		id     string
	}{
		{"a Check", cpNotice(cpCheck(), "type=check"), "check:504"},
		{"a Check whose amount would be refused", cpNotice(cpCheck().set("Amount", "10.001"), "type=CHECK"), "check:504"},
		{"a two-step payment authorized", cpNotice(cpPay().set("Status", "Authorized"), ""), "pay:504:Authorized"},
		{"a Fail", cpNotice(cpFail(), ""), "fail:504"},
		{"a Fail the URL names", cpNotice(cpFail(), "type=fail"), "fail:504"},
		{"a Cancel", cpNotice(cpCancel(), ""), "cancel:511"},
		{"a Cancel the URL names", cpNotice(cpCancel(), "type=cancel"), "cancel:511"},
		{"a Recurrent", cpNotice(cpRecurrent(), ""), "recurrent:sc_8cf8a9338fb8ebf7202b08d09c938:Active"},
		{"a card payout", cpNotice(cpPay().set("OperationType", "CardPayout"), ""), "pay:504:CardPayout"},
		{"a payment of zero", cpNotice(cpPay().set("Amount", "0.00"), ""), "pay:504"},
		{"a refund of zero", cpNotice(cpRefund().set("Amount", "0"), ""), "refund:510"},
		{"a payment without a customer", cpNotice(cpPay().set("AccountId", "").set("Email", ""), ""), "pay:504"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := cpEvents(t, tc.notice)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || events[0].ID != tc.id || len(events[0].Actions) != 0 || events[0].Ignored == "" {
				t.Errorf("got %+v, want %s ignored with a reason", events, tc.id)
			}
		})
	}
	status, ctype, ack := CloudPaymentsConnector{}.Ack()
	if status != 200 || ctype != "application/json" || string(ack) != `{"code":0}` {
		t.Errorf("ack %d %s %s", status, ctype, ack)
	}
}

func TestCloudPaymentsRefusals(t *testing.T) {
	// header sets a header of the notice, or removes it when v is "".
	header := func(n Notice, k, v string) Notice {
		n.Header.Del(k)
		if v != "" {
			n.Header.Set(k, v)
		}
		return n
	}
	tampered := cpNotice(cpPay(), "")
	tampered.Body = []byte(strings.Replace(string(tampered.Body), "Amount=1990.00", "Amount=199000.00", 1))
	// X-Content-HMAC over the body as sent, not the decoded body it signs.
	rawX := header(header(cpNotice(cpPay(), ""), "Content-HMAC", ""), "X-Content-HMAC", cpMAC(cpPay().String(), cpSecret))
	for _, tc := range []struct {
		name     string
		notice   Notice
		settings Settings
	}{
		{"forged: another secret", header(cpNotice(cpPay(), ""), "Content-HMAC", cpMAC(cpPay().String(), "another secret")), cpSettings},
		{"no HMAC", header(cpNotice(cpPay(), ""), "Content-HMAC", ""), cpSettings},
		{"tampered after signing", tampered, cpSettings},
		{"an HMAC not in base64", header(cpNotice(cpPay(), ""), "Content-HMAC", "not base64!"), cpSettings},
		{"X-Content-HMAC over the encoded body", rawX, cpSettings},
		{"no API secret set up", cpNotice(cpPay(), ""), Settings{}},
		{"more digits than RUB has", cpNotice(cpPay().set("Amount", "10.001"), ""), cpSettings},
		{"a digit JPY does not have", cpNotice(cpPay().set("Amount", "1990.50").set("Currency", "JPY"), ""), cpSettings},
		{"more digits than any currency has, in a refund", cpNotice(cpRefund().set("Amount", "1.0001"), ""), cpSettings},
		{"a currency partnerka does not take", cpNotice(cpPay().set("Currency", "XXX"), ""), cpSettings},
		{"a payment without a currency", cpNotice(cpPay().set("Currency", "-"), ""), cpSettings},
		{"a negative amount", cpNotice(cpPay().set("Amount", "-1.00"), ""), cpSettings},
		{"an amount in an exponent", cpNotice(cpPay().set("Amount", "1e3"), ""), cpSettings},
		{"a DateTime not a time", cpNotice(cpPay().set("DateTime", "17.11.2026"), ""), cpSettings},
		{"a payment without a TransactionId", cpNotice(cpPay().set("TransactionId", "-"), ""), cpSettings},
		{"a refund without its payment", cpNotice(cpRefund().set("PaymentTransactionId", "-"), ""), cpSettings},
		{"a kind the URL misnames", cpNotice(cpPay(), "type=paid"), cpSettings},
		{"a JSON body not JSON", cpJSONNotice(`{"TransactionId":`), cpSettings},
	} {
		t.Run(tc.name, func(t *testing.T) {
			events, err := CloudPaymentsConnector{}.Events(context.Background(), tc.notice, tc.settings)
			if partnerka.ErrorCode(err) != partnerka.EINVALID {
				t.Errorf("got %v, %v; want invalid", cpSummary(events), err)
			}
		})
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
