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
                                     WHERE r.commission_id = c.id), 0)) AS total
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
) x
 ORDER BY 1, 3;
