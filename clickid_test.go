package partnerka

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func TestClickID(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 123e6, time.UTC)
	id := NewClickID(at)
	if got := id.Time(); !got.Equal(at) {
		t.Errorf("Time() = %v, want %v", got, at)
	}
	if id[6]>>4 != 7 || id[8]>>6 != 2 {
		t.Errorf("not a version 7 UUID: %x", id)
	}
	s := id.String()
	if len(s) != 26 || strings.Trim(s, crockford) != "" {
		t.Errorf("String() = %q", s)
	}
	back, err := ParseClickID(strings.ToLower(s))
	if err != nil || back != id {
		t.Errorf("ParseClickID(%q) = %x, %v; want %x", s, back, err, id)
	}
	if u := id.UUID(); len(u) != 36 || u[14] != '7' {
		t.Errorf("UUID() = %q", u)
	} else if back, err := ParseClickUUID(u); err != nil || back != id {
		t.Errorf("ParseClickUUID(%q) = %x, %v", u, back, err)
	}

	// Ids minted later sort later as strings.
	var ids []string
	for i := 0; i < 100; i++ {
		ids = append(ids, NewClickID(at.Add(time.Duration(i)*time.Millisecond)).String())
	}
	if !sort.StringsAreSorted(ids) {
		t.Error("click ids do not sort in time order")
	}
	for _, bad := range []string{"", "0123", strings.Repeat("Z", 26), strings.Repeat("0", 25) + "U", strings.Repeat("0", 25) + "!"} {
		if _, err := ParseClickID(bad); err == nil {
			t.Errorf("ParseClickID(%q) accepted", bad)
		}
	}
}

func FuzzParseClickID(f *testing.F) {
	f.Add(NewClickID(time.Now()).String())
	f.Add("7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseClickID(s)
		if err != nil {
			return
		}
		if got := id.String(); !strings.EqualFold(got, s) {
			t.Fatalf("%q parsed and printed as %q", s, got)
		}
	})
}
