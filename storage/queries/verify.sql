-- Verification: balances recomputed from the ledger against the tables the
-- ledger entries were written from. Any row returned is a mismatch.

-- name: verify-balances
WITH ledger AS (
    SELECT partner_id, currency,
           coalesce(sum(amount), 0)                                      AS total,
           coalesce(sum(amount) FILTER (WHERE bucket = 'reserved'), 0)   AS reserved,
           coalesce(sum(amount) FILTER (WHERE bucket = 'paid'), 0)       AS paid
      FROM ledger_entries GROUP BY partner_id, currency
), earned AS (
    SELECT c.partner_id, c.currency,
           sum(c.amount - coalesce((SELECT sum(r.amount) FROM commission_reversals r
                                     WHERE r.commission_id = c.id), 0)
                        + coalesce((SELECT sum(x.amount_change - x.reversed_change) FROM commission_rerates x
                                     WHERE x.commission_id = c.id), 0)) AS total
      FROM commissions c WHERE c.status <> 'rejected'
     GROUP BY c.partner_id, c.currency
), manual AS (
    SELECT partner_id, currency, sum(amount) AS total
      FROM ledger_entries WHERE kind IN ('bonus', 'adjustment')
     GROUP BY partner_id, currency
), payouts AS (
    SELECT partner_id, currency,
           coalesce(sum(amount) FILTER (WHERE status IN ('requested', 'approved')), 0) AS reserved,
           coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0)                     AS paid
      FROM payouts GROUP BY partner_id, currency
), expected AS (
    SELECT k.partner_id, k.currency,
           coalesce(e.total, 0) + coalesce(m.total, 0) AS total,
           coalesce(p.reserved, 0) AS reserved,
           coalesce(p.paid, 0) AS paid
      FROM (SELECT partner_id, currency FROM ledger
            UNION SELECT partner_id, currency FROM earned
            UNION SELECT partner_id, currency FROM payouts) k
      LEFT JOIN earned e USING (partner_id, currency)
      LEFT JOIN manual m USING (partner_id, currency)
      LEFT JOIN payouts p USING (partner_id, currency)
)
SELECT x.partner_id, x.currency, c.name AS check_name, c.ledger, c.expected
  FROM expected x
  LEFT JOIN ledger l USING (partner_id, currency)
 CROSS JOIN LATERAL (VALUES
        ('total',    coalesce(l.total, 0),    x.total),
        ('reserved', coalesce(l.reserved, 0), x.reserved),
        ('paid',     coalesce(l.paid, 0),     x.paid)) AS c(name, ledger, expected)
 WHERE c.ledger <> c.expected
 ORDER BY x.partner_id, x.currency, c.name;

-- name: verify-cached-balances
-- The balances the ledger keeps, against the sums of its entries: a
-- pending entry counts as available once the release mark has passed its
-- instant.
SELECT coalesce(e.partner_id, b.partner_id) AS partner_id, coalesce(e.currency, b.currency) AS currency,
       'cached ' || coalesce(e.bucket, b.bucket) AS check_name,
       coalesce(b.amount, 0) AS ledger, coalesce(e.amount, 0) AS expected
  FROM (SELECT l.partner_id, l.currency,
               CASE WHEN l.bucket = 'pending' AND l.available_at <= m.released_through THEN 'available' ELSE l.bucket END AS bucket,
               sum(l.amount) AS amount
          FROM ledger_entries l CROSS JOIN ledger_release m GROUP BY 1, 2, 3) e
  FULL JOIN partner_balances b USING (partner_id, currency, bucket)
 WHERE coalesce(b.amount, 0) <> coalesce(e.amount, 0);

-- name: verify-references
-- Commissions and ledger entries reference their partner, customer,
-- purchase, commission, payout and author without foreign keys (see the money migration):
-- every reference must resolve. One row per dangling reference kind and
-- partner, with how many rows dangle.
SELECT x.partner_id, '' AS currency, x.check_name, x.n AS ledger, 0 AS expected FROM (
    SELECT c.partner_id, 'commission without its partner' AS check_name, count(*) AS n
      FROM commissions c WHERE NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = c.partner_id) GROUP BY 1
    UNION ALL
    SELECT c.partner_id, 'commission without its customer', count(*)
      FROM commissions c WHERE NOT EXISTS (SELECT 1 FROM customers u WHERE u.id = c.customer_id) GROUP BY 1
    UNION ALL
    SELECT c.partner_id, 'commission without its purchase', count(*)
      FROM commissions c WHERE c.purchase_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.id = c.purchase_id) GROUP BY 1
    UNION ALL
    SELECT l.partner_id, 'entry without its partner', count(*)
      FROM ledger_entries l WHERE NOT EXISTS (SELECT 1 FROM partners p WHERE p.id = l.partner_id) GROUP BY 1
    UNION ALL
    SELECT l.partner_id, 'entry without its commission', count(*)
      FROM ledger_entries l WHERE l.commission_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM commissions c WHERE c.id = l.commission_id AND c.partner_id = l.partner_id) GROUP BY 1
    UNION ALL
    SELECT l.partner_id, 'entry without its reversal', count(*)
      FROM ledger_entries l WHERE l.reversal_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM commission_reversals r WHERE r.id = l.reversal_id AND r.commission_id = l.commission_id) GROUP BY 1
    UNION ALL
    SELECT l.partner_id, 'entry without its payout', count(*)
      FROM ledger_entries l WHERE l.payout_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM payouts p WHERE p.id = l.payout_id AND p.partner_id = l.partner_id) GROUP BY 1
    UNION ALL
    SELECT l.partner_id, 'entry by an unknown user', count(*)
      FROM ledger_entries l WHERE l.created_by IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = l.created_by) GROUP BY 1
    UNION ALL
    -- The cabinet's copy of what earns (purchase_earners): a purchase's
    -- own figures, and a sale commission behind each.
    SELECT e.partner_id, 'earning purchase unlike its purchase', count(*)
      FROM purchase_earners e LEFT JOIN purchases p ON p.id = e.purchase_id
     WHERE (p.customer_external_id, p.occurred_at, p.amount, p.currency)
           IS DISTINCT FROM (e.customer_external_id, e.occurred_at, e.amount, e.currency) GROUP BY 1
    UNION ALL
    SELECT e.partner_id, 'earning purchase without a commission', count(*)
      FROM purchase_earners e
     WHERE NOT EXISTS (SELECT 1 FROM commissions c WHERE c.purchase_id = e.purchase_id AND c.event = 'sale') GROUP BY 1
) x
 ORDER BY 1, 3;

