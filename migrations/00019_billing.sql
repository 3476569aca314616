-- +goose Up
-- Billing connectors (issue 19): Stripe, YooKassa and CloudPayments notify
-- partnerka of payments and refunds.

-- A connector's settings: on or off, its secrets and options (write-only
-- in the back office), and which of the provider's product or price ids
-- are which plan products.
CREATE TABLE billing_connectors (
    provider    text PRIMARY KEY CHECK (provider IN ('stripe', 'yookassa', 'cloudpayments')),
    enabled     boolean NOT NULL DEFAULT false,
    settings    jsonb NOT NULL DEFAULT '{}',
    products    jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL
);

-- Every notification taken, stored before the provider is answered: the
-- body as received, the headers that matter, what the connector made of it
-- (the actions to record) and the outcome. A provider's retry of the same
-- event finds its row (deliveries counts them) and records nothing twice;
-- a row left 'received' by a crash, or 'waiting' for its purchase (a
-- refund that came first), is recorded again by the retry pass.
CREATE TABLE billing_events (
    id            bigserial PRIMARY KEY,
    provider      text NOT NULL,
    event_id      text NOT NULL CHECK (event_id <> ''),
    type          text NOT NULL DEFAULT '',
    received_at   timestamptz NOT NULL,
    body          text NOT NULL,
    headers       jsonb NOT NULL DEFAULT '{}',
    actions       jsonb NOT NULL DEFAULT '[]',
    status        text NOT NULL CHECK (status IN ('received', 'recorded', 'ignored', 'waiting', 'failed')),
    detail        text NOT NULL DEFAULT '',
    deliveries    integer NOT NULL DEFAULT 1,
    attempts      integer NOT NULL DEFAULT 0,
    processed_at  timestamptz,
    UNIQUE (provider, event_id)
);
CREATE INDEX billing_events_pending ON billing_events (received_at) WHERE status IN ('received', 'waiting');
CREATE INDEX billing_events_latest ON billing_events (provider, id);

-- +goose Down
DROP TABLE billing_events;
DROP TABLE billing_connectors;
