-- Payouts: requested by a partner owner, decided and paid by finance. Every
-- change takes the partner's row lock first, so balances are read and
-- moved by one transaction at a time.

-- name: lock-partner
SELECT id, payout_method, payout_details FROM partners WHERE id = $1 FOR UPDATE;

-- name: available-balance
-- The available balance the ledger keeps (money whose hold the release
-- mark has passed, bonuses, minus payouts); partnerka verify checks it
-- against the entries.
SELECT coalesce(sum(amount), 0) FROM partner_balances WHERE partner_id = $1 AND currency = $2 AND bucket = 'available';

-- name: min-payout
SELECT amount FROM min_payouts WHERE currency = $1;

-- name: insert-payout
INSERT INTO payouts (partner_id, amount, currency, method, details, requested_by, requested_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: insert-payout-entries
-- The pair of entries a payout transition books: from one bucket to another.
INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, payout_id, created_by, created_at)
VALUES ($1, $2, $3, $5, -$4::numeric, $6, $7, $9), ($1, $2, $8, $5, $4::numeric, $6, $7, $9);

-- name: payout-for-update
SELECT id, partner_id, amount, currency, status, requested_by, decided_by FROM payouts WHERE id = $1 FOR UPDATE;

-- name: four-eyes-payouts
-- Whether the approver of a payout may also mark it paid, read under a
-- share lock: a settings save waits for the payment, or the payment for it.
SELECT four_eyes_payouts FROM program_settings WHERE id = 1 FOR SHARE;

-- name: set-payout-status
UPDATE payouts SET status = $2, decided_by = coalesce($3, decided_by), decided_at = coalesce($4, decided_at),
       reason = $5, paid_at = $6, paid_reference = $7, paid_by = $8, four_eyes_waived = $9,
       cancelled_by = $10, cancelled_at = $11
 WHERE id = $1;

-- name: partner-payouts
-- A partner's payouts, newest first, $2 after the first $3, each with how
-- many the partner has in all.
SELECT id, amount, currency, status, method, requested_at, decided_at, reason, paid_at, paid_reference,
       count(*) OVER () AS total
  FROM payouts WHERE partner_id = $1 ORDER BY requested_at DESC, id DESC LIMIT $2 OFFSET $3;

-- name: set-payout-details
UPDATE partners SET payout_method = $2, payout_details = $3, updated_at = $4 WHERE id = $1;

-- name: payout-details-of
SELECT payout_method, payout_details FROM partners WHERE id = $1;

-- name: admin-payout-totals
-- How many payouts a status ('' for all) holds and their sum, per currency:
-- the queue's totals over every page.
SELECT currency, count(*) AS count, sum(amount) AS amount
  FROM payouts WHERE $1 = '' OR status = $1
 GROUP BY currency ORDER BY currency;

-- name: admin-payouts
-- Finance's queue: payouts in a status with their partner and people,
-- requests oldest first (first come, first paid), others newest first,
-- from the keyset cursor $4 (an id: after it oldest first, before it
-- newest first).
SELECT po.id, po.partner_id, p.name AS partner, p.ref, po.amount, po.currency, po.status, po.method, po.details,
       po.requested_at, coalesce(ru.email, '') AS requested_by, coalesce(du.email, '') AS decided_by, po.decided_by AS decided_by_id,
       po.decided_at, po.reason, po.paid_at, po.paid_reference, coalesce(pu.email, '') AS paid_by, po.four_eyes_waived,
       coalesce(cu.email, '') AS cancelled_by, po.cancelled_at
  FROM payouts po JOIN partners p ON p.id = po.partner_id
  LEFT JOIN users ru ON ru.id = po.requested_by LEFT JOIN users du ON du.id = po.decided_by
  LEFT JOIN users pu ON pu.id = po.paid_by LEFT JOIN users cu ON cu.id = po.cancelled_by
 WHERE ($1 = '' OR po.status = $1) AND ($2 = 0 OR po.id = $2)
   AND CASE WHEN $1 IN ('requested', 'approved') THEN po.id > $4 ELSE po.id < $4 END
 ORDER BY CASE WHEN $1 IN ('requested', 'approved') THEN po.id ELSE -po.id END
 LIMIT $3;
