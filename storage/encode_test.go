package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// Array literals built by hand read back in PostgreSQL as the values they
// were built from.
func TestArrayLiteral(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	texts := []string{"", "NULL", `a "quoted" \ back`, "comma, {brace}", "пробел и юникод", "20% of 1500.00 RUB, plan X v1"}
	var tl storage.ArrayLiteral
	for _, s := range texts {
		tl.Text(s)
	}
	var got pq.StringArray
	if err := db.GetContext(ctx, &got, `SELECT $1::text[]`, tl.String()); err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		if i >= len(got) || got[i] != texts[i] {
			t.Fatalf("texts: got %q, want %q", got, texts)
		}
	}

	var dl storage.ArrayLiteral
	dl.Decimal(decimal.RequireFromString("1445.098"))
	dl.NullDecimal(decimal.NullDecimal{})
	dl.Decimal(decimal.RequireFromString("-0.000001"))
	var il storage.ArrayLiteral
	il.Int(-7)
	il.Null()
	il.Int(9007199254740993)
	var tml storage.ArrayLiteral
	at := time.Date(2026, 3, 1, 12, 30, 0, 123456000, time.FixedZone("MSK", 3*3600))
	tml.Time(at)
	var ok bool
	if err := db.GetContext(ctx, &ok, `SELECT $1::numeric[] IS NOT DISTINCT FROM ARRAY[1445.098, NULL, -0.000001]
		AND $2::bigint[] IS NOT DISTINCT FROM ARRAY[-7, NULL, 9007199254740993]
		AND $3::timestamptz[] = ARRAY[$4::timestamptz] AND $5::text[] = '{}'`,
		dl.String(), il.String(), tml.String(), at, (&storage.ArrayLiteral{}).String()); err != nil || !ok {
		t.Errorf("numbers and times did not read back: %v", err)
	}
}
