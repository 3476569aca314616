-- Users: staff and the people of partners.

-- name: insert-user
INSERT INTO users (email, name, password_hash, role, partner_id, locale, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, created_at;

-- name: user-by-email
SELECT id, email, name, password_hash, role, partner_id, locale, time_zone, disabled_at, created_at
  FROM users WHERE email = lower($1);
