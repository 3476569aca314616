package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"partnerka"
	"partnerka/billing"
	"partnerka/storage"
	"partnerka/storage/storagetest"
	"partnerka/tracker"
)

// scripted is a connector whose notifications are JSON lists of events,
// "signed" by a header: the receiver's own rules are what is tested here
// (each provider's connector has its own tests).
type scripted struct{}

func (scripted) Name() string { return "Scripted" }

func (scripted) Events(_ context.Context, n billing.Notice, s billing.Settings) ([]billing.Event, error) {
	if n.Header.Get("Stripe-Signature") != s.Get("webhook_secret") {
		return nil, partnerka.Errorf(partnerka.EINVALID, "the signature does not match")
	}
	var out []billing.Event
	if err := json.Unmarshal(n.Body, &out); err != nil {
		return nil, partnerka.Errorf(partnerka.EINVALID, "not JSON")
	}
	return out, nil
}

func (scripted) Ack() (int, string, []byte) {
	return 200, "application/json", []byte(`{"received":true}`)
}

type billingWorld struct {
	db    *storage.DB
	app   *fiber.App
	recv  *billing.Receiver
	clock atomic.Pointer[time.Time] // the program's clock; the tracker's sync reads it while the test moves it
}

func (w *billingWorld) now() time.Time       { return *w.clock.Load() }
func (w *billingWorld) move(d time.Duration) { t := w.now().Add(d); w.clock.Store(&t) }

