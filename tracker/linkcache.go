package tracker

import (
	"context"
	"hash/maphash"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"partnerka/storage"
)

// destination is a link's target, parsed once and shared by every link
// that points at the same URL (most links of a program share a handful of
// landing pages, so interning keeps a million links small).
type destination struct {
	base     string // the URL up to the fragment
	fragment string // "#..." or ""
	hasQuery bool
	allowed  bool // the host is one of the program's allowed domains
}

// cachedLink is what a redirect needs to know about a link.
type cachedLink struct {
	id, partnerID int64
	subID         string
	dest          *destination
	active        bool
}

const cacheShards = 64

type shard struct {
	mu sync.RWMutex
	m  map[string]cachedLink
}

// LinkCache resolves link codes in memory. It is loaded from PostgreSQL at
// start, updated by change messages within a second, and refreshed
// periodically from updated_at so a missed message heals itself.
type LinkCache struct {
	seed    maphash.Seed
	shards  atomic.Pointer[[cacheShards]shard]
	domains atomic.Pointer[[]string]

	internMu sync.Mutex
	intern   map[string]*destination
}

// NewLinkCache returns an empty cache that allows destinations on domains
// (and their subdomains).
func NewLinkCache(domains []string) *LinkCache {
	c := &LinkCache{seed: maphash.MakeSeed(), intern: map[string]*destination{}}
	c.domains.Store(&domains)
	c.shards.Store(newShards(0))
	return c
}

func newShards(hint int) *[cacheShards]shard {
	s := new([cacheShards]shard)
	for i := range s {
		s[i].m = make(map[string]cachedLink, hint/cacheShards)
	}
	return s
}

func (c *LinkCache) shardOf(s *[cacheShards]shard, code string) *shard {
	return &s[maphash.String(c.seed, code)%cacheShards]
}

// lookup returns the link with code.
func (c *LinkCache) lookup(code string) (cachedLink, bool) {
	sh := c.shardOf(c.shards.Load(), code)
	sh.mu.RLock()
	l, ok := sh.m[code]
	sh.mu.RUnlock()
	return l, ok
}

// Len returns the number of cached links.
func (c *LinkCache) Len() int {
	n := 0
	s := c.shards.Load()
	for i := range s {
		s[i].mu.RLock()
		n += len(s[i].m)
		s[i].mu.RUnlock()
	}
	return n
}

// Put adds or replaces one link.
func (c *LinkCache) Put(l storage.TrackerLink) {
	cl := c.entry(l)
	sh := c.shardOf(c.shards.Load(), l.Code)
	sh.mu.Lock()
	sh.m[l.Code] = cl
	sh.mu.Unlock()
}

// Load replaces the whole cache with every link in the database, and the
// allowed domains with domains. Lookups see the old cache until the new one
// is complete.
func (c *LinkCache) Load(ctx context.Context, db *storage.DB, domains []string) error {
	c.domains.Store(&domains)
	c.internMu.Lock()
	c.intern = map[string]*destination{} // re-judge every destination against the new domains
	c.internMu.Unlock()
	next := newShards(c.Len())
	err := db.EachTrackerLink(ctx, func(l storage.TrackerLink) {
		sh := c.shardOf(next, l.Code)
		sh.m[strings.Clone(l.Code)] = c.entry(l)
	})
	if err != nil {
		return err
	}
	c.shards.Store(next)
	return nil
}

func (c *LinkCache) entry(l storage.TrackerLink) cachedLink {
	return cachedLink{id: l.ID, partnerID: l.PartnerID, subID: l.SubID, dest: c.destination(l.Destination), active: l.Active}
}

func (c *LinkCache) destination(raw string) *destination {
	c.internMu.Lock()
	defer c.internMu.Unlock()
	if d, ok := c.intern[raw]; ok {
		return d
	}
	d := &destination{base: raw}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		d.base, d.fragment = raw[:i], raw[i:]
	}
	d.hasQuery = strings.Contains(d.base, "?")
	d.allowed = hostAllowed(raw, *c.domains.Load())
	c.intern[raw] = d
	return d
}

// hostAllowed reports whether raw is an absolute http(s) URL whose host is
// one of domains or a subdomain of one.
func hostAllowed(raw string, domains []string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range domains {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}

// Sync keeps the cache current until ctx ends: it applies change messages
// from Redis at once, and every interval re-reads links changed since the
// last pass (with a margin for clock skew), covering lost messages. A "*"
// message, or a settings change seen by reloadSettings, reloads everything.
func (c *LinkCache) Sync(ctx context.Context, db *storage.DB, rdb *storage.Redis, interval time.Duration,
	reloadSettings func(context.Context) ([]string, error), onError func(error)) {
	sub := rdb.Subscribe(ctx, rdb.Key(storage.LinkChannel))
	defer sub.Close()
	msgs := sub.Channel()
	since := time.Now()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	full := func() {
		domains, err := reloadSettings(ctx)
		if err == nil {
			err = c.Load(ctx, db, domains)
		}
		if err != nil {
			onError(err)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-msgs:
			if !ok {
				return
			}
			if m.Payload == "*" {
				full()
				continue
			}
			l, err := db.TrackerLinkByCode(ctx, m.Payload)
			if err == nil {
				c.Put(*l)
			} else if ctx.Err() == nil {
				onError(err)
			}
		case <-tick.C:
			start := time.Now()
			changed, err := db.TrackerLinksChangedSince(ctx, since.Add(-5*time.Second))
			if err != nil {
				if ctx.Err() == nil {
					onError(err)
				}
				continue
			}
			for _, l := range changed {
				c.Put(l)
			}
			since = start
		}
	}
}
