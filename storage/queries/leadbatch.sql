-- Purchases' promo codes decided as leads a batch at a time (the leads
-- step's fast path, commissions/leadbatch.go): each statement does for the
-- whole batch what its single-lead twin in customers.sql does for one
-- (bind-customers serves both paths).

-- name: mark-evidence-checked-many
UPDATE purchases SET evidence_checked_at = $2 WHERE id = ANY($1) AND evidence_checked_at IS NULL
RETURNING id;

-- name: reserve-customer-ids
-- Ids for $1 customers a batch is about to create (insert-new-customers).
SELECT nextval('customers_id_seq') FROM generate_series(1, $1::int);

-- name: insert-new-customers
-- The customers a batch found no row of, inserted as its decisions leave
-- them: with the ids reserved ($1), bound ($3 partner, 0 for none, by $4
-- at $5 with promo code $6) or noted unbound ($7, the reason), first seen
-- at $8, created at $9. Written once, instead of created unbound and then
-- rewritten by the binding (a new version of the row in every index).
-- Returns the external ids inserted: one missing was created meanwhile by
-- another transaction, and the caller decides the batch again.
INSERT INTO customers (id, external_id, partner_id, source, reason, bound_at, promo_code_id, first_seen_at, email, name, created_at)
SELECT u.id, u.external_id, nullif(u.partner_id, 0), nullif(u.source, ''), u.reason, nullif(u.bound_at, '')::timestamptz,
       nullif(u.promo_code_id, 0), u.seen, '', '', $9
  FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::timestamptz[])
       AS u(id, external_id, partner_id, source, bound_at, promo_code_id, reason, seen)
ON CONFLICT (external_id) DO NOTHING
RETURNING external_id;

-- name: customers-for-update
SELECT id, external_id, partner_id, bound_at, reason, email FROM customers
 WHERE external_id = ANY($1) ORDER BY id FOR UPDATE;

-- name: promo-codes-for-update
-- The promo codes the leads typed ($1, as typed), locked as promo-evidence
-- locks one; whether each was in force at its lead's instant is judged by
-- the caller.
SELECT u.typed, pc.id, pc.partner_id, (p.status = 'active') AS partner_active, pc.code, pc.status, pc.disabled_at,
       pc.valid_from, pc.valid_until, pc.max_uses, pc.uses
  FROM unnest($1::text[]) AS u(typed)
  JOIN promo_codes pc ON lower(pc.code) = lower(u.typed)
  JOIN partners p ON p.id = pc.partner_id
 ORDER BY pc.id
   FOR UPDATE OF pc;

-- name: self-referral-partners-many
SELECT DISTINCT customer_id, partner_id FROM attribution_decisions
 WHERE customer_id = ANY($1) AND reason = 'self_referral' AND partner_id IS NOT NULL;

-- name: note-unbound-customers
-- note-unbound-customer for many customers ($1, each once), with no email.
UPDATE customers c
   SET reason = CASE WHEN c.reason = 'existing_customer' THEN c.reason ELSE u.reason END,
       first_seen_at = least(c.first_seen_at, u.seen)
  FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) AS u(id, reason, seen)
 WHERE c.id = u.id AND c.partner_id IS NULL;

