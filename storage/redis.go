package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the Redis client with the key prefix every key of this
// installation carries, so tests and several programs can share one server.
// One client type for every topology: a single server, a Sentinel-managed
// primary or a Redis Cluster (see OpenRedis).
type Redis struct {
	redis.UniversalClient
	Prefix string
}

// OpenRedis connects to Redis and checks that it answers. The URL names
// the topology:
//
//	redis://host:6379/0                                  one server (rediss:// with TLS)
//	redis+sentinel://s1:26379?master_name=pk&addr=s2:26379  a primary found through Sentinel
//	redis+cluster://n1:6379?addr=n2:6379&addr=n3:6379      a Redis Cluster from its seed nodes
//
// No command the program sends names two keys, so in a cluster each key
// lives wherever its slot falls; each stream is one key, on one shard.
func OpenRedis(ctx context.Context, rawURL, prefix string) (*Redis, error) {
	c, err := newRedisClient(rawURL)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		c.Close()
		return nil, fmt.Errorf("cannot reach Redis at %s: %s", RedactURL(rawURL), err)
	}
	return &Redis{UniversalClient: c, Prefix: prefix}, nil
}

// newRedisClient builds the client the URL's scheme names, with the
// timeouts every topology shares.
func newRedisClient(rawURL string) (redis.UniversalClient, error) {
	bad := func(err error) error { return fmt.Errorf("redis URL %s is not valid: %s", RedactURL(rawURL), err) }
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, bad(errors.New("it has no scheme (redis://host:port)"))
	}
	base, topology, _ := strings.Cut(scheme, "+")
	plain := base + "://" + rest
	const timeout = 2 * time.Second
	switch topology {
	case "":
		opt, err := redis.ParseURL(plain)
		if err != nil {
			return nil, bad(err)
		}
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
		return redis.NewClient(opt), nil
	case "sentinel":
		opt, err := redis.ParseFailoverURL(plain)
		if err != nil {
			return nil, bad(err)
		}
		if opt.MasterName == "" {
			return nil, bad(errors.New("a Sentinel URL names its primary: ?master_name=..."))
		}
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
		return redis.NewFailoverClient(opt), nil
	case "cluster":
		opt, err := redis.ParseClusterURL(plain)
		if err != nil {
			return nil, bad(err)
		}
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = timeout, timeout, timeout
		// The slot map is read again every 2 s while commands run (go-redis
		// waits 60 s by default): after a failover, the promoted replica's
		// slots are found within seconds, not a minute.
		if opt.ClusterStateReloadInterval == 0 {
			opt.ClusterStateReloadInterval = 2 * time.Second
		}
		return redis.NewClusterClient(opt), nil
	}
	return nil, bad(fmt.Errorf("unknown topology %q: redis://, redis+sentinel:// or redis+cluster://", topology))
}

// Key returns the full name of a key of this installation.
func (r *Redis) Key(name string) string { return r.Prefix + name }
