-- +goose Up
-- Four eyes on payouts: whoever approved a payout does not also mark it
-- paid, so releasing money takes two people. On by default; a program
-- whose finance team is one person turns it off in the settings, and then
-- each payout its approver marks paid says so (four_eyes_waived), as the
-- audit entry of the payment does. The database refuses a payment by the
-- approver that does not say it waived the rule.
ALTER TABLE program_settings ADD COLUMN four_eyes_payouts boolean NOT NULL DEFAULT true;

ALTER TABLE payouts
    -- Who marked it paid (payouts paid before this migration have none;
    -- the audit log names who).
    ADD COLUMN paid_by bigint REFERENCES users(id),
    ADD COLUMN four_eyes_waived boolean NOT NULL DEFAULT false,
    -- Who cancelled it and when: its partner, withdrawing a request, or
    -- finance, returning an approved payout the bank did not pay out.
    ADD COLUMN cancelled_by bigint REFERENCES users(id),
    ADD COLUMN cancelled_at timestamptz,
    ADD CONSTRAINT payouts_four_eyes CHECK (paid_by IS NULL OR paid_by IS DISTINCT FROM decided_by OR four_eyes_waived);

-- +goose Down
ALTER TABLE payouts DROP CONSTRAINT payouts_four_eyes, DROP COLUMN cancelled_at, DROP COLUMN cancelled_by,
    DROP COLUMN four_eyes_waived, DROP COLUMN paid_by;
ALTER TABLE program_settings DROP COLUMN four_eyes_payouts;
