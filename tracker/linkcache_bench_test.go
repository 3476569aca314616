package tracker

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"partnerka"
	"partnerka/storage"
)

const benchLinks = 1000000

// benchLink is link j of a program with 1,000 partners. With dests > 0 the
// links share that many landing pages; with 0 each has its own page (a
// product page per link, as a shop's partners link to what they review),
// about 75 bytes of URL.
func benchLink(j, dests int, now time.Time) storage.TrackerLink {
	dest := fmt.Sprintf("https://example.com/landing/%d?utm_campaign=partners&utm_content=p%04d", j, j%1000)
	if dests > 0 {
		dest = fmt.Sprintf("https://example.com/landing/%d?utm_campaign=partners", j%dests)
	}
	return storage.TrackerLink{ID: int64(j + 1), PartnerID: int64(j%1000 + 1), Code: benchCode(j),
		Destination: dest, Active: true, UpdatedAt: now}
}

func benchCode(j int) string { return fmt.Sprintf("p%04d-link-%07d", j%1000, j) }

// benchCache returns a cache loaded (as Load loads it) with n links.
func benchCache(tb testing.TB, n, dests int) *LinkCache {
	c := NewLinkCache([]string{"example.com"})
	now := time.Now()
	err := c.replace([]string{"example.com"}, func(add func(storage.TrackerLink)) error {
		for j := 0; j < n; j++ {
			add(benchLink(j, dests, now))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if c.Len() != n {
		tb.Fatalf("cache holds %d links, want %d", c.Len(), n)
	}
	return c
}

// BenchmarkLinkCacheMemory loads 1,000,000 links into the cache and reports
// the heap they hold: once with 20 landing pages among them, as a program
// with a handful of pages has, and once with a page per link. make
// bench-tracker prints both; the goal is under 300 MB.
func BenchmarkLinkCacheMemory(b *testing.B) {
	for _, dests := range []int{20, 0} {
		name, distinct := "shared", dests
		if dests == 0 {
			name, distinct = "distinct", benchLinks
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				c := benchCache(b, benchLinks, dests)
				runtime.GC()
				runtime.ReadMemStats(&after)
				mb := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
				b.ReportMetric(mb, "MB/1M-links")
				fmt.Printf("link cache: %d links, %d distinct destinations, %.0f MB of heap (goal: under 300 MB)\n", benchLinks, distinct, mb)
				runtime.KeepAlive(c)
			}
		})
	}
}

// BenchmarkLinkLookup resolves codes of a 1,000,000-link cache in random
// order (so most lookups miss the CPU caches, as a busy tracker's do): as
// printed, typed in capitals, and unknown.
func BenchmarkLinkLookup(b *testing.B) {
	c := benchCache(b, benchLinks, 0)
	order := rand.New(rand.NewPCG(1, 2)).Perm(benchLinks)
	// The codes lie side by side, as a request's path lies in fasthttp's
	// buffer: reading one is not what a lookup waits for.
	var lower, upper, unknown strings.Builder
	for _, j := range order {
		code := benchCode(j)
		lower.WriteString(code)
		upper.WriteString(strings.ToUpper(code))
		unknown.WriteString("q" + code[1:])
	}
	split := func(s string) []string {
		out := make([]string, len(order))
		for j := range out {
			out[j] = s[:len(benchCode(order[j]))]
			s = s[len(out[j]):]
		}
		return out
	}
	codes := split(lower.String())
	for _, tc := range []struct {
		name  string
		codes []string
		found bool
	}{{"lower", codes, true}, {"upper", split(upper.String()), true}, {"unknown", split(unknown.String()), false}} {
		b.Run(tc.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, ok := c.lookup(tc.codes[i%len(tc.codes)]); ok != tc.found {
					b.Fatalf("lookup(%q) found %v", tc.codes[i%len(tc.codes)], ok)
				}
			}
		})
	}
	b.Run("location", func(b *testing.B) {
		// The part of a redirect that reads the cached link: the lookup
		// and the Location built from its destination.
		s := &Server{}
		id := partnerka.NewClickID(time.Now())
		query := []byte("utm_source=newsletter&gclid=abc")
		buf := make([]byte, 0, 512)
		for i := 0; b.Loop(); i++ {
			l, ok := c.lookup(codes[i%len(codes)])
			if !ok || !l.active || !l.dest.allowed {
				b.Fatalf("lookup(%q) = %+v, %v", codes[i%len(codes)], l, ok)
			}
			loc := s.appendDestination(buf[:0], &l.dest, query, "pk_click")
			loc = appendParam(loc, &l.dest, "pk_click", id)
			buf = append(loc, l.dest.fragment()...)
		}
	})
}
