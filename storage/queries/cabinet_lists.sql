-- The cabinet's lists: a partner's customers, lead registrations and
-- earnings, a page at a time with the totals of everything they list.
-- Every query is scoped by the session's partner ($1); instants come from
-- the program's clock as parameters.

-- name: cabinet-customers
-- A partner's customers matching a search, in one of three fixed orders
-- ($3: 'newest', 'oldest', or 'paid': most paid in the currency $4
-- first), $5 customers after the first $6 (a NULL $5: all of them, for
-- the export). One row per customer and currency it paid or earned in
-- (currency '' when neither), in the page's order, each with the number
-- of customers the search matches (total).
--
-- The search ($2, lower case; '' matches all) looks only at what the page
-- shows of a customer: the vendor's id, and the email masked as the page
-- shows it ("an***@corp.example"), so a search tells a partner nothing
-- the list does not. Payments count from the binding on (the ones that
-- could earn); earned is net of reversals, rejected commissions left out.
-- The link, promo code and registration are named only when the
-- partner's own (a reassigned customer may point at another's).
--
-- The list as it opens (no search, newest or oldest first) is read a page
-- at a time in the order of customers_partner, and counted there (the
-- index only): the largest partner of make bench-cabinet has 20,000
-- customers, which the general path reads, numbers and sorts whole (46 ms
-- against 5). A search or the order by money takes the general path.
WITH listed AS (
    (SELECT c.id FROM customers c WHERE c.partner_id = $1 AND $2::text = '' AND $3 = 'newest'
      ORDER BY c.bound_at DESC, c.id DESC LIMIT $5 OFFSET $6)
    UNION ALL
    (SELECT c.id FROM customers c WHERE c.partner_id = $1 AND $2::text = '' AND $3 = 'oldest'
      ORDER BY c.bound_at, c.id LIMIT $5 OFFSET $6)
), shown AS (
    SELECT c.id, c.external_id, c.source, c.bound_at, c.link_id, c.promo_code_id, c.registration_id,
           CASE WHEN strpos(c.email, '@') = 0 THEN ''
                ELSE left(c.email, least(2, strpos(c.email, '@') - 1)) || '***' || substr(c.email, strpos(c.email, '@')) END AS email
      FROM (SELECT c.* FROM customers c
             WHERE c.partner_id = $1 AND NOT ($2::text = '' AND $3 IN ('newest', 'oldest'))
            UNION ALL
            SELECT c.* FROM listed JOIN customers c ON c.id = listed.id) c
), ranked AS (
    SELECT s.*,
           CASE WHEN $2::text = '' AND $3 IN ('newest', 'oldest') THEN (SELECT count(*) FROM customers WHERE partner_id = $1)
                ELSE count(*) OVER () END AS total,
           row_number() OVER (ORDER BY
               CASE WHEN $3 = 'oldest' THEN s.bound_at END, CASE WHEN $3 = 'oldest' THEN s.id END,
               CASE WHEN $3 = 'paid' THEN (SELECT coalesce(sum(p.amount), 0) FROM purchases p
                                            WHERE p.customer_external_id = s.external_id AND p.occurred_at >= s.bound_at
                                              AND p.currency::text = $4::text) END DESC,
               s.bound_at DESC, s.id DESC) AS n
      FROM shown s
     WHERE $2::text = '' OR strpos(lower(s.external_id), $2) > 0 OR strpos(lower(s.email), $2) > 0
), page AS (
    -- The listed page is numbered from 1: it is the page already.
    SELECT * FROM ranked ORDER BY n LIMIT $5 OFFSET CASE WHEN $2::text = '' AND $3 IN ('newest', 'oldest') THEN 0 ELSE $6 END
)
SELECT page.id, page.external_id, page.email, page.source, page.bound_at, page.total,
       coalesce(l.code, '') AS link_code, coalesce(l.label, '') AS link_label, coalesce(pc.code, '') AS promo_code,
       CASE WHEN page.source = 'partner_ref' THEN pa.ref ELSE '' END AS partner_ref,
       coalesce(nullif(r.company, ''), nullif(r.email, ''), r.company_domain, '') AS registration,
       coalesce(m.currency::text, '') AS currency, coalesce(m.payments, 0) AS payments, m.first_payment,
       coalesce(m.paid, 0) AS paid, coalesce(m.earned, 0) AS earned
  FROM page
  JOIN partners pa ON pa.id = $1
  LEFT JOIN links l ON l.id = page.link_id AND l.partner_id = $1
  LEFT JOIN promo_codes pc ON pc.id = page.promo_code_id AND pc.partner_id = $1
  LEFT JOIN lead_registrations r ON r.id = page.registration_id AND r.partner_id = $1
  LEFT JOIN LATERAL (
        SELECT x.currency, sum(x.payments) AS payments, min(x.first_payment) AS first_payment,
               sum(x.paid) AS paid, sum(x.earned) AS earned
          FROM (SELECT p.currency, 1 AS payments, p.occurred_at AS first_payment, p.amount AS paid, 0 AS earned
                  FROM purchases p
                 WHERE p.customer_external_id = page.external_id AND p.occurred_at >= page.bound_at
                UNION ALL
                SELECT k.currency, 0, NULL, 0, k.amount + k.rerated_amount - k.reversed_amount
                  FROM commissions k
                 WHERE k.customer_id = page.id AND k.partner_id = $1 AND k.status <> 'rejected') x
         GROUP BY x.currency) m ON true
 ORDER BY page.n, m.currency;

