-- Fraud rules and the review queue (see the fraud review migration). Each
-- rule is one set-based statement over what the review step took off
-- review_due; a flag is inserted once per partner, rule and key.

-- name: take-review-due
-- What the review step looks at in this pass: up to $1 subjects, oldest
-- first, the refunds subjects only once they waited $3 (so a partner
-- refunded all day is judged now and then, not every pass), deleted in
-- the transaction that evaluates them.
DELETE FROM review_due d USING (
    SELECT subject, id FROM review_due
     WHERE subject <> 'refunds' OR queued_at <= $2
     ORDER BY queued_at LIMIT $1
       FOR UPDATE SKIP LOCKED) t
 WHERE d.subject = t.subject AND d.id = t.id
RETURNING d.subject, d.id;

-- name: queue-review
INSERT INTO review_due (subject, id, queued_at) SELECT $1, unnest($2::bigint[]), $3
ON CONFLICT DO NOTHING;

-- name: review-self-referral
-- Customers ($1) who look like their partner: the email of a team member
-- (or the partner's contact email) up to case, a +tag and, for Gmail,
-- dots; the same email domain, unless it is a public mail service ($2);
-- the binding click from an address or network (/24, IPv6 /64) the
-- partner's team signed in from, unless a private or loopback one (where
-- every visitor of a tracker without its proxies configured would seem to
-- come from).
INSERT INTO review_flags (partner_id, rule, key, customer_id, evidence, created_at)
SELECT c.partner_id, 'self_referral', 'customer:' || c.id, c.id,
       jsonb_build_object('customer', c.external_id, 'email', c.email, 'click_ip', host(k.ip), 'matches', m.matches), $3
  FROM customers c
  LEFT JOIN LATERAL (SELECT ip FROM clicks WHERE click_id = c.click_id LIMIT 1) k ON true
 CROSS JOIN LATERAL (
    SELECT jsonb_agg(jsonb_build_object('kind', x.kind, 'value', x.value, 'member', x.member)
                     ORDER BY x.kind, x.member) AS matches
      FROM (
        SELECT CASE WHEN email_key(t.email) = email_key(c.email) THEN 'email' ELSE 'domain' END AS kind,
               CASE WHEN email_key(t.email) = email_key(c.email) THEN c.email ELSE split_part(c.email, '@', 2) END AS value,
               t.email AS member
          FROM (SELECT u.email FROM users u WHERE u.partner_id = c.partner_id
                UNION SELECT lower(p.contact_email) FROM partners p WHERE p.id = c.partner_id AND p.contact_email <> '') t
         WHERE c.email LIKE '%@%'
           AND (email_key(t.email) = email_key(c.email)
                OR (split_part(t.email, '@', 2) = split_part(c.email, '@', 2)
                    AND split_part(c.email, '@', 2) <> ALL($2::text[])))
        UNION ALL
        SELECT CASE WHEN host(k.ip) = host(address_net(a.address, 32)) THEN 'address' ELSE 'network' END,
               a.address, u.email
          FROM users u JOIN sign_in_addresses a ON a.user_id = u.id
         WHERE u.partner_id = c.partner_id AND k.ip IS NOT NULL
           AND NOT k.ip <<= ANY ('{10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,127.0.0.0/8,169.254.0.0/16,100.64.0.0/10,::1/128,fc00::/7,fe80::/10}'::inet[])
           AND address_net(a.address, 24) = network(set_masklen(k.ip, CASE family(k.ip) WHEN 4 THEN 24 ELSE 64 END))
      ) x) m
 WHERE c.id = ANY($1) AND c.partner_id IS NOT NULL AND m.matches IS NOT NULL
ON CONFLICT DO NOTHING;

-- name: review-sign-in-customers
-- The customers a new sign-in network of partners $1 may match: bound by
-- a click in the last $2 days (older ones are judged as they were).
SELECT id FROM customers
 WHERE partner_id = ANY($1) AND click_id IS NOT NULL AND bound_at >= $2;

