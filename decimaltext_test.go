package partnerka

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// The appenders write what decimal's String and StringFixed write, for
// amounts of every size and sign, including those that take the slow path.
func TestAppendDecimalAsString(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 100000; i++ {
		var d decimal.Decimal
		switch i % 4 {
		case 0:
			d = decimal.New(r.Int64N(2_000_000_000)-1_000_000_000, -int32(r.IntN(13)))
		case 1:
			d = decimal.New(r.Int64(), -int32(r.IntN(20)))
		case 2:
			d = decimal.New(r.Int64N(1000), int32(r.IntN(4)))
		default:
			d = decimal.RequireFromString("123456789012345678901234.5678").Mul(decimal.New(r.Int64N(100)-50, -int32(r.IntN(8))))
		}
		if got, want := string(AppendDecimal(nil, d)), d.String(); got != want {
			t.Fatalf("AppendDecimal(%s) = %s, want %s", want, got, want)
		}
		for _, places := range []int32{0, 2, 3, 6} {
			if got, want := string(AppendFixed(nil, d, places)), d.StringFixed(places); got != want {
				t.Fatalf("AppendFixed(%s, %d) = %s, want %s", d, places, got, want)
			}
		}
	}
	for _, m := range []Money{{decimal.RequireFromString("1500"), "RUB"}, {decimal.RequireFromString("0.0005"), "BHD"},
		{decimal.RequireFromString("-12.5"), "JPY"}, {decimal.RequireFromString("7221.490000"), "RUB"}} {
		if got, want := string(AppendMoney(nil, m)), m.String(); got != want {
			t.Errorf("AppendMoney = %s, want %s", got, want)
		}
	}
}
