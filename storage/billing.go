package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// BillingQueries are the billing connectors' queries (queries/billing.sql).
type BillingQueries struct {
	BillingConnector          *sqlx.Stmt `query:"billing-connector"`
	BillingConnectorForUpdate *sqlx.Stmt `query:"billing-connector-for-update"`
	UpsertBillingConnector    *sqlx.Stmt `query:"upsert-billing-connector"`
	TakeBillingEvent          *sqlx.Stmt `query:"take-billing-event"`
	FinishBillingEvent        *sqlx.Stmt `query:"finish-billing-event"`
	PendingBillingEvents      *sqlx.Stmt `query:"pending-billing-events"`
	BillingEvents             *sqlx.Stmt `query:"billing-events"`
	BillingEventByID          *sqlx.Stmt `query:"billing-event"`
	InsertBillingAlias        *sqlx.Stmt `query:"insert-billing-alias"`
	BillingAlias              *sqlx.Stmt `query:"billing-alias"`
}

// AddBillingAlias records that a provider's id alias names the purchase
// recorded as purchaseID (the first word stays).
func (db *DB) AddBillingAlias(ctx context.Context, provider, alias, purchaseID string) error {
	_, err := db.Q.InsertBillingAlias.ExecContext(ctx, provider, alias, purchaseID)
	return err
}

// BillingPurchase returns the purchase id a provider's id stands for: the
// aliased purchase, or the id itself.
func (db *DB) BillingPurchase(ctx context.Context, provider, id string) (string, error) {
	var p string
	err := db.Q.BillingAlias.GetContext(ctx, &p, provider, id)
	if errors.Is(err, sql.ErrNoRows) {
		return id, nil
	}
	return p, err
}

// BillingConnector is a connector's settings.
type BillingConnector struct {
	Provider  string            `db:"provider"`
	Enabled   bool              `db:"enabled"`
	Settings  map[string]string `db:"-"`
	Products  map[string]string `db:"-"`
	UpdatedAt time.Time         `db:"updated_at"`
}

type connectorRow struct {
	BillingConnector
	SettingsJSON []byte `db:"settings"`
	ProductsJSON []byte `db:"products"`
}

func (r *connectorRow) decode() (*BillingConnector, error) {
	c := r.BillingConnector
	c.Settings, c.Products = map[string]string{}, map[string]string{}
	if err := json.Unmarshal(r.SettingsJSON, &c.Settings); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(r.ProductsJSON, &c.Products); err != nil {
		return nil, err
	}
	return &c, nil
}

// BillingConnector returns a provider's connector; one never saved is off
// and empty.
func (db *DB) BillingConnector(ctx context.Context, provider string) (*BillingConnector, error) {
	var r connectorRow
	if err := db.Q.BillingConnector.GetContext(ctx, &r, provider); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return &BillingConnector{Provider: provider, Settings: map[string]string{}, Products: map[string]string{}}, nil
		}
		return nil, err
	}
	return r.decode()
}

// SaveBillingConnector stores a connector's settings and audits the
// change; secrets are audited as changed or not, never by value.
func (db *DB) SaveBillingConnector(ctx context.Context, c BillingConnector, secrets []string, a Actor) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var old connectorRow
		before := &BillingConnector{Settings: map[string]string{}, Products: map[string]string{}}
		if err := tx.Stmtx(db.Q.BillingConnectorForUpdate).GetContext(ctx, &old, c.Provider); err == nil {
			if before, err = old.decode(); err != nil {
				return err
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		settings, _ := json.Marshal(c.Settings)
		products, _ := json.Marshal(c.Products)
		if _, err := tx.Stmtx(db.Q.UpsertBillingConnector).ExecContext(ctx, c.Provider, c.Enabled, settings, products, db.now()); err != nil {
			return err
		}
		view := func(b *BillingConnector) map[string]any {
			m := map[string]any{"enabled": b.Enabled, "products": b.Products}
			for k, v := range b.Settings {
				m[k] = v
			}
			for _, k := range secrets {
				if b.Settings[k] != "" {
					m[k] = "set, ending " + tail(b.Settings[k])
				}
			}
			return m
		}
		return db.audit(ctx, tx, a.audit("billing.update", "billing_"+c.Provider, 0, view(before), view(&c)))
	})
}

// tail is the last four characters of a secret, the most a page shows.
func tail(s string) string {
	if len(s) <= 4 {
		return "…"
	}
	return "…" + s[len(s)-4:]
}

// BillingEvent is a notification's event as stored.
type BillingEvent struct {
	ID          int64           `db:"id"`
	Provider    string          `db:"provider"`
	EventID     string          `db:"event_id"`
	Type        string          `db:"type"`
	ReceivedAt  time.Time       `db:"received_at"`
	Body        string          `db:"body"`
	Headers     json.RawMessage `db:"headers"`
	Actions     json.RawMessage `db:"actions"`
	Status      string          `db:"status"`
	Detail      string          `db:"detail"`
	Deliveries  int             `db:"deliveries"`
	Attempts    int             `db:"attempts"`
	ProcessedAt *time.Time      `db:"processed_at"`
}

// Billing event statuses.
const (
	BillingReceived = "received"
	BillingRecorded = "recorded"
	BillingIgnored  = "ignored"
	BillingWaiting  = "waiting"
	BillingFailed   = "failed"
)

// TakeBillingEvent stores an event before the provider is answered, and
// returns its row id, its status and how many deliveries it has had (1:
// the first; more: a provider's retry of an event stored before, whose
// first body and actions are kept).
func (db *DB) TakeBillingEvent(ctx context.Context, e *BillingEvent) (id int64, status string, deliveries int, err error) {
	headers := e.Headers
	if len(headers) == 0 {
		headers = json.RawMessage("{}")
	}
	actions := e.Actions
	if len(actions) == 0 {
		actions = json.RawMessage("[]")
	}
	err = db.Q.TakeBillingEvent.QueryRowxContext(ctx, e.Provider, e.EventID, e.Type, e.ReceivedAt, e.Body, []byte(headers),
		[]byte(actions), e.Detail).Scan(&id, &status, &deliveries)
	return id, status, deliveries, err
}

// FinishBillingEvent records an event's outcome.
func (db *DB) FinishBillingEvent(ctx context.Context, id int64, status, detail string) error {
	_, err := db.Q.FinishBillingEvent.ExecContext(ctx, id, status, detail, db.now())
	return err
}

// PendingBillingEvents returns events to record again: left received
// before olderThan, or waiting for their purchase; the oldest first.
func (db *DB) PendingBillingEvents(ctx context.Context, olderThan time.Time, limit int) ([]BillingEvent, error) {
	var out []BillingEvent
	err := db.Q.PendingBillingEvents.SelectContext(ctx, &out, olderThan, limit)
	return out, err
}

// BillingEvents returns a provider's latest events, newest first.
func (db *DB) BillingEvents(ctx context.Context, provider string, limit int) ([]BillingEvent, error) {
	var out []BillingEvent
	err := db.Q.BillingEvents.SelectContext(ctx, &out, provider, limit)
	return out, err
}

// BillingEventByID returns one event, or not_found.
func (db *DB) BillingEventByID(ctx context.Context, id int64) (*BillingEvent, error) {
	var e BillingEvent
	if err := db.Q.BillingEventByID.GetContext(ctx, &e, id); err != nil {
		return nil, notFound(err, "billing event")
	}
	return &e, nil
}
