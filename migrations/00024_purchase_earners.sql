-- +goose Up
-- The partner a purchase earns for, kept by the reconciler in a table of
-- its own instead of a column of purchases that a row trigger filled as
-- each purchase was recorded. Recording a purchase is now an insert and
-- its queue row: the trigger (a plpgsql call and a lookup of the customer
-- per row) and the cabinet's index by partner were more than half of
-- recording (make bench-reconcile: COPY of 1,000,000 purchases 21.5 s
-- against 2.4 s into a plain table, 9.6 s without them). The reconciler
-- writes a purchase's row in the transaction that writes its commissions
-- (insert-new-commissions), a narrow row where setting the column had
-- rewritten the wide purchase row in every index. A purchase has a row
-- here exactly when it earns (the customer's partner on its date, as the
-- purchases step decides it): what the cabinet counts as the partner's
-- customers' payments. The purchase's own figures are copied (purchases
-- never change), so the cabinet's sums read this index only.
CREATE TABLE purchase_earners (
    purchase_id           bigint PRIMARY KEY, -- no foreign keys: purchases are never deleted, and the commissions that name the same purchase and partner have theirs
    partner_id            bigint NOT NULL,
    customer_external_id  text NOT NULL,
    occurred_at           timestamptz NOT NULL,
    amount                numeric(20,6) NOT NULL,
    currency              currency_code NOT NULL
);
CREATE INDEX purchase_earners_partner ON purchase_earners (partner_id, occurred_at)
    INCLUDE (customer_external_id, amount, currency);
INSERT INTO purchase_earners (purchase_id, partner_id, customer_external_id, occurred_at, amount, currency)
SELECT id, partner_id, customer_external_id, occurred_at, amount, currency FROM purchases WHERE partner_id IS NOT NULL;
ANALYZE purchase_earners;

DROP TRIGGER purchases_partner_at_insert ON purchases;
DROP FUNCTION purchases_partner_at_insert();
DROP INDEX purchases_partner;
ALTER TABLE purchases DROP COLUMN partner_id;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_money(from_at timestamptz, to_at timestamptz)
RETURNS TABLE (partner_id bigint, currency text, paid numeric, refunded numeric, pending numeric,
               available numeric, rejected numeric, reversed numeric) AS $$
SELECT x.partner_id, x.currency, sum(x.paid), sum(x.refunded), sum(x.pending), sum(x.available), sum(x.rejected), sum(x.reversed)
  FROM (
        SELECT p.id AS partner_id, y.currency, y.paid, 0::numeric AS refunded,
               0::numeric AS pending, 0::numeric AS available, 0::numeric AS rejected, 0::numeric AS reversed
          FROM partners p
         CROSS JOIN LATERAL (
                SELECT pu.currency::text AS currency, sum(pu.amount) AS paid FROM purchase_earners pu
                 WHERE pu.partner_id = p.id AND pu.occurred_at >= from_at AND pu.occurred_at < to_at
                 GROUP BY pu.currency) y
        UNION ALL
        SELECT pu.partner_id, r.currency::text, 0, sum(r.amount), 0, 0, 0, 0
          FROM refunds r JOIN purchase_earners pu ON pu.purchase_id = r.purchase_id
         WHERE r.occurred_at >= from_at AND r.occurred_at < to_at
         GROUP BY pu.partner_id, r.currency
        UNION ALL
        SELECT p.id, y.currency, 0, 0, y.pending, y.available, y.rejected, y.reversed
          FROM partners p
         CROSS JOIN LATERAL (
                SELECT c.currency::text AS currency,
                       coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE commission_status(c.status, c.flagged, c.hold_until) = 'pending'), 0) AS pending,
                       coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE commission_status(c.status, c.flagged, c.hold_until) = 'available'), 0) AS available,
                       coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE c.status = 'rejected'), 0) AS rejected,
                       sum(c.reversed_amount) AS reversed
                  FROM commissions c
                 WHERE c.partner_id = p.id AND c.earned_at >= from_at AND c.earned_at < to_at
                 GROUP BY c.currency) y
       ) x
 GROUP BY x.partner_id, x.currency
$$ LANGUAGE sql STABLE;

-- +goose StatementEnd

-- +goose Down
ALTER TABLE purchases ADD COLUMN partner_id bigint;
UPDATE purchases p SET partner_id = e.partner_id FROM purchase_earners e WHERE e.purchase_id = p.id;
CREATE INDEX purchases_partner ON purchases (partner_id, occurred_at)
    INCLUDE (customer_external_id, amount, currency) WHERE partner_id IS NOT NULL;
-- +goose StatementBegin
CREATE FUNCTION purchases_partner_at_insert() RETURNS trigger AS $$
BEGIN
    SELECT c.partner_id INTO NEW.partner_id FROM customers c
     WHERE c.external_id = NEW.customer_external_id AND NEW.occurred_at >= c.bound_at;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER purchases_partner_at_insert BEFORE INSERT ON purchases
    FOR EACH ROW EXECUTE FUNCTION purchases_partner_at_insert();
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_money(from_at timestamptz, to_at timestamptz)
RETURNS TABLE (partner_id bigint, currency text, paid numeric, refunded numeric, pending numeric,
               available numeric, rejected numeric, reversed numeric) AS $$
SELECT x.partner_id, x.currency, sum(x.paid), sum(x.refunded), sum(x.pending), sum(x.available), sum(x.rejected), sum(x.reversed)
  FROM (
        SELECT p.id AS partner_id, y.currency, y.paid, 0::numeric AS refunded,
               0::numeric AS pending, 0::numeric AS available, 0::numeric AS rejected, 0::numeric AS reversed
          FROM partners p
         CROSS JOIN LATERAL (
                SELECT pu.currency::text AS currency, sum(pu.amount) AS paid FROM purchases pu
                 WHERE pu.partner_id = p.id AND pu.occurred_at >= from_at AND pu.occurred_at < to_at
                 GROUP BY pu.currency) y
        UNION ALL
        SELECT pu.partner_id, r.currency::text, 0, sum(r.amount), 0, 0, 0, 0
          FROM refunds r JOIN purchases pu ON pu.id = r.purchase_id
         WHERE r.occurred_at >= from_at AND r.occurred_at < to_at AND pu.partner_id IS NOT NULL
         GROUP BY pu.partner_id, r.currency
        UNION ALL
        SELECT p.id, y.currency, 0, 0, y.pending, y.available, y.rejected, y.reversed
          FROM partners p
         CROSS JOIN LATERAL (
                SELECT c.currency::text AS currency,
                       coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE commission_status(c.status, c.flagged, c.hold_until) = 'pending'), 0) AS pending,
                       coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE commission_status(c.status, c.flagged, c.hold_until) = 'available'), 0) AS available,
                       coalesce(sum(c.amount + c.rerated_amount - c.reversed_amount) FILTER (WHERE c.status = 'rejected'), 0) AS rejected,
                       sum(c.reversed_amount) AS reversed
                  FROM commissions c
                 WHERE c.partner_id = p.id AND c.earned_at >= from_at AND c.earned_at < to_at
                 GROUP BY c.currency) y
       ) x
 GROUP BY x.partner_id, x.currency
$$ LANGUAGE sql STABLE;

-- +goose StatementEnd
DROP TABLE purchase_earners;
