-- Sessions and the partner dashboard (sign-in limits: throttle.sql).

-- name: insert-session
INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at, ip, user_agent, created_at, last_seen_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7);

-- name: session-user
SELECT s.csrf_token, u.id, u.email, u.name, u.password_hash, u.role, u.partner_id, u.locale, u.time_zone,
       u.disabled_at, u.created_at
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL;

-- name: delete-session
DELETE FROM sessions WHERE token_hash = $1;

-- name: dashboard-clicks
-- Clicks of the UTC days dated $2 up to $3 (the local dates of the
-- period's first day and end, see dashboard-daily).
SELECT coalesce(sum(clicks), 0) AS clicks, coalesce(sum(unique_clicks), 0) AS unique_clicks
  FROM click_stats_daily WHERE partner_id = $1 AND day >= $2::date AND day < $3::date;

-- name: dashboard-customers
-- leads: customers bound in the period; customers: bound ever; paying:
-- customers with a payment in the period that earned the partner (the
-- purchase_earners index, filled as purchases are reconciled; GROUP BY
-- may hash where count(DISTINCT) always sorts).
SELECT (SELECT count(*) FROM customers WHERE partner_id = $1 AND bound_at >= $2 AND bound_at < $3) AS leads,
       (SELECT count(*) FROM customers WHERE partner_id = $1) AS customers,
       (SELECT count(*) FROM (SELECT 1 FROM purchase_earners p
         WHERE p.partner_id = $1 AND p.occurred_at >= $2 AND p.occurred_at < $3
         GROUP BY p.customer_external_id) payers) AS paying;

-- name: dashboard-funnel
-- The partner's funnel over one cohort, the visitors of the period: a
-- visitor is a unique click (an address on a link in a UTC hour, as
-- insert-clicks counts them) of the UTC days dated $2 up to $3, the days
-- dashboard-clicks reads. leads: the visitors whose click bound a
-- customer to the partner (customers.click_id, to date); paying: those of
-- them whose customer has paid since the binding (to date). Each step
-- counts visitors of the step before, so no ratio passes 100 %. A lead
-- is no earlier than its click (commissions.ClickSkew, a second): the
-- customers bound from the day before the first day on are read, by
-- customers_partner; raw clicks only by id. no_click_*: the customers
-- bound in [$4, $5) by something other than a click, never divided by
-- clicks. report-funnel counts each partner's funnel the same way.
WITH visitors AS (
    SELECT bool_or(EXISTS (SELECT 1 FROM purchases pu
                            WHERE pu.customer_external_id = cu.external_id AND pu.occurred_at >= cu.bound_at)) AS paid
      FROM customers cu JOIN clicks cl ON cl.click_id = cu.click_id
     WHERE cu.partner_id = $1 AND cu.source = 'click'
       AND cu.bound_at >= ($2::date - 1)::timestamp AT TIME ZONE 'UTC'
       AND cl.partner_id = $1 AND cl.flags = 0 AND cl.ip IS NOT NULL
       AND cl.clicked_at >= $2::date::timestamp AT TIME ZONE 'UTC'
       AND cl.clicked_at < $3::date::timestamp AT TIME ZONE 'UTC'
     GROUP BY cl.link_id, cl.ip, date_trunc('hour', cl.clicked_at, 'UTC')
)
SELECT (SELECT count(*) FROM visitors) AS leads,
       (SELECT count(*) FROM visitors WHERE paid) AS paying,
       count(*) FILTER (WHERE source = 'promo_code') AS no_click_promo_code,
       count(*) FILTER (WHERE source = 'partner_ref') AS no_click_partner_ref,
       count(*) FILTER (WHERE source = 'registration') AS no_click_registration,
       count(*) FILTER (WHERE source = 'manual') AS no_click_manual
  FROM customers
 WHERE partner_id = $1 AND bound_at >= $4 AND bound_at < $5 AND source <> 'click';

-- name: next-release
-- The next instant pending money becomes available, per currency
-- (flagged money has none until a manager decides).
SELECT currency, min(available_at) AS at FROM ledger_entries
 WHERE partner_id = $1 AND bucket = 'pending' AND available_at > (SELECT released_through FROM ledger_release)
 GROUP BY currency;

-- name: latest-commissions
SELECT earned_at, amount + rerated_amount AS amount, currency, commission_status(status, flagged, hold_until) AS status, explanation
  FROM commissions WHERE partner_id = $1 ORDER BY earned_at DESC, id DESC LIMIT 5;

-- name: partner-by-id
SELECT id, ref, name, kind, status, partner_type_id, recruiter_id, contact_name,
       contact_email, website, promotion, certified_at, created_at
  FROM partners WHERE id = $1;

-- name: default-link-code
SELECT code FROM links WHERE partner_id = $1 AND is_default AND disabled_at IS NULL;

-- name: partner-links
SELECT l.id, l.code, l.destination_url, l.sub_id, l.label, l.is_default, (l.disabled_at IS NOT NULL) AS disabled,
       l.disabled_by_staff, l.disabled_reason,
       coalesce(sum(s.clicks), 0) AS clicks, coalesce(sum(s.unique_clicks), 0) AS unique_clicks
  FROM links l
  LEFT JOIN click_stats_daily s ON s.partner_id = l.partner_id AND s.link_id = l.id AND s.day >= $2::date
 WHERE l.partner_id = $1
 GROUP BY l.id
 ORDER BY l.is_default DESC, l.id;

-- name: partner-commissions
-- A partner's commissions earned in [$2, $3), newest first, from the
-- keyset cursor ($3, $4) on: (to, 0) is the first page; an export passes
-- the last row's (earned_at, id) for the next. The plain bound on
-- earned_at lets the (partner_id, earned_at) index start at the cursor.
-- purchase is the vendor's id of the payment, for the partner's own
-- customers only: a level-2 commission was earned on the customer of a
-- partner they recruited, whose invoices are not theirs to see (the page
-- shows no purchase for either; the CSV names the partner's own).
SELECT c.id, c.earned_at, c.hold_until, c.amount + c.rerated_amount AS amount, c.reversed_amount, c.currency,
       commission_status(c.status, c.flagged, c.hold_until) AS status, c.level, c.event,
       c.explanation, coalesce((SELECT x.explanation FROM commission_rerates x WHERE x.commission_id = c.id
                                 ORDER BY x.id DESC LIMIT 1), '') AS rerate, coalesce(p.external_id, '') AS purchase
  FROM commissions c LEFT JOIN purchases p ON p.id = c.purchase_id AND c.level = 1
 WHERE c.partner_id = $1 AND c.earned_at >= $2 AND c.earned_at <= $3 AND (c.earned_at, c.id) < ($3, $4)
 ORDER BY c.earned_at DESC, c.id DESC
 LIMIT $5;

-- name: partner-manual-entries
-- Like partner-commissions: the bonuses and adjustments of [$2, $3) after
-- the keyset cursor ($3, $4), newest first.
SELECT id, created_at, amount, currency, kind, reason FROM ledger_entries
 WHERE partner_id = $1 AND kind IN ('bonus', 'adjustment') AND created_at >= $2
   AND created_at <= $3 AND (created_at, id) < ($3, $4)
 ORDER BY created_at DESC, id DESC
 LIMIT $5;

-- name: insert-application
INSERT INTO partners (ref, name, kind, status, contact_name, contact_email, contact_phone, website, promotion,
                      partner_type_id, created_at, updated_at)
VALUES ($1, $2, $3, 'applied', $4, $5, $6, $7, $8, $10, $9, $9)
RETURNING id;

-- name: set-user-locale
UPDATE users SET locale = $2 WHERE id = $1;

-- name: insert-password-reset
INSERT INTO password_resets (token_hash, user_id, expires_at, created_at) VALUES ($1, $2, $3, $4);

-- name: use-password-reset
-- Marks a reset token used, once, if it has not expired.
UPDATE password_resets SET used_at = $2
 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
RETURNING user_id;

-- name: set-user-password
UPDATE users SET password_hash = $2 WHERE id = $1;

-- name: delete-user-sessions
DELETE FROM sessions WHERE user_id = $1;

-- name: contract-at
SELECT id, partner_id, plan_version_id, starts_at, ends_at, NULL::bigint AS recruiter_id FROM contracts
 WHERE partner_id = $1 AND starts_at <= $2 AND (ends_at IS NULL OR ends_at > $2);

-- name: min-payouts
SELECT currency, amount FROM min_payouts ORDER BY currency;

-- name: dashboard-daily
-- Clicks, leads and earnings per day of the period. $2 holds the instants
-- that start each day and the one that ends the last (the user's local
-- midnights, computed by the program: a day across a change of summer
-- time has 23 or 25 hours); leads and earnings fall into the day whose
-- range holds them (width_bucket). Clicks are counted per UTC day
-- (click_stats_daily): $4 and $5 are the local dates of the first day and
-- of the end, and a UTC day is shown on the local day of the same date.
WITH days AS (
    SELECT n, ($2::timestamptz[])[n] AS day FROM generate_series(1, cardinality($2::timestamptz[]) - 1) AS n
), cl AS (
    SELECT (day - $4::date) + 1 AS n, sum(clicks) AS clicks
      FROM click_stats_daily
     WHERE partner_id = $1 AND day >= $4::date AND day < $5::date
     GROUP BY 1
), le AS (
    SELECT width_bucket(bound_at, $2::timestamptz[]) AS n, count(*) AS leads
      FROM customers
     WHERE partner_id = $1 AND bound_at >= ($2::timestamptz[])[1] AND bound_at < ($2::timestamptz[])[cardinality($2::timestamptz[])]
     GROUP BY 1
), ea AS (
    SELECT width_bucket(earned_at, $2::timestamptz[]) AS n, sum(amount + rerated_amount) AS earned
      FROM commissions
     WHERE partner_id = $1 AND currency = $3
       AND earned_at >= ($2::timestamptz[])[1] AND earned_at < ($2::timestamptz[])[cardinality($2::timestamptz[])]
     GROUP BY 1
)
SELECT days.day, coalesce(cl.clicks, 0) AS clicks, coalesce(le.leads, 0) AS leads, coalesce(ea.earned, 0) AS earned
  FROM days LEFT JOIN cl USING (n) LEFT JOIN le USING (n) LEFT JOIN ea USING (n)
 ORDER BY days.n;

-- name: partner-volume
-- What the partner's customers paid in [from, to) in one currency, net of
-- refunds (as tiers count it).
SELECT coalesce(sum(p.amount - (SELECT coalesce(sum(r.amount), 0) FROM refunds r WHERE r.purchase_id = p.purchase_id)), 0)
  FROM purchase_earners p WHERE p.partner_id = $1 AND p.currency = $4 AND p.occurred_at >= $2 AND p.occurred_at < $3;

-- name: partner-link-code
SELECT code FROM links WHERE partner_id = $1 AND lower(code) = lower($2);
