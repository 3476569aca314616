-- +goose Up
-- Sign-in and account email throttling (issue 17: F3, F4, F13; the policy
-- is in README, "Sign-in and account security", and web/throttle.go).

-- The addresses each user signed in from, or used a password reset link
-- from: a stranger's failed guesses never slow the account's sign-in from
-- one of them. An address is an IPv4 address or an IPv6 /64 (web.AddressKey).
CREATE TABLE sign_in_addresses (
    user_id  bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    address  text NOT NULL,
    last_at  timestamptz NOT NULL,
    PRIMARY KEY (user_id, address)
);

-- Anonymous requests that email an address (a password reset link, the
-- answer to an application), counted per email and per address they came
-- from, so that the forms cannot flood a mailbox. Only requests within
-- the limits are recorded: refused ones add nothing.
CREATE TABLE email_requests (
    id       bigserial PRIMARY KEY,
    kind     text NOT NULL CHECK (kind IN ('password_reset', 'application')),
    email    text NOT NULL,
    address  text NOT NULL,
    at       timestamptz NOT NULL
);
CREATE INDEX email_requests_email ON email_requests (kind, email, at);
CREATE INDEX email_requests_address ON email_requests (kind, address, at);

-- +goose Down
DROP TABLE email_requests;
DROP TABLE sign_in_addresses;
