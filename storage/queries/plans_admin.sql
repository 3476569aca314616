-- The plans editor of the back office: plans, their versions, the rules and
-- tiers of a draft, publishing, and the preview of a version on a partner's
-- real payments.

-- name: plans-list
SELECT id, name, description, created_at FROM plans
 WHERE $1::bigint IS NULL OR id = $1
 ORDER BY name;

-- name: plans-versions
-- Every version of the plans (all, or one) with its rule count and how many
-- partners have a contract on it now or from a later date.
SELECT v.id, v.plan_id, v.version, v.status, v.notes, v.created_at, v.published_at,
       (SELECT count(*) FROM plan_rules r WHERE r.plan_version_id = v.id) AS rules,
       (SELECT count(DISTINCT c.partner_id) FROM contracts c
         WHERE c.plan_version_id = v.id AND (c.ends_at IS NULL OR c.ends_at > $2)) AS partners
  FROM plan_versions v
 WHERE $1::bigint IS NULL OR v.plan_id = $1
 ORDER BY v.plan_id, v.version DESC;

-- name: plans-default-types
-- The partner types whose new partners get each plan.
SELECT default_plan_id AS plan_id, name FROM partner_types
 WHERE default_plan_id IS NOT NULL AND ($1::bigint IS NULL OR default_plan_id = $1)
 ORDER BY name;

-- name: plans-insert
INSERT INTO plans (name, description, created_at) VALUES ($1, $2, $3) RETURNING id;

-- name: plans-lock
-- Serialises the creation of a plan's versions.
SELECT id FROM plans WHERE id = $1 FOR UPDATE;

-- name: plans-version-header
SELECT v.id, v.plan_id, p.name AS plan, v.version, v.status, v.notes, v.created_at, v.published_at
  FROM plan_versions v JOIN plans p ON p.id = v.plan_id
 WHERE v.plan_id = $1 AND v.version = $2;

-- name: plans-latest-version
SELECT id, version, status FROM plan_versions WHERE plan_id = $1 ORDER BY version DESC LIMIT 1;

-- name: plans-version-for-update
-- Locks a version while its rules change or it is published, so an edit
-- and a publish never interleave.
SELECT status FROM plan_versions WHERE id = $1 FOR UPDATE;

-- name: plans-rule-of-version
SELECT id, position FROM plan_rules WHERE id = $1 AND plan_version_id = $2;

-- name: plans-next-position
SELECT coalesce(max(position) + 1, 0) FROM plan_rules WHERE plan_version_id = $1;

-- name: plans-update-rule
UPDATE plan_rules SET event = $3, level = $4, products = $5, kind = $6, percent = $7, flat_amount = $8,
       flat_currency = $9, payments = $10, duration_months = $11
 WHERE id = $1 AND plan_version_id = $2;

-- name: plans-delete-tiers
DELETE FROM plan_rule_tiers WHERE rule_id = $1;

-- name: plans-delete-rule
DELETE FROM plan_rules WHERE id = $1 AND plan_version_id = $2;

-- name: plans-rule-before
-- The rule just above a position in a version (the one a move up swaps with).
SELECT id, position FROM plan_rules WHERE plan_version_id = $1 AND position < $2
 ORDER BY position DESC LIMIT 1;

-- name: plans-set-position
UPDATE plan_rules SET position = $2 WHERE id = $1;

-- name: plans-active-partners
SELECT id, name, ref FROM partners WHERE status = 'active' ORDER BY name, id;

-- name: plans-preview-payments
-- What a partner's customers (level 1) and their recruits' customers
-- (level 2) paid in [from, to), as the reconciler sees each payment: since
-- the binding, with its index among the customer's payments, and at level
-- 2 only while the recruit had a contract in force (else the reconciler
-- pays no one). Earned is the commission the partner actually got for it.
SELECT x.purchase_id, x.level, x.amount, x.currency, x.product, x.occurred_at, x.bound_at,
       (SELECT count(*) FROM purchases p2
         WHERE p2.customer_external_id = x.customer_external_id AND p2.occurred_at >= x.bound_at
           AND (p2.occurred_at, p2.id) <= (x.occurred_at, x.purchase_id)) AS payment_index,
       k.amount + k.rerated_amount AS earned, k.currency AS earned_currency
  FROM (
    SELECT p.id AS purchase_id, 1 AS level, p.amount, p.currency, p.product, p.occurred_at, c.bound_at,
           p.customer_external_id
      FROM customers c JOIN purchases p ON p.customer_external_id = c.external_id
     WHERE c.partner_id = $1 AND p.occurred_at >= c.bound_at AND p.occurred_at >= $2 AND p.occurred_at < $3
    UNION ALL
    SELECT p.id, 2, p.amount, p.currency, p.product, p.occurred_at, c.bound_at, p.customer_external_id
      FROM partners r
      JOIN customers c ON c.partner_id = r.id
      JOIN purchases p ON p.customer_external_id = c.external_id
     WHERE r.recruiter_id = $1 AND p.occurred_at >= c.bound_at AND p.occurred_at >= $2 AND p.occurred_at < $3
       AND EXISTS (SELECT 1 FROM contracts ct WHERE ct.partner_id = r.id AND ct.starts_at <= p.occurred_at
                      AND (ct.ends_at IS NULL OR ct.ends_at > p.occurred_at))
  ) x
  LEFT JOIN commissions k ON k.purchase_id = x.purchase_id AND k.partner_id = $1 AND k.level = x.level
                          AND k.event = 'sale' AND k.status <> 'rejected'
 ORDER BY x.occurred_at, x.purchase_id, x.level;

-- name: plans-preview-leads
-- The customers bound in [from, to) to a partner (level 1) or to a partner
-- they recruited (level 2, if that partner has any contract, as the
-- reconciler requires), with the lead commission the partner actually got.
SELECT x.customer_id, x.level, x.bound_at, k.amount AS earned, k.currency AS earned_currency
  FROM (
    SELECT c.id AS customer_id, 1 AS level, c.bound_at FROM customers c
     WHERE c.partner_id = $1 AND c.bound_at >= $2 AND c.bound_at < $3
    UNION ALL
    SELECT c.id, 2, c.bound_at FROM partners r JOIN customers c ON c.partner_id = r.id
     WHERE r.recruiter_id = $1 AND c.bound_at >= $2 AND c.bound_at < $3
       AND EXISTS (SELECT 1 FROM contracts ct WHERE ct.partner_id = r.id)
  ) x
  LEFT JOIN commissions k ON k.customer_id = x.customer_id AND k.partner_id = $1 AND k.level = x.level
                          AND k.event = 'lead' AND k.status <> 'rejected'
 ORDER BY x.bound_at, x.customer_id, x.level;

-- name: plans-earned
-- What a partner actually earned in [from, to), per currency: every
-- commission not rejected, as re-rated, before refunds.
SELECT currency, sum(amount + rerated_amount) AS amount, count(*) AS n FROM commissions
 WHERE partner_id = $1 AND earned_at >= $2 AND earned_at < $3 AND status <> 'rejected'
 GROUP BY currency ORDER BY currency;
