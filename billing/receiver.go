package billing

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
)

// Recorder records what connectors report with the vendor API's own
// validation and idempotency (cmd wires the tracker's): an identical
// repeat is no error; a refund of a purchase not recorded yet is
// not_found.
type Recorder interface {
	Lead(ctx context.Context, l Lead) error
	Purchase(ctx context.Context, p Purchase) error
	Refund(ctx context.Context, r Refund) error
}

// Receiver takes the providers' notifications at POST /webhooks/{provider}.
// Each event is stored before the provider is answered, then recorded; a
// crash in between, or a refund that came before its payment, is recorded
// by the retry pass (Run). A notification that fails verification is
// answered 400 and stored nowhere.
type Receiver struct {
	DB         *storage.DB
	Record     Recorder
	Connectors map[string]Connector // by provider name
	Logger     *slog.Logger
	Now        partnerka.Clock

	mu    sync.Mutex
	cache map[string]cachedConnector
}

type cachedConnector struct {
	c       *storage.BillingConnector
	expires time.Time
}

// settingsTTL is how long a connector's settings are reused: a change in
// the back office applies within it.
const settingsTTL = 2 * time.Second

// maxNotice is the largest notification body taken (Stripe's events are a
// few kilobytes; a large invoice with many lines stays well under it).
const maxNotice = 1 << 20

// headersKept are the headers stored with an event: what verification and
// a reader of the log need.
var headersKept = []string{"Content-Type", "Stripe-Signature", "Content-HMAC", "X-Content-HMAC", "User-Agent"}

// Mount adds POST /webhooks/{provider} to the tracker's app.
func (r *Receiver) Mount(app fiber.Router) {
	app.Post("/webhooks/:provider", r.receive)
}

func (r *Receiver) connector(ctx context.Context, provider string) (*storage.BillingConnector, error) {
	now := time.Now() // elapsed: the age of cached settings
	r.mu.Lock()
	if c, ok := r.cache[provider]; ok && now.Before(c.expires) {
		r.mu.Unlock()
		return c.c, nil
	}
	r.mu.Unlock()
	c, err := r.DB.BillingConnector(ctx, provider)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if r.cache == nil {
		r.cache = map[string]cachedConnector{}
	}
	r.cache[provider] = cachedConnector{c: c, expires: now.Add(settingsTTL)}
	r.mu.Unlock()
	return c, nil
}

// Forget drops cached settings (after the back office saved them).
func (r *Receiver) Forget() {
	r.mu.Lock()
	r.cache = nil
	r.mu.Unlock()
}

func (r *Receiver) fail(c *fiber.Ctx, status int, code, msg string) error {
	return c.Status(status).JSON(fiber.Map{"error": fiber.Map{"code": code, "message": msg}})
}

func (r *Receiver) receive(c *fiber.Ctx) error {
	ctx := c.UserContext()
	provider := c.Params("provider")
	conn, ok := r.Connectors[provider]
	if !ok {
		return r.fail(c, fiber.StatusNotFound, partnerka.ENOTFOUND, "no connector "+provider)
	}
	cfg, err := r.connector(ctx, provider)
	if err != nil {
		r.Logger.Error("billing: connector settings", "provider", provider, "err", err)
		return r.fail(c, fiber.StatusServiceUnavailable, partnerka.EUNAVAILABLE, "the database is unavailable; retry later")
	}
	if !cfg.Enabled {
		return r.fail(c, fiber.StatusNotFound, partnerka.ENOTFOUND, "the "+conn.Name()+" connector is not enabled")
	}
	if len(c.Body()) > maxNotice {
		return r.fail(c, fiber.StatusRequestEntityTooLarge, partnerka.EINVALID, "the notification is too large")
	}
	body := append([]byte(nil), c.Body()...)
	header := http.Header{}
	for _, h := range headersKept {
		if v := c.Get(h); v != "" {
			header.Set(h, strings.Clone(v))
		}
	}
	query, _ := url.ParseQuery(string(c.Request().URI().QueryString()))
	n := Notice{Body: body, Header: header, Query: query, ReceivedAt: r.Now()}
	events, err := conn.Events(ctx, n, Settings{Values: cfg.Settings, Products: cfg.Products})
	switch partnerka.ErrorCode(err) {
	case "":
	case partnerka.EINVALID, partnerka.ENOTFOUND, partnerka.EUNAUTHORIZED:
		r.Logger.Warn("billing: notification refused", "provider", provider, "err", partnerka.ErrorMessage(err))
		return r.fail(c, fiber.StatusBadRequest, partnerka.EINVALID, partnerka.ErrorMessage(err))
	default:
		r.Logger.Error("billing: notification not verified", "provider", provider, "err", err)
		return r.fail(c, fiber.StatusServiceUnavailable, partnerka.EUNAVAILABLE, "the notification could not be verified now; retry later")
	}
	headers, _ := json.Marshal(header)
	for _, e := range events {
		actions, _ := json.Marshal(e.Actions)
		row := &storage.BillingEvent{Provider: provider, EventID: e.ID, Type: e.Type, ReceivedAt: n.ReceivedAt, Body: string(body),
			Headers: headers, Actions: actions, Detail: e.Ignored}
		id, status, deliveries, err := r.DB.TakeBillingEvent(ctx, row)
		if err != nil {
			r.Logger.Error("billing: event not stored", "provider", provider, "event", e.ID, "err", err)
			return r.fail(c, fiber.StatusServiceUnavailable, partnerka.EUNAVAILABLE, "the notification could not be stored; retry later")
		}
		if deliveries > 1 && status != storage.BillingReceived {
			continue // recorded (or ignored, or waiting) on an earlier delivery: nothing twice
		}
		if deliveries > 1 {
			// The first delivery stored it and did not finish: record what
			// was stored then.
			stored, err := r.DB.BillingEventByID(ctx, id)
			if err != nil {
				return r.fail(c, fiber.StatusServiceUnavailable, partnerka.EUNAVAILABLE, "retry later")
			}
			if err := json.Unmarshal(stored.Actions, &e.Actions); err != nil {
				return err
			}
		}
		if err := r.record(ctx, provider, id, e.Actions, e.Ignored); err != nil {
			return r.fail(c, fiber.StatusServiceUnavailable, partnerka.EUNAVAILABLE, "the notification could not be recorded; retry later")
		}
	}
	status, ctype, ack := conn.Ack()
	c.Set(fiber.HeaderContentType, ctype)
	return c.Status(status).Send(ack)
}

