package tracker

import (
	"strings"
	"testing"

	"partnerka"
)

func TestParseRedirectPath(t *testing.T) {
	for _, tc := range []struct {
		path, code, sub string
		ok              bool
	}{
		{"/r/alpha", "alpha", "", true},
		{"/r/alpha/", "alpha", "", true},
		{"/r/alpha/blog", "alpha", "blog", true},
		{"/r/alpha/blog/", "alpha", "blog", true},
		{"/r/alpha/spring.sale~2", "alpha", "spring.sale~2", true},
		{"/r/alpha/bad sub", "alpha", "", true},
		{"/r/alpha/a/b", "alpha", "", true},
		{"/r/al", "", "", false},
		{"/r/", "", "", false},
		{"/r/../etc", "", "", false},
		{"/r/" + strings.Repeat("a", 65), "", "", false},
		{"/x/alpha", "", "", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			code, sub, ok := parseRedirectPath(tc.path)
			if code != tc.code || sub != tc.sub || ok != tc.ok {
				t.Errorf("got %q %q %v, want %q %q %v", code, sub, ok, tc.code, tc.sub, tc.ok)
			}
		})
	}
}

// FuzzParseRedirectPath: whatever the path, what comes out is a valid code
// and a valid (or empty) sub id taken from it.
func FuzzParseRedirectPath(f *testing.F) {
	for _, s := range []string{"/r/alpha", "/r/alpha/blog", "/r/x/y/z", "/r//", "/r/\x00abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		code, sub, ok := parseRedirectPath(path)
		if !ok {
			if code != "" || sub != "" {
				t.Fatalf("not ok but returned %q %q", code, sub)
			}
			return
		}
		if !partnerka.ValidLinkCode(code) || (sub != "" && !partnerka.ValidSubID(sub)) {
			t.Fatalf("%q gave invalid code %q or sub %q", path, code, sub)
		}
		if !strings.HasPrefix(path, "/r/"+code) || !strings.Contains(path, sub) {
			t.Fatalf("%q gave %q %q, not parts of the path", path, code, sub)
		}
	})
}
