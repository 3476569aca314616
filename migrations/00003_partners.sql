-- +goose Up
-- Partners, the people who act for them, and the contracts they earn under.

CREATE TABLE partner_types (
    id              bigserial PRIMARY KEY,
    code            text NOT NULL UNIQUE CHECK (code ~ '^[a-z][a-z0-9_]{0,31}$'),
    name            text NOT NULL,
    default_plan_id bigint REFERENCES plans(id)
);

CREATE TABLE partners (
    id              bigserial PRIMARY KEY,
    -- ref identifies the partner in links the vendor builds itself (partner_ref).
    ref             text NOT NULL UNIQUE CHECK (ref ~ '^[a-z0-9][a-z0-9_-]{1,63}$'),
    name            text NOT NULL CHECK (name <> ''),
    kind            text NOT NULL DEFAULT 'company' CHECK (kind IN ('company', 'person')),
    status          text NOT NULL DEFAULT 'applied'
                    CHECK (status IN ('applied', 'active', 'suspended', 'rejected')),
    partner_type_id bigint REFERENCES partner_types(id),
    recruiter_id    bigint REFERENCES partners(id) CHECK (recruiter_id <> id),
    contact_name    text NOT NULL DEFAULT '',
    contact_email   text NOT NULL DEFAULT '',
    contact_phone   text NOT NULL DEFAULT '',
    website         text NOT NULL DEFAULT '',
    promotion       text NOT NULL DEFAULT '',   -- how they said they will promote
    status_reason   text NOT NULL DEFAULT '',
    certified_at    date,
    payout_method   text NOT NULL DEFAULT '',
    payout_details  jsonb NOT NULL DEFAULT '{}',
    postback_url    text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partners_status ON partners (status, created_at);
CREATE INDEX partners_recruiter ON partners (recruiter_id) WHERE recruiter_id IS NOT NULL;

-- Users are staff (partner_id NULL) or belong to exactly one partner.
CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name            text NOT NULL DEFAULT '',
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin', 'manager', 'finance', 'owner', 'member')),
    partner_id      bigint REFERENCES partners(id),
    locale          text NOT NULL DEFAULT 'en' CHECK (locale IN ('en', 'ru')),
    time_zone       text NOT NULL DEFAULT 'UTC',
    disabled_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (email),
    CHECK ((partner_id IS NULL) = (role IN ('admin', 'manager', 'finance')))
);
CREATE INDEX users_partner ON users (partner_id) WHERE partner_id IS NOT NULL;

-- Server-side sessions; the cookie carries a random token whose SHA-256 is the key.
CREATE TABLE sessions (
    token_hash   bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE password_resets (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE TABLE invitations (
    token_hash  bytea PRIMARY KEY,
    partner_id  bigint NOT NULL REFERENCES partners(id),
    email       text NOT NULL CHECK (email = lower(email)),
    invited_by  bigint NOT NULL REFERENCES users(id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz
);

-- Failed logins, counted per account and per address to slow guessing.
CREATE TABLE login_failures (
    id      bigserial PRIMARY KEY,
    email   text NOT NULL,
    ip      text NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_email ON login_failures (email, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);

-- A contract binds a partner to one published plan version for a period.
-- Periods of one partner never overlap, so exactly one contract is in force
-- at any instant.
CREATE TABLE contracts (
    id               bigserial PRIMARY KEY,
    partner_id       bigint NOT NULL REFERENCES partners(id),
    plan_version_id  bigint NOT NULL REFERENCES plan_versions(id),
    starts_at        timestamptz NOT NULL,
    ends_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    EXCLUDE USING gist (partner_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
);

-- +goose StatementBegin
CREATE FUNCTION require_published_version() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM plan_versions WHERE id = NEW.plan_version_id AND status = 'published') THEN
        RAISE EXCEPTION 'plan version % is not published', NEW.plan_version_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER contracts_published_version BEFORE INSERT OR UPDATE OF plan_version_id ON contracts
    FOR EACH ROW EXECUTE FUNCTION require_published_version();

-- +goose Down
DROP TABLE contracts;
DROP FUNCTION require_published_version();
DROP TABLE login_failures;
DROP TABLE invitations;
DROP TABLE password_resets;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE partners;
DROP TABLE partner_types;
