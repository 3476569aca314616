-- +goose Up
-- The per-partner figures of the back office's reports, each stated once:
-- the report page reads them whole, and the CSV exports stream them in
-- the order each report ranks them (storage/queries/reports.sql). Plain
-- SQL functions, so PostgreSQL inlines them into the query that calls
-- them and plans each as if it were written there. Every instant is a
-- parameter: a period [from_at, to_at) and its UTC days [from_day, to_day).

-- +goose StatementBegin
-- report_activity is the funnel of each approved (active or suspended)
-- partner in the period. leads: customers bound in the period, plus leads
-- the partner registered by hand in the period that did not become one
-- of those customers; customers: bound in the period; paying: of those
-- customers, the ones who paid since they were bound (to date; by the
-- purchases_customer index). Clicks from the daily stats, never raw clicks.
CREATE FUNCTION report_activity(from_day date, to_day date, from_at timestamptz, to_at timestamptz)
RETURNS TABLE (id bigint, ref text, name text, status text, clicks bigint, unique_clicks bigint,
               leads bigint, customers bigint, paying bigint) AS $$
SELECT p.id, p.ref, p.name, p.status,
       coalesce(k.clicks, 0)::bigint AS clicks, coalesce(k.unique_clicks, 0)::bigint AS unique_clicks,
       c.customers + r.registrations - c.from_registrations AS leads,
       c.customers, c.paying
  FROM partners p
 CROSS JOIN LATERAL (
        SELECT sum(s.clicks) AS clicks, sum(s.unique_clicks) AS unique_clicks
          FROM click_stats_daily s
         WHERE s.partner_id = p.id AND s.day >= from_day AND s.day < to_day) k
 CROSS JOIN LATERAL (
        SELECT count(*) AS registrations FROM lead_registrations lr
         WHERE lr.partner_id = p.id AND lr.created_at >= from_at AND lr.created_at < to_at) r
 CROSS JOIN LATERAL (
        SELECT count(*) AS customers,
               count(*) FILTER (WHERE lr.partner_id = p.id AND lr.created_at >= from_at AND lr.created_at < to_at) AS from_registrations,
               count(pay.one) AS paying
          FROM customers cu
          LEFT JOIN lead_registrations lr ON lr.id = cu.registration_id
          LEFT JOIN LATERAL (
                SELECT 1 AS one FROM purchases pu
                 WHERE pu.customer_external_id = cu.external_id AND pu.occurred_at >= cu.bound_at LIMIT 1) pay ON true
         WHERE cu.partner_id = p.id AND cu.bound_at >= from_at AND cu.bound_at < to_at) c
 WHERE p.status IN ('active', 'suspended')
$$ LANGUAGE sql STABLE;

-- report_money is what each partner's customers paid and what the partner
-- earned in the period, per currency: one row per partner and currency
-- with any of them. paid: purchases in the period (purchases carry their
-- partner once reconciled); refunded: refunds made in the period of
-- purchases that earned for the partner, whenever those were; pending,
-- available, rejected: commissions earned in the period by status, net of
-- what refunds took back (to date); reversed: what they took back. Each
-- partner's rows are read by its (partner_id, time) indexes.
CREATE FUNCTION report_money(from_at timestamptz, to_at timestamptz)
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

-- +goose Down
DROP FUNCTION report_money(timestamptz, timestamptz);
DROP FUNCTION report_activity(date, date, timestamptz, timestamptz);
