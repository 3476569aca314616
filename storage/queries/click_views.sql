-- Landing page views the vendor-side script (pk.js) confirmed, recorded by
-- the tracker's view writer (tracker/views.go); the cookie stuffing rule
-- (review.sql) reads them.

-- name: insert-click-views
-- Views of the clicks $1, seen at $2 (the tracker's clock when each view
-- arrived), element by element. A click seen before keeps its first view,
-- as does a click twice in the batch: a repeat adds nothing.
INSERT INTO click_views (click_id, seen_at)
SELECT * FROM unnest($1::uuid[], $2::timestamptz[])
ON CONFLICT DO NOTHING;
