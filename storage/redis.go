package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Redis client with the key prefix every key of this
// installation carries, so tests and several programs can share one server.
type Redis struct {
	*redis.Client
	Prefix string
}

// OpenRedis connects to Redis and checks that it answers.
func OpenRedis(ctx context.Context, rawURL, prefix string) (*Redis, error) {
	opt, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis URL %s is not valid: %s", RedactURL(rawURL), err)
	}
	opt.DialTimeout = 2 * time.Second
	opt.ReadTimeout = 2 * time.Second
	opt.WriteTimeout = 2 * time.Second
	c := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s: %s", RedactURL(rawURL), err)
	}
	return &Redis{Client: c, Prefix: prefix}, nil
}

// Key returns the full name of a key of this installation.
func (r *Redis) Key(name string) string { return r.Prefix + name }
