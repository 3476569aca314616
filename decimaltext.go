package partnerka

import (
	"strconv"

	"github.com/shopspring/decimal"
)

// AppendDecimal appends d exactly, as d.String() writes it (no exponent,
// no trailing zeros after the point), without the big.Int arithmetic that
// String costs when the coefficient fits in an int64. The reconciler
// formats millions of amounts; this keeps that off its profile.
func AppendDecimal(b []byte, d decimal.Decimal) []byte {
	c, exp, ok := small(d)
	if !ok {
		return append(b, d.String()...)
	}
	for exp < 0 && c%10 == 0 {
		c, exp = c/10, exp+1
	}
	return appendScaled(b, c, exp)
}

// AppendFixed appends d rounded half away from zero to places digits after
// the point, as d.StringFixed(places) writes it.
func AppendFixed(b []byte, d decimal.Decimal, places int32) []byte {
	c, exp, ok := small(d)
	if !ok || places < 0 || places > 18 {
		return append(b, d.StringFixed(places)...)
	}
	for exp < -places {
		q, r := c/10, c%10
		if exp == -places-1 && (r >= 5 || r <= -5) {
			if c < 0 {
				q--
			} else {
				q++
			}
		}
		c, exp = q, exp+1
	}
	for exp > -places {
		if c > 1e17 || c < -1e17 {
			return append(b, d.StringFixed(places)...)
		}
		c, exp = c*10, exp-1
	}
	return appendScaled(b, c, exp)
}

// small returns d's coefficient and exponent when the coefficient has at
// most 17 digits and the exponent is within [-18, 0], so that c * 10^exp
// can be printed and rescaled by one digit without overflow.
func small(d decimal.Decimal) (c int64, exp int32, ok bool) {
	exp = d.Exponent()
	if exp > 0 || exp < -18 || d.NumDigits() > 17 {
		return 0, 0, false
	}
	return d.CoefficientInt64(), exp, true
}

// appendScaled appends c * 10^exp for exp <= 0.
func appendScaled(b []byte, c int64, exp int32) []byte {
	if c < 0 {
		b = append(b, '-')
		c = -c
	}
	var digits [24]byte
	s := strconv.AppendInt(digits[:0], c, 10)
	frac := int(-exp)
	if frac == 0 {
		return append(b, s...)
	}
	if len(s) <= frac {
		b = append(b, '0', '.')
		for i := len(s); i < frac; i++ {
			b = append(b, '0')
		}
		return append(b, s...)
	}
	b = append(b, s[:len(s)-frac]...)
	b = append(b, '.')
	return append(b, s[len(s)-frac:]...)
}

// AppendMoney appends m as m.String() writes it ("1500.00 RUB").
func AppendMoney(b []byte, m Money) []byte {
	n, ok := minorUnits[m.Currency]
	if !ok {
		b = AppendDecimal(b, m.Amount)
	} else {
		b = AppendFixed(b, m.Amount, n)
	}
	b = append(b, ' ')
	return append(b, m.Currency...)
}
