-- +goose Up
-- Who did what, the vendor's materials, and messages waiting to go out.

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users(id),
    actor       text NOT NULL,            -- "user:12", "api_key:3", "system"
    action      text NOT NULL,            -- "payout.approve", "partner.suspend", ...
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    before      jsonb,
    after       jsonb,
    ip          text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id, at);
CREATE INDEX audit_log_actor ON audit_log (actor_id, at);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

CREATE TABLE materials (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('banner', 'text', 'email')),
    title       text NOT NULL CHECK (title <> ''),
    body        text NOT NULL DEFAULT '',       -- may contain {link} and {promo_code}
    image       bytea,
    image_type  text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Postbacks and notifications, written in the same transaction as the event
-- that caused them and delivered later.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL,
    partner_id  bigint REFERENCES partners(id),
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer NOT NULL DEFAULT 0,
    next_at     timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    last_error  text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_at) WHERE sent_at IS NULL;

-- +goose Down
DROP TABLE outbox;
DROP TABLE materials;
DROP TABLE audit_log;
