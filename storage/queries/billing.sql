-- Billing connectors and the notifications they took (storage/billing.go).

-- name: billing-connector
SELECT provider, enabled, settings, products, updated_at FROM billing_connectors WHERE provider = $1;

-- name: billing-connector-for-update
SELECT provider, enabled, settings, products, updated_at FROM billing_connectors WHERE provider = $1 FOR UPDATE;

-- name: upsert-billing-connector
INSERT INTO billing_connectors (provider, enabled, settings, products, updated_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (provider) DO UPDATE
   SET enabled = EXCLUDED.enabled, settings = EXCLUDED.settings, products = EXCLUDED.products,
       updated_at = EXCLUDED.updated_at;

-- name: take-billing-event
-- A notification's event, stored; a delivery of an event stored before
-- counts one more delivery and keeps the first body and actions.
INSERT INTO billing_events (provider, event_id, type, received_at, body, headers, actions, status, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8)
ON CONFLICT (provider, event_id) DO UPDATE SET deliveries = billing_events.deliveries + 1
RETURNING id, status, deliveries;

-- name: finish-billing-event
UPDATE billing_events SET status = $2, detail = $3, processed_at = $4, attempts = attempts + 1 WHERE id = $1;

-- name: pending-billing-events
-- Events to record again: left 'received' before $1 (a crash between
-- storing and recording), or 'waiting' for their purchase.
SELECT id, provider, event_id, type, received_at, body, headers, actions, status, detail, deliveries, attempts, processed_at
  FROM billing_events
 WHERE (status = 'received' AND received_at < $1) OR status = 'waiting'
 ORDER BY received_at
 LIMIT $2;

-- name: billing-events
-- The latest events of a provider, newest first.
SELECT id, provider, event_id, type, received_at, body, headers, actions, status, detail, deliveries, attempts, processed_at
  FROM billing_events WHERE provider = $1 ORDER BY id DESC LIMIT $2;

-- name: billing-event
SELECT id, provider, event_id, type, received_at, body, headers, actions, status, detail, deliveries, attempts, processed_at
  FROM billing_events WHERE id = $1;

-- name: insert-billing-alias
INSERT INTO billing_aliases (provider, alias, purchase_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING;

-- name: billing-alias
SELECT purchase_id FROM billing_aliases WHERE provider = $1 AND alias = $2;
