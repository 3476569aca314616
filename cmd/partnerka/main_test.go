package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"partnerka/storage/storagetest"
)

// run runs the binary's Main in-process with the given environment.
func run(t *testing.T, ctx context.Context, environ map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errOut}
	err := m.Run(ctx, args, env(environ))
	m.Close()
	if t.Failed() && len(args) > 0 && args[0] == "serve" {
		// What the server logged is the first thing to read when a test
		// that drives it fails.
		lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
		if len(lines) > 60 {
			lines = lines[len(lines)-60:]
		}
		t.Logf("serve logged (last %d lines):\n%s", len(lines), strings.Join(lines, "\n"))
	}
	return out.String(), err
}

func testEnv(t *testing.T) map[string]string {
	return map[string]string{
		"PARTNERKA_DATABASE_URL": storagetest.DatabaseURL(t),
		"PARTNERKA_REDIS_URL":    storagetest.RedisURL(t),
		"PARTNERKA_REDIS_PREFIX": fmt.Sprintf("t%d:", time.Now().UnixNano()),
		"PARTNERKA_SECRET":       "0123456789abcdef0123456789abcdef",
		"PARTNERKA_LOG_FORMAT":   "json",
		"PARTNERKA_METRICS_ADDR": freeAddr(t), // not the default port: tests may run beside a served program
	}
}

func TestHelp(t *testing.T) {
	out, err := run(t, context.Background(), nil, "help")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"serve", "migrate", "reconcile", "demo", "user", "verify"} {
		if !strings.Contains(out, "\n  "+c+" ") {
			t.Errorf("help does not list %s:\n%s", c, out)
		}
	}
	_, err = run(t, context.Background(), nil, "frobnicate")
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("unknown command: %v, want a usage error (exit 2)", err)
	}
}

func TestBadConfigIsUsageError(t *testing.T) {
	_, err := run(t, context.Background(), map[string]string{"PARTNERKA_LOG_LEVEL": "loud"}, "migrate")
	var ue usageError
	if !errors.As(err, &ue) || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v, want a one-line usage error", err)
	}
}

func TestUnreachableDatabase(t *testing.T) {
	e := map[string]string{
		"PARTNERKA_DATABASE_URL": "postgres://someone:hunter2@127.0.0.1:1/nothing?sslmode=disable",
		"PARTNERKA_SECRET":       "0123456789abcdef0123456789abcdef",
	}
	_, err := run(t, context.Background(), e, "serve")
	if err == nil {
		t.Fatal("serve started without a database")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "cannot reach PostgreSQL") || strings.Contains(msg, "hunter2") || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want one line, naming PostgreSQL, without the password", msg)
	}
}

func TestServeRefusesStaleSchema(t *testing.T) {
	e := testEnv(t)
	ctx := context.Background()
	// The test database is migrated; roll one version back to make it stale.
	if _, err := run(t, ctx, e, "migrate", "--status"); err != nil {
		t.Fatal(err)
	}
	db := openRaw(t, e["PARTNERKA_DATABASE_URL"])
	db.Exec(`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`)
	_, err := run(t, ctx, e, "serve")
	if err == nil || !strings.Contains(err.Error(), "partnerka migrate") {
		t.Errorf("got %v, want a refusal naming partnerka migrate", err)
	}
}

func TestDemoIsIdempotent(t *testing.T) {
	e := testEnv(t)
	ctx := context.Background()
	first, err := run(t, ctx, e, "demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	second, err := run(t, ctx, e, "demo", "--json")
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("second load printed something else:\n%s\n---\n%s", first, second)
	}
	var rep demoReport
	if err := json.Unmarshal([]byte(first), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Partners) != 3 || len(rep.Staff) != 3 || len(rep.Plans) != 2 {
		t.Fatalf("demo has %d partners, %d staff, %d plans", len(rep.Partners), len(rep.Staff), len(rep.Plans))
	}
	alpha := rep.Partners[0]
	if alpha.Ref != "alpha" || alpha.ID == 0 || alpha.Plan != "Referral v1" || len(alpha.Links) == 0 ||
		alpha.Links[0].URL != "http://127.0.0.1:8080/r/alpha" || alpha.PromoCodes[0] != "ALPHA10" {
		t.Errorf("alpha: %+v", alpha)
	}
	out, err := run(t, ctx, e, "verify")
	if err != nil || !strings.Contains(out, "every balance matches") {
		t.Errorf("verify after demo: %q %v", out, err)
	}
}

