package main

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Issue 21, point 3: serve runs the tracker alone, the cabinet and back
// office alone, or both. Two processes, one per role, share the addresses
// of one configuration: each listens only on its own (or the second could
// not start), a redirect is answered by the tracker process and a page by
// the web one.
func TestServeRoles(t *testing.T) {
	e, tracker, cabinet := demoEnv(t)
	e["PARTNERKA_RECONCILE_INTERVAL"] = "0" // no reconciler in either: not what is tested
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 5 * time.Second}

	start := func(role string, env map[string]string) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { _, err := run(t, ctx, env, "serve", "--role", role); done <- err }()
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve --role %s: %v", role, err)
			}
		})
	}
	start("tracker", e)
	waitHTTP(t, "http://"+tracker+"/healthz")
	if c, err := net.DialTimeout("tcp", cabinet, time.Second); err == nil {
		c.Close()
		t.Fatal("serve --role tracker listens on the cabinet's address")
	}
	req, _ := http.NewRequest("GET", "http://"+tracker+"/r/alpha", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36")
	resp, err := noRedirect.Do(req)
	if err != nil || resp.StatusCode != http.StatusFound || resp.Header.Get("Set-Cookie") == "" {
		t.Fatalf("the tracker process's redirect: %v %v", resp, err)
	}

	web := maps.Clone(e)
	web["PARTNERKA_METRICS_ADDR"] = freeAddr(t) // each process has its own metrics port
	start("web", web)
	waitHTTP(t, "http://"+cabinet+"/healthz")
	if resp, err := noRedirect.Get("http://" + cabinet + "/login"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the web process's sign-in page: %v %v", resp, err)
	}
	// The tracker's address is still the tracker process's: the web
	// process does not answer redirects.
	if resp, err := noRedirect.Get("http://" + cabinet + "/r/alpha"); err != nil || resp.StatusCode == http.StatusFound {
		t.Errorf("the web process redirects a visitor: %v %v", resp, err)
	}

	_, err = run(t, context.Background(), e, "serve", "--role", "both")
	var usage usageError
	if !errors.As(err, &usage) || !strings.Contains(err.Error(), "all, tracker or web") {
		t.Errorf("serve --role both: %v, want a usage error naming the roles", err)
	}
}
