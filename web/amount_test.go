package web

import "testing"

func TestAmountInput(t *testing.T) {
	for _, c := range []struct{ locale, in, want string }{
		{"ru", "2 000,50", "2000.50"},
		{"ru", "2\u00a0000,50", "2000.50"}, // as the pages print it
		{"ru", "2\u202f000,50", "2000.50"},
		{"en", "2,000.50", "2000.50"},
		{"ru", "2.000,50", "2000.50"},
		{"en", "2000.5", "2000.5"},
		{"en", "2,000", "2000"},
		{"ru", "2,000", "2.000"}, // a Russian decimal comma
		{"ru", "1 000 000", "1000000"},
		{"en", "1,000,000", "1000000"},
		{"ru", "1.000.000", "1000000"},
		{"en", " 12450 ", "12450"},
		{"ru", "12450,00", "12450.00"},
		{"ru", "abc", "abc"},
		{"ru", "", ""},
	} {
		if got := AmountInput(c.locale, c.in); got != c.want {
			t.Errorf("AmountInput(%s, %q) = %q, want %q", c.locale, c.in, got, c.want)
		}
	}
}
