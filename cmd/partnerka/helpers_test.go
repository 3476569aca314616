package main

import (
	"context"
	"database/sql"
	"testing"

	"github.com/chromedp/chromedp"
)

func openRaw(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// demoEnv is a fresh database with the demo program and the environment
// of a server on free addresses, reconciling every 200 ms: it returns the
// environment and the tracker's and the cabinet's addresses. demoArgs go
// to the demo command ("--activity=false": the program without its six
// months of activity).
func demoEnv(t *testing.T, demoArgs ...string) (map[string]string, string, string) {
	t.Helper()
	e := testEnv(t)
	tracker, cabinet := freeAddr(t), freeAddr(t)
	e["PARTNERKA_TRACKER_ADDR"], e["PARTNERKA_CABINET_ADDR"] = tracker, cabinet
	e["PARTNERKA_TRACKER_URL"], e["PARTNERKA_CABINET_URL"] = "http://"+tracker, "http://"+cabinet
	e["PARTNERKA_RECONCILE_INTERVAL"] = "200ms"
	if _, err := run(t, context.Background(), e, append([]string{"demo"}, demoArgs...)...); err != nil {
		t.Fatal(err)
	}
	return e, tracker, cabinet
}

// serveFor runs serve with e until the test ends, and returns once the
// cabinet answers.
func serveFor(t *testing.T, e map[string]string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := run(t, ctx, e, "serve"); done <- err }()
	t.Cleanup(func() { cancel(); <-done })
	waitHTTP(t, e["PARTNERKA_CABINET_URL"]+"/healthz")
}

// headlessBrowser starts the Chromium at path (see chromium) for the
// test, and returns the context of its first tab; the browser has started,
// so later actions may run with timeouts. It stops when the test ends.
func headlessBrowser(t *testing.T, path string) context.Context {
	t.Helper()
	actx, acancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.WindowSize(1100, 1400))...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() { bcancel(); acancel() })
	if err := chromedp.Do(bctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatal(err)
	}
	return bctx
}
