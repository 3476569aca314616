-- The back office: queues, partners, decisions. Every change a staff member
-- makes writes its audit record in the same transaction.

-- name: admin-queues
SELECT (SELECT count(*) FROM partners WHERE status = 'applied') AS applications,
       (SELECT count(*) FROM lead_registrations WHERE status = 'pending') AS registrations,
       (SELECT count(*) FROM promo_codes WHERE status = 'requested') AS code_requests,
       (SELECT count(*) FROM payouts WHERE status = 'requested') AS payout_requests,
       (SELECT count(*) FROM payouts WHERE status = 'approved') AS approved_payouts;

-- name: requested-payout-sums
SELECT currency, sum(amount) AS amount FROM payouts WHERE status = 'requested' GROUP BY currency ORDER BY currency;

-- name: admin-partners
-- Partners for the back office list, filtered by status ('' = all) and a
-- search over ref, name and contact email; applications oldest first,
-- others newest first; keyset pages by id. The plan shown is the one in
-- force at $4.
SELECT p.id, p.ref, p.name, p.kind, p.status, p.contact_name, p.contact_email, p.website, p.promotion,
       p.created_at, p.certified_at, coalesce(t.name, '') AS type_name,
       coalesce((SELECT pl.name || ' v' || v.version FROM contracts c
                   JOIN plan_versions v ON v.id = c.plan_version_id JOIN plans pl ON pl.id = v.plan_id
                  WHERE c.partner_id = p.id AND c.starts_at <= $4 AND (c.ends_at IS NULL OR c.ends_at > $4)), '') AS plan
  FROM partners p LEFT JOIN partner_types t ON t.id = p.partner_type_id
 WHERE ($1 = '' OR p.status = $1)
   AND ($2 = '' OR p.ref ILIKE '%' || $2 || '%' OR p.name ILIKE '%' || $2 || '%' OR p.contact_email ILIKE '%' || $2 || '%')
 ORDER BY CASE WHEN $1 = 'applied' THEN p.id ELSE -p.id END
 LIMIT $3;

-- name: partner-types
SELECT t.id, t.code, t.name, t.default_plan_id,
       (SELECT v.id FROM plan_versions v WHERE v.plan_id = t.default_plan_id AND v.status = 'published'
         ORDER BY v.version DESC LIMIT 1) AS default_version_id
  FROM partner_types t ORDER BY t.name;

-- name: published-versions
SELECT v.id, v.plan_id, pl.name AS plan, v.version FROM plan_versions v JOIN plans pl ON pl.id = v.plan_id
 WHERE v.status = 'published' ORDER BY pl.name, v.version DESC;

-- name: lock-partner-row
SELECT id, ref, name, kind, status, partner_type_id, recruiter_id, contact_name, contact_email, website,
       promotion, certified_at, created_at
  FROM partners WHERE id = $1 FOR UPDATE;

-- name: set-partner-status
UPDATE partners SET status = $2, status_reason = $3, updated_at = $4 WHERE id = $1;

-- name: set-partner-type
UPDATE partners SET partner_type_id = $2, updated_at = $3 WHERE id = $1;

-- name: set-partner-certified
UPDATE partners SET certified_at = $2, updated_at = $3 WHERE id = $1;

-- name: set-partner-recruiter
UPDATE partners SET recruiter_id = $2, updated_at = $3 WHERE id = $1;

-- name: recruiter-chain
-- The recruiters above a partner, nearest first (to refuse a cycle).
WITH RECURSIVE up(id, depth) AS (
    SELECT recruiter_id, 1 FROM partners WHERE id = $1 AND recruiter_id IS NOT NULL
    UNION ALL
    SELECT p.recruiter_id, up.depth + 1 FROM partners p JOIN up ON p.id = up.id
     WHERE p.recruiter_id IS NOT NULL AND up.depth < 100
)
SELECT id FROM up;

-- name: partner-contracts
SELECT c.id, c.plan_version_id, pl.name AS plan, v.version, c.starts_at, c.ends_at
  FROM contracts c JOIN plan_versions v ON v.id = c.plan_version_id JOIN plans pl ON pl.id = v.plan_id
 WHERE c.partner_id = $1 ORDER BY c.starts_at DESC;

-- name: end-open-contract
-- Ends the contract in force at $2 (if any) at $2; a contract that starts
-- after $2 is left for the caller to refuse.
UPDATE contracts SET ends_at = $2
 WHERE partner_id = $1 AND starts_at < $2 AND (ends_at IS NULL OR ends_at > $2)
RETURNING id, plan_version_id;

