-- Reports and the audit log of the back office. Every report reads a
-- period [from, to): clicks from the daily stats (UTC days), never raw
-- clicks; per-partner figures walk the approved partners and read each
-- one's rows by its (partner_id, time) index (report_activity and
-- report_money, migration 16, state them once for the page and the CSVs).

-- name: report-activity
-- The funnel of each approved partner in the period (report_activity,
-- migration 16). $1, $2: the days of the period; $3, $4: its instants.
SELECT id, ref, name, status, clicks, unique_clicks, leads, customers, paying
  FROM report_activity($1::date, $2::date, $3, $4)
 ORDER BY id;

-- name: report-money
-- What each partner's customers paid and the partner earned in the
-- period, per currency (report_money, migration 16), by currency and
-- partner.
SELECT partner_id, currency, paid, refunded, pending, available, rejected, reversed
  FROM report_money($1, $2)
 ORDER BY currency COLLATE "C", partner_id;

-- name: report-leaderboard
-- The leaderboard in one currency ($5), ranked as storage.Report's
-- Leaderboard ranks it: by revenue (or by commissions when $6 is
-- 'commissions'), highest first, then more customers, then by name (byte
-- order, as Go compares strings), then by id. Partners with nothing in
-- the period are left out. Streamed by the CSV export.
SELECT a.id, a.ref, a.name, a.status, a.clicks, a.unique_clicks, a.leads, a.customers, a.paying,
       coalesce(m.paid, 0) AS paid, coalesce(m.refunded, 0) AS refunded, coalesce(m.pending, 0) AS pending,
       coalesce(m.available, 0) AS available, coalesce(m.rejected, 0) AS rejected, coalesce(m.reversed, 0) AS reversed
  FROM report_activity($1::date, $2::date, $3, $4) a
  LEFT JOIN report_money($3, $4) m ON m.partner_id = a.id AND m.currency = $5::text
 WHERE m.partner_id IS NOT NULL OR a.clicks > 0 OR a.leads > 0 OR a.customers > 0
 ORDER BY CASE WHEN $6::text = 'commissions' THEN coalesce(m.pending, 0) + coalesce(m.available, 0)
               ELSE coalesce(m.paid, 0) - coalesce(m.refunded, 0) END DESC,
          a.customers DESC, a.name COLLATE "C", a.id;

-- name: report-funnel
-- The funnel of each approved partner with any activity in the period,
-- over one cohort as dashboard-funnel counts it: visitors are the unique
-- clicks of the UTC days $1 up to $2; leads, the visitors whose click
-- bound a customer to the partner; paying, those of them whose customer
-- has paid since (both to date); no_click_*: the customers bound in the
-- instants [$3, $4) by something other than a click. Ranked as
-- storage.Report's Funnel ranks them: most unique clicks, then most leads,
-- then most customers without a click, then by name (byte order), then by
-- id. Read by the page and streamed by the CSV.
SELECT p.id, p.ref, p.name, p.status,
       coalesce(k.clicks, 0)::bigint AS clicks, coalesce(k.unique_clicks, 0)::bigint AS visitors,
       f.leads, f.paying, n.no_click_promo_code, n.no_click_partner_ref, n.no_click_registration, n.no_click_manual
  FROM partners p
 CROSS JOIN LATERAL (
        SELECT sum(s.clicks) AS clicks, sum(s.unique_clicks) AS unique_clicks
          FROM click_stats_daily s
         WHERE s.partner_id = p.id AND s.day >= $1::date AND s.day < $2::date) k
 CROSS JOIN LATERAL (
        SELECT count(*) AS leads, count(*) FILTER (WHERE v.paid) AS paying
          FROM (SELECT bool_or(EXISTS (SELECT 1 FROM purchases pu
                                        WHERE pu.customer_external_id = cu.external_id AND pu.occurred_at >= cu.bound_at)) AS paid
                  FROM customers cu JOIN clicks cl ON cl.click_id = cu.click_id
                 WHERE cu.partner_id = p.id AND cu.source = 'click'
                   AND cu.bound_at >= ($1::date - 1)::timestamp AT TIME ZONE 'UTC'
                   AND cl.partner_id = p.id AND cl.flags = 0 AND cl.ip IS NOT NULL
                   AND cl.clicked_at >= $1::date::timestamp AT TIME ZONE 'UTC'
                   AND cl.clicked_at < $2::date::timestamp AT TIME ZONE 'UTC'
                 GROUP BY cl.link_id, cl.ip, date_trunc('hour', cl.clicked_at, 'UTC')) v) f
 CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE cu.source = 'promo_code') AS no_click_promo_code,
               count(*) FILTER (WHERE cu.source = 'partner_ref') AS no_click_partner_ref,
               count(*) FILTER (WHERE cu.source = 'registration') AS no_click_registration,
               count(*) FILTER (WHERE cu.source = 'manual') AS no_click_manual,
               count(*) AS no_click
          FROM customers cu
         WHERE cu.partner_id = p.id AND cu.bound_at >= $3 AND cu.bound_at < $4 AND cu.source <> 'click') n
 WHERE p.status IN ('active', 'suspended') AND (k.clicks > 0 OR f.leads > 0 OR n.no_click > 0)
 ORDER BY visitors DESC, f.leads DESC, n.no_click DESC, p.name COLLATE "C", p.id;

-- name: report-activity-totals
-- The program's funnel in the period: the sum of its approved partners',
-- and how many they are.
SELECT count(*) AS partners, coalesce(sum(clicks), 0) AS clicks, coalesce(sum(unique_clicks), 0) AS unique_clicks,
       coalesce(sum(leads), 0) AS leads, coalesce(sum(customers), 0) AS customers, coalesce(sum(paying), 0) AS paying
  FROM report_activity($1::date, $2::date, $3, $4);

-- name: report-money-totals
-- The program's money in the period per currency: the sum of every
-- partner's.
SELECT currency, sum(paid) AS paid, sum(refunded) AS refunded, sum(pending) AS pending,
       sum(available) AS available, sum(rejected) AS rejected, sum(reversed) AS reversed
  FROM report_money($1, $2)
 GROUP BY currency
 ORDER BY currency COLLATE "C";

-- name: report-revenue
-- Revenue (paid less refunded) of each approved partner with money in the
-- period, by currency, highest first: revenue concentration reads the top
-- of each currency.
SELECT m.currency, m.paid - m.refunded AS revenue
  FROM report_money($1, $2) m JOIN partners p ON p.id = m.partner_id
 WHERE p.status IN ('active', 'suspended')
 ORDER BY m.currency COLLATE "C", revenue DESC;

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
