-- name: audit-names
-- The names the audit log shows for the ids a page of it refers to, all
-- kinds in one round trip: partners ($1), plans ($2), plan versions ($3),
-- users ($4), payouts ($5, with their amount and partner) and partner
-- types ($6). A plan version names its plan and number, for its link.
SELECT /* storage.AuditNames */ 'partner' AS kind, id, name, NULL::numeric AS amount, '' AS currency,
       0::bigint AS plan_id, 0 AS version
  FROM partners WHERE id = ANY($1::bigint[])
UNION ALL
SELECT 'plan', id, name, NULL, '', 0, 0 FROM plans WHERE id = ANY($2::bigint[])
UNION ALL
SELECT 'plan_version', v.id, p.name || ' v' || v.version, NULL, '', v.plan_id, v.version
  FROM plan_versions v JOIN plans p ON p.id = v.plan_id WHERE v.id = ANY($3::bigint[])
UNION ALL
SELECT 'user', id, CASE WHEN name = '' THEN email ELSE name || ' <' || email || '>' END, NULL, '', 0, 0
  FROM users WHERE id = ANY($4::bigint[])
UNION ALL
SELECT 'payout', po.id, pa.name, po.amount, po.currency, 0, 0
  FROM payouts po JOIN partners pa ON pa.id = po.partner_id WHERE po.id = ANY($5::bigint[])
UNION ALL
SELECT 'partner_type', id, name, NULL, '', 0, 0 FROM partner_types WHERE id = ANY($6::bigint[]);
