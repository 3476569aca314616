package tracker

import (
	"strings"
	"sync"

	"github.com/x-way/crawlerdetect"
)

// botFilter recognises crawler user agents. The detector is a large regular
// expression, so verdicts are cached per user agent: real traffic repeats a
// few thousand agents, and the cache is simply dropped when it grows past
// its bound.
type botFilter struct {
	mu    sync.RWMutex
	seen  map[string]bool
	limit int
}

func newBotFilter() *botFilter { return &botFilter{seen: map[string]bool{}, limit: 50000} }

// isBot reports whether ua is a crawler. An empty user agent is a bot: no
// browser sends none.
func (f *botFilter) isBot(ua string) bool {
	if strings.TrimSpace(ua) == "" {
		return true
	}
	f.mu.RLock()
	v, ok := f.seen[ua]
	f.mu.RUnlock()
	if ok {
		return v
	}
	v = crawlerdetect.IsCrawler(ua)
	f.mu.Lock()
	if len(f.seen) >= f.limit {
		f.seen = map[string]bool{}
	}
	f.seen[strings.Clone(ua)] = v
	f.mu.Unlock()
	return v
}

// isPrefetch reports a speculative request announced by Purpose or
// Sec-Purpose ("prefetch", "prefetch;prerender"), or a page preview
// (Purpose: preview): nobody chose to follow the link yet.
func isPrefetch(purpose, secPurpose string) bool {
	return strings.Contains(purpose, "prefetch") || strings.Contains(secPurpose, "prefetch") ||
		strings.Contains(purpose, "preview")
}
