-- Commissions, reversals and the ledger entries they write.

-- name: plan-versions
SELECT v.id, v.plan_id, p.name, v.version FROM plan_versions v JOIN plans p ON p.id = v.plan_id
 WHERE v.status = 'published';

-- name: plan-rules
SELECT id, plan_version_id, position, event, level, products, kind, percent, flat_amount,
       coalesce(flat_currency, '') AS flat_currency, payments, coalesce(duration_months, 0) AS duration_months
  FROM plan_rules WHERE plan_version_id = ANY($1) ORDER BY plan_version_id, position;

-- name: plan-tiers
SELECT rule_id, min_volume, volume_currency, percent FROM plan_rule_tiers
 WHERE rule_id = ANY($1) ORDER BY rule_id, min_volume;

-- name: all-contracts
SELECT c.id, c.partner_id, c.plan_version_id, c.starts_at, c.ends_at, p.recruiter_id
  FROM contracts c JOIN partners p ON p.id = c.partner_id
 ORDER BY c.partner_id, c.starts_at;

-- name: purchases-to-reconcile
-- A batch of waiting purchases, taken off the queue (the delete commits or
-- rolls back with the batch) and locked there, so parallel reconcilers
-- take different batches. In customer order, so a batch holds the waiting
-- payments of a run of customers, and each customer's payments are read
-- once, in one index scan: that read both returns the batch's purchases
-- and numbers them. payment_index counts the customer's payments since the
-- binding up to and including this one (0 when the purchase does not
-- follow a binding).
WITH claim AS (
    DELETE FROM purchases_waiting
     WHERE ctid IN (SELECT ctid FROM purchases_waiting ORDER BY customer_external_id, purchase_id
                     LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING purchase_id, customer_external_id
), customer AS (
    SELECT k.external_id, c.id, c.partner_id, c.bound_at, c.reason = 'reassigned' AS reassigned
      FROM (SELECT DISTINCT customer_external_id AS external_id FROM claim) k
      LEFT JOIN customers c ON c.external_id = k.external_id
), payments AS (
    SELECT p.id, p.amount, p.currency, p.product, p.occurred_at, c.id AS customer_id, c.partner_id, c.bound_at,
           CASE WHEN p.occurred_at >= c.bound_at THEN
                count(*) FILTER (WHERE p.occurred_at >= c.bound_at)
                    OVER (PARTITION BY c.external_id ORDER BY p.occurred_at, p.id)
           ELSE 0 END AS payment_index,
           p.reconcile_note AS noted, coalesce(c.reassigned, false) AS reassigned
      FROM customer c
     CROSS JOIN LATERAL (SELECT id, amount, currency, product, occurred_at, reconcile_note
                           FROM purchases WHERE customer_external_id = c.external_id
                         OFFSET 0) p -- one index scan per customer, never a join with every purchase
)
SELECT p.id, p.amount, p.currency, p.product, p.occurred_at, p.customer_id, p.partner_id, p.bound_at,
       p.payment_index, (SELECT e.partner_id FROM purchase_earners e WHERE e.purchase_id = p.id) AS noted_partner_id,
       p.noted, p.reassigned, claim.customer_external_id
  FROM claim JOIN payments p ON p.id = claim.purchase_id
 ORDER BY p.id;

-- name: earlier-binding
-- The binding a reassigned customer was under at an instant before the
-- reassignment: the latest binding decision (the first attribution or a
-- reassignment, each dated when it took effect) at or before it, and the
-- number of the purchase $3 among the customer's payments since then.
WITH b AS (
    SELECT d.partner_id, d.occurred_at AS bound_at
      FROM attribution_decisions d
     WHERE d.customer_id = $1 AND d.reason IN ('attributed', 'reassigned') AND d.partner_id IS NOT NULL
       AND d.occurred_at <= $2
     ORDER BY d.occurred_at DESC, d.id DESC
     LIMIT 1
)
SELECT b.partner_id, b.bound_at,
       (SELECT count(*) FROM purchases p
         WHERE p.customer_external_id = (SELECT external_id FROM customers WHERE id = $1)
           AND p.occurred_at >= b.bound_at AND (p.occurred_at, p.id) <= ($2, $3)) AS payment_index
  FROM b;

-- name: partner-month-volumes
-- Paid volume per partner and currency in one calendar month (UTC), net
-- of refunds: each payment counts for the partner its customer was bound
-- to when it was made. That is the current binding from its start; for a
-- reassigned customer's payment dated before the reassignment, the binding
-- then (as earlier-binding finds it), so a reassignment moves no past
-- volume. Only payments and refunds received up to $3 count (NULL: all
-- received so far): a month's volume is final at the end of the hold
-- after it.
SELECT partner_id, currency, sum(amount) AS volume FROM (
    SELECT c.partner_id, p.currency,
           p.amount - (SELECT coalesce(sum(r.amount), 0) FROM refunds r
                        WHERE r.purchase_id = p.id AND r.received_at <= coalesce($3::timestamptz, 'infinity')) AS amount
      FROM purchases p JOIN customers c ON c.external_id = p.customer_external_id
     WHERE c.partner_id IS NOT NULL AND p.occurred_at >= c.bound_at
       AND p.occurred_at >= $1 AND p.occurred_at < $2 AND p.received_at <= coalesce($3::timestamptz, 'infinity')
    UNION ALL
    SELECT b.partner_id, p.currency,
           p.amount - (SELECT coalesce(sum(r.amount), 0) FROM refunds r
                        WHERE r.purchase_id = p.id AND r.received_at <= coalesce($3::timestamptz, 'infinity')) AS amount
      FROM customers c
      JOIN purchases p ON p.customer_external_id = c.external_id
       AND p.occurred_at < c.bound_at AND p.occurred_at >= $1 AND p.occurred_at < $2
       AND p.received_at <= coalesce($3::timestamptz, 'infinity')
      CROSS JOIN LATERAL (
          SELECT d.partner_id FROM attribution_decisions d
           WHERE d.customer_id = c.id AND d.reason IN ('attributed', 'reassigned') AND d.partner_id IS NOT NULL
             AND d.occurred_at <= p.occurred_at
           ORDER BY d.occurred_at DESC, d.id DESC
           LIMIT 1) b
     WHERE c.reason = 'reassigned'
) v
GROUP BY partner_id, currency;

-- name: insert-commissions
-- Inserts a batch of commissions (skipping any that exist: one per
-- purchase, partner and level), the ledger entry of each new one
-- (pending, available from the end of its hold) and its postback, all
-- written at $19.
WITH ins AS (
    INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id,
                             rule_id, tier_min_volume, base_amount, percent, amount_unrounded, amount, currency,
                             earned_at, hold_until, explanation, created_at)
    SELECT *, $19::timestamptz FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::smallint[], $6::bigint[],
                         $7::bigint[], $8::bigint[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[],
                         $13::numeric[], $14::text[], $15::timestamptz[], $16::timestamptz[], $17::text[])
    ON CONFLICT DO NOTHING
    RETURNING id, partner_id, amount, currency, hold_until
), entries AS (
    INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
    SELECT partner_id, currency, 'pending', 'commission', amount, id, hold_until, $19 FROM ins WHERE amount > 0
)
-- A postback for each new commission of the partners in $18 (those with a
-- postback URL): queued with the commission, delivered by the postbacks step.
INSERT INTO outbox (kind, partner_id, payload, created_at, next_at)
SELECT 'postback', partner_id, jsonb_build_object('commission_id', id), $19, $19 FROM ins WHERE partner_id = ANY($18::bigint[]);

