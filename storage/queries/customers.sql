-- Customers and the evidence attribution weighs.

-- name: ensure-customer
INSERT INTO customers (external_id, reason, first_seen_at, email, name, created_at)
VALUES ($1, 'no_evidence', $2, $3, $4, $5)
ON CONFLICT (external_id) DO NOTHING;

-- name: customer-for-update
SELECT id, partner_id, bound_at, reason, email FROM customers WHERE external_id = $1 FOR UPDATE;

-- name: click-chain
-- The click and up to nine earlier ones the visitor's cookie named.
WITH RECURSIVE chain AS (
    SELECT c.click_id, c.partner_id, c.link_id, c.clicked_at, c.attributable, c.prev_click_id, 1 AS depth
      FROM clicks c WHERE c.click_id = $1
    UNION ALL
    SELECT p.click_id, p.partner_id, p.link_id, p.clicked_at, p.attributable, p.prev_click_id, chain.depth + 1
      FROM clicks p JOIN chain ON p.click_id = chain.prev_click_id
     WHERE chain.depth < 10
)
SELECT chain.click_id, chain.partner_id, chain.link_id, chain.clicked_at, chain.attributable,
       (pa.status = 'active') AS partner_active
  FROM chain JOIN partners pa ON pa.id = chain.partner_id
 ORDER BY chain.depth;

-- name: promo-evidence
-- The code a lead at $2 typed: active, or disabled only after the lead
-- (the customer used it while it was good). Its row is locked, so two
-- leads never both take the last use under a cap; the period and cap are
-- judged by the caller (partnerka.PromoCode.ValidAt).
SELECT pc.id, pc.partner_id, (p.status = 'active') AS partner_active, pc.code,
       pc.valid_from, pc.valid_until, pc.max_uses, pc.uses
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE lower(pc.code) = lower($1)
   AND (pc.status = 'active' OR (pc.status = 'disabled' AND pc.disabled_at > $2))
   FOR UPDATE OF pc;

-- name: partner-ref-evidence
SELECT id, (status = 'active') AS partner_active FROM partners WHERE ref = $1;

-- name: registration-evidence
-- The oldest protected registration matching the email or company domain,
-- made no later than the lead.
SELECT r.id, r.partner_id, (p.status = 'active') AS partner_active
  FROM lead_registrations r JOIN partners p ON p.id = r.partner_id
 WHERE r.status IN ('pending', 'approved')
   AND r.protected_until > $3 AND r.created_at <= $3
   AND ((r.email <> '' AND r.email = $1) OR (r.company_domain <> '' AND r.company_domain = $2))
 ORDER BY r.created_at
 LIMIT 1;

-- name: partner-emails
-- The emails that are a partner's own: its users' and its contact email.
SELECT partner_id, email FROM users WHERE partner_id = ANY($1)
UNION
SELECT id, lower(contact_email) FROM partners WHERE id = ANY($1) AND contact_email <> '';

-- name: self-referral-partners
-- The partners a customer was refused to as a self-referral: no later
-- path (a purchase's promo code or click, a partner ref) binds them.
SELECT DISTINCT partner_id FROM attribution_decisions
 WHERE customer_id = $1 AND reason = 'self_referral' AND partner_id IS NOT NULL
 ORDER BY 1;

-- name: insert-lead
INSERT INTO leads (id, customer_external_id, click_id, promo_code, partner_ref, email, name,
                   existing_customer, source, occurred_at, received_at, processed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (id) DO NOTHING
RETURNING id;

-- name: note-unbound-customer
UPDATE customers
   SET reason = CASE WHEN reason = 'existing_customer' THEN reason ELSE $2 END,
       first_seen_at = least(first_seen_at, $3),
       email = CASE WHEN email = '' THEN $4 ELSE email END
 WHERE id = $1 AND partner_id IS NULL;

-- name: insert-decision
INSERT INTO attribution_decisions (customer_id, lead_id, purchase_id, partner_id, source, click_id,
                                   promo_code_id, registration_id, occurred_at, reason, detail, decided_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12);

-- name: purchases-with-evidence
-- Purchases whose promo code or click id has not been offered as a lead yet.
SELECT id, external_id, customer_external_id, promo_code, coalesce(click_id::text, '') AS click_id, occurred_at, received_at
  FROM purchases
 WHERE evidence_checked_at IS NULL AND (promo_code <> '' OR click_id IS NOT NULL)
 ORDER BY id
 LIMIT $1;

-- name: mark-evidence-checked
UPDATE purchases SET evidence_checked_at = $2 WHERE id = $1 AND evidence_checked_at IS NULL;

-- name: customer-binding
SELECT c.external_id, c.partner_id, pa.ref AS partner_ref, pa.name AS partner_name, c.source, c.reason,
       c.bound_at, coalesce(c.click_id::text, '') AS click_id, coalesce(pc.code, '') AS promo_code,
       c.registration_id, c.first_seen_at
  FROM customers c
  LEFT JOIN partners pa ON pa.id = c.partner_id
  LEFT JOIN promo_codes pc ON pc.id = c.promo_code_id
 WHERE c.external_id = $1;

-- name: customer-decisions
SELECT d.reason, coalesce(d.source, '') AS source, d.partner_id, d.detail, d.occurred_at, d.decided_at,
       coalesce(d.lead_id::text, '') AS lead_id, d.purchase_id
  FROM attribution_decisions d JOIN customers c ON c.id = d.customer_id
 WHERE c.external_id = $1
 ORDER BY d.id;
