-- Purchases and refunds, written by the vendor API. Idempotent by the
-- vendor's id: the body hash tells an identical repeat from a conflict.

-- name: insert-purchase
INSERT INTO purchases (external_id, customer_external_id, amount, currency, product, promo_code,
                       click_id, occurred_at, body_hash, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (external_id) DO NOTHING
RETURNING received_at;

-- name: purchase-by-external-id
SELECT id, external_id, customer_external_id, amount, currency, product, promo_code,
       coalesce(click_id::text, '') AS click_id, occurred_at, received_at, body_hash
  FROM purchases WHERE external_id = $1;

-- name: purchase-for-refund
-- Locks the purchase so concurrent refunds of it are checked one at a time.
-- What was refunded already is read by the next statement: under READ
-- COMMITTED a statement that waited for the lock still sees its own,
-- older snapshot.
SELECT id, amount, currency, occurred_at FROM purchases WHERE external_id = $1 FOR UPDATE;

-- name: refunded-amount
SELECT coalesce(sum(amount), 0) FROM refunds WHERE purchase_id = $1;

-- name: insert-refund
INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, body_hash, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (external_id) DO NOTHING
RETURNING received_at;

-- name: refund-by-external-id
SELECT r.external_id, p.external_id AS purchase_external_id, r.amount, r.currency, r.occurred_at,
       r.received_at, r.body_hash
  FROM refunds r JOIN purchases p ON p.id = r.purchase_id
 WHERE r.external_id = $1;

-- name: import-purchases
-- Inserts a file of purchases in one statement and returns the ids it
-- inserted; the others existed before.
INSERT INTO purchases (external_id, customer_external_id, amount, currency, product, promo_code,
                       click_id, occurred_at, body_hash, received_at)
SELECT *, $10::timestamptz FROM unnest($1::text[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::text[],
                     $7::uuid[], $8::timestamptz[], $9::bytea[])
ON CONFLICT (external_id) DO NOTHING
RETURNING external_id;

-- name: purchase-hashes
SELECT external_id, body_hash FROM purchases WHERE external_id = ANY($1);

-- name: api-key-by-hash
SELECT id, name FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL;

-- name: insert-api-key
INSERT INTO api_keys (name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: touch-api-key
UPDATE api_keys SET last_used_at = $2 WHERE id = $1;
