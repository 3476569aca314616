package tracker

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"partnerka/storage"
)

// BenchmarkLinkCacheMemory fills the cache with 1,000,000 links (20
// distinct landing pages, as a real program has a handful) and reports the
// heap they hold. make bench-tracker prints it; the goal is under 300 MB.
func BenchmarkLinkCacheMemory(b *testing.B) {
	const n = 1000000
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		c := NewLinkCache([]string{"example.com"})
		now := time.Now()
		links := make([]storage.TrackerLink, 0, 100000)
		for j := 0; j < n; j++ {
			links = append(links, storage.TrackerLink{ID: int64(j + 1), PartnerID: int64(j%1000 + 1), Code: fmt.Sprintf("p%04d-link-%07d", j%1000, j),
				Destination: fmt.Sprintf("https://example.com/landing/%d?utm_campaign=partners", j%20), SubID: "", Active: true,
				UpdatedAt: now})
			if len(links) == cap(links) {
				c.Put(links...)
				links = links[:0]
			}
		}
		links = nil
		runtime.GC()
		runtime.ReadMemStats(&after)
		mb := float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		if c.Len() != n {
			b.Fatalf("cache holds %d links, want %d", c.Len(), n)
		}
		b.ReportMetric(mb, "MB/1M-links")
		fmt.Printf("link cache: %d links in %.0f MB of heap (goal: under 300 MB)\n", n, mb)
		runtime.KeepAlive(c)
	}
}
