package partnerka

import (
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		name, in, currency string
		want               string // "" means an error is expected
		field              string
	}{
		{"plain", "123.45", "USD", "123.45", ""},
		{"integer", "100", "RUB", "100", ""},
		{"one digit", "0.5", "EUR", "0.5", ""},
		{"zero-digit currency", "1500", "JPY", "1500", ""},
		{"three-digit currency", "1.234", "KWD", "1.234", ""},
		{"negative parses, caller decides", "-5.00", "USD", "-5", ""},
		{"too many digits", "1.234", "USD", "", "amount"},
		{"fraction on zero-digit currency", "10.5", "JPY", "", "amount"},
		{"exponent", "1e3", "USD", "", "amount"},
		{"NaN", "NaN", "USD", "", "amount"},
		{"thousands separator", "1,000.00", "USD", "", "amount"},
		{"plus sign", "+5", "USD", "", "amount"},
		{"spaces", " 5", "USD", "", "amount"},
		{"empty", "", "USD", "", "amount"},
		{"trailing dot", "5.", "USD", "", "amount"},
		{"float noise", "0.30000000000000004", "USD", "", "amount"},
		{"largest the database holds", "99999999999999.99", "USD", "99999999999999.99", ""},
		{"leading zeros are not digits", "000099999999999999", "JPY", "99999999999999", ""},
		{"fifteen digits", "100000000000000.00", "USD", "", "amount"},
		{"nineteen digits", "1000000000000000000", "RUB", "", "amount"},
		{"twenty-five digits", "1000000000000000000000000", "RUB", "", "amount"},
		{"unknown currency", "5", "XXX", "", "currency"},
		{"lower-case currency", "5", "usd", "", "currency"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAmount("amount", tc.in, tc.currency)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseAmount(%q, %s) = %v, want an error", tc.in, tc.currency, got)
				}
				if ErrorCode(err) != EINVALID || ErrorField(err) != tc.field {
					t.Fatalf("error %v: code %q field %q, want invalid on %q", err, ErrorCode(err), ErrorField(err), tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Amount.Equal(decimal.RequireFromString(tc.want)) || got.Currency != tc.currency {
				t.Errorf("got %v, want %s %s", got, tc.want, tc.currency)
			}
		})
	}
}

func TestRound(t *testing.T) {
	for _, tc := range []struct{ in, currency, want string }{
		{"0.005", "USD", "0.01"},   // half away from zero
		{"0.0049999", "USD", "0"},  // below half
		{"-0.005", "USD", "-0.01"}, // half away from zero, negative
		{"2.5", "JPY", "3"},
		{"-2.5", "JPY", "-3"},
		{"1.0005", "KWD", "1.001"},
		{"1.2345", "RUB", "1.23"},
		{"300.000000000001", "RUB", "300"},
	} {
		got := Money{decimal.RequireFromString(tc.in), tc.currency}.Round()
		if !got.Amount.Equal(decimal.RequireFromString(tc.want)) {
			t.Errorf("Round(%s %s) = %s, want %s", tc.in, tc.currency, got.Amount, tc.want)
		}
	}
}

func TestMoneyString(t *testing.T) {
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{Money{decimal.RequireFromString("1500"), "RUB"}, "1500.00 RUB"},
		{Money{decimal.RequireFromString("7"), "JPY"}, "7 JPY"},
		{Money{decimal.RequireFromString("0.1"), "BHD"}, "0.100 BHD"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

// FuzzParseAmount: whatever the input, an accepted amount has no more
// fraction digits than its currency and round-trips through Round unchanged.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1", "1.5", "0.01", "-3.333", "1e5", "NaN", "99999999999999.99"} {
		f.Add(s, "USD")
		f.Add(s, "JPY")
		f.Add(s, "KWD")
	}
	f.Fuzz(func(t *testing.T, s, currency string) {
		m, err := ParseAmount("amount", s, currency)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("error code %q, want invalid", ErrorCode(err))
			}
			return
		}
		if !m.Round().Amount.Equal(m.Amount) {
			t.Fatalf("%q %s parsed to %s, which rounding changes", s, currency, m.Amount)
		}
	})
}

func TestStatusOf(t *testing.T) {
	for code, want := range map[string]int{
		EINVALID: 400, EUNAUTHORIZED: 401, EFORBIDDEN: 403, ENOTFOUND: 404,
		ECONFLICT: 409, EUNPROCESSABLE: 422, EUNAVAILABLE: 503, EINTERNAL: 500,
	} {
		if got := StatusOf(Errorf(code, "x")); got != want {
			t.Errorf("StatusOf(%s) = %d, want %d", code, got, want)
		}
	}
	if got := StatusOf(errorString("boom")); got != 500 {
		t.Errorf("a plain error maps to %d, want 500", got)
	}
	if got := ErrorMessage(errorString("secret SQL text")); got != "Internal error" {
		t.Errorf("a plain error's message leaks: %q", got)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
