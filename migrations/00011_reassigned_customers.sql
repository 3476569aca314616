-- +goose Up
-- Reassigned customers, few among many: the tier volume query looks up
-- the binding their earlier payments were made under.
CREATE INDEX customers_reassigned ON customers (id) WHERE reason = 'reassigned';

-- +goose Down
DROP INDEX customers_reassigned;