-- name: later-contract
SELECT starts_at FROM contracts WHERE partner_id = $1 AND starts_at >= $2 ORDER BY starts_at LIMIT 1;

-- name: insert-contract
INSERT INTO contracts (partner_id, plan_version_id, starts_at, created_at) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: code-taken
-- In any case: codes are unique ignoring case (links_code_lower).
SELECT EXISTS (SELECT 1 FROM links WHERE lower(code) = lower($1));

-- name: insert-default-link
INSERT INTO links (partner_id, code, destination_url, is_default, label, created_at, updated_at) VALUES ($1, $2, $3, true, '', $4, $4)
RETURNING id;

-- name: delete-partner-sessions
DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE partner_id = $1);

-- name: partner-users
SELECT id, email, name, role, locale, created_at FROM users WHERE partner_id = $1 ORDER BY id;

-- name: partner-summary
-- The partner page's headline counts, from the tables the cabinet reads.
SELECT (SELECT coalesce(sum(clicks), 0) FROM click_stats_daily WHERE partner_id = $1) AS clicks,
       (SELECT count(*) FROM customers WHERE partner_id = $1) AS customers,
       (SELECT count(*) FROM partners WHERE recruiter_id = $1) AS recruits,
       (SELECT count(*) FROM commissions WHERE partner_id = $1) AS commissions;

-- name: entity-audit
SELECT a.id, a.at, coalesce(u.email, a.actor) AS actor, a.action, a.before, a.after
  FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
 WHERE a.entity = $1 AND a.entity_id = $2 ORDER BY a.at DESC, a.id DESC LIMIT 50;

-- name: admin-registrations
-- The registrations in status $1, pending ones oldest first, others newest
-- first: $2 of them after the first $3, each with how many there are.
SELECT count(*) OVER () AS total, r.id, r.partner_id, p.name AS partner, r.company, r.contact_name, r.email, r.company_domain, r.phone,
       r.comment, r.status, r.protected_until, r.created_at, r.reason,
       coalesce((SELECT bp.name FROM customers cu JOIN partners bp ON bp.id = cu.partner_id
                  WHERE r.email <> '' AND cu.email = r.email LIMIT 1), '') AS bound_to
  FROM lead_registrations r JOIN partners p ON p.id = r.partner_id
 WHERE r.status = $1
 ORDER BY CASE WHEN $1 = 'pending' THEN r.id ELSE -r.id END
 LIMIT $2 OFFSET $3;

-- name: customer-by-id-for-update
SELECT id, external_id, partner_id, bound_at, reason, coalesce(source, '') AS source FROM customers WHERE id = $1 FOR UPDATE;

-- name: customer-trail
SELECT d.decided_at, d.occurred_at, coalesce(p.name, '') AS partner, coalesce(d.source, '') AS source, d.reason, d.detail,
       coalesce(u.email, '') AS decided_by
  FROM attribution_decisions d LEFT JOIN partners p ON p.id = d.partner_id LEFT JOIN users u ON u.id = d.decided_by
 WHERE d.customer_id = $1 ORDER BY d.decided_at DESC, d.id DESC LIMIT 50;

-- name: reassign-customer
UPDATE customers SET partner_id = $2, source = 'manual', reason = 'reassigned', bound_at = $3,
       click_id = NULL, link_id = NULL, promo_code_id = NULL, registration_id = NULL
 WHERE id = $1;

-- name: insert-manual-decision
INSERT INTO attribution_decisions (customer_id, partner_id, source, occurred_at, reason, detail, decided_by, decided_at)
VALUES ($1, $2, 'manual', $3, 'reassigned', $4, $5, $6);

-- name: customer-by-id
SELECT c.id, c.external_id, c.email, c.name, c.partner_id, coalesce(p.name, '') AS partner, coalesce(c.source, '') AS source,
       c.reason, c.bound_at, c.first_seen_at
  FROM customers c LEFT JOIN partners p ON p.id = c.partner_id WHERE c.id = $1;

-- name: staff-users
SELECT id, email, name, role, partner_id, locale, time_zone, disabled_at, created_at, '' AS password_hash
  FROM users WHERE partner_id IS NULL ORDER BY disabled_at IS NOT NULL, role, email;

-- name: staff-user-for-update
SELECT id, email, name, role, partner_id, locale, time_zone, disabled_at, created_at, '' AS password_hash
  FROM users WHERE id = $1 AND partner_id IS NULL FOR UPDATE;

-- name: active-admins
SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL;

-- name: set-staff-user
UPDATE users SET role = $2, disabled_at = $3 WHERE id = $1;

-- name: delete-user-sessions-of
DELETE FROM sessions WHERE user_id = $1;