func TestUserAdd(t *testing.T) {
	e := testEnv(t)
	ctx := context.Background()
	if _, err := run(t, ctx, e, "demo", "--activity=false"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PARTNERKA_USER_PASSWORD", "a long enough password")
	out, err := run(t, ctx, e, "user", "add", "--email", "Finance2@Example.com", "--role", "finance")
	if err != nil || !strings.Contains(out, "finance2@example.com (finance)") {
		t.Fatalf("user add: %q %v", out, err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"duplicate email", []string{"--email", "finance2@example.com", "--role", "finance"}, "already exists"},
		{"owner needs a partner", []string{"--email", "o@x.test", "--role", "owner"}, "needs --partner-ref"},
		{"unknown partner", []string{"--email", "o@x.test", "--role", "owner", "--partner-ref", "nobody"}, "partner not found"},
		{"bad role", []string{"--email", "o@x.test", "--role", "king"}, "--role must be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, ctx, e, append([]string{"user", "add"}, tc.args...)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := run(t, ctx, e, "user", "add", "--email", "m@alpha.test", "--role", "member", "--partner-ref", "alpha"); err != nil {
		t.Error(err)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestServe(t *testing.T) {
	e := testEnv(t)
	tracker, cabinet := freeAddr(t), freeAddr(t)
	e["PARTNERKA_TRACKER_ADDR"], e["PARTNERKA_CABINET_ADDR"] = tracker, cabinet
	e["PARTNERKA_RECONCILE_INTERVAL"] = "100ms"
	// Without the demo's activity, which creates the click partitions of
	// its months: the reconciler loop inside serve must create this one.
	if _, err := run(t, context.Background(), e, "demo", "--activity=false"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := run(t, ctx, e, "serve")
		done <- err
	}()
	get := func(url string) (int, string) {
		var lastErr error
		for i := 0; i < 100; i++ {
			resp, err := http.Get(url)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				return resp.StatusCode, string(b)
			}
			lastErr = err
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("GET %s: %v", url, lastErr)
		return 0, ""
	}
	for _, tc := range []struct {
		url, want string
	}{
		{"http://" + tracker + "/healthz", "ok"},
		{"http://" + tracker + "/readyz", `"schema":"ok"`},
		{"http://" + cabinet + "/readyz", `"redis":"ok"`},
		{"http://" + e["PARTNERKA_METRICS_ADDR"] + "/metrics", "partnerka_clicks_total"},
		{"http://" + cabinet + "/", "Demo CRM partner program"},
	} {
		code, body := get(tc.url)
		if code != 200 || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %q, want 200 with %q", tc.url, code, body, tc.want)
		}
	}
	// Issue 17, F14: /metrics was public on the tracker's and the
	// cabinet's ports. It is served on the metrics address alone: the
	// tracker answers 404, the cabinet what it answers for any path a
	// signed-out visitor asks for that is not a page (sign in first).
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tc := range []struct {
		url      string
		status   int
		location string
	}{{"http://" + tracker + "/metrics", http.StatusNotFound, ""}, {"http://" + cabinet + "/metrics", http.StatusSeeOther, "/login"}} {
		resp, err := noFollow.Get(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Location") != tc.location || strings.Contains(string(b), "partnerka_") {
			t.Errorf("GET %s: %d %q %q, want %d to %q without metrics", tc.url, resp.StatusCode, resp.Header.Get("Location"), b, tc.status, tc.location)
		}
	}
	// Issue 17, F8: more than about 4 KB of headers got 431 and no
	// redirect. A visitor carrying 12 KB of the vendor's cookies is
	// redirected, and signs in.
	big := &http.Cookie{Name: "_vendor_analytics", Value: strings.Repeat("a", 12<<10)}
	for _, tc := range []struct {
		url  string
		want int
	}{{"http://" + tracker + "/r/alpha", http.StatusFound}, {"http://" + cabinet + "/login", http.StatusOK}} {
		req, _ := http.NewRequest("GET", tc.url, nil)
		req.AddCookie(big)
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatalf("GET %s with a 12 KB cookie: %v", tc.url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s with a 12 KB cookie: %d, want %d", tc.url, resp.StatusCode, tc.want)
		}
	}
	// The reconciler loop runs inside serve: it creates this month's partition.
	db := openRaw(t, e["PARTNERKA_DATABASE_URL"])
	name := "clicks_" + time.Now().UTC().Format("200601")
	deadline := time.Now().Add(5 * time.Second)
	for {
		var found *string
		db.QueryRow(`SELECT to_regclass($1)::text`, name).Scan(&found)
		if found != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("reconciler loop did not create %s", name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Its passes and the outbox show in the metrics.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, body := get("http://" + e["PARTNERKA_METRICS_ADDR"] + "/metrics")
		if strings.Contains(body, "partnerka_reconcile_last_pass_timestamp_seconds") &&
			strings.Contains(body, `partnerka_outbox_messages{kind="notice",state="waiting"}`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics without the reconciler's:\n%s", body)
		}
	}
	cancel() // as SIGTERM does
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not shut down")
	}
}
