package tracker

import (
	"context"
	"strings"
	"sync"

	"partnerka/storage"
)

// PromoCache holds the program's promo codes for the vendor's checkout
// (GET /api/v1/promo-codes/{code}), updated like the link cache: change
// messages within a second, the periodic sweep, and the full reload.
// Requested and refused codes are never in it.
type PromoCache struct {
	mu sync.RWMutex
	m  map[string]storage.TrackerPromoCode // by the code in lower case
}

// NewPromoCache returns an empty cache.
func NewPromoCache() *PromoCache { return &PromoCache{m: map[string]storage.TrackerPromoCode{}} }

// Get returns the code in any case.
func (c *PromoCache) Get(code string) (storage.TrackerPromoCode, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.m[strings.ToLower(code)]
	return p, ok
}

// Len returns the number of cached codes.
func (c *PromoCache) Len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// Put adds or replaces codes.
func (c *PromoCache) Put(codes ...storage.TrackerPromoCode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, p := range codes {
		c.m[strings.ToLower(p.Code)] = p
	}
}

// Remove forgets a code (one that is no longer active or disabled: it
// never was, as codes are never deleted, but a cache must not keep what
// the database does not say).
func (c *PromoCache) Remove(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, strings.ToLower(code))
}

// Load replaces the whole cache with every code in the database.
func (c *PromoCache) Load(ctx context.Context, db *storage.DB) error {
	m := map[string]storage.TrackerPromoCode{}
	if err := db.EachTrackerPromoCode(ctx, func(p storage.TrackerPromoCode) { m[strings.ToLower(p.Code)] = p }); err != nil {
		return err
	}
	c.mu.Lock()
	c.m = m
	c.mu.Unlock()
	return nil
}