-- name: insert-new-commissions
-- insert-commissions without skipping existing ones, for batches of
-- purchases taken off the queue (none of their commissions can exist): a duplicate fails on commissions_purchase instead, and the
-- caller retries the batch with insert-commissions. Checking each row for a
-- conflict first costs a quarter of the insert.
WITH ins AS (
    INSERT INTO commissions (partner_id, customer_id, purchase_id, event, level, contract_id, plan_version_id,
                             rule_id, tier_min_volume, base_amount, percent, amount_unrounded, amount, currency,
                             earned_at, hold_until, explanation, created_at)
    SELECT *, $19::timestamptz FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::smallint[], $6::bigint[],
                         $7::bigint[], $8::bigint[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[],
                         $13::numeric[], $14::text[], $15::timestamptz[], $16::timestamptz[], $17::text[])
    RETURNING id, partner_id, amount, currency, hold_until
), entries AS (
    INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
    SELECT partner_id, currency, 'pending', 'commission', amount, id, hold_until, $19 FROM ins WHERE amount > 0
)
-- A postback for each new commission of the partners in $18 (those with a
-- postback URL): queued with the commission, delivered by the postbacks step.
INSERT INTO outbox (kind, partner_id, payload, created_at, next_at)
SELECT 'postback', partner_id, jsonb_build_object('commission_id', id), $19, $19 FROM ins WHERE partner_id = ANY($18::bigint[]);

