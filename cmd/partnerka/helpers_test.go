package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// browserSteps returns a browser test's two moves on bctx: step runs
// actions (30 s at most, failing the test) and keeps a screenshot of the
// page in shots as a record, logging one Chromium could not take in time;
// textOf reads an element's text.
func browserSteps(t *testing.T, bctx context.Context, shots string) (step func(name string, actions ...chromedp.Action[chromedp.Void]), textOf func(sel string) string) {
	step = func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// A screenshot is a record, not a check: one Chromium could not take
		// in time is logged, and the journey goes on (a browser that is
		// really stuck fails the next step).
		shot, cancelShot := context.WithTimeout(bctx, 15*time.Second)
		defer cancelShot()
		img, err := chromedp.Run(shot, chromedp.FullScreenshot(100))
		if err != nil {
			t.Logf("%s screenshot not taken: %v", name, err)
			return
		}
		os.WriteFile(filepath.Join(shots, name+".png"), img, 0o644)
	}
	textOf = func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		v, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return v
	}
	return step, textOf
}
