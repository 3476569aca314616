-- +goose Up
-- Another id a provider gives the same purchase: Stripe names an invoice's
-- payment by its payment intent (pi_...) in refunds, while the purchase is
-- recorded by the invoice (in_...). A refund naming an alias is recorded
-- against the purchase it stands for.
CREATE TABLE billing_aliases (
    provider     text NOT NULL,
    alias        text NOT NULL,
    purchase_id  text NOT NULL,
    PRIMARY KEY (provider, alias)
);

-- +goose Down
DROP TABLE billing_aliases;
