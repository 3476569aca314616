-- +goose Up
-- What happened: links, promo codes, clicks, leads and who each customer belongs to.

CREATE TABLE links (
    id               bigserial PRIMARY KEY,
    partner_id       bigint NOT NULL REFERENCES partners(id),
    code             text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_-]{3,64}$'),
    destination_url  text NOT NULL CHECK (destination_url ~ '^https?://'),
    sub_id           text NOT NULL DEFAULT '' CHECK (length(sub_id) <= 128),
    label            text NOT NULL DEFAULT '',
    is_default       boolean NOT NULL DEFAULT false,
    disabled_at      timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX links_partner ON links (partner_id);
CREATE UNIQUE INDEX links_one_default ON links (partner_id) WHERE is_default;
CREATE INDEX links_updated ON links (updated_at);

CREATE TABLE promo_codes (
    id          bigserial PRIMARY KEY,
    partner_id  bigint NOT NULL REFERENCES partners(id),
    code        text NOT NULL CHECK (code ~ '^[A-Za-z0-9_-]{2,64}$'),
    disabled_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX promo_codes_code ON promo_codes (lower(code));
CREATE INDEX promo_codes_partner ON promo_codes (partner_id);

-- Clicks, partitioned by month of the click. The click id is a time-ordered
-- 128-bit value (UUID version 7 layout). flags: 1 bot, 2 prefetch, 4 HEAD.
CREATE TABLE clicks (
    click_id     uuid NOT NULL,
    clicked_at   timestamptz NOT NULL,
    link_id      bigint NOT NULL,
    partner_id   bigint NOT NULL,
    sub_id       text NOT NULL DEFAULT '',
    ip           inet,
    user_agent   text NOT NULL DEFAULT '',
    referer      text NOT NULL DEFAULT '',
    landing_url  text NOT NULL DEFAULT '',
    flags        smallint NOT NULL DEFAULT 0,
    attributable boolean NOT NULL,
    prev_click_id uuid,                  -- the earlier click the visitor's cookie named

    PRIMARY KEY (click_id, clicked_at)
) PARTITION BY RANGE (clicked_at);
CREATE TABLE clicks_default PARTITION OF clicks DEFAULT;
-- Raw clicks are read by id only (attribution follows a click and the
-- clicks it names); per-partner figures come from click_stats_daily. No
-- index by partner: it would cost a fifth of draining a click.

-- +goose StatementBegin
-- ensure_click_partitions creates the monthly partitions covering the given
-- month and the next ahead_months; the reconciler calls it before writing.
CREATE FUNCTION ensure_click_partitions(at timestamptz, ahead_months integer) RETURNS void AS $$
DECLARE
    m date := date_trunc('month', at AT TIME ZONE 'UTC')::date;
    i integer;
    name text;
BEGIN
    FOR i IN 0..ahead_months LOOP
        name := 'clicks_' || to_char(m + make_interval(months => i), 'YYYYMM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF clicks FOR VALUES FROM (%L) TO (%L)',
                name,
                (m + make_interval(months => i))::timestamp AT TIME ZONE 'UTC',
                (m + make_interval(months => i + 1))::timestamp AT TIME ZONE 'UTC');
        END IF;
    END LOOP;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- Pre-aggregated click counts: the cabinet reads these, never raw clicks.
CREATE TABLE click_stats_daily (
    day           date NOT NULL,
    partner_id    bigint NOT NULL,
    link_id       bigint NOT NULL,
    sub_id        text NOT NULL DEFAULT '',
    clicks        bigint NOT NULL DEFAULT 0 CHECK (clicks >= 0),
    unique_clicks bigint NOT NULL DEFAULT 0 CHECK (unique_clicks >= 0),
    bot_clicks    bigint NOT NULL DEFAULT 0 CHECK (bot_clicks >= 0),
    PRIMARY KEY (partner_id, day, link_id, sub_id)
);

-- One row per link, address and hour seen: makes "unique click" exact and
-- idempotent. partner_id and sub_id are those of the first such click, so
-- the stats need no join back to the clicks.
CREATE TABLE click_uniques (
    link_id    bigint NOT NULL,
    ip         inet NOT NULL,
    hour       timestamptz NOT NULL,
    partner_id bigint NOT NULL,
    sub_id     text NOT NULL,
    PRIMARY KEY (link_id, ip, hour)
);

-- A partner's hand-registered lead, protected from other partners for a period.
CREATE TABLE lead_registrations (
    id              bigserial PRIMARY KEY,
    partner_id      bigint NOT NULL REFERENCES partners(id),
    company         text NOT NULL DEFAULT '',
    contact_name    text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '' CHECK (email = lower(email)),
    company_domain  text NOT NULL DEFAULT '' CHECK (company_domain = lower(company_domain)),
    phone           text NOT NULL DEFAULT '',
    comment         text NOT NULL DEFAULT '',
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'approved', 'rejected', 'bound')),
    protected_until timestamptz NOT NULL,
    decided_by      bigint REFERENCES users(id),
    decided_at      timestamptz,
    reason          text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (email <> '' OR company_domain <> '')
);
CREATE INDEX lead_registrations_email ON lead_registrations (email) WHERE email <> '';
CREATE INDEX lead_registrations_domain ON lead_registrations (company_domain) WHERE company_domain <> '';
CREATE INDEX lead_registrations_partner ON lead_registrations (partner_id, created_at);