-- name: verify-sample-customers
-- Up to $1 customers drawn at random, for a verify of a large program.
SELECT id FROM customers ORDER BY random() LIMIT $1;

-- name: verify-payments
-- Every payment of the customers in $1 (NULL: every customer) with what
-- the rules make a commission of: the binding in force when it was paid
-- (the customer's latest binding decision, first attribution or
-- reassignment, taking effect at or before it), its number among the
-- customer's payments under that binding, and what was refunded of it.
-- unsettled: the reconciler has not finished with it yet.
SELECT p.id, p.external_id, c.id AS customer_id, c.external_id AS customer, p.amount, p.currency, p.product,
       p.occurred_at, p.received_at, b.partner_id, b.bound_at,
       count(*) OVER (PARTITION BY c.id, b.bound_at ORDER BY p.occurred_at, p.id) AS payment_index,
       coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.purchase_id = p.id), 0) AS refunded,
       EXISTS (SELECT 1 FROM purchases_waiting w WHERE w.customer_external_id = p.customer_external_id AND w.purchase_id = p.id)
         OR EXISTS (SELECT 1 FROM refunds r WHERE r.purchase_id = p.id AND r.reconciled_at IS NULL) AS unsettled
  FROM customers c
  JOIN purchases p ON p.customer_external_id = c.external_id
  LEFT JOIN LATERAL (
        SELECT d.partner_id, d.occurred_at AS bound_at FROM attribution_decisions d
         WHERE d.customer_id = c.id AND d.reason IN ('attributed', 'reassigned') AND d.partner_id IS NOT NULL
           AND d.occurred_at <= p.occurred_at
         ORDER BY d.occurred_at DESC, d.id DESC
         LIMIT 1) b ON true
 WHERE $1::bigint[] IS NULL OR c.id = ANY($1::bigint[])
 ORDER BY c.id, p.occurred_at, p.id;

-- name: verify-month-volumes
-- What each partner's customers paid per calendar month (UTC) and
-- currency net of refunds, each payment counted for the binding in force
-- when it was paid (as verify-payments finds it). Payments and refunds
-- received by the end of the hold ($1 days) after the next month starts
-- are summed (late_at NULL); each one received later comes apart with the
-- instant it was received (late_at).
SELECT v.partner_id, v.month, v.currency,
       CASE WHEN v.received_at > (v.month + interval '1 month' + make_interval(days => $1)) AT TIME ZONE 'UTC'
            THEN v.received_at END AS late_at,
       sum(v.amount) AS volume
  FROM (SELECT b.partner_id, date_trunc('month', p.occurred_at AT TIME ZONE 'UTC') AS month, p.currency, x.amount, x.received_at
          FROM customers c
          JOIN purchases p ON p.customer_external_id = c.external_id
         CROSS JOIN LATERAL (
                SELECT d.partner_id FROM attribution_decisions d
                 WHERE d.customer_id = c.id AND d.reason IN ('attributed', 'reassigned') AND d.partner_id IS NOT NULL
                   AND d.occurred_at <= p.occurred_at
                 ORDER BY d.occurred_at DESC, d.id DESC
                 LIMIT 1) b
         CROSS JOIN LATERAL (
                SELECT p.amount, p.received_at
                UNION ALL
                SELECT -r.amount, r.received_at FROM refunds r WHERE r.purchase_id = p.id) x
       ) v
 GROUP BY 1, 2, 3, 4;

-- name: verify-tier-months-due
-- Partner months whose re-rating the reconciler has not done yet.
SELECT partner_id, month FROM tier_months_due;

-- name: verify-customers
-- The customers in $1 (NULL: every one), with whether lead rules were
-- applied to their binding.
SELECT id, external_id, partner_id, bound_at, lead_paid_at IS NOT NULL AS lead_paid, reason = 'reassigned' AS reassigned
  FROM customers WHERE $1::bigint[] IS NULL OR id = ANY($1::bigint[]);

-- name: verify-stored-commissions
SELECT c.id, coalesce(c.purchase_id, 0) AS purchase_id, c.customer_id, c.event, c.partner_id, c.level, c.amount,
       c.rerated_amount, c.reversed_amount, c.currency, c.status = 'rejected' AS rejected, c.created_at
  FROM commissions c WHERE $1::bigint[] IS NULL OR c.customer_id = ANY($1::bigint[]);
