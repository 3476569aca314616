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
       disabled_by_staff = $4 AND $5, disabled_reason = CASE WHEN $4 THEN $6 ELSE '' END, updated_at = $7
 WHERE id = $1;
