-- Idempotent upserts by natural key, used to load the demo program. Each
-- returns the row's id whether it was inserted now or before.

-- name: upsert-plan
INSERT INTO plans (name, description, created_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description
RETURNING id;

-- name: plan-version-by-number
SELECT id FROM plan_versions WHERE plan_id = $1 AND version = $2;

-- name: insert-plan-version
INSERT INTO plan_versions (plan_id, version, notes, created_at) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: insert-plan-rule
INSERT INTO plan_rules (plan_version_id, position, event, level, products, kind, percent,
                        flat_amount, flat_currency, payments, duration_months)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id;

-- name: insert-plan-tier
INSERT INTO plan_rule_tiers (rule_id, min_volume, volume_currency, percent) VALUES ($1, $2, $3, $4);

-- name: publish-plan-version
UPDATE plan_versions SET status = 'published', published_at = $2 WHERE id = $1 AND status = 'draft';

-- name: upsert-partner-type
INSERT INTO partner_types (code, name, default_plan_id) VALUES ($1, $2, $3)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name
RETURNING id;

-- name: upsert-partner
INSERT INTO partners (ref, name, kind, status, partner_type_id, recruiter_id, contact_name,
                      contact_email, website, promotion, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
ON CONFLICT (ref) DO UPDATE SET ref = EXCLUDED.ref
RETURNING id;

-- name: ensure-contract
INSERT INTO contracts (partner_id, plan_version_id, starts_at, created_at)
SELECT $1, $2, $3, $4
 WHERE NOT EXISTS (SELECT 1 FROM contracts WHERE partner_id = $1);

-- name: upsert-link
INSERT INTO links (partner_id, code, destination_url, sub_id, label, is_default, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (lower(code)) DO UPDATE SET code = links.code
RETURNING id;

-- name: upsert-promo-code
INSERT INTO promo_codes (partner_id, code, created_at, updated_at) VALUES ($1, $2, $3, $3)
ON CONFLICT (lower(code)) DO UPDATE SET code = promo_codes.code
RETURNING id;
