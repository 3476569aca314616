package partnerka

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"
)

// minorUnits lists the ISO 4217 currencies partnerka accepts with the number
// of digits after the decimal point each one has. A currency not listed here
// is rejected at the edge, so every amount inside the system has a known
// precision.
var minorUnits = map[string]int32{
	"AED": 2, "AMD": 2, "ARS": 2, "AUD": 2, "AZN": 2, "BGN": 2, "BHD": 3,
	"BRL": 2, "BYN": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "COP": 2,
	"CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "GEL": 2, "HKD": 2,
	"HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "IQD": 3, "ISK": 0, "JOD": 3,
	"JPY": 0, "KGS": 2, "KRW": 0, "KWD": 3, "KZT": 2, "LYD": 3, "MDL": 2,
	"MXN": 2, "MYR": 2, "NOK": 2, "NZD": 2, "OMR": 3, "PHP": 2, "PLN": 2,
	"RON": 2, "RSD": 2, "RUB": 2, "SAR": 2, "SEK": 2, "SGD": 2, "THB": 2,
	"TJS": 2, "TND": 3, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "UZS": 2,
	"VND": 0, "ZAR": 2,
}

// MinorUnits returns the number of fraction digits of a currency and whether
// the currency is known.
func MinorUnits(currency string) (int32, bool) {
	n, ok := minorUnits[currency]
	return n, ok
}

// ValidCurrency reports whether code is an accepted ISO 4217 code.
func ValidCurrency(code string) bool {
	_, ok := minorUnits[code]
	return ok
}

// Money is an exact amount with its currency. The zero Money has no currency
// and is never valid outside a constructor.
type Money struct {
	Amount   decimal.Decimal
	Currency string
}

// Round returns the amount rounded to the currency's minor units, half away
// from zero. This is the one rounding rule of the system: a commission is
// computed unrounded, rounded once here, and both figures are stored.
func (m Money) Round() Money {
	n, ok := minorUnits[m.Currency]
	if !ok {
		panic("partnerka: Round on unknown currency " + m.Currency)
	}
	return Money{Amount: m.Amount.Round(n), Currency: m.Currency}
}

// String formats the amount with exactly the currency's minor digits and the
// code, as "1500.00 RUB". Locale-aware formatting lives in the cabinet.
func (m Money) String() string {
	n, ok := minorUnits[m.Currency]
	if !ok {
		return m.Amount.String() + " " + m.Currency
	}
	return m.Amount.StringFixed(n) + " " + m.Currency
}

var amountPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// CheckAmountSize refuses a decimal string with more than MaxAmountDigits
// digits before the decimal point.
func CheckAmountSize(field, s string) error {
	whole, _, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if digits := len(strings.TrimLeft(whole, "0")); digits > MaxAmountDigits {
		return FieldError(field, "amount has %d digits before the decimal point; at most %d are allowed (below 100000000000000)", digits, MaxAmountDigits)
	}
	return nil
}

// MaxAmountDigits is how many digits an amount may have before the
// decimal point: what the database's numeric(20,6) columns hold (amounts
// below 100 000 000 000 000).
const MaxAmountDigits = 14

// ParseAmount parses a plain decimal string ("123.45") in the given
// currency. It refuses exponents, NaN, signs other than a leading minus,
// thousands separators and more fraction digits than the currency has; the
// error names field. It does not check the sign: callers decide whether zero
// or negative amounts make sense.
func ParseAmount(field, s, currency string) (Money, error) {
	n, ok := minorUnits[currency]
	if !ok {
		return Money{}, FieldError("currency", "unknown currency %q: use an ISO 4217 code such as USD, EUR or RUB", currency)
	}
	if !amountPattern.MatchString(s) {
		return Money{}, FieldError(field, "amount must be a decimal string such as \"123.45\"")
	}
	if err := CheckAmountSize(field, s); err != nil {
		return Money{}, err
	}
	_, fraction, _ := strings.Cut(s, ".")
	if int32(len(fraction)) > n {
		return Money{}, FieldError(field, "%s has %d digits after the decimal point; at most %d allowed", currency, len(fraction), n)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return Money{}, FieldError(field, "amount must be a decimal string such as \"123.45\"")
	}
	return Money{Amount: d, Currency: currency}, nil
}
