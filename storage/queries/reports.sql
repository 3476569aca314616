-- Reports and the audit log of the back office. Every report reads a
-- period [from, to): clicks from the daily stats (UTC days), never raw
-- clicks; per-partner figures walk the approved partners and read each
-- one's rows by its (partner_id, time) index.

-- name: report-activity
-- The funnel of each approved partner in the period. leads: customers bound
-- in the period, plus leads the partner registered by hand in the period
-- that did not become one of those customers; customers: bound in the
-- period; paying: of those customers, the ones who paid since they were
-- bound (to date; by the purchases_customer index).
-- $1, $2: the days of the period; $3, $4: its instants.
SELECT p.id, p.ref, p.name, p.status,
       coalesce(k.clicks, 0) AS clicks, coalesce(k.unique_clicks, 0) AS unique_clicks,
       c.customers + r.registrations - c.from_registrations AS leads,
       c.customers, c.paying
  FROM partners p
 CROSS JOIN LATERAL (
        SELECT sum(s.clicks) AS clicks, sum(s.unique_clicks) AS unique_clicks
          FROM click_stats_daily s
         WHERE s.partner_id = p.id AND s.day >= $1::date AND s.day < $2::date) k
 CROSS JOIN LATERAL (
        SELECT count(*) AS registrations FROM lead_registrations lr
         WHERE lr.partner_id = p.id AND lr.created_at >= $3 AND lr.created_at < $4) r
 CROSS JOIN LATERAL (
        SELECT count(*) AS customers,
               count(*) FILTER (WHERE lr.partner_id = p.id AND lr.created_at >= $3 AND lr.created_at < $4) AS from_registrations,
               count(pay.one) AS paying
          FROM customers cu
          LEFT JOIN lead_registrations lr ON lr.id = cu.registration_id
          LEFT JOIN LATERAL (
                SELECT 1 AS one FROM purchases pu
                 WHERE pu.customer_external_id = cu.external_id AND pu.occurred_at >= cu.bound_at LIMIT 1) pay ON true
         WHERE cu.partner_id = p.id AND cu.bound_at >= $3 AND cu.bound_at < $4) c
 WHERE p.status IN ('active', 'suspended')
 ORDER BY p.id;

-- name: report-purchases
-- What customers of each partner paid in the period, per currency
-- (purchases carry their partner once reconciled).
SELECT p.id AS partner_id, x.currency, x.amount
  FROM partners p
 CROSS JOIN LATERAL (
        SELECT pu.currency, sum(pu.amount) AS amount FROM purchases pu
         WHERE pu.partner_id = p.id AND pu.occurred_at >= $1 AND pu.occurred_at < $2
         GROUP BY pu.currency) x;

-- name: report-refunds
-- Refunds made in the period of purchases that earned for a partner,
-- whenever those purchases were.
SELECT pu.partner_id, r.currency, sum(r.amount) AS amount
  FROM refunds r JOIN purchases pu ON pu.id = r.purchase_id
 WHERE r.occurred_at >= $1 AND r.occurred_at < $2 AND pu.partner_id IS NOT NULL
 GROUP BY pu.partner_id, r.currency;

-- name: report-commissions
-- Commissions earned in the period by status, net of what refunds took
-- back (to date); reversed is what they took back.
SELECT p.id AS partner_id, x.currency, x.pending, x.available, x.rejected, x.reversed
  FROM partners p
 CROSS JOIN LATERAL (
        SELECT c.currency,
               coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE commission_status(c.status, c.flagged, c.hold_until) = 'pending'), 0) AS pending,
               coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE commission_status(c.status, c.flagged, c.hold_until) = 'available'), 0) AS available,
               coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE c.status = 'rejected'), 0) AS rejected,
               sum(c.reversed_amount) AS reversed
          FROM commissions c
         WHERE c.partner_id = p.id AND c.earned_at >= $1 AND c.earned_at < $2
         GROUP BY c.currency) x;

-- name: report-payouts
SELECT currency, count(*) AS count, sum(amount) AS amount FROM payouts
 WHERE status = 'paid' AND paid_at >= $1 AND paid_at < $2
 GROUP BY currency ORDER BY currency;

-- name: report-dormant
-- Active partners without a (human) click since the day $1, with their
-- last click day: the newest stats row of each, read backwards by the
-- primary key.
SELECT p.id, p.ref, p.name, p.created_at, last.day AS last_click
  FROM partners p
  LEFT JOIN LATERAL (
        SELECT s.day FROM click_stats_daily s
         WHERE s.partner_id = p.id AND s.clicks > 0
         ORDER BY s.day DESC LIMIT 1) last ON true
 WHERE p.status = 'active' AND (last.day IS NULL OR last.day < $1::date)
 ORDER BY last.day DESC NULLS LAST, p.name, p.id;

-- name: audit-page
-- One page of the audit log, newest first, after the cursor $1 (an id);
-- each filter applies when set.
SELECT a.id, a.at, a.actor, a.actor_id, coalesce(u.email, '') AS email, coalesce(u.name, '') AS user_name,
       a.action, a.entity, a.entity_id, a.before, a.after, a.ip
  FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
 WHERE a.id < $1
   AND ($2::bigint = 0 OR a.actor_id = $2)
   AND ($3::text = '' OR a.actor = $3)
   AND ($4::text = '' OR starts_with(a.action, $4))
   AND ($5::text = '' OR a.entity = $5)
   AND ($6::text = '' OR a.entity_id = $6)
   AND ($7::timestamptz IS NULL OR a.at >= $7)
   AND ($8::timestamptz IS NULL OR a.at < $8)
 ORDER BY a.id DESC
 LIMIT $9;

-- name: audit-staff
-- The people the actor filter offers.
SELECT email FROM users WHERE role IN ('admin', 'manager', 'finance') ORDER BY email;
