package billing

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/url"
	"strings"
	"time"

	"partnerka"
)

// CloudPaymentsConnector takes CloudPayments' Pay and Refund notifications
// (the vendor pastes the same URL into both; Check, Fail, Confirm and the
// others are answered and ignored). Each is verified by its Content-HMAC
// header: HMAC-SHA256 of the body as sent, keyed by the site's API secret,
// in base64, compared in constant time.
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

// cloudID is how a CloudPayments transaction is named in partnerka.
func cloudID(transaction string) string { return "cloudpayments:" + transaction }

// Events implements Connector.
func (CloudPaymentsConnector) Events(_ context.Context, n Notice, s Settings) ([]Event, error) {
	secret := s.Get("api_secret")
	if secret == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the CloudPayments connector has no API secret: it is not set up")
	}
	sig := n.Header.Get("Content-HMAC")
	signed := n.Body
	if sig == "" {
		// X-Content-HMAC is the same over the URL-decoded body.
		if sig = n.Header.Get("X-Content-HMAC"); sig != "" {
			if d, err := url.QueryUnescape(string(n.Body)); err == nil {
				signed = []byte(d)
			}
		}
	}
	if sig == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the notification has no Content-HMAC header")
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(signed)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the Content-HMAC does not match the body: not signed with this site's API secret")
	}
	f, err := cloudFields(n)
	if err != nil {
		return nil, err
	}
	tx := f["TransactionId"]
	if tx == "" {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the notification has no TransactionId")
	}
	op, status := f["OperationType"], f["Status"]
	e := Event{Type: strings.ToLower(op)}
	records := op == "Refund" || op == "Payment" && status == "Completed"
	var amount partnerka.Money
	var at time.Time
	if records {
		if amount, err = cloudAmount(f["Amount"], f["Currency"], op != "Refund"); err != nil {
			return nil, err
		}
		if at, err = cloudTime(f["DateTime"], n.ReceivedAt); err != nil {
			return nil, err
		}
	}
	switch {
	case op == "Refund":
		e.ID, e.Type = "refund:"+tx, "refund"
		if f["PaymentTransactionId"] == "" {
			return nil, partnerka.Errorf(partnerka.EINVALID, "the refund names no PaymentTransactionId")
		}
		if amount.Amount.IsZero() {
			e.Ignored = "a refund of zero: nothing is returned"
			return []Event{e}, nil
		}
		e.Actions = []Action{{Refund: &Refund{ID: cloudID(tx), PurchaseID: cloudID(f["PaymentTransactionId"]), Amount: amount, OccurredAt: at}}}
	case op == "Payment" && status == "Completed":
		e.ID, e.Type = "pay:"+tx, "pay"
		if amount.Amount.IsZero() {
			e.Ignored = "a payment of zero (a card bound, say): nothing is paid"
			return []Event{e}, nil
		}
		data := cloudData(f["Data"])
		customer := f["AccountId"]
		if customer == "" {
			customer = strings.ToLower(strings.TrimSpace(f["Email"]))
		}
		if customer == "" {
			e.Ignored = "the payment names no AccountId or Email: no customer to credit"
			return []Event{e}, nil
		}
		if data["pk_click"] != "" || data["promo_code"] != "" || data["partner_ref"] != "" {
			e.Actions = append(e.Actions, Action{Lead: &Lead{CustomerID: customer, ClickID: data["pk_click"], PromoCode: data["promo_code"],
				PartnerRef: data["partner_ref"], Email: f["Email"], Name: f["Name"], OccurredAt: at}})
		}
		e.Actions = append(e.Actions, Action{Purchase: &Purchase{ID: cloudID(tx), CustomerID: customer, Amount: amount,
			Product: s.Product(data["product"], f["SubscriptionId"]), PromoCode: data["promo_code"], ClickID: data["pk_click"], OccurredAt: at}})
	case op == "Payment":
		// Authorized (a two-step payment not captured yet): its Confirm
		// notice, if the vendor sends one here, completes it.
		e.ID, e.Ignored = "pay:"+tx+":"+status, "a payment "+status+", not completed: nothing is paid yet"
	default:
		e.ID, e.Ignored = strings.ToLower(op)+":"+tx+":"+status, "a "+op+" notice records nothing"
	}
	return []Event{e}, nil
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
