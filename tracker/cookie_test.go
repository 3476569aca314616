package tracker

import (
	"strings"
	"testing"
	"time"

	"partnerka"
)

func TestCookieCodec(t *testing.T) {
	c := NewCookieCodec([]byte("0123456789abcdef0123456789abcdef"))
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	window := 90 * 24 * time.Hour
	a := Attribution{ClickID: partnerka.NewClickID(at), LinkID: 42, PartnerID: 1 << 40}
	v := string(c.AppendEncode(nil, a))

	got, ok := c.Decode(v, at.Add(time.Hour), window)
	if !ok || got != a {
		t.Fatalf("Decode = %+v %v, want %+v", got, ok, a)
	}
	other := NewCookieCodec([]byte("another secret of thirty-two chars!!"))
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, tc := range []struct {
		name  string
		codec *CookieCodec
		value string
		now   time.Time
		want  bool
	}{
		{"fresh", c, v, at, true},
		{"one second before the window ends", c, v, at.Add(window - time.Second), true},
		{"at the end of the window", c, v, at.Add(window), false},
		{"expired", c, v, at.Add(window + time.Hour), false},
		{"from the future", c, v, at.Add(-time.Hour), false},
		{"payload tampered", c, flip(v, 3), at, false},
		{"mac tampered", c, flip(v, len(v)-2), at, false},
		{"other key", other, v, at, false},
		{"no dot", c, strings.ReplaceAll(v, ".", ""), at, false},
		{"empty", c, "", at, false},
		{"garbage", c, "abc.def", at, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.codec.Decode(tc.value, tc.now, window); ok != tc.want {
				t.Errorf("Decode ok = %v, want %v", ok, tc.want)
			}
		})
	}
}

// FuzzCookieDecode: no input panics, and whatever decodes re-encodes to the
// same value (only what we signed is ever accepted).
func FuzzCookieDecode(f *testing.F) {
	c := NewCookieCodec([]byte("0123456789abcdef0123456789abcdef"))
	now := time.Now()
	f.Add(string(c.AppendEncode(nil, Attribution{ClickID: partnerka.NewClickID(now), LinkID: 1, PartnerID: 2})))
	f.Add("x.y")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := c.Decode(s, now, 90*24*time.Hour)
		if ok && string(c.AppendEncode(nil, a)) != s {
			t.Fatalf("accepted %q, which is not what we sign for %+v", s, a)
		}
	})
}
