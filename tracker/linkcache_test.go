package tracker

import (
	"fmt"
	"sync"
	"testing"

	"partnerka/storage"
)

// The cache stores a link's code and a new URL in one string and shares a
// URL among the links of a batch: every link must still read its own code,
// URL, fragment and sub ID, however its batch was made.
func TestLinkCacheEntries(t *testing.T) {
	c := NewLinkCache([]string{"example.com"})
	c.Put(
		storage.TrackerLink{ID: 1, PartnerID: 10, Code: "Spring", Destination: "https://example.com/landing?ref=1#top", SubID: "mail", Active: true},
		storage.TrackerLink{ID: 2, PartnerID: 10, Code: "summer", Destination: "https://example.com/landing?ref=1#top", Active: true},
		storage.TrackerLink{ID: 3, PartnerID: 11, Code: "evil", Destination: "https://evil.test/", Active: true},
		storage.TrackerLink{ID: 4, PartnerID: 11, Code: "off", Destination: "https://shop.example.com/p/1", Active: false},
	)
	c.Put(storage.TrackerLink{ID: 2, PartnerID: 10, Code: "SUMMER", Destination: "https://example.com/summer#sale", Active: true})
	c.Put(storage.TrackerLink{ID: 5, PartnerID: 12, Code: "autumn", Destination: "https://example.com/landing?ref=1#top", Active: true})

	for _, tc := range []struct {
		name, code                string
		id, partnerID             int64
		base, fragment, subID     string
		hasQuery, allowed, active bool
	}{
		{name: "typed in capitals", code: "SPRING", id: 1, partnerID: 10, base: "https://example.com/landing?ref=1", fragment: "#top", subID: "mail", hasQuery: true, allowed: true, active: true},
		{name: "replaced by a later put", code: "summer", id: 2, partnerID: 10, base: "https://example.com/summer", fragment: "#sale", allowed: true, active: true},
		{name: "URL of another batch", code: "autumn", id: 5, partnerID: 12, base: "https://example.com/landing?ref=1", fragment: "#top", hasQuery: true, allowed: true, active: true},
		{name: "outside the allowed domains", code: "evil", id: 3, partnerID: 11, base: "https://evil.test/", active: true},
		{name: "disabled", code: "Off", id: 4, partnerID: 11, base: "https://shop.example.com/p/1", allowed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, ok := c.lookup(tc.code)
			if !ok {
				t.Fatalf("lookup(%q) found nothing", tc.code)
			}
			got := fmt.Sprintf("%d %d %q %q %q %v %v %v", l.id, l.partnerID, l.dest.base(), l.dest.fragment(), l.subID, l.dest.hasQuery, l.dest.allowed, l.active)
			want := fmt.Sprintf("%d %d %q %q %q %v %v %v", tc.id, tc.partnerID, tc.base, tc.fragment, tc.subID, tc.hasQuery, tc.allowed, tc.active)
			if got != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	if got, want := c.Len(), 5; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
}

// Load judges every destination against the domains it is given, and a
// later Put against the same domains.
func TestLinkCacheReplaceJudgesDomains(t *testing.T) {
	c := NewLinkCache([]string{"example.com"})
	links := []storage.TrackerLink{
		{ID: 1, Code: "a", Destination: "https://example.com/x", Active: true},
		{ID: 2, Code: "b", Destination: "https://shop.test/x", Active: true},
	}
	load := func(domains ...string) {
		err := c.replace(domains, func(add func(storage.TrackerLink)) error {
			for _, l := range links {
				add(l)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	allowed := func() string {
		s := ""
		for _, code := range []string{"a", "b", "c"} {
			l, ok := c.lookup(code)
			s += fmt.Sprintf("%s:%v/%v ", code, ok, l.dest.allowed)
		}
		return s
	}
	load("example.com")
	if got, want := allowed(), "a:true/true b:true/false c:false/false "; got != want {
		t.Errorf("with example.com: %s, want %s", got, want)
	}
	load("shop.test")
	c.Put(storage.TrackerLink{ID: 3, Code: "c", Destination: "https://example.com/x", Active: true})
	if got, want := allowed(), "a:true/false b:true/true c:true/false "; got != want {
		t.Errorf("with shop.test: %s, want %s", got, want)
	}
}

// Lookups take no lock: run with -race, readers see each link whole while
// Put copies shards and Load replaces them all.
func TestLinkCacheConcurrentLookups(t *testing.T) {
	const n = 2000
	link := func(j, version int) storage.TrackerLink {
		return storage.TrackerLink{ID: int64(j), PartnerID: int64(version), Code: fmt.Sprintf("code-%d", j),
			Destination: fmt.Sprintf("https://example.com/%d/%d", j, version), Active: true}
	}
	c := NewLinkCache([]string{"example.com"})
	for j := 0; j < n; j++ {
		c.Put(link(j, 0))
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				j := i % n
				l, ok := c.lookup(fmt.Sprintf("CODE-%d", j))
				if want := fmt.Sprintf("https://example.com/%d/%d", j, l.partnerID); !ok || l.id != int64(j) || l.dest.base() != want {
					t.Errorf("lookup(code-%d) = %v %d %q, want %q", j, ok, l.id, l.dest.base(), want)
					return
				}
			}
		}()
	}
	for version := 1; version <= 20; version++ {
		if version%5 == 0 {
			err := c.replace([]string{"example.com"}, func(add func(storage.TrackerLink)) error {
				for j := 0; j < n; j++ {
					add(link(j, version))
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			continue
		}
		batch := make([]storage.TrackerLink, 0, n/10)
		for j := version; j < n; j += 10 {
			batch = append(batch, link(j, version))
		}
		c.Put(batch...)
	}
	close(stop)
	wg.Wait()
	if c.Len() != n {
		t.Errorf("Len() = %d, want %d", c.Len(), n)
	}
}
