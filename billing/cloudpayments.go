package billing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"

	"partnerka"
)

// CloudPaymentsConnector takes CloudPayments' notifications. Each is
// verified by its Content-HMAC header: HMAC-SHA256 of the body as sent,
// keyed by the site's API secret, in base64, compared in constant time
// (X-Content-HMAC, the same over the URL-decoded body, when Content-HMAC
// is absent).
//
// CloudPayments posts each kind of notification to the URL the vendor
// gives it and signs only the body. The fields tell the kinds apart: a
// Refund by its OperationType, a Confirm by a Status without an
// OperationType, a Fail by a payment without a Status, a Cancel by a
// transaction with neither, a Recurrent by a subscription's Id without a
// TransactionId, and a payment with a Status is a Pay. A Check looks like
// a Pay field for field, so the URL given to Check says so: ?type=check.
// The other kinds' names are taken there too (pay, fail, confirm, refund,
// recurrent, cancel) and change nothing; any other name is refused, so a
// misspelt check never passes for payments.
//
// A completed Pay or a Confirm is a purchase, and a Refund a refund; the
// others are answered {"code":0} (a Check so lets the payment through)
// and ignored. A Pay only authorized (a two-step payment) waits for its
// Confirm: an authorization may yet be cancelled.
//
// Ids: CloudPayments' transaction ids are numbers, which could be the
// vendor's own ids too, so purchases and refunds are recorded as
// "cloudpayments:<TransactionId>". The customer is AccountId (the
// vendor's id of the payer), else the payer's Email; the click id, promo
// code and partner ref come from the form's Data (pk_click, promo_code,
// partner_ref), and Data's product through the product mapping.
type CloudPaymentsConnector struct{}

// Name implements Connector.
func (CloudPaymentsConnector) Name() string { return "CloudPayments" }

// Ack implements Connector: CloudPayments wants {"code":0}.
func (CloudPaymentsConnector) Ack() (int, string, []byte) {
	return 200, "application/json", []byte(`{"code":0}`)
}

// cloudKinds are the notifications CloudPayments sends, as the vendor
// names them in the webhook URL's ?type=.
var cloudKinds = map[string]bool{"check": true, "pay": true, "fail": true, "confirm": true, "refund": true, "recurrent": true, "cancel": true}

// cloudID is how a CloudPayments transaction is named in partnerka.
func cloudID(transaction string) string { return "cloudpayments:" + transaction }

// Events implements Connector.
func (CloudPaymentsConnector) Events(_ context.Context, n Notice, s Settings) ([]Event, error) {
	if err := cloudVerify(n, s.Get("api_secret")); err != nil {
		return nil, err
	}
	f, err := cloudFields(n)
	if err != nil {
		return nil, err
	}
	kind := cloudKind(f)
	switch named := strings.ToLower(strings.TrimSpace(n.Query.Get("type"))); {
	case named != "" && !cloudKinds[named]:
		return nil, partnerka.Errorf(partnerka.EINVALID, "the webhook URL names the notification %q: use ?type= check, pay, fail, confirm, refund, recurrent or cancel", named)
	case named == "check" && kind == "pay":
		kind = "check"
	}
	tx, op, status := f["TransactionId"], f["OperationType"], f["Status"]
	switch {
	case kind == "refund":
		return cloudRefund(tx, f, n.ReceivedAt)
	case kind == "pay" && op != "" && op != "Payment":
		return cloudIgnored(n, kind, tx, op, "a "+op+" operation, not a payment"), nil
	case kind == "pay" && status == "Completed", kind == "confirm":
		return cloudPurchase(kind, tx, f, n.ReceivedAt, s)
	case kind == "pay" && status == "Authorized":
		return cloudIgnored(n, kind, tx, status, "a two-step payment authorized, not yet captured: its Confirm notice records it"), nil
	case kind == "pay":
		return cloudIgnored(n, kind, tx, status, fmt.Sprintf("a payment with Status %q, not completed: nothing is paid", status)), nil
	case kind == "check":
		return cloudIgnored(n, kind, tx, "", `a Check asks whether to take a payment: answered {"code":0} (take it); its Pay notice records it`), nil
	case kind == "fail":
		return cloudIgnored(n, kind, tx, "", "a declined payment ("+f["Reason"]+"): nothing is paid"), nil
	case kind == "cancel":
		return cloudIgnored(n, kind, tx, "", "a cancelled payment: nothing is recorded"), nil
	case kind == "recurrent":
		return cloudIgnored(n, kind, f["Id"], status, "a subscription is "+status+": its payments come as Pay notices"), nil
	}
	return cloudIgnored(n, "notice", tx, "", "neither a payment nor a refund: nothing to record"), nil
}

