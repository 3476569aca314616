-- +goose Up
-- Postbacks: when a partner with a postback URL earns a commission, the
-- reconciler queues a call of that URL in the outbox, in the same
-- transaction as the commission, and the postbacks step delivers it with
-- retries. The cabinet lists a partner's latest deliveries.
CREATE INDEX outbox_partner ON outbox (partner_id, id DESC);
ALTER TABLE outbox ADD CONSTRAINT outbox_kind CHECK (kind IN ('postback'));

-- +goose Down
ALTER TABLE outbox DROP CONSTRAINT outbox_kind;
DROP INDEX outbox_partner;
