-- Notices: emails to a partner's owners about the team's decisions, and
-- to the team about partners' requests. One outbox row per recipient, so
-- a send that fails is retried for that person alone.

-- name: queue-notice
-- A notice of event $2 about partner $1 to each active owner of the
-- partner, or, when $5 names staff roles, to each active staff user of
-- those roles. A decision's reason ($4) goes with it: the partner's own
-- reason may change before it is sent. Queued at $6, due at once.
INSERT INTO outbox (kind, partner_id, payload, created_at, next_at)
SELECT 'notice', $1, jsonb_build_object('event', $2::text, 'payout_id', $3::bigint, 'reason', $4::text, 'user_id', u.id), $6, $6
  FROM users u
 WHERE u.disabled_at IS NULL
   AND CASE WHEN coalesce(cardinality($5::text[]), 0) = 0 THEN u.partner_id = $1 AND u.role = 'owner'
            ELSE u.partner_id IS NULL AND u.role = ANY($5::text[]) END
 ORDER BY u.id;

-- name: due-notices
-- Notices due for sending, with their recipient and what their text
-- needs, locked so parallel reconcilers send different ones.
SELECT o.id, o.attempts, o.partner_id, o.payload->>'event' AS event, u.email, u.locale,
       p.name AS partner_name, coalesce((o.payload->>'payout_id')::bigint, 0) AS payout_id,
       coalesce(o.payload->>'reason', '') AS partner_reason, coalesce(py.amount, 0) AS amount, coalesce(py.currency, '') AS currency,
       coalesce(py.reason, '') AS payout_reason, coalesce(py.paid_reference, '') AS reference
  FROM outbox o
  JOIN users u ON u.id = (o.payload->>'user_id')::bigint
  JOIN partners p ON p.id = o.partner_id
  LEFT JOIN payouts py ON py.id = (o.payload->>'payout_id')::bigint
 WHERE o.kind = 'notice' AND o.sent_at IS NULL AND o.next_at <= $1
 ORDER BY o.next_at, o.id
 LIMIT $2
   FOR UPDATE OF o SKIP LOCKED;
