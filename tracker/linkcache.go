package tracker

import (
	"context"
	"hash/maphash"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"partnerka"
	"partnerka/storage"
)

// destination is a link's target, parsed once.
type destination struct {
	url      string // the target URL; its fragment ("#..." or "") starts at fragAt
	fragAt   uint32 // a URL is far shorter than 4 GB (PostgreSQL's text is at most 1 GB)
	hasQuery bool
	allowed  bool // the host is one of the program's allowed domains
}

// base is the URL up to the fragment.
func (d *destination) base() string { return d.url[:d.fragAt] }

// fragment is "#..." or "".
func (d *destination) fragment() string { return d.url[d.fragAt:] }

// cachedLink is what a redirect needs to know about a link.
type cachedLink struct {
	id, partnerID int64
	dest          destination
	subID         string
	active        bool
}

const cacheShards = 256

// shard is an immutable set of links: lookups take no lock and share no
// written cache line; a change copies the shard (a few thousand entries
// even at a million links) and swaps it in. The map holds only each link's
// place in links, not the link: a map's slots are 7/16 to 7/8 full (about
// half at a million links), so its slots stay small and the links lie side
// by side.
type shard struct {
	index map[string]uint32 // the code in lower case (cacheKey) -> the link in links
	links []cachedLink
}

// LinkCache resolves link codes in memory. It is loaded from PostgreSQL at
// start, updated by change messages within a second, and refreshed
// periodically from updated_at so a missed message heals itself.
type LinkCache struct {
	seed    maphash.Seed
	shards  atomic.Pointer[[cacheShards]atomic.Pointer[shard]]
	domains atomic.Pointer[[]string]
	writeMu sync.Mutex // serialises Put and Load
}

// NewLinkCache returns an empty cache that allows destinations on domains
// (and their subdomains).
func NewLinkCache(domains []string) *LinkCache {
	c := &LinkCache{seed: maphash.MakeSeed()}
	c.domains.Store(&domains)
	c.shards.Store(newShards(func(int) *shard { return &shard{index: map[string]uint32{}} }))
	return c
}

func newShards(fill func(i int) *shard) *[cacheShards]atomic.Pointer[shard] {
	s := new([cacheShards]atomic.Pointer[shard])
	for i := range s {
		s[i].Store(fill(i))
	}
	return s
}

func (c *LinkCache) shardOf(code string) int { return int(maphash.String(c.seed, code) % cacheShards) }

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
		sh := c.shards.Load()[c.shardOf(code)].Load()
		i, ok := sh.index[code]
		if !ok {
			return cachedLink{}, false
		}
		return sh.links[i], true
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
	sh := c.shards.Load()[maphash.Bytes(c.seed, b)%cacheShards].Load()
	i, ok := sh.index[string(b)]
	if !ok {
		return cachedLink{}, false
	}
	return sh.links[i], true
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
		n += len(s[i].Load().links)
	}
	return n
}

// Put adds or replaces links, copying each touched shard once.
func (c *LinkCache) Put(links ...storage.TrackerLink) {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	shards := c.shards.Load()
	var n [cacheShards]int
	for _, l := range links {
		n[c.shardOf(cacheKey(l.Code))]++
	}
	b := c.newBuilder()
	var next [cacheShards]*shard
	for _, l := range links {
		key, e := b.entry(l)
		i := c.shardOf(key)
		if next[i] == nil {
			old := shards[i].Load()
			next[i] = &shard{index: maps.Clone(old.index), links: append(make([]cachedLink, 0, len(old.links)+n[i]), old.links...)}
		}
		next[i].put(key, e)
	}
	for i, sh := range next {
		if sh != nil {
			shards[i].Store(sh)
		}
	}
}

func (s *shard) put(key string, l cachedLink) {
	if i, ok := s.index[key]; ok {
		s.links[i] = l
		return
	}
	s.index[key] = uint32(len(s.links))
	s.links = append(s.links, l)
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
	c.domains.Store(&domains) // every destination is judged against the new domains
	b := c.newBuilder()
	// Each shard is its own allocation: one that a later Put replaces
	// must not be kept alive by its neighbours.
	var next [cacheShards]*shard
	for i := range next {
		next[i] = &shard{index: map[string]uint32{}}
	}
	err := each(func(l storage.TrackerLink) {
		key, e := b.entry(l)
		next[c.shardOf(key)].put(key, e)
	})
	if err != nil {
		return err
	}
	c.shards.Store(newShards(func(i int) *shard {
		next[i].links = slices.Clone(next[i].links) // without the room append left
		return next[i]
	}))
	return nil
}

// builder makes the entries of one Put or Load. Links of a program share a
// handful of landing pages, so it stores each distinct destination URL
// once; it forgets them when the batch is done, since a URL kept for later
// batches would cost as much again for every URL used once.
type builder struct {
	domains []string
	urls    map[string]string // a destination URL -> the copy entries hold
}

func (c *LinkCache) newBuilder() *builder {
	return &builder{domains: *c.domains.Load(), urls: map[string]string{}}
}

// entry returns the cache key of l and its entry. A URL the batch has not
// seen yet is stored right after the key, in one allocation: a redirect
// reads the URL just after comparing the code, from the same cache line.
func (b *builder) entry(l storage.TrackerLink) (string, cachedLink) {
	key := cacheKey(l.Code)
	url, ok := b.urls[l.Destination]
	if ok {
		key = strings.Clone(key)
	} else {
		s := key + l.Destination
		key, url = s[:len(key)], s[len(key):]
		b.urls[url] = url
	}
	return key, cachedLink{id: l.ID, partnerID: l.PartnerID, subID: l.SubID, dest: parseDestination(url, b.domains), active: l.Active}
}

// newDestination parses a target URL once.
func newDestination(raw string, domains []string) *destination {
	d := parseDestination(raw, domains)
	return &d
}

// parseDestination notes where the fragment starts, whether the URL has a
// query, and whether its host is allowed.
func parseDestination(raw string, domains []string) destination {
	d := destination{url: raw, fragAt: uint32(len(raw))}
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		d.fragAt = uint32(i)
	}
	d.hasQuery = strings.Contains(d.base(), "?")
	d.allowed = partnerka.HostAllowed(raw, domains)
	return d
}
