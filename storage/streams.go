package storage

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Stream names (before the key prefix) and the reconciler's consumer group.
const (
	LeadStream     = "leads"
	ReconcileGroup = "reconciler"
	deadSuffix     = ":dead"
)

// EnsureGroup creates the consumer group of stream (and the stream) if
// missing, starting from the first entry so nothing written before the
// first reconciler run is skipped.
func (r *Redis) EnsureGroup(ctx context.Context, stream string) error {
	err := r.XGroupCreateMkStream(ctx, r.Key(stream), ReconcileGroup, "0").Err()
	if err != nil && strings.Contains(err.Error(), "BUSYGROUP") {
		return nil
	}
	return err
}

// ReadGroup returns up to count entries for consumer: first entries other
// consumers left pending longer than reclaimAfter (a reconciler that died),
// then new ones. It does not block.
func (r *Redis) ReadGroup(ctx context.Context, stream, consumer string, count int64, reclaimAfter time.Duration) ([]redis.XMessage, error) {
	key := r.Key(stream)
	claimed, _, err := r.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: key, Group: ReconcileGroup, Consumer: consumer, MinIdle: reclaimAfter, Start: "0-0", Count: count,
	}).Result()
	if err != nil {
		return nil, err
	}
	if len(claimed) > 0 {
		return claimed, nil
	}
	res, err := r.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: ReconcileGroup, Consumer: consumer, Streams: []string{key, ">"}, Count: count, Block: -1,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil || len(res) == 0 {
		return nil, err
	}
	return res[0].Messages, nil
}

// Ack acknowledges processed entries. Call it only after their effects are
// committed in PostgreSQL.
func (r *Redis) Ack(ctx context.Context, stream string, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return r.XAck(ctx, r.Key(stream), ReconcileGroup, ids...).Err()
}

// DeadLetter moves an entry that cannot be processed to stream:dead with
// the error, and acknowledges it, so one poisoned entry never blocks the rest.
func (r *Redis) DeadLetter(ctx context.Context, stream string, m redis.XMessage, cause error) error {
	vals := []any{"source_id", m.ID, "error", cause.Error()}
	for k, v := range m.Values {
		vals = append(vals, k, v)
	}
	if err := r.XAdd(ctx, &redis.XAddArgs{Stream: r.Key(stream + deadSuffix), Values: vals}).Err(); err != nil {
		return err
	}
	return r.Ack(ctx, stream, m.ID)
}

// TrimAcknowledged drops entries below the oldest one not yet acknowledged
// (or, when none is pending, below the last one delivered): an entry is
// never trimmed before the reconciler has committed it.
func (r *Redis) TrimAcknowledged(ctx context.Context, stream string) error {
	key := r.Key(stream)
	minID := ""
	p, err := r.XPending(ctx, key, ReconcileGroup).Result()
	if err != nil {
		return err
	}
	if p.Count > 0 {
		minID = p.Lower
	} else {
		groups, err := r.XInfoGroups(ctx, key).Result()
		if err != nil {
			return err
		}
		for _, g := range groups {
			if g.Name == ReconcileGroup {
				minID = g.LastDeliveredID
			}
		}
	}
	if minID == "" || minID == "0-0" {
		return nil
	}
	return r.XTrimMinID(ctx, key, minID).Err()
}

// Backlog returns how many entries of stream the reconciler's group has
// not acknowledged: read by none yet (lag) or read and pending.
func (r *Redis) Backlog(ctx context.Context, stream string) (int64, error) {
	groups, err := r.XInfoGroups(ctx, r.Key(stream)).Result()
	if err != nil {
		return 0, err
	}
	for _, g := range groups {
		if g.Name == ReconcileGroup {
			return g.Lag + g.Pending, nil
		}
	}
	return 0, errors.New("the reconciler's group does not exist yet")
}
