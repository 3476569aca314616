-- Partners.

-- name: partner-by-ref
SELECT id, ref, name, kind, status, partner_type_id, recruiter_id, contact_name,
       contact_email, website, promotion, certified_at, created_at
  FROM partners WHERE ref = $1;

-- name: application-of
-- An application as its applicant sees and edits it.
SELECT p.id, p.ref, p.name, p.kind, p.status, p.partner_type_id, p.recruiter_id, p.contact_name,
       p.contact_email, p.website, p.promotion, p.certified_at, p.created_at, p.contact_phone,
       p.status_reason, coalesce(t.name, '') AS type_name
  FROM partners p LEFT JOIN partner_types t ON t.id = p.partner_type_id
 WHERE p.id = $1;

-- name: update-application
UPDATE partners SET kind = $2, name = $3, contact_name = $4, contact_phone = $5, website = $6,
       promotion = $7, partner_type_id = $8, updated_at = $9
 WHERE id = $1 AND status = 'applied';

-- name: approval-plan
-- The partner type an approval names and the plan of the version it
-- names: whether the version is of the type's default plan.
SELECT t.name AS type_name, t.default_plan_id, v.plan_id, pl.name AS plan, v.version
  FROM partner_types t CROSS JOIN plan_versions v JOIN plans pl ON pl.id = v.plan_id
 WHERE t.id = $1 AND v.id = $2;