-- name: note-reconciled-purchases
-- What reconciling purchases changed of what is stored about them: the
-- notes ($2) of purchases $1; the purchases $3 that earn for no one now;
-- the partners ($5) purchases $4 earn for, with the purchases' own
-- figures ($6 to $9), in partner and time order: a purchase reconciled
-- for the first time, or one whose customer was bound after it was
-- recorded (purchase_earners).
WITH noted AS (
    UPDATE purchases p SET reconcile_note = n.note
      FROM unnest($1::bigint[], $2::text[]) AS n(id, note) WHERE p.id = n.id
), gone AS (
    DELETE FROM purchase_earners WHERE purchase_id = ANY($3::bigint[])
)
INSERT INTO purchase_earners (purchase_id, partner_id, customer_external_id, occurred_at, amount, currency)
SELECT * FROM unnest($4::bigint[], $5::bigint[], $6::text[], $7::timestamptz[], $8::numeric[], $9::currency_code[])
ON CONFLICT (purchase_id) DO UPDATE SET partner_id = EXCLUDED.partner_id;

-- name: customers-for-lead-rules
SELECT c.id, c.partner_id, c.bound_at FROM customers c
 WHERE c.partner_id IS NOT NULL AND c.lead_paid_at IS NULL
 ORDER BY c.id LIMIT $1
   FOR UPDATE SKIP LOCKED;

-- name: mark-lead-paid
UPDATE customers SET lead_paid_at = $2 WHERE id = ANY($1);

-- name: refunds-to-reconcile
-- Refunds of reconciled purchases, with what earlier refunds of the same
-- purchase took; a refund of a purchase still waiting for reconciliation
-- waits with it.
SELECT r.id, r.amount, r.purchase_id, p.amount AS purchase_amount,
       coalesce((SELECT sum(r2.amount) FROM refunds r2
                  WHERE r2.purchase_id = r.purchase_id AND r2.id < r.id), 0) AS refunded_before
  FROM refunds r JOIN purchases p ON p.id = r.purchase_id
 WHERE r.reconciled_at IS NULL
   AND NOT EXISTS (SELECT 1 FROM purchases_waiting w
                    WHERE w.customer_external_id = p.customer_external_id AND w.purchase_id = p.id)
 ORDER BY r.id
 LIMIT $1
   FOR UPDATE OF r SKIP LOCKED;

-- name: commissions-of-purchases
-- What a commission is worth now: as first rated, plus its re-rates.
SELECT id, partner_id, purchase_id, amount + rerated_amount AS amount, currency FROM commissions
 WHERE purchase_id = ANY($1) AND status <> 'rejected' ORDER BY id
   FOR UPDATE;

