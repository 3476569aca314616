-- +goose Up
-- One clock. Every instant a row carries (created, received, decided,
-- changed, due) is the program's clock, passed to SQL as a parameter by
-- the code that writes the row; the database's now() feeds none of them.
-- A page that groups a bonus into a month, a hold that ends, a notice that
-- falls due: each compares instants of that one clock, whatever the
-- database host's clock says. With no default left, a writer that forgets
-- to date its row fails on NOT NULL instead of taking the database's time.
-- (The settings row inserted by the first migration keeps the instant it
-- was migrated at: nothing compares it, and saving the settings dates it
-- by the program's clock.)
ALTER TABLE program_settings ALTER COLUMN updated_at DROP DEFAULT;
ALTER TABLE api_keys ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE plans ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE plan_versions ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE partners ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT;
ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE sessions ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN last_seen_at DROP DEFAULT;
ALTER TABLE password_resets ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE invitations ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE login_failures ALTER COLUMN at DROP DEFAULT;
ALTER TABLE contracts ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE links ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN updated_at DROP DEFAULT;
ALTER TABLE promo_codes ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE lead_registrations ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE customers ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE leads ALTER COLUMN processed_at DROP DEFAULT;
ALTER TABLE attribution_decisions ALTER COLUMN decided_at DROP DEFAULT;
ALTER TABLE purchases ALTER COLUMN received_at DROP DEFAULT;
ALTER TABLE refunds ALTER COLUMN received_at DROP DEFAULT;
ALTER TABLE commissions ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE commission_reversals ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE payouts ALTER COLUMN requested_at DROP DEFAULT;
ALTER TABLE ledger_entries ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE audit_log ALTER COLUMN at DROP DEFAULT;
ALTER TABLE materials ALTER COLUMN created_at DROP DEFAULT;
ALTER TABLE outbox ALTER COLUMN created_at DROP DEFAULT, ALTER COLUMN next_at DROP DEFAULT;

-- +goose Down
ALTER TABLE program_settings ALTER COLUMN updated_at SET DEFAULT now();
ALTER TABLE api_keys ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE plans ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE plan_versions ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE partners ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now();
ALTER TABLE users ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE sessions ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN last_seen_at SET DEFAULT now();
ALTER TABLE password_resets ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE invitations ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE login_failures ALTER COLUMN at SET DEFAULT now();
ALTER TABLE contracts ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE links ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN updated_at SET DEFAULT now();
ALTER TABLE promo_codes ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE lead_registrations ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE customers ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE leads ALTER COLUMN processed_at SET DEFAULT now();
ALTER TABLE attribution_decisions ALTER COLUMN decided_at SET DEFAULT now();
ALTER TABLE purchases ALTER COLUMN received_at SET DEFAULT now();
ALTER TABLE refunds ALTER COLUMN received_at SET DEFAULT now();
ALTER TABLE commissions ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE commission_reversals ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE payouts ALTER COLUMN requested_at SET DEFAULT now();
ALTER TABLE ledger_entries ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE audit_log ALTER COLUMN at SET DEFAULT now();
ALTER TABLE materials ALTER COLUMN created_at SET DEFAULT now();
ALTER TABLE outbox ALTER COLUMN created_at SET DEFAULT now(), ALTER COLUMN next_at SET DEFAULT now();
