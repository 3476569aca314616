-- The back office's lists and overview: the partner list with its
-- figures, customer search, the program's analytics and liabilities, and
-- what a payout is made of. Every list pages with LIMIT/OFFSET under a
-- total counted with the same filter; money is per currency, never summed
-- across. Sort keys come from a fixed set the code checks
-- (storage.PartnerSorts); no SQL is built from what a user typed.

-- name: admin-partner-list
-- Partners filtered by status ($1, '' for all) and a search ($2, '' for
-- none) over ref, name and contact email, ordered by $4 (name, created,
-- revenue, customers; '-' first for descending), a page of $5 rows (NULL:
-- every row) from $6. Figures are to date: customers bound to the
-- partner; revenue per currency (what their customers paid minus what was
-- refunded of it, purchases as reconciled); earnings per currency (all of
-- the partner's ledger buckets together: commissions net of refunds,
-- bonuses and adjustments, whether pending, available, reserved or paid).
-- Sorting by revenue reads it in the program's currency $3. The figures
-- are scalar subqueries: PostgreSQL evaluates them after the sort and
-- limit, for the page's rows only, unless the sort needs them. The plan
-- shown is the one in force at $7.
SELECT p.id, p.ref, p.name, p.kind, p.status, p.contact_name, p.contact_email, p.website, p.promotion,
       p.created_at, p.certified_at, coalesce(t.name, '') AS type_name,
       coalesce((SELECT pl.name || ' v' || v.version FROM contracts c
                   JOIN plan_versions v ON v.id = c.plan_version_id JOIN plans pl ON pl.id = v.plan_id
                  WHERE c.partner_id = p.id AND c.starts_at <= $7 AND (c.ends_at IS NULL OR c.ends_at > $7)
                  ORDER BY c.starts_at DESC LIMIT 1), '') AS plan,
       (SELECT count(*) FROM customers cu WHERE cu.partner_id = p.id) AS customers,
       (SELECT coalesce(json_agg(json_build_object('currency', x.currency, 'amount', x.amount) ORDER BY x.currency), '[]')
          FROM (SELECT pu.currency::text AS currency, sum(pu.amount) - coalesce(sum(rf.amount), 0) AS amount
                  FROM purchase_earners pu
                  LEFT JOIN LATERAL (SELECT sum(r.amount) AS amount FROM refunds r WHERE r.purchase_id = pu.purchase_id) rf ON true
                 WHERE pu.partner_id = p.id
                 GROUP BY pu.currency) x) AS revenue,
       (SELECT coalesce(json_agg(json_build_object('currency', b.currency, 'amount', b.amount) ORDER BY b.currency), '[]')
          FROM (SELECT currency::text AS currency, sum(amount) AS amount FROM partner_balances
                 WHERE partner_id = p.id GROUP BY currency) b) AS earnings
  FROM partners p LEFT JOIN partner_types t ON t.id = p.partner_type_id
 WHERE ($1::text = '' OR p.status = $1)
   AND ($2::text = '' OR strpos(lower(p.ref), lower($2)) > 0 OR strpos(lower(p.name), lower($2)) > 0
        OR strpos(lower(p.contact_email), lower($2)) > 0)
 ORDER BY
       CASE WHEN $4::text = 'name' THEN lower(p.name) END,
       CASE WHEN $4::text = '-name' THEN lower(p.name) END DESC,
       CASE WHEN $4::text = 'created' THEN p.created_at END,
       CASE WHEN $4::text = '-created' THEN p.created_at END DESC,
       CASE WHEN $4::text = 'revenue' THEN
            (SELECT coalesce(sum(pu.amount), 0) FROM purchase_earners pu WHERE pu.partner_id = p.id AND pu.currency = $3::text)
          - (SELECT coalesce(sum(r.amount), 0) FROM refunds r JOIN purchase_earners pu ON pu.purchase_id = r.purchase_id
              WHERE pu.partner_id = p.id AND pu.currency = $3::text) END,
       CASE WHEN $4::text = '-revenue' THEN
            (SELECT coalesce(sum(pu.amount), 0) FROM purchase_earners pu WHERE pu.partner_id = p.id AND pu.currency = $3::text)
          - (SELECT coalesce(sum(r.amount), 0) FROM refunds r JOIN purchase_earners pu ON pu.purchase_id = r.purchase_id
              WHERE pu.partner_id = p.id AND pu.currency = $3::text) END DESC,
       CASE WHEN $4::text = 'customers' THEN (SELECT count(*) FROM customers cu WHERE cu.partner_id = p.id) END,
       CASE WHEN $4::text = '-customers' THEN (SELECT count(*) FROM customers cu WHERE cu.partner_id = p.id) END DESC,
       p.id
 LIMIT $5 OFFSET $6;

