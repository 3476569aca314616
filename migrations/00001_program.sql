-- +goose Up
-- The program: one vendor's partner program per installation.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Money columns use numeric(20,6): wide enough for any amount, exact, and
-- holding the unrounded figure of a commission for explanation.
CREATE DOMAIN currency_code AS char(3) CHECK (VALUE ~ '^[A-Z]{3}$');

CREATE TABLE program_settings (
    id                        smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    name                      text NOT NULL DEFAULT 'Partner program',
    default_currency          currency_code NOT NULL DEFAULT 'USD',
    default_landing_url       text NOT NULL DEFAULT 'https://example.com/',
    allowed_domains           text[] NOT NULL DEFAULT '{}',
    attribution_window_days   integer NOT NULL DEFAULT 90 CHECK (attribution_window_days BETWEEN 1 AND 3650),
    attribution_model         text NOT NULL DEFAULT 'last_click' CHECK (attribution_model IN ('last_click', 'first_click')),
    hold_days                 integer NOT NULL DEFAULT 30 CHECK (hold_days BETWEEN 0 AND 3650),
    registration_protection_days integer NOT NULL DEFAULT 90 CHECK (registration_protection_days BETWEEN 1 AND 3650),
    cookie_name               text NOT NULL DEFAULT 'pk_ref' CHECK (cookie_name ~ '^[A-Za-z0-9_-]{1,64}$'),
    cookie_domain             text NOT NULL DEFAULT '',
    click_param               text NOT NULL DEFAULT 'pk_click' CHECK (click_param ~ '^[A-Za-z0-9_-]{1,64}$'),
    allow_self_referral       boolean NOT NULL DEFAULT false,
    terms                     text NOT NULL DEFAULT '',
    updated_at                timestamptz NOT NULL DEFAULT now()
);
INSERT INTO program_settings (id) VALUES (1);

-- The smallest payout a partner may request, per currency.
CREATE TABLE min_payouts (
    currency  currency_code PRIMARY KEY,
    amount    numeric(20,6) NOT NULL CHECK (amount >= 0)
);

-- Keys the vendor's backend authenticates with. Only a SHA-256 of the key
-- is kept; the key itself is shown once when created.
CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    name         text NOT NULL CHECK (name <> ''),
    prefix       text NOT NULL,
    key_hash     bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    last_used_at timestamptz
);

-- +goose Down
DROP TABLE api_keys;
DROP TABLE min_payouts;
DROP TABLE program_settings;
DROP DOMAIN currency_code;
