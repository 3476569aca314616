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
    reconcile_note        text NOT NULL DEFAULT '', -- why it earned nothing, when it did not
    -- The partner the purchase earns for: a copy of the customer's binding,
    -- so the cabinet counts a partner's paying customers by index
    -- (customers.partner_id is the authority). Written when the purchase is
    -- recorded if its customer is bound by then (purchases_partner_at_insert
    -- below); the reconciler corrects it when the purchase earns nothing or
    -- its customer was bound later.
    partner_id            bigint
);
CREATE INDEX purchases_partner ON purchases (partner_id, occurred_at) WHERE partner_id IS NOT NULL;
CREATE INDEX purchases_evidence ON purchases (id)
    WHERE evidence_checked_at IS NULL AND (promo_code <> '' OR click_id IS NOT NULL);
CREATE INDEX purchases_customer ON purchases (customer_external_id, occurred_at);

-- Purchases waiting for the reconciler: every purchase is added when it is
-- recorded (trigger below) and again when the binding of its customer
-- arrives after it; the batch that reconciles it deletes its row in the
-- same transaction as writing its commissions. A queue of its own, so
-- reconciling writes nothing to the wide purchases rows and their indexes
-- (a purchase is updated only when its note or partner changes). In
-- customer order: a batch numbers each customer's payments in one read.
CREATE TABLE purchases_waiting (
    customer_external_id  text NOT NULL,
    purchase_id           bigint NOT NULL, -- no foreign key: purchases are never deleted
    PRIMARY KEY (customer_external_id, purchase_id)
);

-- +goose StatementBegin
CREATE FUNCTION purchases_partner_at_insert() RETURNS trigger AS $$
BEGIN
    SELECT c.partner_id INTO NEW.partner_id FROM customers c
     WHERE c.external_id = NEW.customer_external_id AND NEW.occurred_at >= c.bound_at;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE FUNCTION purchases_enqueue() RETURNS trigger AS $$
BEGIN
    -- In the order the reconciler takes them: a bulk import's queue rows
    -- then lie in the pages a batch reads.
    INSERT INTO purchases_waiting (customer_external_id, purchase_id)
    SELECT customer_external_id, id FROM new_purchases ORDER BY 1, 2;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER purchases_partner_at_insert BEFORE INSERT ON purchases
    FOR EACH ROW EXECUTE FUNCTION purchases_partner_at_insert();
