-- Links as the tracker caches them: a link redirects only while it and its
-- partner are active.

-- name: tracker-links
SELECT l.id, l.partner_id, l.code, l.destination_url, l.sub_id,
       (l.disabled_at IS NULL AND p.status = 'active') AS active, l.updated_at
  FROM links l JOIN partners p ON p.id = l.partner_id
 WHERE l.id > $1
 ORDER BY l.id
 LIMIT $2;

-- name: tracker-links-changed
SELECT l.id, l.partner_id, l.code, l.destination_url, l.sub_id,
       (l.disabled_at IS NULL AND p.status = 'active') AS active,
       greatest(l.updated_at, p.updated_at) AS updated_at
  FROM links l JOIN partners p ON p.id = l.partner_id
 WHERE l.updated_at >= $1 OR p.updated_at >= $1;

-- name: tracker-link-by-code
-- A code is one code whatever its case (links_code_lower).
SELECT l.id, l.partner_id, l.code, l.destination_url, l.sub_id,
       (l.disabled_at IS NULL AND p.status = 'active') AS active, l.updated_at
  FROM links l JOIN partners p ON p.id = l.partner_id
 WHERE lower(l.code) = lower($1);

-- name: tracker-partner-links
SELECT l.id, l.partner_id, l.code, l.destination_url, l.sub_id,
       (l.disabled_at IS NULL AND p.status = 'active') AS active, greatest(l.updated_at, p.updated_at) AS updated_at
  FROM links l JOIN partners p ON p.id = l.partner_id
 WHERE l.partner_id = $1;

-- name: insert-link
INSERT INTO links (partner_id, code, destination_url, sub_id, label, is_default, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
RETURNING id, created_at;

-- name: link-for-update
SELECT id, partner_id, code, destination_url, sub_id, label, is_default, disabled_at, disabled_by_staff, disabled_reason
  FROM links WHERE id = $1 AND partner_id = $2 FOR UPDATE;

-- name: set-link
UPDATE links
   SET destination_url = $2, label = $3, disabled_at = CASE WHEN $4 THEN coalesce(disabled_at, $7) END,
       disabled_by_staff = $4 AND $5, disabled_reason = CASE WHEN $4 THEN $6 ELSE '' END, sub_id = $8, updated_at = $7
 WHERE id = $1;

-- name: partner-link-figures
-- A partner's links, default first, with what each brought in a period,
-- as the dashboard counts the partner's whole: clicks of the UTC days
-- dated $2 up to $3 (the local dates of the period's first day and end);
-- leads, the customers it bound in [$4, $5); paying customers, those of
-- its customers still bound to the partner with a payment in [$4, $5)
-- that earned the partner (purchase_earners); and per currency, in
-- currency order, the partner's level-1 commissions earned in [$4, $5) on
-- its customers, net of refunds, rejected ones left out. Every part reads
-- only the partner's rows, by the partner's indexes.
WITH cl AS (
    SELECT link_id, sum(clicks) AS clicks, sum(unique_clicks) AS unique_clicks
      FROM click_stats_daily
     WHERE partner_id = $1 AND day >= $2::date AND day < $3::date
     GROUP BY link_id
), le AS (
    SELECT link_id, count(*) AS leads
      FROM customers
     WHERE partner_id = $1 AND bound_at >= $4 AND bound_at < $5 AND link_id IS NOT NULL
     GROUP BY link_id
), pa AS (
    SELECT c.link_id, count(*) AS paying
      FROM (SELECT DISTINCT customer_external_id FROM purchase_earners
             WHERE partner_id = $1 AND occurred_at >= $4 AND occurred_at < $5) p
      JOIN customers c ON c.external_id = p.customer_external_id
     WHERE c.partner_id = $1 AND c.link_id IS NOT NULL
     GROUP BY c.link_id
), ea AS (
    SELECT link_id, array_agg(currency ORDER BY currency) AS currencies, array_agg(amount::text ORDER BY currency) AS amounts
      FROM (SELECT c.link_id, k.currency, sum(k.amount + k.rerated_amount - k.reversed_amount) AS amount
              FROM commissions k JOIN customers c ON c.id = k.customer_id
             WHERE k.partner_id = $1 AND k.level = 1 AND k.status <> 'rejected'
               AND k.earned_at >= $4 AND k.earned_at < $5 AND c.link_id IS NOT NULL
             GROUP BY c.link_id, k.currency) e
     GROUP BY link_id
)
SELECT l.id, l.code, l.destination_url, l.sub_id, l.label, l.is_default, (l.disabled_at IS NOT NULL) AS disabled,
       l.disabled_by_staff, l.disabled_reason,
       coalesce(cl.clicks, 0) AS clicks, coalesce(cl.unique_clicks, 0) AS unique_clicks,
       coalesce(le.leads, 0) AS leads, coalesce(pa.paying, 0) AS paying,
       coalesce(ea.currencies, '{}') AS currencies, coalesce(ea.amounts, '{}') AS amounts
  FROM links l
  LEFT JOIN cl ON cl.link_id = l.id
  LEFT JOIN le ON le.link_id = l.id
  LEFT JOIN pa ON pa.link_id = l.id
  LEFT JOIN ea ON ea.link_id = l.id
 WHERE l.partner_id = $1
 ORDER BY l.is_default DESC, l.id;