-- name: review-fast-leads
-- Customers ($1) bound by a click less than $2 seconds before the lead.
INSERT INTO review_flags (partner_id, rule, key, customer_id, evidence, created_at)
SELECT c.partner_id, 'fast_lead', 'customer:' || c.id, c.id,
       jsonb_build_object('customer', c.external_id, 'click_id', c.click_id, 'clicked_at', k.clicked_at,
                          'lead_at', c.bound_at, 'seconds', round(extract(epoch FROM c.bound_at - k.clicked_at)::numeric, 3),
                          'threshold', $2::int), $3
  FROM customers c
  JOIN LATERAL (SELECT clicked_at FROM clicks WHERE click_id = c.click_id LIMIT 1) k ON true
 WHERE c.id = ANY($1) AND c.source = 'click'
   AND c.bound_at - k.clicked_at < make_interval(secs => $2)
ON CONFLICT DO NOTHING;

-- name: review-cookie-stuffing
-- Partners of customers $1 more than $2 % of whose click-bound customers
-- of [$4, $5) came from clicks with no referrer and no pk.js view, over at
-- least $3 such customers: one flag a day ($6).
INSERT INTO review_flags (partner_id, rule, key, evidence, created_at)
SELECT s.partner_id, 'cookie_stuffing', 'day:' || $6::text,
       jsonb_build_object('from', $4::timestamptz, 'to', $5::timestamptz, 'customers', s.total, 'unseen', s.unseen,
                          'percent', round(100.0 * s.unseen / s.total, 1), 'threshold', $2::int,
                          'sample', s.sample), $5
  FROM (SELECT c.partner_id, count(*) AS total,
               count(*) FILTER (WHERE k.referer = '' AND v.click_id IS NULL) AS unseen,
               (array_agg(c.click_id::text ORDER BY c.bound_at DESC) FILTER (WHERE k.referer = '' AND v.click_id IS NULL))[1:10] AS sample
          FROM customers c
          JOIN LATERAL (SELECT referer FROM clicks WHERE click_id = c.click_id LIMIT 1) k ON true
          LEFT JOIN click_views v ON v.click_id = c.click_id
         WHERE c.partner_id IN (SELECT partner_id FROM customers WHERE id = ANY($1) AND source = 'click')
           AND c.source = 'click' AND c.bound_at >= $4 AND c.bound_at < $5
         GROUP BY c.partner_id) s
 WHERE s.total >= $3 AND s.unseen * 100 > $2 * s.total
ON CONFLICT DO NOTHING;

-- name: review-spikes
-- Partners of customers $1 with at least $3 customers bound in the 24
-- hours before $4 and more than $2 times their daily average of the 28
-- days before those: one flag a day ($5).
INSERT INTO review_flags (partner_id, rule, key, evidence, created_at)
SELECT s.partner_id, 'conversion_spike', 'day:' || $5::text,
       jsonb_build_object('to', $4::timestamptz, 'last_24h', s.recent, 'previous_28_days', s.history,
                          'daily_average', round(s.history / 28.0, 2), 'factor', $2::int), $4
  FROM (SELECT c.partner_id,
               count(*) FILTER (WHERE c.bound_at > $4::timestamptz - interval '1 day') AS recent,
               count(*) FILTER (WHERE c.bound_at <= $4::timestamptz - interval '1 day') AS history
          FROM customers c
         WHERE c.partner_id IN (SELECT partner_id FROM customers WHERE id = ANY($1) AND partner_id IS NOT NULL)
           AND c.bound_at > $4::timestamptz - interval '29 days' AND c.bound_at <= $4
         GROUP BY c.partner_id) s
 WHERE s.recent >= $3 AND s.recent * 28 > $2 * s.history
ON CONFLICT DO NOTHING;

-- name: review-shared-details
-- Partners ($1 and those paid to the same account as one of them): a flag
-- on each, naming the others, once per account.
INSERT INTO review_flags (partner_id, rule, key, evidence, created_at)
SELECT p.id, 'shared_details', 'account:' || md5(g.key),
       jsonb_build_object('method', p.payout_method, 'account', '…' || right(g.key, 4),
                          'partners', (SELECT jsonb_agg(jsonb_build_object('id', o.id, 'name', o.name, 'ref', o.ref) ORDER BY o.id)
                                         FROM partners o WHERE payout_account_key(o.payout_details) = g.key AND o.id <> p.id)), $2
  FROM (SELECT DISTINCT payout_account_key(payout_details) AS key FROM partners
         WHERE id = ANY($1) AND payout_account_key(payout_details) IS NOT NULL) g
  JOIN partners p ON payout_account_key(p.payout_details) = g.key
 WHERE (SELECT count(*) FROM partners o WHERE payout_account_key(o.payout_details) = g.key) > 1
