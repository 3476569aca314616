package commissions

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"partnerka/storage"
)

// ClickStep drains the click stream into PostgreSQL: it reads batches with
// the reconciler's consumer group, stores them (skipping clicks already
// stored), and acknowledges the entries only after the commit. A crash at
// any point leaves entries pending; they are read again and change nothing
// the second time. It drains every shard of the stream ever registered
// (storage.ClickShards), taking them in turn.
type ClickStep struct {
	DB       *storage.DB
	Redis    *storage.Redis
	Consumer string
	// Entries read per round trip, and the most clicks one Run handles
	// before it yields to the next step.
	ReadCount int64
	MaxClicks int
	// ReclaimAfter is how long an entry may stay pending with a consumer
	// before another takes it over (the first one died).
	ReclaimAfter time.Duration
	// Workers is how many batches are stored at once (each a consumer of
	// its own, "<Consumer>-<n>").
	Workers int
}

// Name implements Step.
func (s *ClickStep) Name() string { return "clicks" }

// Run implements Step.
func (s *ClickStep) Run(ctx context.Context) (int, error) {
	shards, err := s.Redis.ClickShards(ctx)
	if err != nil {
		return 0, err
	}
	for _, shard := range shards {
		if err := s.Redis.EnsureGroup(ctx, shard); err != nil {
			return 0, err
		}
	}
	count, maxClicks, reclaim := s.ReadCount, s.MaxClicks, s.ReclaimAfter
	if count == 0 {
		count = 16 // entries of up to a thousand clicks: a statement stays in memory
	}
	if maxClicks == 0 {
		maxClicks = 500000
	}
	if reclaim == 0 {
		reclaim = time.Minute
	}
	workers := s.Workers
	if workers == 0 {
		workers = 2
	}
	var mu sync.Mutex // guards done, next and open
	done, next := 0, 0
	open := slices.Clone(shards) // the shards not found empty yet
	err = parallel(workers, func() (bool, error) {
		mu.Lock()
		if done >= maxClicks || len(open) == 0 {
			mu.Unlock()
			return false, nil
		}
		next++
		consumer := fmt.Sprintf("%s-%d", s.Consumer, next%workers)
		shard := open[next%len(open)]
		mu.Unlock()
		msgs, err := s.Redis.ReadGroup(ctx, shard, consumer, count, reclaim)
		if err != nil {
			return false, err
		}
		if len(msgs) == 0 {
			mu.Lock()
			if i := slices.Index(open, shard); i >= 0 {
				open = slices.Delete(open, i, i+1)
			}
			mu.Unlock()
			return true, nil
		}
		n, err := s.store(ctx, shard, msgs)
		mu.Lock()
		done += n
		mu.Unlock()
		return true, err
	})
	if err != nil {
		return done, err
	}
	for _, shard := range shards {
		if err := s.Redis.TrimAcknowledged(ctx, shard); err != nil {
			return done, err
		}
	}
	return done, nil
}

func (s *ClickStep) store(ctx context.Context, shard string, msgs []redis.XMessage) (int, error) {
	var clicks []storage.StreamClick
	ids := make([]string, 0, len(msgs))
	for _, m := range msgs {
		batch, err := storage.DecodeClickBatch(m.Values)
		if err != nil {
			if err := s.Redis.DeadLetter(ctx, shard, m, err); err != nil {
				return 0, err
			}
			continue
		}
		clicks = append(clicks, batch...)
		ids = append(ids, m.ID)
	}
	if len(clicks) > 0 {
		err := s.DB.InsertClicks(ctx, clicks, false)
		if storage.IsUniqueViolation(err, "") {
			// Delivered before (a reconciler died before its XACK): apply
			// the batch again, skipping what is stored.
			err = s.DB.InsertClicks(ctx, clicks, true)
		}
		if err != nil {
			if !isPoison(err) {
				return 0, err
			}
			// One bad batch must not block the stream: retry entry by entry
			// and dead-letter the ones that fail on their own.
			return s.storeEach(ctx, shard, msgs)
		}
	}
	return len(clicks), s.Redis.Ack(ctx, shard, ids...)
}

func (s *ClickStep) storeEach(ctx context.Context, shard string, msgs []redis.XMessage) (int, error) {
	n := 0
	for _, m := range msgs {
		batch, err := storage.DecodeClickBatch(m.Values)
		if err == nil {
			err = s.DB.InsertClicks(ctx, batch, true)
		}
		if err != nil {
			if !isPoison(err) && !errors.Is(err, storage.ErrClickFormat) {
				return n, err
			}
			if err := s.Redis.DeadLetter(ctx, shard, m, err); err != nil {
				return n, err
			}
			continue
		}
		if err := s.Redis.Ack(ctx, shard, m.ID); err != nil {
			return n, err
		}
		n += len(batch)
	}
	return n, nil
}
