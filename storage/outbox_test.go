package storage

import (
	"errors"
	"testing"
	"time"
)

func TestFailedAttempt(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for attempts, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 5: 16 * time.Minute, 9: 256 * time.Minute} {
		if a := FailedAttempt(7, attempts, errors.New("HTTP 500"), t0); a.Next.Sub(t0) != want || a.Error != "HTTP 500" || a.ID != 7 {
			t.Errorf("after %d attempts: %+v, want a retry in %s", attempts, a, want)
		}
	}
	if a := FailedAttempt(7, OutboxAttempts, errors.New("HTTP 500"), t0); !a.Next.Equal(OutboxNever) || a.Error != "gave up after 10 attempts: HTTP 500" {
		t.Errorf("after the last attempt: %+v, want given up", a)
	}
}
