-- +goose Up
-- +goose StatementBegin
-- commission_status_at is commission_status given the release mark: a
-- plain expression the planner inlines, so a query that sums thousands of
-- commissions by state (the earnings page's totals) reads the mark once,
-- joined, instead of once per row and state. The three-argument form says
-- the same rule through it, so the rule is written once.
CREATE FUNCTION commission_status_at(status text, flagged boolean, hold_until timestamptz, released_through timestamptz)
RETURNS text AS $$
    SELECT CASE WHEN status = 'rejected' THEN 'rejected'
                WHEN flagged OR hold_until > released_through THEN 'pending'
                ELSE 'available' END
$$ LANGUAGE sql IMMUTABLE;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION commission_status(status text, flagged boolean, hold_until timestamptz) RETURNS text AS $$
    SELECT commission_status_at(status, flagged, hold_until, (SELECT released_through FROM ledger_release))
$$ LANGUAGE sql STABLE;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION commission_status(status text, flagged boolean, hold_until timestamptz) RETURNS text AS $$
    SELECT CASE WHEN status = 'rejected' THEN 'rejected'
                WHEN flagged OR hold_until > (SELECT released_through FROM ledger_release) THEN 'pending'
                ELSE 'available' END
$$ LANGUAGE sql STABLE;
-- +goose StatementEnd
DROP FUNCTION commission_status_at(text, boolean, timestamptz, timestamptz);
