-- +goose Up
-- Money: what the vendor was paid, what partners earned, and what they were paid.

CREATE TABLE purchases (
    id                    bigserial PRIMARY KEY,
    external_id           text NOT NULL UNIQUE CHECK (external_id <> '' AND length(external_id) <= 256),
    customer_external_id  text NOT NULL CHECK (customer_external_id <> ''),
    amount                numeric(20,6) NOT NULL CHECK (amount > 0),
    currency              currency_code NOT NULL,
    product               text NOT NULL DEFAULT '',
    promo_code            text NOT NULL DEFAULT '',
    click_id              uuid,
    occurred_at           timestamptz NOT NULL,
    received_at           timestamptz NOT NULL DEFAULT now(),
    body_hash             bytea NOT NULL,        -- idempotency: same id, same body
    evidence_checked_at   timestamptz,           -- its promo code / click id was offered as a lead
    reconciled_at         timestamptz,
    reconcile_note        text NOT NULL DEFAULT '', -- why it earned nothing, when it did not
    -- The partner the purchase earned for, written when it is reconciled: a
    -- copy of the customer's binding so the cabinet can count a partner's
    -- paying customers by index (customers.partner_id is the authority).
    partner_id            bigint
);
CREATE INDEX purchases_partner ON purchases (partner_id, occurred_at) WHERE partner_id IS NOT NULL;
CREATE INDEX purchases_evidence ON purchases (id)
    WHERE evidence_checked_at IS NULL AND (promo_code <> '' OR click_id IS NOT NULL);
CREATE INDEX purchases_customer ON purchases (customer_external_id, occurred_at);
CREATE INDEX purchases_unreconciled ON purchases (id) WHERE reconciled_at IS NULL;

CREATE TABLE refunds (
    id            bigserial PRIMARY KEY,
    external_id   text NOT NULL UNIQUE CHECK (external_id <> '' AND length(external_id) <= 256),
    purchase_id   bigint NOT NULL REFERENCES purchases(id),
    amount        numeric(20,6) NOT NULL CHECK (amount > 0),
    currency      currency_code NOT NULL,
    occurred_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    body_hash     bytea NOT NULL,
    reconciled_at timestamptz
);
CREATE INDEX refunds_purchase ON refunds (purchase_id);
CREATE INDEX refunds_occurred ON refunds (occurred_at); -- reports: refunds of a period
CREATE INDEX refunds_unreconciled ON refunds (id) WHERE reconciled_at IS NULL;

-- One commission per purchase, partner and level (or per customer, partner
-- and level for a lead rule). amount is rounded once to the currency's minor
-- units, half away from zero; amount_unrounded keeps the exact figure.
CREATE TABLE commissions (
    id                bigserial PRIMARY KEY,
    partner_id        bigint NOT NULL REFERENCES partners(id),
    customer_id       bigint NOT NULL REFERENCES customers(id),
    purchase_id       bigint REFERENCES purchases(id),
    event             text NOT NULL CHECK (event IN ('sale', 'lead')),
    level             smallint NOT NULL CHECK (level IN (1, 2)),
    -- The plan evidence (contract, version, rule) is referenced without
    -- foreign keys: those rows are never deleted (triggers forbid it) and
    -- the checks cost a third of reconciliation time.
    contract_id       bigint NOT NULL,
    plan_version_id   bigint NOT NULL,
    rule_id           bigint NOT NULL,
    tier_min_volume   numeric(20,6),
    base_amount       numeric(20,6) NOT NULL CHECK (base_amount >= 0),
    percent           numeric(9,4),
    amount_unrounded  numeric(30,12) NOT NULL CHECK (amount_unrounded >= 0),
    amount            numeric(20,6) NOT NULL CHECK (amount >= 0),
    -- What refunds took back so far, kept on the row so the release of a
    -- hold reads it under the row lock a concurrent refund also takes.
    reversed_amount   numeric(20,6) NOT NULL DEFAULT 0 CHECK (reversed_amount >= 0 AND reversed_amount <= amount),
    currency          currency_code NOT NULL,
    status            text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'available', 'rejected')),
    flagged           boolean NOT NULL DEFAULT false,
    earned_at         timestamptz NOT NULL,
    hold_until        timestamptz NOT NULL,
    explanation       text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK ((event = 'sale') = (purchase_id IS NOT NULL))
);
CREATE UNIQUE INDEX commissions_purchase ON commissions (purchase_id, partner_id, level) WHERE event = 'sale';
CREATE UNIQUE INDEX commissions_lead ON commissions (customer_id, partner_id, level) WHERE event = 'lead';
CREATE INDEX commissions_partner ON commissions (partner_id, earned_at);
CREATE INDEX commissions_customer ON commissions (customer_id, partner_id);
CREATE INDEX commissions_release ON commissions (hold_until) WHERE status = 'pending';
CREATE INDEX commissions_partner_pending ON commissions (partner_id, hold_until) WHERE status = 'pending';

-- A refund takes back commission in proportion to the refunded amount.
CREATE TABLE commission_reversals (
    id             bigserial PRIMARY KEY,
    commission_id  bigint NOT NULL REFERENCES commissions(id),
    refund_id      bigint NOT NULL REFERENCES refunds(id),
    amount         numeric(20,6) NOT NULL CHECK (amount > 0),
    currency       currency_code NOT NULL,
    explanation    text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (commission_id, refund_id)
);

