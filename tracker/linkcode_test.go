package tracker

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"partnerka"
	"partnerka/storage"
)

// Issue 17, F1: beta owns beta-secret; alpha registered BETA-SECRET and
// collected the clicks of everyone who retyped beta's link in capitals.
// Codes are one code in any case now: alpha's registration is refused,
// and every case of the code redirects for beta, with beta's attribution.
func TestLinkCodesIgnoreCase(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	alpha, beta := f.seed.Partners["alpha"], f.seed.Partners["beta"]
	for _, code := range []string{"BETA-SECRET", "Beta-Secret"} {
		err := f.db.CreateLink(ctx, &partnerka.Link{PartnerID: alpha, Code: code, Destination: "https://example.com/alpha"})
		if partnerka.ErrorCode(err) != partnerka.ECONFLICT || partnerka.ErrorField(err) != "code" {
			t.Errorf("alpha registering %s: %v, want a conflict on the code", code, err)
		}
	}
	for _, target := range []string{"/r/beta-secret", "/r/BETA-SECRET", "/r/Beta-Secret/spring"} {
		t.Run(target, func(t *testing.T) {
			before := len(f.stream(t))
			resp := f.do(t, "GET", target, map[string]string{"User-Agent": browserUA})
			if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), "https://example.com/beta?pk_click=") {
				t.Fatalf("%d to %q, want beta's landing page", resp.StatusCode, resp.Header.Get("Location"))
			}
			msgs := f.stream(t)
			if len(msgs) != before+1 || msgs[len(msgs)-1].PartnerID != beta || msgs[len(msgs)-1].LinkID != f.seed.Links["beta-secret"] {
				t.Fatalf("the click is not beta's: %+v", msgs[before:])
			}
			value := strings.TrimPrefix(strings.SplitN(resp.Header.Get("Set-Cookie"), ";", 2)[0], "pk_ref=")
			a, ok := f.srv.cookies.Decode(value, f.now(), 90*24*time.Hour)
			if !ok || a.PartnerID != beta || a.LinkID != f.seed.Links["beta-secret"] {
				t.Errorf("the attribution cookie names %+v (valid %v), want beta's link", a, ok)
			}
		})
	}

	// A link created in mixed case reaches the trackers under every case.
	l := &partnerka.Link{PartnerID: alpha, Code: "Alpha-Summer", Destination: "https://example.com/summer"}
	if err := f.db.CreateLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	if err := f.rdb.PublishLinkChange(ctx, l.Code); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for _, target := range []string{"/r/alpha-summer", "/r/ALPHA-SUMMER", "/r/Alpha-Summer"} {
		for {
			loc := f.do(t, "GET", target, map[string]string{"User-Agent": browserUA}).Header.Get("Location")
			if strings.HasPrefix(loc, "https://example.com/summer") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s redirects to %q, want alpha's new link", target, loc)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// Lowering a code typed in capitals costs the redirect no allocation.
func TestLinkLookupAllocatesNothing(t *testing.T) {
	c := NewLinkCache([]string{"example.com"})
	c.Put(storage.TrackerLink{ID: 7, PartnerID: 2, Code: "Beta-Secret", Destination: "https://example.com/beta", Active: true})
	for _, code := range []string{"beta-secret", "BETA-SECRET", "bEtA-sEcReT"} {
		if l, ok := c.lookup(code); !ok || l.id != 7 {
			t.Errorf("lookup(%q) = %v %v, want link 7", code, l.id, ok)
		}
		if n := testing.AllocsPerRun(100, func() { c.lookup(code) }); n != 0 {
			t.Errorf("lookup(%q) allocates %v times", code, n)
		}
	}
	if _, ok := c.lookup(strings.Repeat("A", 65)); ok {
		t.Error("a code longer than any link's is found")
	}
}
