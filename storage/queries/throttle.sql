-- Sign-in limits and the limits of anonymous requests that send email
-- (see storage/throttle.go; the policy is web/throttle.go's), counted so
-- that parallel requests cannot all pass a limit together.

-- name: insert-login-attempt
-- A sign-in attempt, recorded before its password is checked: it stays a
-- failed sign-in unless it is refused by a limit or the password is right.
INSERT INTO login_failures (email, ip, at) VALUES ($1, $2, $3) RETURNING id;

-- name: login-counts
-- What the limits judge a sign-in attempt of email $1 from address $2 by
-- (the attempt itself included): failed sign-ins since $3 of $1 from $2,
-- from $2 of any email and of $1 from anywhere; attempts of $1 since $4;
-- and whether the user of $1 signed in (or set a password) from $2 since $5.
SELECT (SELECT count(*) FROM login_failures WHERE email = $1 AND ip = $2 AND at > $3) AS by_pair,
       (SELECT count(*) FROM login_failures WHERE ip = $2 AND at > $3) AS by_address,
       (SELECT count(*) FROM login_failures WHERE email = $1 AND at > $3) AS by_email,
       (SELECT count(*) FROM login_failures WHERE email = $1 AND at > $4) AS recent_by_email,
       EXISTS (SELECT 1 FROM sign_in_addresses a JOIN users u ON u.id = a.user_id
                WHERE u.email = $1 AND a.address = $2 AND a.last_at > $5) AS known_address;

-- name: forget-login-attempt
-- An attempt that was refused, or whose password was right: not a failure.
DELETE FROM login_failures WHERE id = $1;

-- name: remember-sign-in-address
-- A partner's team member signing in from an address new to them queues
-- the partner for the self-referral rule (review_due): the step compares
-- the partner's customers' clicks with it, off the sign-in's path.
WITH a AS (
    INSERT INTO sign_in_addresses (user_id, address, last_at) VALUES ($1, $2, $3)
    ON CONFLICT (user_id, address) DO UPDATE SET last_at = greatest(sign_in_addresses.last_at, excluded.last_at)
    RETURNING (xmax = 0) AS new
)
INSERT INTO review_due (subject, id, queued_at)
SELECT 'sign_in', u.partner_id, $3 FROM users u, a WHERE u.id = $1 AND u.partner_id IS NOT NULL AND a.new
ON CONFLICT DO NOTHING;

-- name: lock-email-requests
-- Serialises the requests counted under one key ($1: kind, and the email
-- or the address) until the transaction ends.
SELECT pg_advisory_xact_lock(hashtextextended('email_requests ' || $1, 0));

-- name: insert-email-request
INSERT INTO email_requests (kind, email, address, at) VALUES ($1, $2, $3, $4);

-- name: email-request-counts
-- Requests of kind $1 since $4 to email $2 and from address $3.
SELECT (SELECT count(*) FROM email_requests WHERE kind = $1 AND email = $2 AND at > $4) AS by_email,
       (SELECT count(*) FROM email_requests WHERE kind = $1 AND address = $3 AND at > $4) AS by_address;
