-- +goose Up
-- Tier re-rating. A tier is set by the partner's paid volume of the
-- previous calendar month (net of refunds). A payment or refund of month X
-- that the program receives after payments of month X+1 were rated, but
-- while X's volume is still open (until the hold after X ends), re-rates
-- those commissions: the commission row keeps what it was first rated at,
-- a commission_rerates row records each change with its cause, and a
-- ledger entry moves the difference, so a paid-out commission becomes a
-- positive or negative balance.

-- What re-rates added to the commission's amount so far (either sign),
-- kept on the row like reversed_amount: the commission is worth amount +
-- rerated_amount, and refunds take back their share of that.
ALTER TABLE commissions ADD COLUMN rerated_amount numeric(20,6) NOT NULL DEFAULT 0;
ALTER TABLE commissions DROP CONSTRAINT commissions_check;
ALTER TABLE commissions ADD CONSTRAINT commissions_reversed_check
    CHECK (amount + rerated_amount >= 0 AND reversed_amount >= 0 AND reversed_amount <= amount + rerated_amount);

-- One row per re-rate of a commission: the rate it has from then on, how
-- much that changed its amount and what refunds take back of it, and the
-- late payment or refund that caused it.
CREATE TABLE commission_rerates (
    id                bigserial PRIMARY KEY,
    commission_id     bigint NOT NULL REFERENCES commissions(id),
    percent           numeric(9,4) NOT NULL,
    tier_min_volume   numeric(20,6),          -- NULL: the rule's base percent
    amount_unrounded  numeric(30,12) NOT NULL,
    amount            numeric(20,6) NOT NULL CHECK (amount >= 0), -- the commission as re-rated
    amount_change     numeric(20,6) NOT NULL,
    reversed_change   numeric(20,6) NOT NULL,
    currency          currency_code NOT NULL,
    cause_purchase_id bigint REFERENCES purchases(id),
    cause_refund_id   bigint REFERENCES refunds(id),
    explanation       text NOT NULL,
    created_at        timestamptz NOT NULL,
    CHECK (amount_change <> 0 OR reversed_change <> 0)
);
CREATE INDEX commission_rerates_commission ON commission_rerates (commission_id, id);
CREATE TRIGGER commission_rerates_kept BEFORE UPDATE OR DELETE ON commission_rerates
    FOR EACH ROW EXECUTE FUNCTION forbid_change();

-- Partner months whose tiers a reconciled payment or refund may have
-- changed: month is the first instant (UTC) of the month whose payments
-- are rated on the changed volume. The reconciler writes a row in the
-- transaction that reconciles the cause and deletes it in the one that
-- re-rates, so a crash loses none. The first cause is kept to name it.
CREATE TABLE tier_months_due (
    partner_id        bigint NOT NULL,
    month             timestamptz NOT NULL,
    cause_purchase_id bigint NOT NULL,
    cause_refund_id   bigint,
    PRIMARY KEY (partner_id, month)
);

ALTER TABLE ledger_entries ADD COLUMN rerate_id bigint;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
    CHECK (kind IN ('commission', 'reversal', 'flag', 'unflag', 'rerate', 'bonus', 'adjustment',
                    'payout', 'payout_reversal', 'payout_paid'));
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_check1;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pending_check
    CHECK ((bucket = 'pending') = (kind IN ('commission', 'reversal', 'flag', 'unflag', 'rerate')));
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_rerate_check
    CHECK ((kind = 'rerate') = (rerate_id IS NOT NULL));

-- +goose Down
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_rerate_check;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pending_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_check1
    CHECK ((bucket = 'pending') = (kind IN ('commission', 'reversal', 'flag', 'unflag')));
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
    CHECK (kind IN ('commission', 'reversal', 'flag', 'unflag', 'bonus', 'adjustment',
                    'payout', 'payout_reversal', 'payout_paid'));
ALTER TABLE ledger_entries DROP COLUMN rerate_id;
DROP TABLE tier_months_due;
DROP TABLE commission_rerates;
ALTER TABLE commissions DROP CONSTRAINT commissions_reversed_check;
ALTER TABLE commissions ADD CONSTRAINT commissions_check CHECK (reversed_amount >= 0 AND reversed_amount <= amount);
ALTER TABLE commissions DROP COLUMN rerated_amount;
