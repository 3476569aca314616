-- Notices: emails to a partner's owners about the team's decisions, and
-- to the team about partners' requests.

-- name: queue-notice
-- A partner decision's reason goes with the notice: the partner's own
-- reason may change before it is sent.
INSERT INTO outbox (kind, partner_id, payload)
VALUES ('notice', $1, jsonb_build_object('event', $2::text, 'payout_id', $3::bigint, 'reason', $4::text));

-- name: due-notices
-- Notices due for sending, with what their text needs, locked so parallel
-- reconcilers send different ones.
SELECT o.id, o.attempts, o.partner_id, o.payload->>'event' AS event, p.name AS partner_name,
       coalesce((o.payload->>'payout_id')::bigint, 0) AS payout_id,
       coalesce(o.payload->>'reason', '') AS partner_reason, coalesce(py.amount, 0) AS amount, coalesce(py.currency, '') AS currency,
       coalesce(py.reason, '') AS payout_reason, coalesce(py.paid_reference, '') AS reference
  FROM outbox o
  JOIN partners p ON p.id = o.partner_id
  LEFT JOIN payouts py ON py.id = (o.payload->>'payout_id')::bigint
 WHERE o.kind = 'notice' AND o.sent_at IS NULL AND o.next_at <= $1
 ORDER BY o.next_at, o.id
 LIMIT $2
   FOR UPDATE OF o SKIP LOCKED;

-- name: notice-recipients
SELECT email, locale FROM users
 WHERE partner_id = $1 AND role = 'owner' AND disabled_at IS NULL
 ORDER BY id;

-- name: staff-recipients
SELECT email, locale FROM users
 WHERE partner_id IS NULL AND role = ANY($1::text[]) AND disabled_at IS NULL
 ORDER BY id;
