package tracker

import (
	"context"
	"hash/maphash"

	"strings"
	"sync"
	"sync/atomic"

	"partnerka"
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

const cacheShards = 256

// shard is an immutable map behind an atomic pointer: lookups take no lock
// and share no written cache line; a change copies the shard (a few
// thousand entries even at a million links) and swaps it in.
type shard struct {
	m atomic.Pointer[map[string]cachedLink]
}

// LinkCache resolves link codes in memory. It is loaded from PostgreSQL at
// start, updated by change messages within a second, and refreshed
// periodically from updated_at so a missed message heals itself.
type LinkCache struct {
	seed    maphash.Seed
	shards  atomic.Pointer[[cacheShards]shard]
	domains atomic.Pointer[[]string]
	writeMu sync.Mutex // serialises Put and Load

	internMu sync.Mutex
	intern   map[string]*destination
}

// NewLinkCache returns an empty cache that allows destinations on domains
// (and their subdomains).
func NewLinkCache(domains []string) *LinkCache {
	c := &LinkCache{seed: maphash.MakeSeed(), intern: map[string]*destination{}}
	c.domains.Store(&domains)
	c.shards.Store(newShards())
	return c
}

func newShards() *[cacheShards]shard {
	s := new([cacheShards]shard)
	for i := range s {
		s[i].m.Store(&map[string]cachedLink{})
	}
	return s
}

func (c *LinkCache) shardOf(s *[cacheShards]shard, code string) *shard {
	return &s[maphash.String(c.seed, code)%cacheShards]
}

// maxCode is the longest link code (partnerka.ValidLinkCode).
const maxCode = 64

// lookup returns the link with code, in whatever case the visitor typed
// it: codes are unique ignoring case (links_code_lower), and the cache
// keys them in lower case (cacheKey). A code already in lower case, as
// links are printed, is looked up as it is; another is lowered into a
// buffer on the stack (the map index and maphash.Bytes do not keep it),
// so a lookup allocates nothing either way.
func (c *LinkCache) lookup(code string) (cachedLink, bool) {
	if !hasUpper(code) {
		l, ok := (*c.shardOf(c.shards.Load(), code).m.Load())[code]
		return l, ok
	}
	if len(code) > maxCode {
		return cachedLink{}, false
	}
	var buf [maxCode]byte
	b := buf[:copy(buf[:], code)]
	for i, ch := range b {
		if 'A' <= ch && ch <= 'Z' {
			b[i] = ch + ('a' - 'A')
		}
	}
	sh := &c.shards.Load()[maphash.Bytes(c.seed, b)%cacheShards]
	l, ok := (*sh.m.Load())[string(b)]
	return l, ok
}

func hasUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

// cacheKey is the key of a link's code in the cache: the code in lower
// case, as lookup lowers what a visitor typed (codes are ASCII).
func cacheKey(code string) string { return strings.ToLower(code) }

// Len returns the number of cached links.
func (c *LinkCache) Len() int {
	n := 0
	s := c.shards.Load()
	for i := range s {
		n += len(*s[i].m.Load())
	}
	return n
}

// Put adds or replaces links, copying each touched shard once.
func (c *LinkCache) Put(links ...storage.TrackerLink) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	shards := c.shards.Load()
	next := map[*shard]map[string]cachedLink{}
	for _, l := range links {
		key := cacheKey(l.Code)
		sh := c.shardOf(shards, key)
		m, ok := next[sh]
		if !ok {
			old := *sh.m.Load()
			m = make(map[string]cachedLink, len(old)+1)
			for k, v := range old {
				m[k] = v
			}
			next[sh] = m
		}
		m[strings.Clone(key)] = c.entry(l)
	}
	for sh, m := range next {
		sh.m.Store(&m)
	}
}

// Load replaces the whole cache with every link in the database, and the
// allowed domains with domains. Lookups see the old cache until the new one
// is complete.
func (c *LinkCache) Load(ctx context.Context, db *storage.DB, domains []string) error {
	return c.replace(domains, func(add func(storage.TrackerLink)) error { return db.EachTrackerLink(ctx, add) })
}

// replace is Load with the links read by each, which calls add for every
// link (the memory benchmark fills the cache this way, without a
// database).
func (c *LinkCache) replace(domains []string, each func(add func(storage.TrackerLink)) error) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.domains.Store(&domains)
	c.internMu.Lock()
	c.intern = map[string]*destination{} // re-judge every destination against the new domains
	c.internMu.Unlock()
	maps := make([]map[string]cachedLink, cacheShards)
	for i := range maps {
		maps[i] = map[string]cachedLink{}
	}
	err := each(func(l storage.TrackerLink) {
		key := cacheKey(l.Code)
		maps[maphash.String(c.seed, key)%cacheShards][strings.Clone(key)] = c.entry(l)
	})
	if err != nil {
		return err
	}
	next := new([cacheShards]shard)
	for i := range next {
		next[i].m.Store(&maps[i])
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
	d := newDestination(raw, *c.domains.Load())
	c.intern[raw] = d
	return d
}

// newDestination parses a target URL once: where the fragment starts,
// whether it has a query, and whether its host is allowed.
func newDestination(raw string, domains []string) *destination {
	d := &destination{base: raw}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		d.base, d.fragment = raw[:i], raw[i:]
	}
	d.hasQuery = strings.Contains(d.base, "?")
	d.allowed = partnerka.HostAllowed(raw, domains)
	return d
}
