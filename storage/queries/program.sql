-- Program settings, one row.

-- name: get-settings
SELECT name, default_currency, default_landing_url, allowed_domains,
       attribution_window_days, attribution_model, hold_days,
       registration_protection_days, cookie_name, cookie_domain, click_param,
       allow_self_referral, terms, updated_at, four_eyes_payouts, allow_code_requests, fraud_rules
  FROM program_settings WHERE id = 1;

-- name: update-settings
UPDATE program_settings
   SET name = $1, default_currency = $2, default_landing_url = $3, allowed_domains = $4,
       attribution_window_days = $5, attribution_model = $6, hold_days = $7,
       registration_protection_days = $8, cookie_name = $9, cookie_domain = $10,
       click_param = $11, allow_self_referral = $12, terms = $13, updated_at = $14,
       four_eyes_payouts = $15, allow_code_requests = $16, fraud_rules = $17
 WHERE id = 1;

-- name: upsert-min-payout
INSERT INTO min_payouts (currency, amount) VALUES ($1, $2)
ON CONFLICT (currency) DO UPDATE SET amount = EXCLUDED.amount;
