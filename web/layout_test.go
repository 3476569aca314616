package web

import "testing"

// A nav link is current on its page and the pages under it; the homes
// only on themselves.
func TestNavCurrent(t *testing.T) {
	for _, tc := range []struct {
		path, href string
		want       bool
	}{
		{"/admin", "/admin", true},
		{"/admin/partners", "/admin", false},
		{"/admin/partners/12", "/admin/partners", true},
		{"/admin/partners-export", "/admin/partners", false},
		{"/admin/payouts", "/payouts", false},
		{"/payouts/", "/payouts", true},
		{"/settings/team", "/settings", true},
		{"/dashboard", "/dashboard", true},
		{"/links", "/dashboard", false},
	} {
		if got := navCurrent(tc.path, tc.href); got != tc.want {
			t.Errorf("navCurrent(%q, %q) = %v, want %v", tc.path, tc.href, got, tc.want)
		}
	}
}
