package main

import (
	"context"
	"database/sql"
	"testing"
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