-- name: admin-partner-count
-- How many partners admin-partner-list has under the same filter.
SELECT count(*) FROM partners p
 WHERE ($1::text = '' OR p.status = $1)
   AND ($2::text = '' OR strpos(lower(p.ref), lower($2)) > 0 OR strpos(lower(p.name), lower($2)) > 0
        OR strpos(lower(p.contact_email), lower($2)) > 0);

-- name: admin-customer-list
-- Customers of a partner ($1, 0 for any) found by their id in the
-- vendor's system or email ($2, '' for all of the partner's), or a part
-- of their email when $3; latest bound first, a page of $4 from $5.
SELECT c.id, c.external_id, c.email, c.name, c.partner_id, coalesce(p.name, '') AS partner, coalesce(c.source, '') AS source,
       c.reason, c.bound_at, c.first_seen_at
  FROM customers c LEFT JOIN partners p ON p.id = c.partner_id
 WHERE ($1::bigint = 0 OR c.partner_id = $1)
   AND ($2::text = '' OR c.external_id = $2 OR c.email = lower($2) OR ($3::boolean AND strpos(c.email, lower($2)) > 0))
 ORDER BY c.bound_at DESC NULLS LAST, c.id DESC
 LIMIT $4 OFFSET $5;

-- name: admin-customer-count
SELECT count(*) FROM customers c
 WHERE ($1::bigint = 0 OR c.partner_id = $1)
   AND ($2::text = '' OR c.external_id = $2 OR c.email = lower($2) OR ($3::boolean AND strpos(c.email, lower($2)) > 0));

-- name: overview-liabilities
-- What the program owes partners per currency, as the ledger keeps it:
-- pending and available balances (net: a partner whose refunds outran a
-- payout counts negative), and the payouts reserved for them, requested
-- (awaiting approval) and approved (awaiting payment).
SELECT x.currency, sum(x.pending) AS pending, sum(x.available) AS available,
       sum(x.requested) AS requested, sum(x.requested_count) AS requested_count,
       sum(x.approved) AS approved, sum(x.approved_count) AS approved_count
  FROM (SELECT currency::text AS currency,
               coalesce(sum(amount) FILTER (WHERE bucket = 'pending'), 0) AS pending,
               coalesce(sum(amount) FILTER (WHERE bucket = 'available'), 0) AS available,
               0::numeric AS requested, 0::bigint AS requested_count, 0::numeric AS approved, 0::bigint AS approved_count
          FROM partner_balances GROUP BY currency
        UNION ALL
        SELECT currency::text, 0, 0,
               coalesce(sum(amount) FILTER (WHERE status = 'requested'), 0), count(*) FILTER (WHERE status = 'requested'),
               coalesce(sum(amount) FILTER (WHERE status = 'approved'), 0), count(*) FILTER (WHERE status = 'approved')
          FROM payouts WHERE status IN ('requested', 'approved') GROUP BY currency) x
 GROUP BY x.currency
HAVING sum(x.pending) <> 0 OR sum(x.available) <> 0 OR sum(x.requested_count) > 0 OR sum(x.approved_count) > 0
 ORDER BY x.currency;

-- name: overview-top-partners
-- The partners whose customers brought the most revenue in [$1, $2) in
-- currency $3 (report_money, as the reports count it), with the
-- commissions they earned in it; the top $4.
SELECT p.id, p.ref, p.name, m.paid - m.refunded AS revenue, m.pending + m.available AS commissions
  FROM report_money($1, $2) m JOIN partners p ON p.id = m.partner_id
 WHERE m.currency = $3::text AND m.paid - m.refunded > 0
 ORDER BY revenue DESC, p.name, p.id
 LIMIT $4;