-- name: insert-reversals
-- Inserts reversals (one per commission and refund), adds them to the
-- commissions' reversed amount, and books their ledger entries: pending
-- money taken back at the commission's own instant, so a reversal of a
-- released commission comes out of the available balance and one of a held
-- commission out of the pending one. A reversal of a commission of the
-- partners in $6 (those with a postback URL) queues its postback. The
-- caller holds the commissions' row locks. All is written at $7.
WITH ins AS (
    INSERT INTO commission_reversals (commission_id, refund_id, amount, currency, explanation, created_at)
    SELECT *, $7::timestamptz FROM unnest($1::bigint[], $2::bigint[], $3::numeric[], $4::text[], $5::text[])
    ON CONFLICT DO NOTHING
    RETURNING id, commission_id, amount, currency
), upd AS (
    UPDATE commissions c SET reversed_amount = c.reversed_amount + t.amount
      FROM (SELECT commission_id, sum(amount) AS amount FROM ins GROUP BY commission_id) t
     WHERE c.id = t.commission_id
), entries AS (
    INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, reversal_id, available_at, created_at)
    SELECT c.partner_id, ins.currency, 'pending', 'reversal', -ins.amount, c.id, ins.id,
           CASE WHEN NOT c.flagged THEN c.hold_until END, $7
      FROM ins JOIN commissions c ON c.id = ins.commission_id
), due AS (
    -- The refund anomaly rule looks at the partners refunded (review_due).
    INSERT INTO review_due (subject, id, queued_at)
    SELECT DISTINCT 'refunds', c.partner_id, $7::timestamptz FROM ins JOIN commissions c ON c.id = ins.commission_id
    ON CONFLICT DO NOTHING
)
INSERT INTO outbox (kind, partner_id, payload, created_at, next_at)
SELECT 'postback', c.partner_id, jsonb_build_object('commission_id', c.id, 'reversal_id', ins.id), $7, $7
  FROM ins JOIN commissions c ON c.id = ins.commission_id
 WHERE c.partner_id = ANY($6::bigint[]);

-- name: mark-refunds-reconciled
UPDATE refunds SET reconciled_at = $2 WHERE id = ANY($1);

-- name: release-holds
-- Moves the balances' release mark forward to $1 (see release_holds in
-- the money migration): what became available since the last release
-- moves from pending to available. Nothing is written per commission.
SELECT release_holds($1);

-- name: partner-balances
-- From the balances the ledger keeps (see partner_balances); verify checks
-- them against the entries.
SELECT currency, bucket, amount FROM partner_balances WHERE partner_id = $1 ORDER BY currency, bucket;

-- name: insert-manual-entry
-- No row when the partner does not exist.
INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_by, created_at)
SELECT id, $2, 'available', $3, $4, $5, $6, $7 FROM partners WHERE id = $1
RETURNING id;

-- name: commission-for-review
SELECT id, flagged, status = 'rejected' AS rejected FROM commissions WHERE id = $1 FOR UPDATE;

-- name: verify-commission-entries
-- Every commission's ledger entries must add up to the commission with its
-- re-rates minus its reversals (counted from the reversals and re-rates
-- themselves, and matching the running reversed_amount and
-- rerated_amount), or to nothing once rejected, and sit at the instant its
-- state says: its hold's end, or none while it is flagged.
SELECT c.id, c.partner_id, commission_status(c.status, c.flagged, c.hold_until) AS status,
       e.expected,
       coalesce(l.amount, 0) AS ledger,
       coalesce(l.misplaced, 0) AS misplaced
  FROM commissions c
  LEFT JOIN (SELECT commission_id, sum(amount) AS amount FROM commission_reversals GROUP BY 1) r ON r.commission_id = c.id
  LEFT JOIN (SELECT commission_id, sum(amount_change) AS amount, sum(reversed_change) AS reversed
               FROM commission_rerates GROUP BY 1) x ON x.commission_id = c.id
  LEFT JOIN (SELECT l.commission_id, sum(l.amount) AS amount,
                    sum(l.amount) FILTER (WHERE l.available_at IS DISTINCT FROM
                                                CASE WHEN k.flagged THEN NULL ELSE k.hold_until END) AS misplaced
               FROM ledger_entries l JOIN commissions k ON k.id = l.commission_id
              GROUP BY 1) l ON l.commission_id = c.id
 CROSS JOIN LATERAL (SELECT CASE WHEN c.status = 'rejected' THEN 0
                                 ELSE c.amount + coalesce(x.amount, 0) - coalesce(r.amount, 0) - coalesce(x.reversed, 0) END AS expected) e
 WHERE (e.expected <> coalesce(l.amount, 0)
        OR c.reversed_amount <> coalesce(r.amount, 0) + coalesce(x.reversed, 0)
        OR c.rerated_amount <> coalesce(x.amount, 0)
        OR coalesce(l.misplaced, 0) <> 0);

