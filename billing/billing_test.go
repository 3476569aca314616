package billing

import "testing"

func TestFromMinor(t *testing.T) {
	for _, tc := range []struct {
		units    int64
		currency string
		want     string
	}{{199900, "RUB", "1999.00 RUB"}, {1500, "JPY", "1500 JPY"}, {12345, "KWD", "12.345 KWD"}, {1, "USD", "0.01 USD"}} {
		m, err := FromMinor(tc.units, tc.currency)
		if err != nil || m.String() != tc.want {
			t.Errorf("FromMinor(%d, %s) = %v, %v; want %s", tc.units, tc.currency, m, err, tc.want)
		}
	}
	if _, err := FromMinor(1, "XXX"); err == nil {
		t.Error("an unknown currency was taken")
	}
}
