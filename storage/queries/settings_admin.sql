-- Program settings, minimum payouts and API keys as the back office
-- changes them; every change is audited in the same transaction.

-- name: lock-settings
-- The settings row, locked: two admins saving at once are applied one
-- after the other, each audited against what it replaced.
SELECT name, default_currency, default_landing_url, allowed_domains,
       attribution_window_days, attribution_model, hold_days,
       registration_protection_days, cookie_name, cookie_domain, click_param,
       allow_self_referral, terms, updated_at, four_eyes_payouts, allow_code_requests, fraud_rules
  FROM program_settings WHERE id = 1 FOR UPDATE;

-- name: delete-min-payouts-except
DELETE FROM min_payouts WHERE currency::text <> ALL($1::text[]);

-- name: api-keys
SELECT id, name, prefix, created_at, last_used_at, revoked_at
  FROM api_keys ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC;

-- name: api-key-by-id
SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys WHERE id = $1;

-- name: revoke-api-key
UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL;
