-- Partner teams: the users of a partner and the invitations an owner sends.
-- An invitation is stored as the SHA-256 of its one-time token.

-- name: team-members
SELECT id, email, name, role, created_at FROM users
 WHERE partner_id = $1 AND disabled_at IS NULL
 ORDER BY role = 'owner' DESC, created_at, id;

-- name: team-invitations
SELECT i.email, i.created_at, i.expires_at, u.email AS invited_by
  FROM invitations i JOIN users u ON u.id = i.invited_by
 WHERE i.partner_id = $1 AND i.accepted_at IS NULL AND i.expires_at > $2
 ORDER BY i.created_at, i.email;

-- name: lock-team
-- Serialises changes to one partner's team and returns the acting user's
-- role in it ('' when they are not an active user of that partner).
SELECT coalesce((SELECT role FROM users WHERE id = $2 AND partner_id = p.id AND disabled_at IS NULL), '') AS role
  FROM partners p WHERE p.id = $1 FOR UPDATE;

-- name: email-holder
-- Who holds email $1, as an invitation to partner $2 sees it: 'team' (an
-- active user of the partner) or 'other' (any other account: another
-- partner's, staff, a removed user of another partner), with the
-- account's language; no row when it is free or a removed user of this
-- partner, whom the owner may invite back.
SELECT CASE WHEN partner_id = $2 AND disabled_at IS NULL THEN 'team' ELSE 'other' END AS holder, locale
  FROM users WHERE email = $1 AND NOT (coalesce(partner_id = $2, false) AND disabled_at IS NOT NULL);

-- name: delete-invitations
DELETE FROM invitations WHERE partner_id = $1 AND email = $2 AND accepted_at IS NULL;

-- name: insert-invitation
INSERT INTO invitations (token_hash, partner_id, email, invited_by, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: invitation-by-token
SELECT i.partner_id, i.email, p.name AS partner_name, p.status AS partner_status
  FROM invitations i JOIN partners p ON p.id = i.partner_id
 WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.expires_at > $2;

-- name: use-invitation
-- Marks an invitation accepted, once, if it has not expired.
UPDATE invitations SET accepted_at = $2
 WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2
RETURNING partner_id, email, invited_by;

-- name: upsert-member
-- A new member, or a removed user of the same partner coming back; any
-- other holder of the email makes this return no row.
INSERT INTO users (email, name, password_hash, role, partner_id, locale, created_at)
VALUES ($1, $2, $3, 'member', $4, $5, $6)
ON CONFLICT (email) DO UPDATE
   SET name = excluded.name, password_hash = excluded.password_hash, role = 'member',
       locale = excluded.locale, disabled_at = NULL
 WHERE users.partner_id = excluded.partner_id AND users.disabled_at IS NOT NULL
RETURNING id, email, name, password_hash, role, partner_id, locale, time_zone, disabled_at, created_at;

-- name: team-member-for-update
SELECT id, email, role FROM users WHERE id = $1 AND partner_id = $2 AND disabled_at IS NULL FOR UPDATE;

-- name: active-owners
SELECT count(*) FROM users WHERE partner_id = $1 AND role = 'owner' AND disabled_at IS NULL;

-- name: disable-user
UPDATE users SET disabled_at = $2 WHERE id = $1;
