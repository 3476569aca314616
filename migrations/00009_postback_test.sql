-- +goose Up
-- A partner's latest test postback: when it was sent (at most one per
-- partner every 10 seconds) and how it went ('' delivered, NULL while it
-- runs, else the error), shown on the settings page.
ALTER TABLE partners ADD COLUMN postback_tested_at timestamptz,
                     ADD COLUMN postback_test_error text;

-- +goose Down
ALTER TABLE partners DROP COLUMN postback_tested_at, DROP COLUMN postback_test_error;
