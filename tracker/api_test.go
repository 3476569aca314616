package tracker

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerka/commissions"
	"partnerka/storage"
)

const testKey = "pk_test_0123456789abcdef"

func (f *fixture) withKey(t *testing.T) {
	t.Helper()
	h := sha256.Sum256([]byte(testKey))
	if _, err := f.db.CreateAPIKey(context.Background(), "test", "pk_test", h[:]); err != nil {
		t.Fatal(err)
	}
}

// api sends a request to the vendor API and decodes the JSON answer.
func (f *fixture) api(t *testing.T, method, path, contentType, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Content-Type", contentType)
	resp, err := f.app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, b)
	}
	if strings.HasPrefix(path, "/api/v1/") && req.Header.Get("Authorization") == "Bearer "+testKey {
		checkAgainstOpenAPI(t, method, path, contentType, body, resp.StatusCode, resp.Header, b)
	}
	return resp.StatusCode, out
}

func errField(out map[string]any) (code, field string) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return
}

func TestAPIKeys(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	for _, tc := range []struct {
		name, auth string
		want       int
	}{
		{"no key", "", 401},
		{"wrong key", "Bearer pk_wrong", 401},
		{"not bearer", "Basic " + testKey, 401},
		{"right key", "Bearer " + testKey, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/api/v1/customers/nobody", nil)
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, _ := f.app.Test(req)
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want || !strings.Contains(string(b), `"error"`) {
				t.Errorf("status %d body %s, want %d with a JSON error", resp.StatusCode, b, tc.want)
			}
		})
	}
}