// cloudKind tells a notification by its fields ("" when they tell
// nothing); a Check is read as a Pay.
func cloudKind(f map[string]string) string {
	tx, op, status := f["TransactionId"], f["OperationType"], f["Status"]
	switch {
	case op == "Refund":
		return "refund"
	case tx == "" && f["Id"] != "":
		return "recurrent"
	case op == "" && status == "Completed":
		return "confirm"
	case op == "" && status == "" && tx != "":
		return "cancel"
	case op == "Payment" && status == "":
		return "fail" // a Fail has a Reason instead of a Status
	case op != "" && status != "":
		return "pay"
	}
	return ""
}

// cloudVerify checks the notice's Content-HMAC, or X-Content-HMAC when
// Content-HMAC is absent.
func cloudVerify(n Notice, secret string) error {
	if secret == "" {
		return partnerka.Errorf(partnerka.EINVALID, "the CloudPayments connector has no API secret: it is not set up")
	}
	sig, signed := n.Header.Get("Content-HMAC"), n.Body
	if sig == "" {
		// X-Content-HMAC is over the URL-decoded body; a JSON body is not
		// URL-encoded.
		if sig = n.Header.Get("X-Content-HMAC"); sig != "" && !cloudJSON(n) {
			if d, err := url.QueryUnescape(string(n.Body)); err == nil {
				signed = []byte(d)
			}
		}
	}
	if sig == "" {
		return partnerka.Errorf(partnerka.EINVALID, "the notification has no Content-HMAC header")
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sig))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(signed)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return partnerka.Errorf(partnerka.EINVALID, "the Content-HMAC does not match the body: not signed with this site's API secret")
	}
	return nil
}

// cloudPurchase makes a completed payment a purchase, with a lead when its
// Data binds the customer to a click, a promo code or a partner.
func cloudPurchase(kind, tx string, f map[string]string, received time.Time, s Settings) ([]Event, error) {
	if tx == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the payment has no TransactionId")
	}
	e := Event{ID: kind + ":" + tx, Type: kind}
	amount, err := cloudAmount(f["Amount"], f["Currency"], true)
	if err != nil {
		return nil, err
	}
	at, err := cloudTime(f["DateTime"], received)
	if err != nil {
		return nil, err
	}
	if amount.Amount.IsZero() {
		e.Ignored = "a payment of zero (a card bound, say): nothing is paid"
		return []Event{e}, nil
	}
	customer := f["AccountId"]
	if customer == "" {
		customer = strings.ToLower(strings.TrimSpace(f["Email"]))
	}
	if customer == "" {
		e.Ignored = "the payment names no AccountId or Email: no customer to credit"
		return []Event{e}, nil
	}
	data := cloudData(f["Data"])
	if data["pk_click"] != "" || data["promo_code"] != "" || data["partner_ref"] != "" {
		e.Actions = append(e.Actions, Action{Lead: &Lead{CustomerID: customer, ClickID: data["pk_click"], PromoCode: data["promo_code"],
			PartnerRef: data["partner_ref"], Email: f["Email"], Name: f["Name"], OccurredAt: at}})
	}
	e.Actions = append(e.Actions, Action{Purchase: &Purchase{ID: cloudID(tx), CustomerID: customer, Amount: amount,
		Product: s.Product(data["product"], f["SubscriptionId"]), PromoCode: data["promo_code"], ClickID: data["pk_click"], OccurredAt: at}})
	return []Event{e}, nil
}

// cloudRefund makes a Refund notice a refund of its payment. The notice
// carries no currency (CloudPayments' documentation lists none): the
// amount is then left without one, and the refund's recording takes its
// purchase's and judges the digits by it.
func cloudRefund(tx string, f map[string]string, received time.Time) ([]Event, error) {
	if tx == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the refund has no TransactionId")
	}
	payment := f["PaymentTransactionId"]
	if payment == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the refund names no PaymentTransactionId")
	}
	amount, err := cloudAmount(f["Amount"], f["Currency"], false)
	if err != nil {
		return nil, err
	}
	at, err := cloudTime(f["DateTime"], received)
	if err != nil {
		return nil, err
	}
	e := Event{ID: "refund:" + tx, Type: "refund"}
	if amount.Amount.IsZero() {
		e.Ignored = "a refund of zero: nothing is returned"
		return []Event{e}, nil
	}
	e.Actions = []Action{{Refund: &Refund{ID: cloudID(tx), PurchaseID: cloudID(payment), Amount: amount, OccurredAt: at}}}
	return []Event{e}, nil
}

// cloudIgnored is a notice that records nothing, named by its kind, its
// id (its body's hash when it has none, so a repeat is still a repeat)
// and the status it was ignored in.
func cloudIgnored(n Notice, kind, id, status, why string) []Event {
	if id == "" {
		sum := sha256.Sum256(n.Body)
		id = hex.EncodeToString(sum[:8])
	}
	if status != "" {
		id += ":" + status
	}
	return []Event{{ID: kind + ":" + id, Type: kind, Ignored: why}}
}