ON CONFLICT DO NOTHING;

-- name: review-refund-figures
-- Per partner ($1) and currency: the purchases since $2 that earn for the
-- partner, what they paid and what was refunded of them.
SELECT p.partner_id, p.currency::text AS currency, count(*) AS purchases,
       sum(p.amount) AS paid, coalesce(sum(r.amount), 0) AS refunded
  FROM purchase_earners p
  LEFT JOIN LATERAL (SELECT sum(amount) AS amount FROM refunds WHERE purchase_id = p.purchase_id) r ON true
 WHERE p.partner_id = ANY($1) AND p.occurred_at >= $2
 GROUP BY p.partner_id, p.currency
 ORDER BY 1, 2;

-- name: review-program-refunds
-- review-refund-figures over every partner: the program's share.
SELECT 0::bigint AS partner_id, p.currency::text AS currency, count(*) AS purchases,
       sum(p.amount) AS paid, coalesce(sum(r.amount), 0) AS refunded
  FROM purchase_earners p
  LEFT JOIN (SELECT purchase_id, sum(amount) AS amount FROM refunds WHERE occurred_at >= $1 GROUP BY 1) r
         ON r.purchase_id = p.purchase_id
 WHERE p.occurred_at >= $1
 GROUP BY p.currency
 ORDER BY 2;

-- name: insert-review-flags
-- Flags the review step decided in Go (the refund anomaly).
INSERT INTO review_flags (partner_id, rule, key, evidence, created_at)
SELECT *, $5::timestamptz FROM unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[])
ON CONFLICT DO NOTHING;

-- name: review-click-spam
-- Partners with more than $1 clicks from one network in a 10-minute window
-- since $2: one flag per network and day.
INSERT INTO review_flags (partner_id, rule, key, evidence, created_at)
SELECT DISTINCT ON (b.partner_id, b.network, (b.window_at AT TIME ZONE 'UTC')::date)
       b.partner_id, 'click_spam', 'net:' || b.network || ':' || ((b.window_at AT TIME ZONE 'UTC')::date)::text,
       jsonb_build_object('network', b.network, 'from', b.window_at, 'to', b.window_at + interval '10 minutes',
                          'clicks', b.clicks, 'threshold', $1::int), $3
  FROM click_bursts b
 WHERE b.window_at >= $2 AND b.clicks >= 10 AND b.clicks > $1
 ORDER BY b.partner_id, b.network, (b.window_at AT TIME ZONE 'UTC')::date, b.clicks DESC
ON CONFLICT DO NOTHING;

-- name: prune-click-bursts
-- Windows older than the click spam rule reads ($1): once an hour.
DELETE FROM click_bursts WHERE window_at < $1;

-- name: review-hold-customers
-- The earned commissions of open customer flags' customers (each flag
-- holds its customer's commissions for its partner, whenever earned).
INSERT INTO review_flag_commissions (flag_id, commission_id)
SELECT f.id, k.id
  FROM review_flags f
  JOIN commissions k ON k.customer_id = f.customer_id AND k.partner_id = f.partner_id AND k.status = 'earned'
 WHERE f.status = 'open' AND f.customer_id IS NOT NULL
ON CONFLICT DO NOTHING;

-- name: review-hold-partners
-- The earned commissions open partner flags hold: those still in their
-- hold (behind the release mark) and those earned since the flag.
INSERT INTO review_flag_commissions (flag_id, commission_id)
SELECT f.id, k.id
  FROM review_flags f
  JOIN commissions k ON k.partner_id = f.partner_id AND k.status = 'earned'
 WHERE f.status = 'open' AND f.customer_id IS NULL
   AND (k.hold_until > (SELECT released_through FROM ledger_release) OR k.created_at >= f.created_at)
ON CONFLICT DO NOTHING;

-- name: review-to-flag
-- Held commissions not flagged yet, locked in id order.
SELECT k.id FROM commissions k
 WHERE k.id IN (SELECT commission_id FROM review_flag_commissions x JOIN review_flags f ON f.id = x.flag_id
                 WHERE f.status = 'open')
   AND NOT k.flagged AND k.status = 'earned'
 ORDER BY k.id
   FOR UPDATE;

