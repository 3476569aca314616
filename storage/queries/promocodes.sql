-- Promo codes: handed to one partner for good, limited in time and in
-- customers, disabled and enabled again, requested by partners as vanity
-- codes and decided by staff. Every change is audited by the caller's
-- transaction (storage/promocodes.go).

-- name: insert-promo-code
-- Nothing when the code is taken in any case (promo_codes_code): the
-- caller says so, or generates another.
INSERT INTO promo_codes (partner_id, code, status, label, discount, valid_from, valid_until, max_uses, note,
                         created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
ON CONFLICT (lower(code)) DO NOTHING
RETURNING id;

-- name: promo-code-by-id
SELECT pc.id, pc.partner_id, p.ref AS partner_ref, p.name AS partner_name, pc.code, pc.status, pc.label,
       pc.discount, pc.valid_from, pc.valid_until, pc.max_uses, pc.uses, pc.note, pc.reason,
       pc.disabled_at, pc.created_at, pc.updated_at
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE pc.id = $1;

-- name: promo-code-for-update
SELECT id, partner_id, code, status, label, discount, valid_from, valid_until, max_uses, uses, note, reason,
       disabled_at, created_at, updated_at
  FROM promo_codes WHERE id = $1 FOR UPDATE;

-- name: promo-code-by-code
SELECT pc.id, pc.partner_id, p.ref AS partner_ref, p.name AS partner_name, pc.code, pc.status, pc.label,
       pc.discount, pc.valid_from, pc.valid_until, pc.max_uses, pc.uses, pc.note, pc.reason,
       pc.disabled_at, pc.created_at, pc.updated_at
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE lower(pc.code) = lower($1);

-- name: set-promo-code
-- A code's new status and terms; disabled_at follows the status.
UPDATE promo_codes
   SET status = $2, label = $3, discount = $4, valid_from = $5, valid_until = $6, max_uses = $7, reason = $8,
       disabled_at = CASE WHEN $2 = 'disabled' THEN coalesce(disabled_at, $9) END, updated_at = $9
 WHERE id = $1;

-- name: promo-codes
-- Codes of one partner ($1, 0 for all) and one status ($2, '' for any),
-- newest first, from the keyset cursor $3 (0 for the first page).
SELECT pc.id, pc.partner_id, p.ref AS partner_ref, p.name AS partner_name, pc.code, pc.status, pc.label,
       pc.discount, pc.valid_from, pc.valid_until, pc.max_uses, pc.uses, pc.note, pc.reason,
       pc.disabled_at, pc.created_at, pc.updated_at
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE ($1 = 0 OR pc.partner_id = $1) AND ($2 = '' OR pc.status = $2) AND ($3 = 0 OR pc.id < $3)
 ORDER BY pc.id DESC
 LIMIT $4;

-- name: partner-requested-codes
SELECT count(*) FROM promo_codes WHERE partner_id = $1 AND status = 'requested';

-- name: tracker-promo-codes
-- Codes as the tracker caches them, in pages by id. Active means the code
-- and its partner are active (its period and cap are judged when used).
SELECT pc.id, pc.partner_id, p.ref AS partner_ref, pc.code, pc.label, pc.discount, pc.valid_from,
       pc.valid_until, pc.max_uses, pc.uses, (pc.status = 'active' AND p.status = 'active') AS active,
       greatest(pc.updated_at, p.updated_at) AS updated_at
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE pc.id > $1 AND pc.status IN ('active', 'disabled')
 ORDER BY pc.id
 LIMIT $2;

-- name: tracker-promo-codes-changed
SELECT pc.id, pc.partner_id, p.ref AS partner_ref, pc.code, pc.label, pc.discount, pc.valid_from,
       pc.valid_until, pc.max_uses, pc.uses, (pc.status = 'active' AND p.status = 'active') AS active,
       greatest(pc.updated_at, p.updated_at) AS updated_at
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE (pc.updated_at >= $1 OR p.updated_at >= $1) AND pc.status IN ('active', 'disabled');

-- name: tracker-promo-code
SELECT pc.id, pc.partner_id, p.ref AS partner_ref, pc.code, pc.label, pc.discount, pc.valid_from,
       pc.valid_until, pc.max_uses, pc.uses, (pc.status = 'active' AND p.status = 'active') AS active,
       greatest(pc.updated_at, p.updated_at) AS updated_at
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE lower(pc.code) = lower($1) AND pc.status IN ('active', 'disabled');

-- name: tracker-partner-promo-codes
SELECT pc.id, pc.partner_id, p.ref AS partner_ref, pc.code, pc.label, pc.discount, pc.valid_from,
       pc.valid_until, pc.max_uses, pc.uses, (pc.status = 'active' AND p.status = 'active') AS active,
       greatest(pc.updated_at, p.updated_at) AS updated_at
  FROM promo_codes pc JOIN partners p ON p.id = pc.partner_id
 WHERE pc.partner_id = $1 AND pc.status IN ('active', 'disabled');