-- Every customer the vendor reported, bound to at most one partner for life.
CREATE TABLE customers (
    id               bigserial PRIMARY KEY,
    external_id      text NOT NULL UNIQUE CHECK (external_id <> '' AND length(external_id) <= 256),
    partner_id       bigint REFERENCES partners(id),
    source           text CHECK (source IN ('click', 'promo_code', 'partner_ref', 'registration', 'manual')),
    reason           text NOT NULL,
    bound_at         timestamptz,           -- the binding takes effect at the lead's occurred_at
    click_id         uuid,
    link_id          bigint REFERENCES links(id),
    promo_code_id    bigint REFERENCES promo_codes(id),
    registration_id  bigint REFERENCES lead_registrations(id),
    email            text NOT NULL DEFAULT '',
    name             text NOT NULL DEFAULT '',
    first_seen_at    timestamptz NOT NULL,
    lead_paid_at     timestamptz,           -- lead (CPL) rules were applied to the binding
    created_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((partner_id IS NULL) = (bound_at IS NULL)),
    CHECK ((partner_id IS NULL) = (source IS NULL))
);
CREATE INDEX customers_partner ON customers (partner_id, bound_at) WHERE partner_id IS NOT NULL;
CREATE INDEX customers_lead_unpaid ON customers (id) WHERE partner_id IS NOT NULL AND lead_paid_at IS NULL;

-- Leads as the vendor reported them, kept once processed.
CREATE TABLE leads (
    id                 uuid PRIMARY KEY,
    customer_external_id text NOT NULL,
    click_id           uuid,
    promo_code         text NOT NULL DEFAULT '',
    partner_ref        text NOT NULL DEFAULT '',
    email              text NOT NULL DEFAULT '',
    name               text NOT NULL DEFAULT '',
    existing_customer  boolean NOT NULL DEFAULT false,
    source             text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'purchase')),
    occurred_at        timestamptz NOT NULL,
    received_at        timestamptz NOT NULL,
    processed_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leads_customer ON leads (customer_external_id, occurred_at);

-- Every attribution decision with its reason: the evidence behind a binding,
-- and behind every refusal to bind.
CREATE TABLE attribution_decisions (
    id             bigserial PRIMARY KEY,
    customer_id    bigint NOT NULL REFERENCES customers(id),
    lead_id        uuid,
    purchase_id    bigint,
    partner_id     bigint REFERENCES partners(id),
    source         text,
    click_id       uuid,
    promo_code_id  bigint REFERENCES promo_codes(id),
    registration_id bigint REFERENCES lead_registrations(id),
    occurred_at    timestamptz,              -- when the lead (or purchase) happened
    reason         text NOT NULL CHECK (reason IN ('attributed', 'expired_click', 'unknown_code',
                        'partner_inactive', 'existing_customer', 'self_referral', 'already_bound',
                        'no_evidence', 'reassigned')),
    detail         text NOT NULL DEFAULT '',
    decided_at     timestamptz NOT NULL DEFAULT now(),
    decided_by     bigint REFERENCES users(id)
);
CREATE INDEX attribution_decisions_customer ON attribution_decisions (customer_id, decided_at);

-- +goose Down
DROP TABLE attribution_decisions;
DROP TABLE leads;
DROP TABLE customers;
DROP TABLE lead_registrations;
DROP TABLE click_uniques;
DROP TABLE click_stats_daily;
DROP FUNCTION ensure_click_partitions(timestamptz, integer);
DROP TABLE clicks;
DROP TABLE promo_codes;
DROP TABLE links;
