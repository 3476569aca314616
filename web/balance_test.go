package web

import (
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka/storage"
)

// Balances read as one table: the main currency first whatever its
// amount, then by what each holds or is owed; a next release only on a
// row with something on hold.
func TestBalanceRows(t *testing.T) {
	b := func(cur, bucket, amount string) storage.Balance {
		return storage.Balance{Currency: cur, Bucket: bucket, Amount: decimal.RequireFromString(amount)}
	}
	bs := []storage.Balance{
		b("EUR", "available", "300"), b("EUR", "pending", "0"),
		b("RUB", "pending", "12450"), b("RUB", "paid", "1000000"),
		b("USD", "available", "5"), b("USD", "paid", "90000"),
		b("KZT", "pending", "-20"), b("KZT", "available", "50000"),
	}
	release := time.Date(2026, 12, 3, 21, 30, 0, 0, time.UTC)
	next := map[string]time.Time{"RUB": release, "EUR": release, "KZT": release}
	rows := BalanceRows(bs, "USD", next, time.FixedZone("MSK", 3*3600), "ru")
	var order []string
	for _, r := range rows {
		order = append(order, r.Currency)
	}
	if got := strings.Join(order, " "); got != "USD KZT RUB EUR" {
		t.Errorf("rows %s, want USD (main) then KZT 50 000, RUB 12 450, EUR 300", got)
	}
	for _, r := range rows {
		want := ""
		if r.Currency == "RUB" {
			want = "04.12.2026" // in the viewer's zone
		}
		if r.NextRelease != want || r.OnHold != (want != "") {
			t.Errorf("%s: next release %q (on hold %v), want %q", r.Currency, r.NextRelease, r.OnHold, want)
		}
	}
	if usd := rows[0]; usd.Available != "5,00\u00a0$" || usd.Pending != "0,00\u00a0$" || usd.Paid != "90\u00a0000,00\u00a0$" {
		t.Errorf("USD row %+v", usd)
	}
}