-- name: mark-tier-months
-- Queues the partner months whose tiers reconciled payments ($1) or
-- refunds ($2, 0 for a payment) may have changed: a payment of month X
-- counts in the volume that rates the payments of X+1, for the partner its
-- customer was bound to when it was made (as partner-month-volumes
-- counts it). Only a cause received before X's volume is final counts: up
-- to the end of the hold ($3 days) after X ends. A month already queued is
-- locked, not passed over: another reconciler's re-rate would otherwise
-- take it off the queue and re-rate without this batch's payments.
INSERT INTO tier_months_due (partner_id, month, cause_purchase_id, cause_refund_id)
SELECT DISTINCT ON (v.partner_id, m.month) v.partner_id, m.month, k.purchase_id, r.id
  FROM unnest($1::bigint[], $2::bigint[]) AS k(purchase_id, refund_id)
  JOIN purchases p ON p.id = k.purchase_id
  JOIN customers c ON c.external_id = p.customer_external_id
  LEFT JOIN refunds r ON r.id = k.refund_id
 CROSS JOIN LATERAL (SELECT date_trunc('month', p.occurred_at AT TIME ZONE 'UTC') AS x) mx
 CROSS JOIN LATERAL (SELECT (mx.x + interval '1 month') AT TIME ZONE 'UTC' AS month,
                            (mx.x + interval '1 month' + make_interval(days => $3)) AT TIME ZONE 'UTC' AS final) m
 CROSS JOIN LATERAL (
        SELECT c.partner_id WHERE c.partner_id IS NOT NULL AND p.occurred_at >= c.bound_at
        UNION ALL
        SELECT b.partner_id FROM (
            SELECT d.partner_id FROM attribution_decisions d
             WHERE d.customer_id = c.id AND d.reason IN ('attributed', 'reassigned') AND d.partner_id IS NOT NULL
               AND d.occurred_at <= p.occurred_at
             ORDER BY d.occurred_at DESC, d.id DESC
             LIMIT 1) b
         WHERE c.reason = 'reassigned' AND p.occurred_at < c.bound_at) v
 WHERE coalesce(r.received_at, p.received_at) <= m.final
 ORDER BY v.partner_id, m.month, k.purchase_id, r.id
ON CONFLICT (partner_id, month) DO UPDATE SET partner_id = EXCLUDED.partner_id;

-- name: tier-months-due
-- Takes up to $1 queued partner months off the queue (the delete commits
-- or rolls back with the re-rates), with what names their cause.
WITH claim AS (
    DELETE FROM tier_months_due
     WHERE (partner_id, month) IN (SELECT partner_id, month FROM tier_months_due ORDER BY 1, 2
                                    LIMIT $1 FOR UPDATE SKIP LOCKED)
    RETURNING partner_id, month, cause_purchase_id, cause_refund_id
)
SELECT k.partner_id, k.month, k.cause_purchase_id, coalesce(k.cause_refund_id, 0) AS cause_refund_id,
       p.external_id AS purchase, p.amount AS purchase_amount, p.currency,
       p.occurred_at AS purchase_at, coalesce(r.external_id, '') AS refund, coalesce(r.amount, 0) AS refund_amount
  FROM claim k JOIN purchases p ON p.id = k.cause_purchase_id LEFT JOIN refunds r ON r.id = k.cause_refund_id
 ORDER BY k.partner_id, k.month;