// cloudJSON reports whether the notice is JSON (the site's setting) rather
// than a form (CloudPayments' default).
func cloudJSON(n Notice) bool {
	if t, _, err := mime.ParseMediaType(n.Header.Get("Content-Type")); err == nil {
		return t == "application/json" || strings.HasSuffix(t, "+json")
	}
	return bytes.HasPrefix(bytes.TrimSpace(n.Body), []byte("{"))
}

// cloudFields reads a notice's fields as strings. JSON numbers keep the
// digits they were written with (an amount is never a float on its way).
func cloudFields(n Notice) (map[string]string, error) {
	out := map[string]string{}
	if cloudJSON(n) {
		m, err := cloudObject(n.Body)
		if err != nil {
			return nil, partnerka.Errorf(partnerka.EINVALID, "the notification is not a JSON object")
		}
		for k, v := range m {
			out[k] = cloudString(v)
		}
		return out, nil
	}
	vals, err := url.ParseQuery(string(n.Body))
	if err != nil {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the notification is not a form")
	}
	for k := range vals {
		out[k] = vals.Get(k)
	}
	return out, nil
}

func cloudObject(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	err := d.Decode(&m)
	return m, err
}

// cloudString is a JSON value as a form would carry it; an object (Data,
// in a JSON notice) is its JSON.
func cloudString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// widestDigits is a currency with three minor digits, the most any has: a
// refund without a currency is read in it, and its purchase's currency
// judges it when recorded.
const widestDigits = "BHD"

// cloudAmount parses "1990", "1990.5" or "1990.00" in the currency's
// digits, exactly: zeros past the currency's digits are dropped ("1990.00"
// in a currency without minor units is 1990), any other digit past them is
// refused, never rounded. Without a currency the amount has none, unless
// one is required.
func cloudAmount(raw, currency string, required bool) (partnerka.Money, error) {
	raw, currency = strings.TrimSpace(raw), strings.ToUpper(strings.TrimSpace(currency))
	if raw == "" {
		return partnerka.Money{}, partnerka.Errorf(partnerka.EINVALID, "the notification has no Amount")
	}
	in := currency
	if in == "" {
		if required {
			return partnerka.Money{}, partnerka.Errorf(partnerka.EINVALID, "the payment has no Currency")
		}
		in = widestDigits
	}
	digits, ok := partnerka.MinorUnits(in)
	if !ok {
		return partnerka.Money{}, partnerka.Errorf(partnerka.EINVALID, "Currency %q is not one partnerka takes", currency)
	}
	exact := raw
	if whole, fraction, found := strings.Cut(raw, "."); found && int32(len(fraction)) > digits {
		if fraction = strings.TrimRight(fraction, "0"); fraction != "" {
			whole += "." + fraction
		}
		exact = whole
	}
	m, err := partnerka.ParseAmount("Amount", exact, in)
	switch {
	case err != nil && currency == "":
		return partnerka.Money{}, partnerka.Errorf(partnerka.EINVALID, "Amount %q is not a decimal such as \"500.00\" with at most three digits after the point", raw)
	case err != nil:
		return partnerka.Money{}, partnerka.Errorf(partnerka.EINVALID, "Amount %q in %s: %s", raw, currency, partnerka.ErrorMessage(err))
	case m.Amount.IsNegative():
		return partnerka.Money{}, partnerka.Errorf(partnerka.EINVALID, "Amount %q is negative", raw)
	}
	m.Currency = currency
	return m, nil
}

// cloudTime parses DateTime ("2026-11-23 12:00:00", UTC); a notice
// without one happened when it was received.
func cloudTime(raw string, received time.Time) (time.Time, error) {
	if raw = strings.TrimSpace(raw); raw == "" {
		return received, nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02T15:04:05", time.RFC3339} {
		if t, err := time.ParseInLocation(layout, raw, time.UTC); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, partnerka.Errorf(partnerka.EINVALID, "DateTime %q is not a time such as 2026-11-23 12:00:00", raw)
}

// cloudData reads the Data field (the JSON object the payment form was
// given). What is not a JSON object is no data, never a refusal: the
// payment is recorded without it.
func cloudData(raw string) map[string]string {
	out := map[string]string{}
	m, err := cloudObject([]byte(raw))
	if err != nil {
		return out
	}
	for k, v := range m {
		switch x := v.(type) {
		case string:
			out[k] = strings.TrimSpace(x)
		case json.Number:
			out[k] = x.String() // a promo code written as a number
		}
	}
	return out
}
