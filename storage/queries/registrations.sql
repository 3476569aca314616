-- Lead registrations: a partner's claim on a prospect, protected for a period.

-- name: lock-registration-keys
-- Serialises registrations of the same email or company domain, so two
-- partners racing for one prospect cannot both win.
SELECT pg_advisory_xact_lock(hashtext('registration:' || k)) FROM unnest($1::text[]) AS k ORDER BY k;

-- name: registration-conflict
SELECT r.id, r.partner_id, r.protected_until, r.email, r.company_domain
  FROM lead_registrations r
 WHERE r.partner_id <> $1 AND r.status IN ('pending', 'approved', 'bound') AND r.protected_until > $4
   AND ((r.email <> '' AND r.email = $2) OR (r.company_domain <> '' AND r.company_domain = $3))
 ORDER BY r.protected_until DESC
 LIMIT 1;

-- name: bound-customer-by-email
SELECT count(*) FROM customers WHERE email = $1 AND email <> '' AND partner_id IS NOT NULL;

-- name: insert-registration
INSERT INTO lead_registrations (partner_id, company, contact_name, email, company_domain, phone, comment,
                                protected_until, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id;

-- name: decide-registration
UPDATE lead_registrations
   SET status = $2, reason = $3, decided_by = $4, decided_at = $5
 WHERE id = $1 AND status = 'pending'
RETURNING partner_id;

-- name: insert-audit
INSERT INTO audit_log (actor_id, actor, action, entity, entity_id, before, after, ip, at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);
