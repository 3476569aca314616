-- +goose Up
-- The cabinet's sums over a partner's commissions and pending entries
-- read their indexes only. The largest partner of make bench-cabinet
-- (200,000 commissions, one in ten on a heap page of its own) had its
-- daily earnings read 20,000 heap pages a 30-day dashboard (72 of 80 ms),
-- the earnings totals as many, and the next release 15,500 (111 ms); with
-- what they read in the index: 13, 26 and 5 ms. The commission index is
-- wider (161 MB for 2,000,000 commissions) and a refund or a decision on a
-- commission now rewrites its index entry; the insert of a commission
-- writes one entry as before.
DROP INDEX commissions_partner;
CREATE INDEX commissions_partner ON commissions (partner_id, earned_at, id)
    INCLUDE (amount, currency, rerated_amount, reversed_amount, status, flagged, hold_until);
DROP INDEX ledger_pending;
CREATE INDEX ledger_pending ON ledger_entries (partner_id, available_at) INCLUDE (currency) WHERE bucket = 'pending';

-- +goose Down
DROP INDEX ledger_pending;
CREATE INDEX ledger_pending ON ledger_entries (partner_id, available_at) WHERE bucket = 'pending';
DROP INDEX commissions_partner;
CREATE INDEX commissions_partner ON commissions (partner_id, earned_at, id) INCLUDE (amount, currency);