func newBillingWorld(t *testing.T) *billingWorld {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := &billingWorld{db: storagetest.NewDB(t)}
	start := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	w.clock.Store(&start)
	w.db.Now = w.now
	if _, err := w.db.LoadSeed(ctx, storage.Seed{Settings: &partnerka.Settings{Name: "T", DefaultCurrency: "RUB",
		DefaultLandingURL: "https://example.com/", AllowedDomains: []string{"example.com"}, AttributionWindowDays: 30,
		AttributionModel: "last_click", HoldDays: 30, RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click"}}); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	trk := &tracker.Server{DB: w.db, Redis: storagetest.NewRedis(t), Logger: logger, Metrics: tracker.NewMetrics(prometheus.NewRegistry()),
		Secret: []byte("0123456789abcdef0123456789abcdef"), RedirectTimeout: 300 * time.Millisecond, Now: w.now}
	if err := trk.Start(ctx); err != nil {
		t.Fatal(err)
	}
	w.recv = &billing.Receiver{DB: w.db, Record: trackerRecorder{trk}, Connectors: map[string]billing.Connector{billing.Stripe: scripted{}},
		Logger: logger, Now: w.now}
	w.app = fiber.New()
	w.recv.Mount(w.app)
	if err := w.db.SaveBillingConnector(ctx, storage.BillingConnector{Provider: billing.Stripe, Enabled: true,
		Settings: map[string]string{"webhook_secret": "whsec_test"}}, []string{"webhook_secret"}, storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *billingWorld) deliver(t *testing.T, sig string, events ...billing.Event) (int, string) {
	t.Helper()
	body, _ := json.Marshal(events)
	req := httptest.NewRequest("POST", "/webhooks/stripe", strings.NewReader(string(body)))
	req.Header.Set("Stripe-Signature", sig)
	resp, err := w.app.Test(req, 10000)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (w *billingWorld) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := w.db.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func purchaseEvent(id, invoice, amount string, at time.Time) billing.Event {
	return billing.Event{ID: id, Type: "invoice.paid", Actions: []billing.Action{{Purchase: &billing.Purchase{ID: invoice,
		CustomerID: "cus_1", Amount: rub(amount), ClickID: "vendor-order-77", OccurredAt: at}}}}
}

func refundEvent(id, refund, invoice, amount string, at time.Time) billing.Event {
	return billing.Event{ID: id, Type: "charge.refunded", Actions: []billing.Action{{Refund: &billing.Refund{ID: refund,
		PurchaseID: invoice, Amount: rub(amount), OccurredAt: at}}}}
}

// The receiver's promises (issue 19, requirement 4): a notification that
// fails verification is refused and stored nowhere; an event delivered
// ten times is recorded once; a refund that comes before its payment
// waits and is recorded when the payment is; an event stored by a
// delivery that crashed before recording is recorded by the retry pass;
// a refused purchase is the event's outcome, with the reason.
func TestBillingReceiver(t *testing.T) {
	w := newBillingWorld(t)
	ctx := context.Background()
	at := w.now().Add(-time.Hour)

	if status, body := w.deliver(t, "forged", purchaseEvent("evt_1", "in_1", "1990.00", at)); status != 400 || !strings.Contains(body, "signature") {
		t.Fatalf("a forged notification: %d %s", status, body)
	}
	if n := w.count(t, `SELECT count(*) FROM billing_events`) + w.count(t, `SELECT count(*) FROM purchases`); n != 0 {
		t.Fatalf("a forged notification wrote %d rows", n)
	}

	// The refund comes first: it waits.
	if status, _ := w.deliver(t, "whsec_test", refundEvent("evt_r", "re_1", "in_1", "500.00", at.Add(time.Minute))); status != 200 {
		t.Fatalf("refund: %d", status)
	}
	if st := w.status(t, "evt_r"); st != storage.BillingWaiting {
		t.Errorf("the early refund is %s, want waiting", st)
	}
	// The payment, ten times.
	for i := 0; i < 10; i++ {
		if status, body := w.deliver(t, "whsec_test", purchaseEvent("evt_1", "in_1", "1990.00", at)); status != 200 || body != `{"received":true}` {
			t.Fatalf("delivery %d: %d %s", i+1, status, body)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM purchases WHERE external_id = 'in_1'`); n != 1 {
		t.Errorf("%d purchases in_1, want 1", n)
	}
	var deliveries int
	w.db.Get(&deliveries, `SELECT deliveries FROM billing_events WHERE event_id = 'evt_1'`)
	var detail string
	w.db.Get(&detail, `SELECT detail FROM billing_events WHERE event_id = 'evt_1'`)
	if deliveries != 10 || w.status(t, "evt_1") != storage.BillingRecorded || detail != "not a click id: vendor-order-77" {
		t.Errorf("evt_1: %d deliveries, %s, %q", deliveries, w.status(t, "evt_1"), detail)
	}
	// The retry pass records the waiting refund now its payment is in.
	w.move(time.Minute)
	if _, err := w.recv.RetryPending(ctx); err != nil {
		t.Fatal(err)
	}
	if st := w.status(t, "evt_r"); st != storage.BillingRecorded {
		t.Errorf("the refund after its payment is %s", st)
	}
	if n := w.count(t, `SELECT count(*) FROM refunds WHERE external_id = 're_1'`); n != 1 {
		t.Errorf("%d refunds re_1", n)
	}
	// The same refund told by another event (charge.refunded and
	// refund.created) is one refund.
	w.deliver(t, "whsec_test", refundEvent("evt_r2", "re_1", "in_1", "500.00", at.Add(time.Minute)))
	if n := w.count(t, `SELECT count(*) FROM refunds`); n != 1 || w.status(t, "evt_r2") != storage.BillingRecorded {
		t.Errorf("%d refunds after the second event of the same refund (%s)", n, w.status(t, "evt_r2"))
	}

	// A refund naming another id of a purchase (Stripe's payment intent of
	// an invoice) waits for the alias, then returns the invoice.
	w.deliver(t, "whsec_test", refundEvent("evt_pi", "re_2", "pi_1", "100.00", at.Add(time.Minute)))
	if st := w.status(t, "evt_pi"); st != storage.BillingWaiting {
		t.Errorf("a refund by an unknown alias: %s", st)
	}
	w.deliver(t, "whsec_test", billing.Event{ID: "evt_alias", Type: "invoice_payment.paid", Actions: []billing.Action{{Alias: &billing.Alias{Name: "pi_1", PurchaseID: "in_1"}}}})
	w.move(billing.RetryInterval + time.Second)
	if _, err := w.recv.RetryPending(ctx); err != nil {
		t.Fatal(err)
	}
	var of string
	w.db.Get(&of, `SELECT p.external_id FROM refunds r JOIN purchases p ON p.id = r.purchase_id WHERE r.external_id = 're_2'`)
	if st := w.status(t, "evt_pi"); st != storage.BillingRecorded || of != "in_1" {
		t.Errorf("the refund after its alias: %s, of %q", st, of)
	}

	// One refund told twice before its alias is known: charge.refunded
	// names the invoice (recorded at once), refund.created the payment
	// intent nobody has named yet. The second waits for the alias, then
	// is the same refund, never refused as a different body.
	w.deliver(t, "whsec_test", purchaseEvent("evt_p4", "in_4", "700.00", at))
	w.deliver(t, "whsec_test", refundEvent("evt_r4a", "re_4", "in_4", "700.00", at.Add(time.Minute)))
	w.deliver(t, "whsec_test", billing.Event{ID: "evt_r4b", Type: "refund.created", Actions: []billing.Action{{Refund: &billing.Refund{ID: "re_4",
		PurchaseID: "pi_4", Amount: rub("700.00"), OccurredAt: at.Add(time.Minute)}}}})
	if a, b := w.status(t, "evt_r4a"), w.status(t, "evt_r4b"); a != storage.BillingRecorded || b != storage.BillingWaiting {
		t.Errorf("one refund told twice before its alias: %s, %s; want recorded, waiting", a, b)
	}
	w.deliver(t, "whsec_test", billing.Event{ID: "evt_alias4", Type: "invoice_payment.paid", Actions: []billing.Action{{Alias: &billing.Alias{Name: "pi_4", PurchaseID: "in_4"}}}})
	w.move(billing.RetryInterval + time.Second)
	if _, err := w.recv.RetryPending(ctx); err != nil {
		t.Fatal(err)
	}
	if st, n := w.status(t, "evt_r4b"), w.count(t, `SELECT count(*) FROM refunds WHERE external_id = 're_4'`); st != storage.BillingRecorded || n != 1 {
		t.Errorf("after the alias: refund.created %s, %d refunds re_4", st, n)
	}

	// A crash after storing, before recording: the retry pass records it
	// once it is older than a retry interval.
	actions, _ := json.Marshal(purchaseEvent("evt_crash", "in_2", "990.00", at).Actions)
	if _, _, _, err := w.db.TakeBillingEvent(ctx, &storage.BillingEvent{Provider: billing.Stripe, EventID: "evt_crash", Type: "invoice.paid",
		ReceivedAt: w.now(), Body: "{}", Actions: actions}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.recv.RetryPending(ctx); err != nil || w.status(t, "evt_crash") != storage.BillingReceived {
		t.Errorf("a delivery in progress was taken over: %s %v", w.status(t, "evt_crash"), err)
	}
	w.move(billing.RetryInterval + time.Second)
	if _, err := w.recv.RetryPending(ctx); err != nil {
		t.Fatal(err)
	}
	if n := w.count(t, `SELECT count(*) FROM purchases WHERE external_id = 'in_2'`); n != 1 || w.status(t, "evt_crash") != storage.BillingRecorded {
		t.Errorf("after the crash: %d purchases in_2, %s", n, w.status(t, "evt_crash"))
	}

	// The same invoice id with another amount is refused as the API
	// refuses it: the event failed, with the reason.
	w.deliver(t, "whsec_test", purchaseEvent("evt_3", "in_1", "10.00", at))
	if st := w.status(t, "evt_3"); st != storage.BillingFailed {
		t.Errorf("a conflicting purchase: %s", st)
	}
	// An event with nothing to record is ignored, with why.
	w.deliver(t, "whsec_test", billing.Event{ID: "evt_4", Type: "customer.subscription.updated", Ignored: "event type customer.subscription.updated is not used"})
	if st := w.status(t, "evt_4"); st != storage.BillingIgnored {
		t.Errorf("an unused event: %s", st)
	}

	// A disabled connector takes nothing.
	if err := w.db.SaveBillingConnector(ctx, storage.BillingConnector{Provider: billing.Stripe, Enabled: false,
		Settings: map[string]string{"webhook_secret": "whsec_test"}}, nil, storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	w.recv.Forget()
	if status, _ := w.deliver(t, "whsec_test", purchaseEvent("evt_5", "in_5", "1.00", at)); status != http.StatusNotFound ||
		w.count(t, `SELECT count(*) FROM billing_events WHERE event_id = 'evt_5'`) != 0 {
		t.Errorf("a disabled connector: %d", status)
	}
}

func (w *billingWorld) status(t *testing.T, event string) string {
	t.Helper()
	var s string
	if err := w.db.Get(&s, `SELECT status FROM billing_events WHERE event_id = $1`, event); err != nil {
		t.Fatalf("event %s: %v", event, err)
	}
	return s
}
