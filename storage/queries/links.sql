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

-- name: set-link-disabled
UPDATE links SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, $4) END, updated_at = $4
 WHERE id = $1 AND partner_id = $3
RETURNING code;
