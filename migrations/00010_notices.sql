-- +goose Up
-- Notices: emails that tell a partner's owners what the program's team
-- decided (application approved or rejected, payout approved, rejected or
-- paid), queued in the outbox in the decision's transaction and sent by the
-- reconciler's notices step.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind CHECK (kind IN ('postback', 'notice'));

-- +goose Down
DELETE FROM outbox WHERE kind = 'notice';
ALTER TABLE outbox DROP CONSTRAINT outbox_kind;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind CHECK (kind IN ('postback'));