-- name: cabinet-registrations
-- A partner's lead registrations, newest first, $2 after the first $3,
-- each with how many there are in all.
SELECT id, company, contact_name, email, company_domain, status, protected_until, created_at, reason,
       count(*) OVER () AS total
  FROM lead_registrations
 WHERE partner_id = $1
 ORDER BY created_at DESC, id DESC
 LIMIT $2 OFFSET $3;

-- name: cabinet-earnings
-- A partner's commissions earned in [$2, $3), newest first, $4 after the
-- first $5. The customer and the payment are named for the partner's own
-- customers only (level 1): a level-2 commission was earned on the
-- customer of a partner they recruited, whose ids are not theirs to see.
SELECT c.id, c.earned_at, c.hold_until, c.amount + c.rerated_amount AS amount, c.reversed_amount, c.currency,
       commission_status(c.status, c.flagged, c.hold_until) AS status, c.level, c.event, c.explanation,
       coalesce((SELECT x.explanation FROM commission_rerates x WHERE x.commission_id = c.id
                  ORDER BY x.id DESC LIMIT 1), '') AS rerate,
       coalesce(p.external_id, '') AS purchase, coalesce(cu.external_id, '') AS customer
  FROM commissions c
  LEFT JOIN purchases p ON p.id = c.purchase_id AND c.level = 1
  LEFT JOIN customers cu ON cu.id = c.customer_id AND c.level = 1
 WHERE c.partner_id = $1 AND c.earned_at >= $2 AND c.earned_at < $3
 ORDER BY c.earned_at DESC, c.id DESC
 LIMIT $4 OFFSET $5;

-- name: cabinet-reversals
-- The reversals of the partner's commissions in $2 with the refund each
-- came from; refund and payment ids only of the partner's own customers
-- (level 1), as cabinet-earnings.
SELECT r.commission_id, r.amount, r.currency, r.created_at, f.occurred_at AS refunded_at, f.amount AS refund_amount,
       p.amount AS purchase_amount,
       CASE WHEN c.level = 1 THEN f.external_id ELSE '' END AS refund,
       CASE WHEN c.level = 1 THEN p.external_id ELSE '' END AS purchase
  FROM commission_reversals r
  JOIN commissions c ON c.id = r.commission_id
  JOIN refunds f ON f.id = r.refund_id
  JOIN purchases p ON p.id = f.purchase_id
 WHERE c.partner_id = $1 AND r.commission_id = ANY($2::bigint[])
 ORDER BY r.commission_id, r.created_at, r.id;

-- name: cabinet-earning-totals
-- What the earnings page lists for [$2, $3), summed per currency: the
-- commissions (how many, their amounts as listed, and those amounts net
-- of reversals by status, so pending + available + rejected + reversed =
-- earned), the bonuses and adjustments, and the payouts paid in the
-- period (paid from the balance, not commission by commission).
WITH k AS (
    SELECT currency, count(*) AS lines, sum(amount) AS earned,
           coalesce(sum(amount - reversed_amount) FILTER (WHERE status = 'pending'), 0) AS pending,
           coalesce(sum(amount - reversed_amount) FILTER (WHERE status = 'available'), 0) AS available,
           coalesce(sum(amount - reversed_amount) FILTER (WHERE status = 'rejected'), 0) AS rejected,
           sum(reversed_amount) AS reversed
      FROM (SELECT currency, amount + rerated_amount AS amount, reversed_amount,
                   commission_status_at(status, flagged, hold_until, r.released_through) AS status
              FROM commissions, ledger_release r -- the mark read once (commission_status_at)
             WHERE partner_id = $1 AND earned_at >= $2 AND earned_at < $3) c
     GROUP BY currency
), m AS (
    SELECT currency, count(*) AS manual_lines, sum(amount) AS manual
      FROM ledger_entries
     WHERE partner_id = $1 AND kind IN ('bonus', 'adjustment') AND created_at >= $2 AND created_at < $3
     GROUP BY currency
), p AS (
    SELECT currency, sum(amount) AS paid
      FROM payouts
     WHERE partner_id = $1 AND status = 'paid' AND paid_at >= $2 AND paid_at < $3
     GROUP BY currency
)
SELECT currency::text AS currency, coalesce(lines, 0) AS lines, coalesce(earned, 0) AS earned,
       coalesce(pending, 0) AS pending, coalesce(available, 0) AS available, coalesce(rejected, 0) AS rejected,
       coalesce(reversed, 0) AS reversed, coalesce(manual_lines, 0) AS manual_lines, coalesce(manual, 0) AS manual,
       coalesce(paid, 0) AS paid
  FROM k FULL JOIN m USING (currency) FULL JOIN p USING (currency)
 ORDER BY currency;

-- name: cabinet-manual-entries
-- A partner's bonuses and adjustments of [$2, $3), newest first, $4
-- after the first $5.
SELECT id, created_at, amount, currency, kind, reason
  FROM ledger_entries
 WHERE partner_id = $1 AND kind IN ('bonus', 'adjustment') AND created_at >= $2 AND created_at < $3
 ORDER BY created_at DESC, id DESC
 LIMIT $4 OFFSET $5;
