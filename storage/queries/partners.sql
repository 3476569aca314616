-- Partners.

-- name: partner-by-ref
SELECT id, ref, name, kind, status, partner_type_id, recruiter_id, contact_name,
       contact_email, website, promotion, certified_at, created_at
  FROM partners WHERE ref = $1;
