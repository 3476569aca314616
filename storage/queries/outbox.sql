-- The outbox: postbacks and notices, queued with the change they tell of
-- and delivered by their reconciler steps (see storage/outbox.go).

-- name: outbox-delivered
-- A delivered outbox message (a postback or a notice).
UPDATE outbox SET attempts = attempts + 1, sent_at = $2, last_error = '' WHERE id = $1;

-- name: outbox-failed
-- A failed attempt: tried again at $3 (storage.OutboxNever once it has
-- given up).
UPDATE outbox SET attempts = attempts + 1, next_at = $3, last_error = $2 WHERE id = $1;

-- name: outbox-backlog
-- Messages not delivered yet, per kind, waiting or given up: for the
-- reconciler's metrics (the partial index outbox_due holds exactly these).
SELECT kind, next_at >= '9999-12-31' AS given_up, count(*) AS n
  FROM outbox WHERE sent_at IS NULL
 GROUP BY 1, 2 ORDER BY 1, 2;