CREATE TRIGGER purchases_enqueue AFTER INSERT ON purchases
    REFERENCING NEW TABLE AS new_purchases FOR EACH STATEMENT EXECUTE FUNCTION purchases_enqueue();

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
--
-- Whether a commission is pending or available is not stored on the row:
-- it is pending until hold_until (or while flagged for review), and the
-- ledger entries it writes carry that instant (see ledger_entries and
-- commission_status below), so the end of a hold writes nothing.
CREATE TABLE commissions (
    id                bigserial PRIMARY KEY,
    -- The rows referenced here and below (partner, customer, purchase, and
    -- the plan evidence: contract, version, rule) are never deleted
    -- (triggers forbid it), and the reconciler writes ids it has just read,
    -- so they carry no foreign keys: the per-row checks and the row locks
    -- they take cost a third of reconciliation time. partnerka verify
    -- checks that every reference resolves.
    partner_id        bigint NOT NULL,
    customer_id       bigint NOT NULL,
    purchase_id       bigint,
    event             text NOT NULL CHECK (event IN ('sale', 'lead')),
    level             smallint NOT NULL CHECK (level IN (1, 2)),
    contract_id       bigint NOT NULL,
    plan_version_id   bigint NOT NULL,
    rule_id           bigint NOT NULL,
    tier_min_volume   numeric(20,6),
    base_amount       numeric(20,6) NOT NULL CHECK (base_amount >= 0),
    percent           numeric(9,4),
    amount_unrounded  numeric(30,12) NOT NULL CHECK (amount_unrounded >= 0),
    amount            numeric(20,6) NOT NULL CHECK (amount >= 0),
    -- What refunds took back so far, kept on the row so a flag or a refund
    -- reads it under the commission's row lock.
    reversed_amount   numeric(20,6) NOT NULL DEFAULT 0 CHECK (reversed_amount >= 0 AND reversed_amount <= amount),
    currency          currency_code NOT NULL,
    -- The manager's verdict: earned, or rejected (its money leaves the
    -- balances). Whether earned money is pending or available is a matter
    -- of time: see commission_status.
    status            text NOT NULL DEFAULT 'earned' CHECK (status IN ('earned', 'rejected')),
    -- Flagged for fraud review: its money stays pending until a manager
    -- clears the flag, whatever hold_until says.
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
--   commission       +x pending, available from available_at (the hold's end)
--   reversal         -x pending, at the same instant as its commission
--   flag             -x pending at the hold's end, +x pending with no
--                    available_at (held until a manager decides)
--   unflag           the reverse of flag
--   bonus/adjustment +/-x available (may go negative)
--   payout           -x available, +x reserved      (requested)
--   payout_reversal  -x reserved, +x available      (rejected or cancelled)
--   payout_paid      -x reserved, +x paid
-- A pending entry counts as available once its available_at has passed:
-- the release of a hold is a matter of time, not of new entries.
CREATE TABLE ledger_entries (
    id             bigserial PRIMARY KEY,
    -- Partners, commissions, reversals, payouts and users are never deleted
    -- (triggers), and every writer names rows it has just read or locked,
    -- so these references need no per-row checks (partnerka verify checks
    -- them): even on a NULL, a foreign key queues a check per inserted row.
    partner_id     bigint NOT NULL,
    currency       currency_code NOT NULL,
    bucket         text NOT NULL CHECK (bucket IN ('pending', 'available', 'reserved', 'paid')),
    kind           text NOT NULL CHECK (kind IN ('commission', 'reversal', 'flag', 'unflag', 'bonus',
                        'adjustment', 'payout', 'payout_reversal', 'payout_paid')),
    amount         numeric(20,6) NOT NULL CHECK (amount <> 0),
    available_at   timestamptz,
    commission_id  bigint,
    reversal_id    bigint,
    payout_id      bigint,
    reason         text NOT NULL DEFAULT '',
    created_by     bigint,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (kind NOT IN ('bonus', 'adjustment') OR reason <> ''),
    CHECK ((bucket = 'pending') = (kind IN ('commission', 'reversal', 'flag', 'unflag'))),
    CHECK (bucket = 'pending' OR available_at IS NULL),
    CHECK (bucket <> 'pending' OR commission_id IS NOT NULL)
);
-- A partner's pending money by the instant it becomes available: the
-- release of holds and the dashboard's "next release" read it.
CREATE INDEX ledger_pending ON ledger_entries (partner_id, available_at) WHERE bucket = 'pending';
CREATE INDEX ledger_manual ON ledger_entries (partner_id, created_at) WHERE kind IN ('bonus', 'adjustment');
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
--
-- Pending money becomes available by time alone; these balances follow
-- time in steps: ledger_release.released_through is the instant up to
-- which they count pending entries as available. The release step moves it
-- forward (release_holds), moving what became available in between; the
-- trigger counts an entry whose instant is already behind the mark as
-- available at once. Both hold a lock on the mark's row while they count,
-- so every entry is moved exactly once.
CREATE TABLE partner_balances (
    partner_id  bigint NOT NULL REFERENCES partners(id),
    currency    currency_code NOT NULL,
    bucket      text NOT NULL CHECK (bucket IN ('pending', 'available', 'reserved', 'paid')),
    amount      numeric(20,6) NOT NULL,
    PRIMARY KEY (partner_id, currency, bucket)
);

CREATE TABLE ledger_release (
    one               boolean PRIMARY KEY DEFAULT true CHECK (one),
    released_through  timestamptz NOT NULL
);
INSERT INTO ledger_release (released_through) VALUES ('-infinity');

-- +goose StatementBegin
CREATE FUNCTION ledger_to_balances() RETURNS trigger AS $$
DECLARE
    mark timestamptz;
BEGIN
    -- A share lock: entries are counted against the mark release_holds
    -- leaves, never against one it is moving.
    SELECT released_through INTO mark FROM ledger_release FOR SHARE;
    INSERT INTO partner_balances (partner_id, currency, bucket, amount)
    SELECT partner_id, currency,
           CASE WHEN bucket = 'pending' AND available_at <= mark THEN 'available' ELSE bucket END AS b, sum(amount)
      FROM new_entries
     GROUP BY 1, 2, 3
     ORDER BY 1, 2, 3
    ON CONFLICT (partner_id, currency, bucket) DO UPDATE SET amount = partner_balances.amount + EXCLUDED.amount;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER ledger_entries_balances AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_to_balances();

-- +goose StatementBegin
-- release_holds moves the mark to upto (never back) and moves the pending
-- entries whose instant it passed from pending to available in the
-- balances; it returns how many entries it moved. The mark's row lock is
-- taken first and the entries are read by a later statement, so entries
-- committed by writers it waited for are seen.
CREATE FUNCTION release_holds(upto timestamptz) RETURNS bigint AS $$
DECLARE
    since timestamptz;
    moved bigint;
BEGIN
    SELECT released_through INTO since FROM ledger_release FOR UPDATE;
    IF upto <= since THEN
        RETURN 0;
    END IF;
    -- Dynamic, so it is planned for this range: a first release over a
    -- whole ledger reads it in one pass, a release of a few seconds probes
    -- each partner's pending entries by instant.
    EXECUTE $q$
        WITH moved AS (
            SELECT l.partner_id, l.currency, sum(l.amount) AS amount, count(*) AS n
              FROM ledger_entries l
             WHERE l.bucket = 'pending' AND l.available_at > $1 AND l.available_at <= $2
               AND l.partner_id IN (SELECT partner_id FROM partner_balances WHERE bucket = 'pending')
             GROUP BY l.partner_id, l.currency
        ), upd AS (
            INSERT INTO partner_balances (partner_id, currency, bucket, amount)
            SELECT m.partner_id, m.currency, b.bucket, CASE WHEN b.bucket = 'pending' THEN -m.amount ELSE m.amount END
              FROM moved m CROSS JOIN (VALUES ('available'), ('pending')) AS b(bucket)
             ORDER BY 1, 2, 3
            ON CONFLICT (partner_id, currency, bucket) DO UPDATE SET amount = partner_balances.amount + EXCLUDED.amount
        )
        SELECT coalesce(sum(n), 0) FROM moved
    $q$ INTO moved USING since, upto;
    UPDATE ledger_release SET released_through = upto;
    RETURN moved;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose StatementBegin
-- commission_status is a commission's state as the balances show it:
-- pending while held (until hold_until, or flagged), available once the
-- release mark has passed its hold, or rejected.
CREATE FUNCTION commission_status(status text, flagged boolean, hold_until timestamptz) RETURNS text AS $$
    SELECT CASE WHEN status = 'rejected' THEN 'rejected'
                WHEN flagged OR hold_until > (SELECT released_through FROM ledger_release) THEN 'pending'
                ELSE 'available' END
$$ LANGUAGE sql STABLE;
-- +goose StatementEnd

-- The evidence commissions and entries point at is never deleted: partners
-- and customers are not removed, purchases are refunded, contracts are
-- ended, payouts are rejected, users are disabled (published plan versions and their rules are protected by their
-- own triggers, and only published versions can have contracts).
CREATE TRIGGER contracts_kept BEFORE DELETE ON contracts
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER partners_kept BEFORE DELETE ON partners
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER customers_kept BEFORE DELETE ON customers
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER purchases_kept BEFORE DELETE ON purchases
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER payouts_kept BEFORE DELETE ON payouts
    FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER users_kept BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- +goose Down
DROP TRIGGER users_kept ON users;
DROP TRIGGER payouts_kept ON payouts;
DROP TRIGGER purchases_kept ON purchases;
DROP TRIGGER customers_kept ON customers;
DROP TRIGGER partners_kept ON partners;
DROP TRIGGER contracts_kept ON contracts;
DROP FUNCTION commission_status(text, boolean, timestamptz);
DROP FUNCTION release_holds(timestamptz);
DROP TABLE partner_balances;
DROP FUNCTION ledger_to_balances() CASCADE;
DROP TABLE ledger_release;
DROP TRIGGER commission_reversals_kept ON commission_reversals;
DROP TRIGGER commissions_kept ON commissions;
DROP TABLE ledger_entries;
DROP FUNCTION forbid_change();
DROP TABLE payouts;
DROP TABLE commission_reversals;
DROP TABLE commissions;
DROP TABLE refunds;
DROP TABLE purchases_waiting;
DROP TABLE purchases;
DROP FUNCTION purchases_enqueue();
DROP FUNCTION purchases_partner_at_insert();
