package backoffice

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerka/storage"
)

// An admin enables a connector with its secret (write-only: the page
// shows its last four characters, an empty field keeps it, the audit log
// never holds it), maps products, sees the latest events and records one
// again.
func TestBillingPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var reprocessed []int64
	f.srv.Billing = BillingConnectors{
		Connectors: []BillingConnector{{Provider: "stripe", Name: "Stripe", Fields: []BillingField{{Key: "webhook_secret", Secret: true}}},
			{Provider: "yookassa", Name: "YooKassa", Fields: []BillingField{{Key: "shop_id"}, {Key: "secret_key", Secret: true}, {Key: "api_url"}}}},
		Reprocess: func(_ context.Context, id int64) error { reprocessed = append(reprocessed, id); return nil },
		Forget:    func() {},
	}
	b, token := f.SignIn(t, "admin@x.test")
	_, page := b.Do("GET", "/admin/billing", nil)
	if !strings.Contains(page, "http://t.test/webhooks/stripe") || !strings.Contains(page, "No notifications yet.") {
		t.Fatalf("the billing page:\n%s", page)
	}
	// Enabling without the secret is refused.
	if resp, page := b.Post(token, "/admin/billing/stripe", url.Values{"enabled": {"on"}}); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "Enter Signing secret") {
		t.Errorf("enabling without a secret: %d", resp.StatusCode)
	}
	resp, _ := b.Post(token, "/admin/billing/stripe", url.Values{"enabled": {"on"}, "webhook_secret": {"whsec_abcdef1234"},
		"products": {"price_crm = crm\r\nprod_school=course"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	// Saved again without the secret: it stays.
	if resp, _ := b.Post(token, "/admin/billing/stripe", url.Values{"enabled": {"on"}, "products": {"price_crm = crm"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second save: %d", resp.StatusCode)
	}
	c, err := f.DB.BillingConnector(ctx, "stripe")
	if err != nil || !c.Enabled || c.Settings["webhook_secret"] != "whsec_abcdef1234" || len(c.Products) != 1 || c.Products["price_crm"] != "crm" {
		t.Fatalf("stored %+v %v", c, err)
	}
	_, page = b.Do("GET", "/admin/billing", nil)
	if strings.Contains(page, "whsec_abcdef1234") || !strings.Contains(page, "set, ending …1234") {
		t.Errorf("the secret on the page:\n%s", page)
	}
	var audit []string
	f.DB.Select(&audit, `SELECT before::text || ' ' || after::text FROM audit_log WHERE action = 'billing.update'`)
	if len(audit) != 2 || strings.Contains(strings.Join(audit, " "), "whsec_abcdef1234") || !strings.Contains(audit[0], "set, ending …1234") {
		t.Errorf("audit %v", audit)
	}
	// Bad input is refused with the reason.
	for _, form := range []url.Values{{"products": {"no equals sign"}}, {"api_url": {"ftp://x"}}} {
		if resp, _ := b.Post(token, "/admin/billing/yookassa", form); resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d", form, resp.StatusCode)
		}
	}
	// The log, and recording an event again.
	actions, _ := json.Marshal([]any{})
	id, _, _, err := f.DB.TakeBillingEvent(ctx, &storage.BillingEvent{Provider: "stripe", EventID: "evt_9", Type: "charge.refunded",
		ReceivedAt: now, Body: "{}", Actions: actions})
	if err != nil {
		t.Fatal(err)
	}
	f.DB.FinishBillingEvent(ctx, id, storage.BillingWaiting, "the refund waits for its payment in_9, not recorded yet")
	_, page = b.Do("GET", "/admin/billing", nil)
	if !strings.Contains(page, "evt_9") || !strings.Contains(page, "waiting for its payment") || !strings.Contains(page, "in_9") {
		t.Errorf("the event log:\n%s", page)
	}
	if resp, _ := b.Post(token, "/admin/billing/events/"+strconv.FormatInt(id, 10)+"/reprocess", nil); resp.StatusCode != http.StatusSeeOther || len(reprocessed) != 1 || reprocessed[0] != id {
		t.Errorf("reprocess: %d %v", resp.StatusCode, reprocessed)
	}
	// A manager may not see it.
	m, _ := f.SignIn(t, "manager@x.test")
	if resp, _ := m.Do("GET", "/admin/billing", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a manager on the billing page: %d", resp.StatusCode)
	}
}