-- name: commissions-to-rerate
-- The live percent sale commissions of partner months ($1 partners, $2
-- months), locked, with what was refunded of their payments so far. A
-- commission rated after its basis was final ($3 hold days after the
-- month starts) was rated on all of it and is never re-rated. A sale
-- commission is one with a purchase (commissions' CHECK), said so rather
-- than event = 'sale': that condition let the planner, with statistics
-- from before a batch's fresh commissions, AND the partner's index range
-- with the whole of commissions_purchase (a partial index on sales) at
-- every partner month, 38 s of a run's re-rates instead of a second.
SELECT k.id, k.partner_id, k.plan_version_id, k.rule_id, k.level, k.base_amount, k.amount, k.rerated_amount,
       k.reversed_amount, k.currency, k.earned_at, m.month, p.amount AS purchase_amount,
       coalesce((SELECT x.percent FROM commission_rerates x WHERE x.commission_id = k.id ORDER BY x.id DESC LIMIT 1),
                k.percent) AS percent,
       (SELECT coalesce(sum(r.amount), 0) FROM refunds r
         WHERE r.purchase_id = k.purchase_id AND r.reconciled_at IS NOT NULL) AS refunded
  FROM unnest($1::bigint[], $2::timestamptz[]) AS m(partner_id, month)
  JOIN commissions k ON k.partner_id = m.partner_id AND k.earned_at >= m.month
   AND k.earned_at < ((m.month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
  JOIN purchases p ON p.id = k.purchase_id
 WHERE k.purchase_id IS NOT NULL AND k.status <> 'rejected' AND k.percent IS NOT NULL
   AND EXISTS (SELECT 1 FROM plan_rule_tiers t WHERE t.rule_id = k.rule_id)
   AND k.created_at <= ((m.month AT TIME ZONE 'UTC') + make_interval(days => $3)) AT TIME ZONE 'UTC'
 ORDER BY k.id
   FOR UPDATE OF k;

-- name: insert-rerates
-- Records re-rates (at most one per commission), adds them to the
-- commissions' running amounts, and books the difference in the ledger:
-- pending at the commission's own instant, like a reversal, so a re-rate
-- of a released commission moves the available balance. All is written at
-- $12.
WITH ins AS (
    INSERT INTO commission_rerates (commission_id, percent, tier_min_volume, amount_unrounded, amount, amount_change,
                                    reversed_change, currency, cause_purchase_id, cause_refund_id, explanation, created_at)
    SELECT n.commission_id, n.percent, n.tier, n.unrounded, n.amount, n.amount_change, n.reversed_change, n.currency,
           n.purchase, nullif(n.refund, 0), n.explanation, $12::timestamptz
      FROM unnest($1::bigint[], $2::numeric[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[],
                  $7::numeric[], $8::text[], $9::bigint[], $10::bigint[], $11::text[])
           AS n(commission_id, percent, tier, unrounded, amount, amount_change, reversed_change, currency, purchase,
                refund, explanation)
    RETURNING id, commission_id, amount_change, reversed_change, currency, explanation
), upd AS (
    UPDATE commissions c SET rerated_amount = c.rerated_amount + ins.amount_change,
                             reversed_amount = c.reversed_amount + ins.reversed_change
      FROM ins WHERE c.id = ins.commission_id
)
INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, rerate_id, available_at, reason, created_at)
SELECT c.partner_id, ins.currency, 'pending', 'rerate', ins.amount_change - ins.reversed_change, c.id, ins.id,
       CASE WHEN NOT c.flagged THEN c.hold_until END, ins.explanation, $12
  FROM ins JOIN commissions c ON c.id = ins.commission_id
 WHERE ins.amount_change <> ins.reversed_change;