CREATE TABLE payouts (
    id              bigserial PRIMARY KEY,
    partner_id      bigint NOT NULL REFERENCES partners(id),
    amount          numeric(20,6) NOT NULL CHECK (amount > 0),
    currency        currency_code NOT NULL,
    status          text NOT NULL DEFAULT 'requested'
                    CHECK (status IN ('requested', 'approved', 'rejected', 'cancelled', 'paid')),
    method          text NOT NULL DEFAULT '',
    details         jsonb NOT NULL DEFAULT '{}',   -- payout details as they were when requested
    requested_by    bigint NOT NULL REFERENCES users(id),
    requested_at    timestamptz NOT NULL DEFAULT now(),
    decided_by      bigint REFERENCES users(id),
    decided_at      timestamptz,
    reason          text NOT NULL DEFAULT '',
    paid_at         timestamptz,
    paid_reference  text NOT NULL DEFAULT '',
    CHECK (decided_by IS NULL OR decided_by <> requested_by),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);
CREATE INDEX payouts_partner ON payouts (partner_id, requested_at);
CREATE INDEX payouts_status ON payouts (status, requested_at);

-- The ledger: append-only. Every entry moves money into or out of one of a
-- partner's buckets; a balance is the sum of a bucket's entries.
--   commission       +x pending
--   release          -x pending, +x available
--   reversal         -x pending or -x available (may go negative)
--   bonus/adjustment +/-x available
--   payout           -x available, +x reserved      (requested)
--   payout_reversal  -x reserved, +x available      (rejected or cancelled)
--   payout_paid      -x reserved, +x paid
CREATE TABLE ledger_entries (
    id             bigserial PRIMARY KEY,
    partner_id     bigint NOT NULL REFERENCES partners(id),
    currency       currency_code NOT NULL,
    bucket         text NOT NULL CHECK (bucket IN ('pending', 'available', 'reserved', 'paid')),
    kind           text NOT NULL CHECK (kind IN ('commission', 'release', 'reversal', 'bonus',
                        'adjustment', 'payout', 'payout_reversal', 'payout_paid')),
    amount         numeric(20,6) NOT NULL CHECK (amount <> 0),
    -- Commissions and reversals are never deleted (triggers below), so
    -- these references need no per-row foreign key checks, which cost half
    -- the time of releasing holds.
    commission_id  bigint,
    reversal_id    bigint,
    payout_id      bigint REFERENCES payouts(id),
    reason         text NOT NULL DEFAULT '',
    created_by     bigint REFERENCES users(id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (kind NOT IN ('bonus', 'adjustment') OR reason <> '')
);
CREATE INDEX ledger_partner ON ledger_entries (partner_id, currency, bucket);
CREATE INDEX ledger_manual ON ledger_entries (partner_id, created_at) WHERE kind IN ('bonus', 'adjustment');
CREATE INDEX ledger_commission ON ledger_entries (commission_id) WHERE commission_id IS NOT NULL;
CREATE INDEX ledger_payout ON ledger_entries (payout_id) WHERE payout_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION forbid_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'check_violation';
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

CREATE TRIGGER commissions_kept BEFORE DELETE ON commissions
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER commission_reversals_kept BEFORE UPDATE OR DELETE ON commission_reversals
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- Balances per partner, currency and bucket, kept by the ledger itself: a
-- statement-level trigger adds each INSERT's entries, summed, so a batch of
-- thousands of entries touches each balance row once, in a fixed order (no
-- deadlocks between reconcilers). partnerka verify recomputes them from the
-- entries.
CREATE TABLE partner_balances (
    partner_id  bigint NOT NULL REFERENCES partners(id),
    currency    currency_code NOT NULL,
    bucket      text NOT NULL,
    amount      numeric(20,6) NOT NULL,
    PRIMARY KEY (partner_id, currency, bucket)
);

-- +goose StatementBegin
CREATE FUNCTION ledger_to_balances() RETURNS trigger AS $$
BEGIN
    INSERT INTO partner_balances (partner_id, currency, bucket, amount)
    SELECT partner_id, currency, bucket, sum(amount) FROM new_entries
     GROUP BY partner_id, currency, bucket
     ORDER BY partner_id, currency, bucket
    ON CONFLICT (partner_id, currency, bucket) DO UPDATE SET amount = partner_balances.amount + EXCLUDED.amount;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER ledger_entries_balances AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_to_balances();

-- The evidence commissions point at is never deleted: contracts are ended,
-- not removed (published plan versions and their rules are protected by
-- their own triggers, and only published versions can have contracts).
CREATE TRIGGER contracts_kept BEFORE DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- +goose Down
DROP TABLE partner_balances;
DROP FUNCTION ledger_to_balances() CASCADE;
DROP TRIGGER contracts_kept ON contracts;
DROP TRIGGER commission_reversals_kept ON commission_reversals;
DROP TRIGGER commissions_kept ON commissions;
DROP TABLE ledger_entries;
DROP FUNCTION forbid_change();
DROP TABLE payouts;
DROP TABLE commission_reversals;
DROP TABLE commissions;
DROP TABLE refunds;
DROP TABLE purchases;
