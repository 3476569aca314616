-- The back office: queues, partners, decisions. Every change a staff member
-- makes writes its audit record in the same transaction.

-- name: admin-queues
SELECT (SELECT count(*) FROM partners WHERE status = 'applied') AS applications,
       (SELECT count(*) FROM lead_registrations WHERE status = 'pending') AS registrations,
       (SELECT count(*) FROM payouts WHERE status = 'requested') AS payout_requests,
       (SELECT count(*) FROM payouts WHERE status = 'approved') AS approved_payouts;

-- name: requested-payout-sums
SELECT currency, sum(amount) AS amount FROM payouts WHERE status = 'requested' GROUP BY currency ORDER BY currency;
