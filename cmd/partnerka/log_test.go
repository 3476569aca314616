package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
)

// lockedBuffer is a Buffer that go-redis's goroutines may write to while
// the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Issue 17: go-redis printed plain-text lines ("redis: 2026/12/03
// pool.go:770: connection pool: failed to dial...") between the JSON
// lines of the log. They are JSON lines of the program's logger.
func TestRedisLogsAreJSON(t *testing.T) {
	var stderr lockedBuffer
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &stderr}
	if err := m.ParseConfig(env(map[string]string{"PARTNERKA_LOG_FORMAT": "json"})); err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: freeAddr(t), DialerRetries: 1, MaxRetries: -1}) // nothing listens there
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err == nil {
		t.Fatal("ping of an address nobody listens on succeeded")
	}
	found := false
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		var rec struct{ Level, Msg, Component string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not a JSON line: %q", line)
			continue
		}
		if rec.Component == "go-redis" && strings.Contains(rec.Msg, "failed to dial") && rec.Level == "WARN" {
			found = true
		}
	}
	if !found {
		t.Errorf("no go-redis line about the failed dial in:\n%s", stderr.String())
	}
}