-- name: overview-daily
-- The program's clicks, leads (customers bound), attributed revenue and
-- commissions earned, both in currency $2, per day: dashboard-daily over
-- every partner ($1: the local midnights that start each day and the one
-- that ends the last; $3, $4: the local dates of the first day and of the
-- end, clicks being kept per UTC day). Revenue is counted as report_money
-- counts it: purchases by their day, less refunds by theirs. Each
-- partner's rows are read by its (partner_id, time) index.
WITH days AS (
    SELECT n, ($1::timestamptz[])[n] AS day FROM generate_series(1, cardinality($1::timestamptz[]) - 1) AS n
), cl AS (
    SELECT (s.day - $3::date) + 1 AS n, sum(s.clicks) AS clicks
      FROM partners p CROSS JOIN LATERAL (
            SELECT day, clicks FROM click_stats_daily
             WHERE partner_id = p.id AND day >= $3::date AND day < $4::date) s
     GROUP BY 1
), le AS (
    SELECT width_bucket(cu.bound_at, $1::timestamptz[]) AS n, count(*) AS leads
      FROM partners p CROSS JOIN LATERAL (
            SELECT bound_at FROM customers
             WHERE partner_id = p.id AND bound_at >= ($1::timestamptz[])[1]
               AND bound_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]) cu
     GROUP BY 1
), pa AS (
    SELECT width_bucket(pu.occurred_at, $1::timestamptz[]) AS n, sum(pu.amount) AS paid
      FROM partners p CROSS JOIN LATERAL (
            SELECT occurred_at, amount FROM purchase_earners
             WHERE partner_id = p.id AND currency = $2::text AND occurred_at >= ($1::timestamptz[])[1]
               AND occurred_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]) pu
     GROUP BY 1
), rf AS (
    SELECT width_bucket(r.occurred_at, $1::timestamptz[]) AS n, sum(r.amount) AS refunded
      FROM refunds r JOIN purchase_earners pu ON pu.purchase_id = r.purchase_id
     WHERE r.currency = $2::text AND r.occurred_at >= ($1::timestamptz[])[1]
       AND r.occurred_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]
     GROUP BY 1
), ea AS (
    SELECT width_bucket(k.earned_at, $1::timestamptz[]) AS n, sum(k.amount) AS earned
      FROM partners p CROSS JOIN LATERAL (
            SELECT earned_at, amount + rerated_amount - reversed_amount AS amount FROM commissions
             WHERE partner_id = p.id AND currency = $2::text AND status <> 'rejected'
               AND earned_at >= ($1::timestamptz[])[1]
               AND earned_at < ($1::timestamptz[])[cardinality($1::timestamptz[])]) k
     GROUP BY 1
)
SELECT days.day, coalesce(cl.clicks, 0) AS clicks, coalesce(le.leads, 0) AS leads,
       coalesce(pa.paid, 0) - coalesce(rf.refunded, 0) AS revenue, coalesce(ea.earned, 0) AS earned
  FROM days LEFT JOIN cl USING (n) LEFT JOIN le USING (n) LEFT JOIN pa USING (n) LEFT JOIN rf USING (n)
  LEFT JOIN ea USING (n)
 ORDER BY days.n;

