-- +goose Up
-- Fraud rules and the review queue (issue 22). The rules run in the
-- reconciler's review step, never on the tracker's path; a flag carries the
-- evidence that tripped it and holds commissions (pending, whatever their
-- hold says) until a manager decides: clear (the money follows its hold
-- again), confirm (the commissions are rejected through the ledger) or
-- suspend the partner (confirm, and the partner stops).

-- The rules' switches and thresholds, as the back office saves them
-- (partnerka.FraudRules; a missing key takes the default in code).
ALTER TABLE program_settings ADD COLUMN fraud_rules jsonb NOT NULL DEFAULT '{}';

-- One flag per partner, rule and key (the customer, the day, the network
-- and window...): evaluating a rule again over the same evidence adds
-- nothing. customer_id is set when the flag is about one customer (it then
-- holds that customer's commissions for the partner, released or paid ones
-- included: confirming claws them back like a refund); a flag about the
-- partner holds the commissions still in their hold when it is raised and
-- those earned while it is open.
CREATE TABLE review_flags (
    id           bigserial PRIMARY KEY,
    partner_id   bigint NOT NULL REFERENCES partners(id),
    rule         text NOT NULL CHECK (rule IN ('self_referral', 'shared_details', 'click_spam', 'fast_lead',
                                               'cookie_stuffing', 'refund_anomaly', 'conversion_spike')),
    key          text NOT NULL,
    customer_id  bigint REFERENCES customers(id),
    evidence     jsonb NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cleared', 'confirmed')),
    created_at   timestamptz NOT NULL,
    decided_at   timestamptz,
    decided_by   bigint REFERENCES users(id),
    decision     text CHECK (decision IN ('clear', 'confirm', 'suspend')),
    reason       text NOT NULL DEFAULT '',
    UNIQUE (partner_id, rule, key),
    CHECK ((status = 'open') = (decided_at IS NULL)),
    CHECK (status = 'open' OR reason <> '')
);
CREATE INDEX review_flags_open ON review_flags (partner_id, rule, created_at) WHERE status = 'open';
CREATE INDEX review_flags_partner ON review_flags (partner_id, created_at);

-- The commissions a flag holds (kept after the decision: the evidence of
-- what it decided).
CREATE TABLE review_flag_commissions (
    flag_id        bigint NOT NULL REFERENCES review_flags(id),
    commission_id  bigint NOT NULL,
    PRIMARY KEY (flag_id, commission_id)
);
CREATE INDEX review_flag_commissions_commission ON review_flag_commissions (commission_id);

-- Flagged commissions not yet rejected: the review step's and the queue's
-- way to them without reading a partner's every commission.
CREATE INDEX commissions_flagged ON commissions (partner_id) WHERE flagged AND status = 'earned';

-- What the review step has to look at: a customer just bound (self-
-- referral, click-to-lead time, invisible clicks, a spike of
-- conversions), a partner whose payout details changed, whose refunds
-- were reconciled, or whose team signed in from a new network. Written in
-- the transaction that causes it, deleted in the one that evaluates it.
CREATE TABLE review_due (
    subject    text NOT NULL CHECK (subject IN ('customer', 'details', 'refunds', 'sign_in')),
    id         bigint NOT NULL,
    queued_at  timestamptz NOT NULL,
    PRIMARY KEY (subject, id)
);

-- Clicks per partner, network (/24, IPv6 /64) and 10-minute window, added
-- by the click drain from the clicks it stores (a redelivered batch adds
-- nothing): the click spam rule reads the busy ones.
CREATE TABLE click_bursts (
    partner_id  bigint NOT NULL,
    network     cidr NOT NULL,
    window_at   timestamptz NOT NULL,
    clicks      bigint NOT NULL,
    PRIMARY KEY (partner_id, network, window_at)
);
CREATE INDEX click_bursts_busy ON click_bursts (window_at) WHERE clicks >= 10;

-- Landing page views the vendor-side script confirmed (pk.js): a click
-- with neither a referrer nor a view was never seen by a person (a
-- prefetch, a hidden frame), the cookie stuffing rule's evidence.
CREATE TABLE click_views (
    click_id  uuid PRIMARY KEY,
    seen_at   timestamptz NOT NULL
);

-- The form two emails are compared in: lower case, without a +tag, and
-- for Gmail without dots (one mailbox has all those names).
-- +goose StatementBegin
CREATE FUNCTION email_key(email text) RETURNS text AS $$
    SELECT CASE WHEN d IN ('gmail.com', 'googlemail.com') THEN replace(l, '.', '') || '@gmail.com' ELSE l || '@' || d END
      FROM (SELECT split_part(split_part(lower(email), '@', 1), '+', 1) AS l, split_part(lower(email), '@', 2) AS d) x
$$ LANGUAGE sql IMMUTABLE;
-- +goose StatementEnd

-- The network of a sign-in address (an IPv4 address or an IPv6 /64, as
-- sign_in_addresses keeps them): IPv4 to v4bits, IPv6 to /64; NULL for
-- anything else.
-- +goose StatementBegin
CREATE FUNCTION address_net(address text, v4bits int) RETURNS cidr AS $$
BEGIN
    RETURN network(set_masklen(address::inet, CASE family(address::inet) WHEN 4 THEN v4bits ELSE 64 END));
EXCEPTION WHEN invalid_text_representation THEN
    RETURN NULL;
END
$$ LANGUAGE plpgsql IMMUTABLE;
-- +goose StatementEnd

-- The key a payout account is compared by: lower case, letters, digits
-- and @ . only (a card number with or without spaces is one key).
-- +goose StatementBegin
CREATE FUNCTION payout_account_key(details jsonb) RETURNS text AS $$
    SELECT nullif(regexp_replace(lower(coalesce(details->>'account', '')), '[^0-9a-z@.]', '', 'g'), '')
$$ LANGUAGE sql IMMUTABLE;
-- +goose StatementEnd
CREATE INDEX partners_payout_account ON partners (payout_account_key(payout_details))
    WHERE payout_account_key(payout_details) IS NOT NULL;

-- A confirmed flag rejects its commissions: what is left of each (after
-- refunds) leaves the pending bucket it was held in, at no instant (a
-- flagged commission's money sits there), so a commission released and
-- paid before the flag leaves a negative available balance, as a refund's
-- reversal does.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
    CHECK (kind IN ('commission', 'reversal', 'flag', 'unflag', 'rerate', 'rejection', 'bonus', 'adjustment',
                    'payout', 'payout_reversal', 'payout_paid'));
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pending_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pending_check
    CHECK ((bucket = 'pending') = (kind IN ('commission', 'reversal', 'flag', 'unflag', 'rerate', 'rejection')));

-- +goose Down
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_pending_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_pending_check
    CHECK ((bucket = 'pending') = (kind IN ('commission', 'reversal', 'flag', 'unflag', 'rerate')));
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_kind_check;
ALTER TABLE ledger_entries ADD CONSTRAINT ledger_entries_kind_check
    CHECK (kind IN ('commission', 'reversal', 'flag', 'unflag', 'rerate', 'bonus', 'adjustment',
                    'payout', 'payout_reversal', 'payout_paid'));
DROP INDEX partners_payout_account;
DROP FUNCTION payout_account_key(jsonb);
DROP FUNCTION address_net(text, int);
DROP FUNCTION email_key(text);
DROP TABLE click_views;
DROP TABLE click_bursts;
DROP TABLE review_due;
DROP INDEX commissions_flagged;
DROP TABLE review_flag_commissions;
DROP TABLE review_flags;
ALTER TABLE program_settings DROP COLUMN fraud_rules;