-- name: bind-customers
-- Binds customers ($1, each once, every one unbound) to partners ($2) by
-- a source ($3) at $4, with the click ($5, '' for none), link, promo code
-- and registration ($6 to $8, 0 for none) that bound each, and, in the
-- same statement, everything a binding sets off, at $9, for them and for
-- the customers ($10) this transaction inserted bound
-- (insert-new-customers):
--   * queues each customer for the fraud rules (review_due);
--   * purchases reported before the lead that bound a customer earn too
--     (those paid since the binding) or get a truer note (those before
--     it): the reconciler looks at them again. Their refunds, reconciled
--     while the purchase earned nothing (so they took nothing back), are
--     reopened with them: the reconciler reverses them once the purchase
--     earns. A purchase still waiting is locked, not passed over (DO
--     NOTHING locks nothing): another reconciler's batch would otherwise
--     take it off the queue before this binding commits, read its customer
--     as unbound, and leave it earning nothing for good. Locked, the batch
--     skips it (or, if the batch took it first, this insert waits and
--     queues it again). DO UPDATE ... WHERE false locks the waiting row
--     without writing a new version of it (a fifth of a binding's time
--     when every bound customer's purchase is waiting, as in an import);
--   * the registrations that bound them are marked bound;
--   * the promo codes that bound them have as many uses more (each cap was
--     checked under the row lock promo-evidence or promo-codes-for-update
--     took).
-- Returns how many were bound.
WITH u AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
        AS u(id, partner_id, source, bound_at, click_id, link_id, promo_code_id, registration_id)
), upd AS (
    UPDATE customers c
       SET partner_id = u.partner_id, source = u.source, reason = 'attributed', bound_at = u.bound_at,
           click_id = nullif(u.click_id, '')::uuid, link_id = nullif(u.link_id, 0),
           promo_code_id = nullif(u.promo_code_id, 0), registration_id = nullif(u.registration_id, 0),
           first_seen_at = least(c.first_seen_at, u.bound_at)
      FROM u
     WHERE c.id = u.id AND c.partner_id IS NULL
    RETURNING c.id, c.external_id, c.promo_code_id, c.registration_id
), b AS (
    SELECT * FROM upd
    UNION ALL
    SELECT c.id, c.external_id, c.promo_code_id, c.registration_id FROM customers c WHERE c.id = ANY($10::bigint[])
), due AS (
    INSERT INTO review_due (subject, id, queued_at) SELECT 'customer', id, $9 FROM b
    ON CONFLICT DO NOTHING
), reopened AS (
    SELECT p.customer_external_id, p.id FROM purchases p JOIN b ON p.customer_external_id = b.external_id
     -- event = 'sale' (the only commissions with a purchase) lets the
     -- partial index commissions_purchase answer; without it, every
     -- binding read the whole commissions table.
     WHERE NOT EXISTS (SELECT 1 FROM commissions c WHERE c.purchase_id = p.id AND c.event = 'sale')
), refunds_back AS (
    UPDATE refunds r SET reconciled_at = NULL
      FROM reopened p WHERE r.purchase_id = p.id AND r.reconciled_at IS NOT NULL
), queued AS (
    INSERT INTO purchases_waiting (customer_external_id, purchase_id)
    SELECT customer_external_id, id FROM reopened
    ON CONFLICT (customer_external_id, purchase_id) DO UPDATE SET purchase_id = EXCLUDED.purchase_id WHERE false
), registrations AS (
    UPDATE lead_registrations SET status = 'bound' WHERE id IN (SELECT registration_id FROM b)
), promo AS (
    UPDATE promo_codes pc SET uses = pc.uses + n.n, updated_at = $9
      FROM (SELECT promo_code_id, count(*) AS n FROM b WHERE promo_code_id IS NOT NULL GROUP BY 1) n
     WHERE pc.id = n.promo_code_id
)
SELECT count(*) FROM b;

-- name: insert-decisions
-- insert-decision for many purchases' leads (no lead, click or registration).
INSERT INTO attribution_decisions (customer_id, lead_id, purchase_id, partner_id, source, click_id,
                                   promo_code_id, registration_id, occurred_at, reason, detail, decided_at)
SELECT u.customer_id, NULL, u.purchase_id, nullif(u.partner_id, 0), nullif(u.source, ''), NULL,
       nullif(u.promo_code_id, 0), NULL, u.occurred_at, u.reason, u.detail, $9
  FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::timestamptz[], $7::text[], $8::text[])
       WITH ORDINALITY AS u(customer_id, purchase_id, partner_id, source, promo_code_id, occurred_at, reason, detail, n)
 ORDER BY u.n;
