package storage

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
)

// arrayLiteral builds the text of a PostgreSQL array parameter ("{1,2}")
// element by element, for batches sent as one array per column.
type arrayLiteral struct {
	b []byte
}

// newArrayLiteral returns a literal with room for about size bytes.
func newArrayLiteral(size int) arrayLiteral {
	return arrayLiteral{b: make([]byte, 0, size+2)}
}

func (a *arrayLiteral) sep() {
	if len(a.b) == 0 {
		a.b = append(a.b, '{')
	} else {
		a.b = append(a.b, ',')
	}
}

func (a *arrayLiteral) Int(v int64) {
	a.sep()
	a.b = strconv.AppendInt(a.b, v, 10)
}

func (a *arrayLiteral) Null() {
	a.sep()
	a.b = append(a.b, "NULL"...)
}

func (a *arrayLiteral) Decimal(d decimal.Decimal) {
	a.sep()
	a.b = partnerka.AppendDecimal(a.b, d)
}

func (a *arrayLiteral) NullDecimal(d decimal.NullDecimal) {
	if !d.Valid {
		a.Null()
		return
	}
	a.Decimal(d.Decimal)
}

func (a *arrayLiteral) Time(t time.Time) {
	a.sep()
	a.b = append(a.b, '"')
	a.b = t.UTC().AppendFormat(a.b, time.RFC3339Nano)
	a.b = append(a.b, '"')
}

// Plain appends v as it is: for values that cannot hold a quote, a
// backslash, a comma, a brace or a space (numbers, uuids, addresses,
// timestamps without a zone name).
func (a *arrayLiteral) Plain(v []byte) {
	a.sep()
	a.b = append(a.b, v...)
}

// Text appends s quoted, escaping quotes and backslashes.
func (a *arrayLiteral) Text(s string) {
	a.sep()
	a.b = append(a.b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			a.b = append(a.b, '\\')
		}
		a.b = append(a.b, s[i])
	}
	a.b = append(a.b, '"')
}

// String returns the literal; an array of no elements is "{}".
func (a *arrayLiteral) String() string {
	if len(a.b) == 0 {
		return "{}"
	}
	return string(append(a.b, '}'))
}