-- name: flag-commissions
-- Sets or clears the review flag of commissions ($1) to $2 and moves what
-- is left of each (after reversals) between its hold's end and "held until
-- decided". The caller holds their row locks.
WITH c AS (
    UPDATE commissions SET flagged = $2 WHERE id = ANY($1) AND flagged <> $2
    RETURNING id, partner_id, currency, hold_until, amount + rerated_amount - reversed_amount AS rest
)
INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_by, created_at)
SELECT c.partner_id, c.currency, 'pending', CASE WHEN $2 THEN 'flag' ELSE 'unflag' END, m.amount, c.id, m.at, $3, $4
  FROM c CROSS JOIN LATERAL (VALUES (-c.rest, CASE WHEN NOT $2 THEN NULL ELSE c.hold_until END),
                                    (c.rest, CASE WHEN $2 THEN NULL ELSE c.hold_until END)) AS m(amount, at)
 WHERE c.rest <> 0;

-- name: lock-open-flags
-- A group's open flags ($1 partner, $2 rule), locked.
SELECT id FROM review_flags WHERE partner_id = $1 AND rule = $2 AND status = 'open' ORDER BY id FOR UPDATE;

-- name: decide-flags
UPDATE review_flags SET status = $2, decision = $3, reason = $4, decided_by = $5, decided_at = $6
 WHERE id = ANY($1);

-- name: flags-commissions-to-clear
-- The commissions of flags $1 that no other open flag holds, still earned
-- and flagged, locked in id order.
SELECT k.id FROM commissions k
 WHERE k.id IN (SELECT commission_id FROM review_flag_commissions WHERE flag_id = ANY($1))
   AND k.flagged AND k.status = 'earned'
   AND NOT EXISTS (SELECT 1 FROM review_flag_commissions x JOIN review_flags f ON f.id = x.flag_id
                    WHERE x.commission_id = k.id AND f.status = 'open')
 ORDER BY k.id
   FOR UPDATE OF k;

-- name: flags-commissions-to-reject
-- The earned commissions flags $1 hold, locked in id order.
SELECT k.id FROM commissions k
 WHERE k.id IN (SELECT commission_id FROM review_flag_commissions WHERE flag_id = ANY($1))
   AND k.status = 'earned'
 ORDER BY k.id
   FOR UPDATE;

-- name: reject-commissions
-- Rejects commissions ($1): what is left of each leaves the pending bucket
-- at the instant its money sits at (none while flagged), with the reason.
WITH k AS (
    UPDATE commissions SET status = 'rejected' WHERE id = ANY($1) AND status = 'earned'
    RETURNING id, partner_id, currency, flagged, hold_until, amount + rerated_amount - reversed_amount AS rest
)
INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, reason, created_by, created_at)
SELECT partner_id, currency, 'pending', 'rejection', -rest, id, CASE WHEN flagged THEN NULL ELSE hold_until END, $2, $3, $4
  FROM k WHERE rest <> 0;

-- name: review-groups
-- The queue: open flags grouped by partner and rule, oldest first, with
-- what they hold.
SELECT f.partner_id, p.name AS partner, p.ref, p.status AS partner_status, f.rule,
       count(*) AS flags, min(f.created_at) AS oldest, max(f.created_at) AS newest,
       (SELECT count(DISTINCT x.commission_id) FROM review_flag_commissions x JOIN review_flags g ON g.id = x.flag_id
         WHERE g.partner_id = f.partner_id AND g.rule = f.rule AND g.status = 'open') AS commissions,
       count(*) OVER () AS total
  FROM review_flags f JOIN partners p ON p.id = f.partner_id
 WHERE f.status = 'open'
 GROUP BY f.partner_id, p.name, p.ref, p.status, f.rule
 ORDER BY min(f.created_at), f.partner_id, f.rule
 LIMIT $1 OFFSET $2;

