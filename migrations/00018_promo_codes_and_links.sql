-- +goose Up
-- Promo codes and links managed in the product (issue 18).

-- A promo code is handed to one partner for good: staff create it (or
-- approve a partner's request for a vanity code), may limit it in time and
-- in customers, disable and re-enable it; it is never deleted or given to
-- another partner (promo_codes_code keeps it unique ignoring case, whatever
-- its status).
ALTER TABLE promo_codes
    ADD COLUMN status      text NOT NULL DEFAULT 'active'
                           CHECK (status IN ('active', 'disabled', 'requested', 'rejected')),
    ADD COLUMN label       text NOT NULL DEFAULT '' CHECK (length(label) <= 100),
    ADD COLUMN discount    text NOT NULL DEFAULT '' CHECK (length(discount) <= 200), -- what the customer gets, as the partner tells it
    ADD COLUMN valid_from  timestamptz,
    ADD COLUMN valid_until timestamptz,
    ADD COLUMN max_uses    integer CHECK (max_uses > 0),      -- customers it may bind; NULL is no cap
    ADD COLUMN uses        integer NOT NULL DEFAULT 0,         -- customers it has bound
    ADD COLUMN note        text NOT NULL DEFAULT '' CHECK (length(note) <= 500),   -- the partner's word on a request
    ADD COLUMN reason      text NOT NULL DEFAULT '' CHECK (length(reason) <= 500), -- staff's reason to disable or refuse (the partner sees it)
    ADD COLUMN updated_at  timestamptz;
UPDATE promo_codes SET status = 'disabled' WHERE disabled_at IS NOT NULL;
UPDATE promo_codes SET updated_at = coalesce(disabled_at, created_at);
ALTER TABLE promo_codes
    ALTER COLUMN updated_at SET NOT NULL,
    ADD CONSTRAINT promo_codes_period CHECK (valid_until IS NULL OR valid_from IS NULL OR valid_until > valid_from),
    ADD CONSTRAINT promo_codes_disabled CHECK ((status = 'disabled') = (disabled_at IS NOT NULL)),
    ADD CONSTRAINT promo_codes_uses CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses));
CREATE INDEX promo_codes_updated ON promo_codes (updated_at);
CREATE INDEX promo_codes_requested ON promo_codes (created_at) WHERE status = 'requested';

-- A link disabled by staff carries the reason the partner sees, and only
-- staff may enable it again.
ALTER TABLE links
    ADD COLUMN disabled_by_staff boolean NOT NULL DEFAULT false,
    ADD COLUMN disabled_reason   text NOT NULL DEFAULT '' CHECK (length(disabled_reason) <= 500);

-- A promo code outside its period or past its cap binds no one; the
-- decision says so.
ALTER TABLE attribution_decisions DROP CONSTRAINT attribution_decisions_reason_check;
ALTER TABLE attribution_decisions ADD CONSTRAINT attribution_decisions_reason_check
    CHECK (reason IN ('attributed', 'expired_click', 'unknown_code', 'code_not_valid',
                      'partner_inactive', 'existing_customer', 'self_referral', 'already_bound',
                      'no_evidence', 'reassigned'));

-- Partners may ask for a vanity promo code when the program allows it.
ALTER TABLE program_settings ADD COLUMN allow_code_requests boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE program_settings DROP COLUMN allow_code_requests;
ALTER TABLE attribution_decisions DROP CONSTRAINT attribution_decisions_reason_check;
ALTER TABLE attribution_decisions ADD CONSTRAINT attribution_decisions_reason_check
    CHECK (reason IN ('attributed', 'expired_click', 'unknown_code',
                      'partner_inactive', 'existing_customer', 'self_referral', 'already_bound',
                      'no_evidence', 'reassigned'));
ALTER TABLE links DROP COLUMN disabled_reason, DROP COLUMN disabled_by_staff;
DROP INDEX promo_codes_requested;
DROP INDEX promo_codes_updated;
ALTER TABLE promo_codes DROP CONSTRAINT promo_codes_uses, DROP CONSTRAINT promo_codes_disabled,
    DROP CONSTRAINT promo_codes_period,
    DROP COLUMN status, DROP COLUMN label, DROP COLUMN discount, DROP COLUMN valid_from,
    DROP COLUMN valid_until, DROP COLUMN max_uses, DROP COLUMN uses, DROP COLUMN note,
    DROP COLUMN reason, DROP COLUMN updated_at;