-- name: payout-sources
-- What payout $1 was drawn from. Payouts are not tied to commissions: a
-- request reserves part of the available balance. This reads the
-- balance's credits as they stood when the payout was requested (entries
-- written by then), oldest first (first in, first out): each commission
-- at the end of its hold, net of its reversals, re-rates and review flags
-- (a flagged commission's money is held, so nets to nothing here); each
-- bonus and adjustment when booked. What earlier payouts of the partner
-- drew (net of those returned) and negative adjustments come off the
-- oldest credits first; the payout covers the next credits up to its
-- amount. covered is the part of each credit the payout took (the first
-- and last may be partial); the rows' covered add up to the payout's
-- amount.
WITH po AS (
    SELECT id, partner_id, currency::text AS currency, amount, requested_at FROM payouts WHERE id = $1
), items AS (
    SELECT 'commission'::text AS kind, l.commission_id AS ref, max(l.available_at) AS at, sum(l.amount) AS amount
      FROM po JOIN ledger_entries l ON l.partner_id = po.partner_id AND l.currency = po.currency
     WHERE l.bucket = 'pending' AND l.available_at IS NOT NULL AND l.created_at <= po.requested_at
     GROUP BY l.commission_id
    UNION ALL
    SELECT l.kind, l.id, l.created_at, l.amount
      FROM po JOIN ledger_entries l ON l.partner_id = po.partner_id AND l.currency = po.currency
     WHERE l.kind IN ('bonus', 'adjustment') AND l.created_at <= po.requested_at
    UNION ALL
    SELECT 'payout', o.id, o.requested_at, sum(l.amount)
      FROM po JOIN payouts o ON o.partner_id = po.partner_id AND o.currency = po.currency AND o.id < po.id
      JOIN ledger_entries l ON l.payout_id = o.id
     WHERE l.bucket = 'available' AND l.created_at <= po.requested_at
     GROUP BY o.id, o.requested_at
), drawn AS (
    SELECT coalesce(-sum(amount) FILTER (WHERE amount < 0), 0) AS before FROM items
), credits AS (
    SELECT kind, ref, at, amount, sum(amount) OVER (ORDER BY at, kind, ref) AS upto FROM items WHERE amount > 0
)
SELECT c.kind, c.ref, c.at, c.amount,
       least(c.upto, d.before + po.amount) - greatest(c.upto - c.amount, d.before) AS covered,
       k.customer_id, coalesce(cu.external_id, '') AS customer, k.earned_at, coalesce(k.explanation, '') AS explanation,
       coalesce(l.reason, '') AS reason
  FROM credits c CROSS JOIN drawn d CROSS JOIN po
  LEFT JOIN commissions k ON c.kind = 'commission' AND k.id = c.ref
  LEFT JOIN customers cu ON cu.id = k.customer_id
  LEFT JOIN ledger_entries l ON c.kind IN ('bonus', 'adjustment') AND l.id = c.ref
 WHERE c.upto > d.before AND c.upto - c.amount < d.before + po.amount
 ORDER BY c.at, c.kind, c.ref;

-- name: payout-risk
-- What finance may want to know before paying payout $1, as it stood
-- when it was requested: when the partner joined, how many of their
-- payouts had been paid by then, their previous payout's method and
-- details, their current payout details, and what their customers paid
-- in the payout's currency from $2 (the request less 90 days) until the
-- request, with the part of those same purchases refunded by then.
SELECT p.created_at AS partner_since, p.payout_method AS current_method, p.payout_details AS current_details,
       (SELECT count(*) FROM payouts o WHERE o.partner_id = po.partner_id AND o.id <> po.id AND o.status = 'paid'
           AND o.paid_at <= po.requested_at) AS paid_before,
       prev.id AS previous_id, coalesce(prev.method, '') AS previous_method, coalesce(prev.details, '{}') AS previous_details,
       prev.requested_at AS previous_at,
       coalesce(v.paid, 0) AS paid, coalesce(v.refunded, 0) AS refunded
  FROM payouts po JOIN partners p ON p.id = po.partner_id
  LEFT JOIN LATERAL (
        SELECT o.id, o.method, o.details, o.requested_at FROM payouts o
         WHERE o.partner_id = po.partner_id AND o.id < po.id ORDER BY o.id DESC LIMIT 1) prev ON true
 CROSS JOIN LATERAL (
        SELECT sum(pu.amount) AS paid,
               sum((SELECT coalesce(sum(r.amount), 0) FROM refunds r
                     WHERE r.purchase_id = pu.purchase_id AND r.occurred_at <= po.requested_at)) AS refunded
          FROM purchase_earners pu
         WHERE pu.partner_id = po.partner_id AND pu.currency = po.currency
           AND pu.occurred_at >= $2 AND pu.occurred_at < po.requested_at) v
 WHERE po.id = $1;
