-- Promotional materials: banners, texts and email templates the vendor
-- uploads for every partner. Bodies keep {link} and {promo_code}; each
-- partner's page fills in their own.

-- name: list-materials
-- image_head is enough of the image to read its width and height without
-- moving every banner's bytes on each page view.
SELECT id, kind, title, body, image_type, coalesce(octet_length(image), 0) AS image_size,
       substring(image FROM 1 FOR 4096) AS image_head, created_at
  FROM materials
 ORDER BY array_position(ARRAY['banner', 'text', 'email'], kind), created_at DESC, id DESC;

-- name: material-by-id
SELECT id, kind, title, body, image_type, coalesce(octet_length(image), 0) AS image_size,
       substring(image FROM 1 FOR 4096) AS image_head, created_at
  FROM materials WHERE id = $1;

-- name: material-image
SELECT image, image_type, created_at FROM materials WHERE id = $1 AND image IS NOT NULL;

-- name: insert-material
INSERT INTO materials (kind, title, body, image, image_type, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id;

-- name: delete-material
DELETE FROM materials WHERE id = $1 RETURNING kind, title, image_type;

-- name: material-fill
-- What a partner's materials are filled with: their default link (else
-- their first enabled one) and their first promo code, as /links lists them.
SELECT coalesce((SELECT code FROM links WHERE partner_id = $1 AND disabled_at IS NULL
                  ORDER BY is_default DESC, id LIMIT 1), '') AS link_code,
       coalesce((SELECT code FROM promo_codes WHERE partner_id = $1 AND status = 'active'
                  ORDER BY code LIMIT 1), '') AS promo_code;
