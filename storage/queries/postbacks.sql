-- Postbacks: partners' URLs called when they earn, and when a refund takes
-- a commission back.

-- name: postback-partners
SELECT id FROM partners WHERE postback_url <> '' ORDER BY id;

-- name: due-postbacks
-- Postbacks due for delivery, with what their URL is filled with, locked
-- so parallel reconcilers deliver different ones. A reversal's postback is
-- the event 'refund' with the amount taken back, negative.
SELECT o.id, o.attempts, p.postback_url AS url, c.id AS commission_id,
       CASE WHEN rv.id IS NULL THEN c.event ELSE 'refund' END AS event, c.level,
       coalesce(-rv.amount, c.amount) AS amount, c.currency,
       coalesce(pu.external_id, '') AS purchase_id, coalesce(rf.external_id, '') AS refund_id,
       cu.external_id AS customer_id,
       coalesce(cu.click_id::text, '') AS click_id,
       coalesce((SELECT k.sub_id FROM clicks k WHERE k.click_id = cu.click_id LIMIT 1), '') AS sub_id
  FROM outbox o
  JOIN partners p ON p.id = o.partner_id
  JOIN commissions c ON c.id = (o.payload->>'commission_id')::bigint
  JOIN customers cu ON cu.id = c.customer_id
  LEFT JOIN purchases pu ON pu.id = c.purchase_id
  LEFT JOIN commission_reversals rv ON rv.id = (o.payload->>'reversal_id')::bigint
  LEFT JOIN refunds rf ON rf.id = rv.refund_id
 WHERE o.kind = 'postback' AND o.sent_at IS NULL AND o.next_at <= $1
 ORDER BY o.next_at
 LIMIT $2
   FOR UPDATE OF o SKIP LOCKED;

-- name: partner-postbacks
SELECT o.id, o.created_at, o.attempts, o.sent_at, o.next_at, o.last_error,
       coalesce((o.payload->>'commission_id')::bigint, 0) AS commission_id, o.payload ? 'reversal_id' AS reversal
  FROM outbox o WHERE o.partner_id = $1 AND o.kind = 'postback'
 ORDER BY o.id DESC LIMIT $2;

-- name: postback-url-for-update
SELECT postback_url FROM partners WHERE id = $1 FOR UPDATE;

-- name: set-postback-url
UPDATE partners SET postback_url = $2, updated_at = $3 WHERE id = $1;

-- name: claim-postback-test
-- Starts a test postback of partner $1 at $2 unless one started within
-- the last 10 seconds; returns the URL to call (none: too soon).
UPDATE partners SET postback_tested_at = $2::timestamptz, postback_test_error = NULL
 WHERE id = $1 AND postback_url <> ''
   AND (postback_tested_at IS NULL OR postback_tested_at <= $2::timestamptz - interval '10 seconds')
RETURNING postback_url;

-- name: record-postback-test
UPDATE partners SET postback_test_error = $3 WHERE id = $1 AND postback_tested_at = $2;

-- name: postback-settings
SELECT postback_url, postback_tested_at, postback_test_error FROM partners WHERE id = $1;