func purchaseCount(t *testing.T, db *storage.DB) int {
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM purchases`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPurchaseValidation(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		{"unknown currency", `{"id":"p1","customer_id":"c1","amount":"10.00","currency":"XXX"}`, 400, "currency"},
		{"negative", `{"id":"p1","customer_id":"c1","amount":"-10.00","currency":"USD"}`, 400, "amount"},
		{"zero", `{"id":"p1","customer_id":"c1","amount":"0","currency":"USD"}`, 400, "amount"},
		{"NaN", `{"id":"p1","customer_id":"c1","amount":"NaN","currency":"USD"}`, 400, "amount"},
		{"JSON number", `{"id":"p1","customer_id":"c1","amount":10.5,"currency":"USD"}`, 400, "amount"},
		{"float noise", `{"id":"p1","customer_id":"c1","amount":"0.30000000000000004","currency":"USD"}`, 400, "amount"},
		{"more digits than the currency", `{"id":"p1","customer_id":"c1","amount":"10.001","currency":"USD"}`, 400, "amount"},
		{"fraction of yen", `{"id":"p1","customer_id":"c1","amount":"10.5","currency":"JPY"}`, 400, "amount"},
		{"exponent", `{"id":"p1","customer_id":"c1","amount":"1e3","currency":"USD"}`, 400, "amount"},
		// Issue 16: 15 to 19 integer digits answered 500, 20 and more a misleading message.
		{"15 digits, more than the database holds", `{"id":"p1","customer_id":"c1","amount":"100000000000000.00","currency":"RUB"}`, 400, "amount"},
		{"19 digits", `{"id":"p1","customer_id":"c1","amount":"1000000000000000000","currency":"RUB"}`, 400, "amount"},
		{"25 digits", `{"id":"p1","customer_id":"c1","amount":"1000000000000000000000000","currency":"RUB"}`, 400, "amount"},
		{"missing amount", `{"id":"p1","customer_id":"c1","currency":"USD"}`, 400, "amount"},
		{"missing customer", `{"id":"p1","amount":"1.00","currency":"USD"}`, 400, "customer_id"},
		{"missing id", `{"customer_id":"c1","amount":"1.00","currency":"USD"}`, 400, "id"},
		{"unknown field", `{"id":"p1","customer_id":"c1","amount":"1.00","currency":"USD","amout":"2"}`, 400, "amout"},
		{"bad click id", `{"id":"p1","customer_id":"c1","amount":"1.00","currency":"USD","click_id":"abc"}`, 400, "click_id"},
		{"bad time", `{"id":"p1","customer_id":"c1","amount":"1.00","currency":"USD","occurred_at":"yesterday"}`, 400, "occurred_at"},
		{"not JSON", `amount=1`, 400, ""},
		{"two objects", `{"id":"p1","customer_id":"c1","amount":"1.00","currency":"USD"}{}`, 400, ""},
		// Issue 17, F7: the last of two equal keys won.
		{"duplicate key", `{"id":"p1","customer_id":"c1","amount":"10.00","amount":"99999.00","currency":"USD"}`, 400, "amount"},
		// Issue 17: an array body was "must be a JSON string, not a array".
		{"array body", `[{"id":"p1"}]`, 400, ""},
		// Issue 17, F6: invalid UTF-8 was replaced by U+FFFD, so two ids became one.
		{"invalid UTF-8 in an id", "{\"id\":\"\xff\xfe\",\"customer_id\":\"c1\",\"amount\":\"1.00\",\"currency\":\"USD\"}", 400, ""},
		{"10 MB body", `{"id":"p1","customer_id":"c1","amount":"1.00","currency":"USD","product":"` + strings.Repeat("x", 10<<20) + `"}`, 413, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := f.api(t, "POST", "/api/v1/purchases", "application/json", tc.body)
			_, field := errField(out)
			if status != tc.status || field != tc.field {
				t.Errorf("got %d field %q (%v), want %d field %q", status, field, out, tc.status, tc.field)
			}
		})
	}
	if n := purchaseCount(t, f.db); n != 0 {
		t.Errorf("%d purchases written by invalid requests", n)
	}
	if _, out := f.api(t, "POST", "/api/v1/purchases", "application/json", `[{"id":"p1"}]`); !strings.Contains(fmt.Sprint(out), "must be a JSON object, not an array") {
		t.Errorf("array body: %v", out)
	}
}

func TestPurchaseIdempotency(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	body := `{"id":"inv-1","customer_id":"c1","amount":"1500.00","currency":"RUB","product":"crm","occurred_at":"2026-11-01T10:00:00Z"}`
	status, out := f.api(t, "POST", "/api/v1/purchases", "application/json", body)
	if status != 201 || out["amount"] != "1500.00" || out["currency"] != "RUB" {
		t.Fatalf("first: %d %v", status, out)
	}
	same := `{"currency":"RUB","amount":"1500.0","id":"inv-1","customer_id":"c1","product":"crm","occurred_at":"2026-11-01T13:00:00+03:00"}`
	if status, out := f.api(t, "POST", "/api/v1/purchases", "application/json", same); status != 200 || out["id"] != "inv-1" {
		t.Errorf("identical repeat (reformatted): %d %v, want 200", status, out)
	}
	other := strings.Replace(body, "1500.00", "1600.00", 1)
	if status, out := f.api(t, "POST", "/api/v1/purchases", "application/json", other); status != 409 {
		t.Errorf("same id, other body: %d %v, want 409", status, out)
	}

	// Concurrent identical requests store one purchase; every answer is 201 or 200.
	const n = 20
	var wg sync.WaitGroup
	codes := make(chan int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := f.api(t, "POST", "/api/v1/purchases", "application/json", `{"id":"inv-2","customer_id":"c2","amount":"10.00","currency":"USD"}`)
			codes <- s
		}()
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		switch c {
		case 201:
			created++
		case 200:
		default:
			t.Errorf("concurrent request answered %d", c)
		}
	}
	if created != 1 || purchaseCount(t, f.db) != 2 {
		t.Errorf("%d created answers, %d purchases; want 1 and 2", created, purchaseCount(t, f.db))
	}

	// Issue 16: the first answer showed nanoseconds, the stored record and
	// every replay microseconds. Both answers now show the stored instant.
	f.setClock(time.Date(2026, 11, 23, 12, 0, 0, 413177074, time.UTC))
	for _, body := range []string{
		`{"id":"ns-1","customer_id":"c1","amount":"1.00","currency":"USD"}`,
		`{"id":"ns-2","customer_id":"c1","amount":"1.00","currency":"USD","occurred_at":"2026-11-23T11:00:00.123456789Z"}`,
	} {
		s1, first := f.api(t, "POST", "/api/v1/purchases", "application/json", body)
		s2, again := f.api(t, "POST", "/api/v1/purchases", "application/json", body)
		if s1 != 201 || s2 != 200 || first["occurred_at"] != again["occurred_at"] || first["received_at"] != again["received_at"] ||
			strings.Contains(first["occurred_at"].(string), "074Z") || strings.Contains(first["occurred_at"].(string), "789Z") {
			t.Errorf("%s: first %d %v, replay %d %v; want the same stored instants, to the microsecond", body, s1, first, s2, again)
		}
	}

}

func TestRefunds(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	f.api(t, "POST", "/api/v1/purchases", "application/json", `{"id":"p1","customer_id":"c1","amount":"100.00","currency":"USD"}`)
	for _, tc := range []struct {
		name, body string
		status     int
		field      string
	}{
		// Issue 16: a refund dated before its purchase was accepted and reversed the commission.
		{"dated before its purchase", `{"id":"r0","purchase_id":"p1","amount":"30.00","occurred_at":"2020-01-01T00:00:00Z"}`, 422, "occurred_at"},
		{"partial", `{"id":"r1","purchase_id":"p1","amount":"30.00"}`, 201, ""},
		{"identical repeat", `{"id":"r1","purchase_id":"p1","amount":"30.00"}`, 200, ""},
		{"same id, other amount", `{"id":"r1","purchase_id":"p1","amount":"31.00"}`, 409, "id"},
		{"more than is left", `{"id":"r2","purchase_id":"p1","amount":"70.01"}`, 422, "amount"},
		{"unknown purchase", `{"id":"r3","purchase_id":"nope","amount":"1.00"}`, 404, "purchase_id"},
		{"too many digits for the purchase's currency", `{"id":"r4","purchase_id":"p1","amount":"1.001"}`, 400, "amount"},
		{"the rest", `{"id":"r5","purchase_id":"p1","amount":"70.00"}`, 201, ""},
		{"nothing left", `{"id":"r6","purchase_id":"p1","amount":"0.01"}`, 422, "amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := f.api(t, "POST", "/api/v1/refunds", "application/json", tc.body)
			_, field := errField(out)
			if status != tc.status || field != tc.field {
				t.Errorf("got %d field %q (%v), want %d field %q", status, field, out, tc.status, tc.field)
			}
		})
	}
	// Concurrent refunds never exceed the purchase.
	f.api(t, "POST", "/api/v1/purchases", "application/json", `{"id":"p2","customer_id":"c1","amount":"100.00","currency":"USD"}`)
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			f.api(t, "POST", "/api/v1/refunds", "application/json", `{"id":"cr`+string(rune('a'+i))+`","purchase_id":"p2","amount":"30.00"}`)
		}(i)
	}
	wg.Wait()
	var total string
	f.db.Get(&total, `SELECT sum(r.amount)::text FROM refunds r JOIN purchases p ON p.id = r.purchase_id WHERE p.external_id = 'p2'`)
	if total != "90.000000" {
		t.Errorf("concurrent refunds total %s, want 90 (three of ten fit)", total)
	}
}

func TestImportPurchases(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	f.api(t, "POST", "/api/v1/purchases", "application/json", `{"id":"old","customer_id":"c0","amount":"5.00","currency":"USD"}`)
	bad := "id,customer_id,amount,currency,occurred_at\n" +
		"a1,c1,10.00,USD,2026-10-01T00:00:00Z\n" +
		"a2,c2,-1,USD,\n" +
		"a3,c3,1.00,XXX,\n" +
		"a4,,1.00,USD,\n" +
		"a5,c5,100000000000000.00,RUB,\n" // issue 16: answered 500
	status, out := f.api(t, "POST", "/api/v1/purchases/import", "text/csv", bad)
	lines, _ := out["lines"].([]any)
	if status != 422 || len(lines) != 4 || purchaseCount(t, f.db) != 1 {
		t.Fatalf("bad file: %d %v; %d purchases", status, out, purchaseCount(t, f.db))
	}
	first := lines[0].(map[string]any)
	if first["line"] != float64(3) || first["field"] != "amount" {
		t.Errorf("first bad line %v, want line 3 field amount", first)
	}
	good := "id,customer_id,amount,currency\nold,c0,5.00,USD\nb1,c1,10.00,USD\nb2,c2,20.50,EUR\nb2,c2,20.50,EUR\n"
	status, out = f.api(t, "POST", "/api/v1/purchases/import", "text/csv", good)
	if status != 200 || out["imported"] != float64(2) || out["unchanged"] != float64(1) {
		t.Errorf("good file: %d %v", status, out)
	}
	conflict := "id,customer_id,amount,currency\nb3,c3,1.00,USD\nb1,c1,11.00,USD\n"
	status, out = f.api(t, "POST", "/api/v1/purchases/import", "text/csv", conflict)
	if status != 409 || purchaseCount(t, f.db) != 3 {
		t.Errorf("conflicting file: %d %v; %d purchases, want 3 (nothing from the file)", status, out, purchaseCount(t, f.db))
	}
	status, out = f.api(t, "POST", "/api/v1/purchases/import", "text/csv", "id,customer_id,amount,colour\n")
	if _, field := errField(out); status != 400 || field != "colour" {
		t.Errorf("unknown column: %d %v", status, out)
	}
}

func TestLeadAPI(t *testing.T) {
	f := newFixture(t, nil)
	f.withKey(t)
	status, out := f.api(t, "POST", "/api/v1/leads", "application/json",
		`{"customer_id":"c1","email":"Ann@Example.COM","promo_code":"ALPHA10","occurred_at":"2026-11-20T10:00:00Z"}`)
	if status != 202 || out["lead_id"] == "" {
		t.Fatalf("lead: %d %v", status, out)
	}
	msgs, _ := f.rdb.XRange(context.Background(), f.rdb.Key(storage.LeadStream), "-", "+").Result()
	if len(msgs) != 1 || !strings.Contains(msgs[0].Values["lead"].(string), `"email":"ann@example.com"`) {
		t.Errorf("lead stream: %v", msgs)
	}
	// The reconciler binds the customer; the API shows the binding.
	step := &commissions.LeadStep{DB: f.db, Redis: f.rdb, Consumer: "test"}
	if _, err := step.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	status, out = f.api(t, "GET", "/api/v1/customers/c1", "", "")
	if status != 200 || out["partner_ref"] != "alpha" || out["source"] != "promo_code" || out["reason"] != "attributed" ||
		out["bound_at"] != "2026-11-20T10:00:00Z" {
		t.Errorf("customer: %d %v", status, out)
	}
	if status, _ := f.api(t, "GET", "/api/v1/customers/c2", "", ""); status != 404 {
		t.Errorf("unknown customer: %d, want 404", status)
	}
	for _, tc := range []struct{ name, body, field string }{
		{"no customer", `{"email":"a@b.c"}`, "customer_id"},
		{"bad email", `{"customer_id":"c1","email":"nobody"}`, "email"},
		{"bad click", `{"customer_id":"c1","click_id":"x"}`, "click_id"},
		{"existing_customer not a boolean", `{"customer_id":"c1","existing_customer":"yes"}`, "existing_customer"},
		{"future", `{"customer_id":"c1","occurred_at":"2099-01-01T00:00:00Z"}`, "occurred_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, out := f.api(t, "POST", "/api/v1/leads", "application/json", tc.body)
			if _, field := errField(out); status != 400 || field != tc.field {
				t.Errorf("got %d %v, want 400 on %s", status, out, tc.field)
			}
		})
	}
}

// FuzzPurchaseInput: no body panics the decoder or validator, and what is
// accepted is a positive amount in a known currency with a stable hash.
func FuzzPurchaseInput(f *testing.F) {
	for _, s := range []string{
		`{"id":"p1","customer_id":"c1","amount":"10.00","currency":"USD"}`,
		`{"id":"p1","customer_id":"c1","amount":10,"currency":"USD"}`,
		`{"id":"p1","customer_id":"c1","amount":"1e9","currency":"JPY","click_id":"06F5QJ4M3Z1R8KX9C2H7T0WBNA"}`,
		`[]`, `{"amount":null}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var in PurchaseInput
		if err := decodeJSON([]byte(body), &in); err != nil {
			return
		}
		p, hash, err := in.validate(testNow)
		if err != nil {
			return
		}
		if !p.Amount.Amount.IsPositive() || !p.Amount.Round().Amount.Equal(p.Amount.Amount) {
			t.Fatalf("accepted amount %v", p.Amount)
		}
		_, hash2, _ := in.validate(testNow)
		if string(hash) != string(hash2) {
			t.Fatal("hash is not deterministic")
		}
	})
}