-- name: review-group-held
-- What a group's open flags hold, per currency: the commissions' worth now.
SELECT k.currency::text AS currency, count(*) AS commissions,
       sum(k.amount + k.rerated_amount - k.reversed_amount) AS amount
  FROM commissions k
 WHERE k.id IN (SELECT x.commission_id FROM review_flag_commissions x JOIN review_flags f ON f.id = x.flag_id
                 WHERE f.partner_id = $1 AND f.rule = $2 AND f.status = 'open')
   AND k.status = 'earned'
 GROUP BY k.currency ORDER BY k.currency;

-- name: review-groups-held
-- review-group-held for a page of the queue: the groups are partners $1
-- and rules $2, pairwise.
SELECT g.partner_id, g.rule, k.currency::text AS currency, count(*) AS commissions,
       sum(k.amount + k.rerated_amount - k.reversed_amount) AS amount
  FROM unnest($1::bigint[], $2::text[]) AS g(partner_id, rule)
  JOIN LATERAL (SELECT DISTINCT x.commission_id FROM review_flag_commissions x JOIN review_flags f ON f.id = x.flag_id
                 WHERE f.partner_id = g.partner_id AND f.rule = g.rule AND f.status = 'open') h ON true
  JOIN commissions k ON k.id = h.commission_id AND k.status = 'earned'
 GROUP BY g.partner_id, g.rule, k.currency
 ORDER BY g.partner_id, g.rule, k.currency;

-- name: review-flags-of
-- A partner's flags of a rule ('' for every rule), open ones first, then
-- newest first.
SELECT f.id, f.partner_id, f.rule, f.key, f.customer_id, coalesce(c.external_id, '') AS customer, f.evidence,
       f.status, f.created_at, f.decided_at, f.decision, f.reason, coalesce(nullif(u.name, ''), u.email, '') AS decided_by
  FROM review_flags f
  LEFT JOIN customers c ON c.id = f.customer_id
  LEFT JOIN users u ON u.id = f.decided_by
 WHERE f.partner_id = $1 AND ($2 = '' OR f.rule = $2)
 ORDER BY f.status <> 'open', f.created_at DESC, f.id DESC
 LIMIT $3;

-- name: review-held-commissions
-- The commissions a group's open flags hold, with their customer and
-- purchase, oldest first.
SELECT k.id, k.customer_id, c.external_id AS customer, k.purchase_id, coalesce(p.external_id, '') AS purchase,
       k.event, k.level, k.amount + k.rerated_amount - k.reversed_amount AS amount, k.currency::text AS currency,
       k.earned_at, k.hold_until, commission_status(k.status, k.flagged, k.hold_until) AS status
  FROM commissions k
  JOIN customers c ON c.id = k.customer_id
  LEFT JOIN purchases p ON p.id = k.purchase_id
 WHERE k.id IN (SELECT x.commission_id FROM review_flag_commissions x JOIN review_flags f ON f.id = x.flag_id
                 WHERE f.partner_id = $1 AND f.rule = $2 AND f.status = 'open')
 ORDER BY k.earned_at, k.id
 LIMIT $3;

-- name: commissions-under-review
-- The rules holding a partner's ($1) commissions ($2) under review.
SELECT x.commission_id, array_agg(DISTINCT f.rule ORDER BY f.rule) AS rules
  FROM review_flag_commissions x JOIN review_flags f ON f.id = x.flag_id
 WHERE f.partner_id = $1 AND f.status = 'open' AND x.commission_id = ANY($2)
 GROUP BY x.commission_id;

-- name: partner-under-review
-- A partner's commissions under review, per currency, and the rules
-- holding them: what the cabinet tells the partner.
SELECT k.currency::text AS currency, count(*) AS commissions,
       sum(k.amount + k.rerated_amount - k.reversed_amount) AS amount,
       array(SELECT DISTINCT f.rule FROM review_flags f
              WHERE f.partner_id = $1 AND f.status = 'open'
                AND EXISTS (SELECT 1 FROM review_flag_commissions x WHERE x.flag_id = f.id)
              ORDER BY 1) AS rules
  FROM commissions k
 WHERE k.partner_id = $1 AND k.flagged AND k.status = 'earned'
 GROUP BY k.currency ORDER BY k.currency;

-- name: count-open-review
-- The queue's badge: groups of open flags.
SELECT count(*) FROM (SELECT DISTINCT partner_id, rule FROM review_flags WHERE status = 'open') g;
