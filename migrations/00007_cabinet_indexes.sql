-- +goose Up
-- The partner's dashboard and earnings read a partner's recent purchases
-- and commissions by date: these indexes carry the columns those pages sum
-- and count, so PostgreSQL answers from the index alone (an index-only
-- scan) instead of visiting a heap page per row. Vacuum keeps the
-- visibility map those scans rely on current sooner than by default.
DROP INDEX purchases_partner;
CREATE INDEX purchases_partner ON purchases (partner_id, occurred_at)
    INCLUDE (customer_external_id, amount, currency) WHERE partner_id IS NOT NULL;
DROP INDEX commissions_partner;
CREATE INDEX commissions_partner ON commissions (partner_id, earned_at, id) INCLUDE (amount, currency);
ALTER TABLE purchases SET (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05);
ALTER TABLE commissions SET (autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_vacuum_scale_factor = 0.05);

-- +goose Down
ALTER TABLE commissions RESET (autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_scale_factor);
ALTER TABLE purchases RESET (autovacuum_vacuum_insert_scale_factor, autovacuum_vacuum_scale_factor);
DROP INDEX commissions_partner;
CREATE INDEX commissions_partner ON commissions (partner_id, earned_at);
DROP INDEX purchases_partner;
CREATE INDEX purchases_partner ON purchases (partner_id, occurred_at) WHERE partner_id IS NOT NULL;