// record records an event's actions and stores the outcome. Only an
// outage is an error (the event stays received: the retry pass or the
// provider's next delivery records it); a refusal of the data is the
// event's outcome, failed, with the reason.
func (r *Receiver) record(ctx context.Context, provider string, id int64, actions []Action, ignored string) error {
	status, detail := storage.BillingRecorded, ""
	if len(actions) == 0 {
		status, detail = storage.BillingIgnored, ignored
	}
	var notes []string
	for _, a := range actions {
		err := r.recordOne(ctx, provider, a, &notes)
		switch code := partnerka.ErrorCode(err); {
		case err == nil:
			continue
		case code == partnerka.ENOTFOUND && a.Refund != nil:
			status, detail = storage.BillingWaiting, "the refund waits for its payment "+a.Refund.PurchaseID+", not recorded yet"
		case code == partnerka.EINTERNAL || code == partnerka.EUNAVAILABLE:
			r.Logger.Error("billing: event not recorded", "event", id, "err", err)
			return err
		default:
			status, detail = storage.BillingFailed, partnerka.ErrorMessage(err)
		}
		break
	}
	if status == storage.BillingRecorded && len(notes) > 0 {
		detail = strings.Join(notes, "; ")
	}
	return r.DB.FinishBillingEvent(ctx, id, status, detail)
}

// recordOne records one action. A click id or promo code that is not one
// (a vendor's own reference in client_reference_id, say) is dropped with a
// note, never the payment it came with.
func (r *Receiver) recordOne(ctx context.Context, provider string, a Action, notes *[]string) error {
	clean := func(click, promo *string) {
		if *click != "" && !validClick(*click) {
			*notes = append(*notes, "not a click id: "+*click)
			*click = ""
		}
		if *promo != "" && !partnerka.ValidPromoCode(*promo) {
			*notes = append(*notes, "not a promo code: "+*promo)
			*promo = ""
		}
	}
	switch {
	case a.Lead != nil:
		l := *a.Lead
		clean(&l.ClickID, &l.PromoCode)
		if l.PartnerRef != "" && !partnerka.ValidPromoCode(l.PartnerRef) {
			l.PartnerRef = ""
		}
		return r.Record.Lead(ctx, l)
	case a.Purchase != nil:
		p := *a.Purchase
		clean(&p.ClickID, &p.PromoCode)
		return r.Record.Purchase(ctx, p)
	case a.Refund != nil:
		f := *a.Refund
		purchase, err := r.DB.BillingPurchase(ctx, provider, f.PurchaseID)
		if err != nil {
			return err
		}
		f.PurchaseID = purchase
		return r.Record.Refund(ctx, f)
	case a.Alias != nil:
		return r.DB.AddBillingAlias(ctx, provider, a.Alias.Name, a.Alias.PurchaseID)
	}
	return nil
}

func validClick(s string) bool {
	if _, err := partnerka.ParseClickID(s); err == nil {
		return true
	}
	_, err := partnerka.ParseClickUUID(s)
	return err == nil
}

// Reprocess records a stored event's actions again (the back office's
// button, after a fix such as the purchase a refund waited for).
func (r *Receiver) Reprocess(ctx context.Context, id int64) error {
	e, err := r.DB.BillingEventByID(ctx, id)
	if err != nil {
		return err
	}
	var actions []Action
	if err := json.Unmarshal(e.Actions, &actions); err != nil {
		return err
	}
	return r.record(ctx, e.Provider, e.ID, actions, e.Detail)
}

// RetryInterval is how often Run records events left pending.
const RetryInterval = 5 * time.Second

// Run records, every RetryInterval until ctx ends, the events a crash
// left received (for longer than a retry interval, so a delivery in
// progress is left alone) and the refunds waiting for their payment.
func (r *Receiver) Run(ctx context.Context) {
	tick := time.NewTicker(RetryInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if _, err := r.RetryPending(ctx); err != nil && ctx.Err() == nil {
				r.Logger.Error("billing: retry pass", "err", err)
			}
		}
	}
}

// RetryPending is one retry pass; it returns how many events it recorded.
func (r *Receiver) RetryPending(ctx context.Context) (int, error) {
	pending, err := r.DB.PendingBillingEvents(ctx, r.Now().Add(-RetryInterval), 500)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, e := range pending {
		var actions []Action
		if err := json.Unmarshal(e.Actions, &actions); err != nil {
			return done, err
		}
		if err := r.record(ctx, e.Provider, e.ID, actions, e.Detail); err != nil {
			return done, err
		}
		if after, err := r.DB.BillingEventByID(ctx, e.ID); err == nil && after.Status != storage.BillingWaiting {
			done++
		} else if err != nil && !errors.Is(err, context.Canceled) {
			return done, err
		}
	}
	return done, nil
}
