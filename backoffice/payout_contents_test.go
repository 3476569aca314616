package backoffice

import (
	"cmp"
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage/storagetest"
)

// at is a day of the fixture's autumn, at noon UTC.
func at(month time.Month, day int) time.Time {
	return time.Date(2026, month, day, 12, 0, 0, 0, time.UTC)
}

// Finding 11: the payout page did not show what is being paid. Payouts
// are not tied to commissions (a request reserves part of the available
// balance), so the page shows the credits that balance was made of at the
// request, first in, first out after what earlier payouts drew, with
// their customers and dates, and a total equal to the payout's amount.
//
// Alpha's ledger: commissions K1 100 (held to Oct 31), K2 60 (Nov 4), K3
// 40 (Nov 9) less a 10 reversal booked Nov 8, K4 50 flagged (held until
// decided), K5 200 still held; a 25 bonus on Nov 2 and a −15 adjustment
// on Nov 3. Payout P1 of 120 on Nov 5 (paid), P2 of 10 on Nov 6 (rejected
// Nov 7), then P3 of 70 now.
//
//	P1, at Nov 5: credits K1 100, bonus 25, K2 60, K3 40 (its reversal
//	came later); the adjustment drew 15 first: P1 takes 85 of K1, the
//	bonus, 10 of K2.
//	P3, now: credits K1 100, bonus 25, K2 60, K3 30, K5 200; P1 and the
//	adjustment drew 135 (P2 was returned): P3 takes 50 of K2 and 20 of K3.
func TestPayoutCovers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, owner, fin := f.Seed.Partners["alpha"], f.Seed.Users["alpha@x.test"], f.Seed.Users["finance@x.test"]
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE program_settings SET default_currency = 'RUB'`)
	exec(`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
		SELECT 'k' || i, $1, 'partner_ref', 'attributed', '2026-09-01', '2026-09-01', $2 FROM generate_series(1, 5) AS i`, alpha, now)
	type k struct {
		n                int
		amount, reversed int
		earned, hold     time.Time
		flagged          bool
	}
	for _, c := range []k{{1, 100, 0, at(10, 1), at(10, 31), false}, {2, 60, 0, at(10, 5), at(11, 4), false},
		{3, 40, 10, at(10, 10), at(11, 9), false}, {4, 50, 0, at(10, 2), at(11, 1), true}, {5, 200, 0, at(11, 20), at(12, 20), false}} {
		exec(`WITH c AS (
			INSERT INTO commissions (partner_id, customer_id, event, level, contract_id, plan_version_id, rule_id, base_amount,
			    amount_unrounded, amount, reversed_amount, currency, flagged, earned_at, hold_until, explanation, created_at)
			SELECT $1, id, 'lead', 1, 1, 1, 1, 0, $3, $3, $4, 'RUB', $7, $5, $6, 'lead of ' || external_id, $5
			  FROM customers WHERE external_id = $2 RETURNING id)
			INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
			SELECT $1, 'RUB', 'pending', e.kind, e.amount, c.id, e.available, e.created FROM c, (VALUES
			    ('commission', $3::numeric, $6::timestamptz, $5::timestamptz),
			    ('reversal', -$4::numeric, $6::timestamptz, '2026-11-08T12:00:00Z'::timestamptz),
			    ('flag', -$3::numeric, $6::timestamptz, '2026-10-20T12:00:00Z'::timestamptz),
			    ('flag', $3::numeric, NULL, '2026-10-20T12:00:00Z'::timestamptz)) AS e(kind, amount, available, created)
			 WHERE e.kind = 'commission' OR (e.kind = 'reversal' AND $4 > 0) OR (e.kind = 'flag' AND $7)`,
			alpha, "k"+strconv.Itoa(c.n), c.amount, c.reversed, c.earned, c.hold, c.flagged)
	}
	exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at) VALUES
		($1, 'RUB', 'available', 'bonus', 25, 'Contest winner', '2026-11-02T12:00:00Z'),
		($1, 'RUB', 'available', 'adjustment', -15, 'Correction', '2026-11-03T12:00:00Z')`, alpha)
	payout := func(amount int, requested time.Time, status string, returned *time.Time) int64 {
		var id int64
		if err := f.DB.GetContext(ctx, &id, `INSERT INTO payouts (partner_id, amount, currency, status, method, details, requested_by, requested_at, decided_by, decided_at, paid_at)
			VALUES ($1, $2, 'RUB', $3, 'bank', '{"account": "40817810000001234"}', $4, $5, $6, $5, CASE WHEN $3 = 'paid' THEN $5::timestamptz END) RETURNING id`,
			alpha, amount, status, owner, requested, fin); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, payout_id, created_at)
			VALUES ($1, 'RUB', 'available', 'payout', -$2::numeric, $3, $4), ($1, 'RUB', 'reserved', 'payout', $2::numeric, $3, $4)`, alpha, amount, id, requested)
		if returned != nil {
			exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, payout_id, created_at)
				VALUES ($1, 'RUB', 'reserved', 'payout_reversal', -$2::numeric, $3, $4), ($1, 'RUB', 'available', 'payout_reversal', $2::numeric, $3, $4)`,
				alpha, amount, id, *returned)
		}
		return id
	}
	p1 := payout(120, at(11, 5), "paid", nil)
	rejected := at(11, 7)
	payout(10, at(11, 6), "rejected", &rejected)
	exec(`SELECT release_holds($1)`, now)
	if err := f.DB.SetPayoutDetails(ctx, alpha, "bank", map[string]string{"account": "40817810000001234"}); err != nil {
		t.Fatal(err)
	}
	p3, err := f.DB.RequestPayout(ctx, alpha, owner, partnerka.Money{Amount: decimal.NewFromInt(70), Currency: "RUB"}, now)
	if err != nil {
		t.Fatal(err)
	}

	covered := func(id int64) string {
		t.Helper()
		src, err := f.DB.PayoutSources(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		sum := decimal.Zero
		for _, s := range src {
			out = append(out, s.Kind+":"+s.Customer+s.Reason+":"+s.Covered.StringFixed(2)+"/"+s.Amount.StringFixed(2))
			sum = sum.Add(s.Covered)
		}
		return strings.Join(out, " ") + " = " + sum.StringFixed(2)
	}
	if got, want := covered(p1), "commission:k1:85.00/100.00 bonus:Contest winner:25.00/25.00 commission:k2:10.00/60.00 = 120.00"; got != want {
		t.Errorf("P1 covers\n %s\nwant\n %s", got, want)
	}
	if got, want := covered(p3), "commission:k2:50.00/60.00 commission:k3:20.00/30.00 = 70.00"; got != want {
		t.Errorf("P3 covers\n %s\nwant\n %s", got, want)
	}

	adm, _ := f.SignIn(t, "admin@x.test")
	_, page := adm.Do("GET", "/admin/payouts/"+strconv.FormatInt(p3, 10), nil)
	covers := between(page, `id="covers"`, `</section>`)
	for _, want := range []string{"2 commissions, earned from Oct 5, 2026 to Oct 10, 2026.", `id="covers-total"><strong>₽70.00</strong>`,
		"₽50.00<br><span class=\"muted\">part of ₽60.00</span>", "₽20.00<br><span class=\"muted\">part of ₽30.00</span>",
		`>k2</a>`, "Nov 4, 2026", "lead of k3"} {
		if !strings.Contains(covers, want) {
			t.Errorf("the payout's contents lack %s:\n%s", want, covers)
		}
	}
	// Finance reads it in Russian, without links to the customers' pages (managers' pages).
	fb, _ := f.SignIn(t, "finance@x.test")
	_, page = fb.Do("GET", "/admin/payouts/"+strconv.FormatInt(p1, 10), nil)
	covers = between(page, `id="covers"`, `</section>`)
	if !strings.Contains(covers, `id="covers-total"><strong>120,00`+"\u00a0₽</strong>") || !strings.Contains(covers, "Contest winner") ||
		strings.Contains(covers, "/admin/customers/") || !strings.Contains(covers, "бонус") {
		t.Errorf("P1's contents for finance:\n%s", covers)
	}
}

// The payout contents follow the ledger however it moved: on a random
// history of commissions (some reversed later), bonuses, adjustments,
// payouts and returned payouts, every payout covers exactly its amount,
// the credits an independent first-in-first-out count in Go gives.
func TestPayoutSourcesFollowTheLedger(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, owner := f.Seed.Partners["alpha"], f.Seed.Users["alpha@x.test"]
	rnd := rand.New(rand.NewSource(11))
	type credit struct {
		kind      string
		id        int64
		created   time.Time
		at        time.Time // available from
		amount    decimal.Decimal
		reversals []struct { // later refunds of a commission
			at     time.Time
			amount decimal.Decimal
		}
	}
	type payout struct {
		id        int64
		amount    decimal.Decimal
		requested time.Time
		returned  *time.Time
	}
	var credits []*credit
	var payouts []*payout
	base := at(9, 1)
	money := func(max int) decimal.Decimal { return decimal.New(int64(1+rnd.Intn(max*100)), -2) }
	available := func(t time.Time) decimal.Decimal {
		sum := decimal.Zero
		for _, c := range credits {
			if !c.created.After(t) && !c.at.After(t) {
				sum = sum.Add(c.amount)
				for _, r := range c.reversals {
					if !r.at.After(t) {
						sum = sum.Sub(r.amount)
					}
				}
			}
		}
		for _, p := range payouts {
			if !p.requested.After(t) {
				sum = sum.Sub(p.amount)
			}
			if p.returned != nil && !p.returned.After(t) {
				sum = sum.Add(p.amount)
			}
		}
		return sum
	}
	insert := func(q string, args ...any) int64 {
		t.Helper()
		var id int64
		if err := f.DB.GetContext(ctx, &id, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return id
	}
	for step := 1; step <= 160; step++ {
		now := base.Add(time.Duration(step) * time.Hour)
		switch r := rnd.Intn(10); {
		case r < 4:
			c := &credit{kind: "commission", created: now, at: now.Add(time.Duration(rnd.Intn(6)) * time.Hour), amount: money(100)}
			c.id = insert(`WITH c AS (INSERT INTO commissions (partner_id, customer_id, event, level, contract_id, plan_version_id, rule_id,
				    base_amount, amount_unrounded, amount, currency, earned_at, hold_until, explanation, created_at)
				  VALUES ($1, $2, 'lead', 1, 1, 1, 1, 0, $3, $3, 'RUB', $4, $5, 'x', $4) RETURNING id),
				  e AS (INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
				  SELECT $1, 'RUB', 'pending', 'commission', $3, id, $5, $4 FROM c)
				SELECT id FROM c`, alpha, 1000+step, c.amount, c.created, c.at)
			credits = append(credits, c)
		case r < 5 && len(credits) > 0:
			c := credits[rnd.Intn(len(credits))]
			left := c.amount
			for _, x := range c.reversals {
				left = left.Sub(x.amount)
			}
			if c.kind != "commission" || !left.IsPositive() {
				continue
			}
			amount := decimal.Min(left, money(30))
			insert(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, commission_id, available_at, created_at)
				VALUES ($1, 'RUB', 'pending', 'reversal', -$2::numeric, $3, $4, $5) RETURNING id`, alpha, amount, c.id, c.at, now)
			c.reversals = append(c.reversals, struct {
				at     time.Time
				amount decimal.Decimal
			}{now, amount})
		case r < 6:
			kind, amount := "bonus", money(40)
			if rnd.Intn(2) == 0 {
				kind, amount = "adjustment", amount.Neg()
			}
			c := &credit{kind: kind, created: now, at: now, amount: amount}
			c.id = insert(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
				VALUES ($1, 'RUB', 'available', $2, $3, 'why', $4) RETURNING id`, alpha, kind, amount, now)
			credits = append(credits, c)
		case r < 9:
			have := available(now)
			if have.LessThan(decimal.NewFromInt(1)) {
				continue
			}
			p := &payout{amount: decimal.Min(have, money(150)), requested: now}
			p.id = insert(`INSERT INTO payouts (partner_id, amount, currency, requested_by, requested_at) VALUES ($1, $2, 'RUB', $3, $4) RETURNING id`,
				alpha, p.amount, owner, now)
			insert(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, payout_id, created_at)
				VALUES ($1, 'RUB', 'available', 'payout', -$2::numeric, $3, $4), ($1, 'RUB', 'reserved', 'payout', $2::numeric, $3, $4) RETURNING id`,
				alpha, p.amount, p.id, now)
			payouts = append(payouts, p)
		default:
			for _, p := range payouts {
				if p.returned == nil && rnd.Intn(3) == 0 {
					p.returned = &now
					insert(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, payout_id, created_at)
						VALUES ($1, 'RUB', 'reserved', 'payout_reversal', -$2::numeric, $3, $4), ($1, 'RUB', 'available', 'payout_reversal', $2::numeric, $3, $4) RETURNING id`,
						alpha, p.amount, p.id, now)
					break
				}
			}
		}
	}
	if len(payouts) < 10 {
		t.Fatalf("only %d payouts: the history tests little", len(payouts))
	}

	// The oracle: the credits as of the request, oldest first; what came
	// off before the payout (earlier payouts not yet returned, negative
	// items) from the oldest; the payout's slice of what is left.
	for _, p := range payouts {
		type item struct {
			kind   string
			id     int64
			at     time.Time
			amount decimal.Decimal
		}
		var items []item
		drawn := decimal.Zero
		for _, c := range credits {
			if c.created.After(p.requested) {
				continue
			}
			net := c.amount
			for _, r := range c.reversals {
				if !r.at.After(p.requested) {
					net = net.Sub(r.amount)
				}
			}
			switch {
			case net.IsPositive():
				items = append(items, item{c.kind, c.id, c.at, net})
			case net.IsNegative():
				drawn = drawn.Sub(net)
			}
		}
		for _, o := range payouts {
			if o.id < p.id && (o.returned == nil || o.returned.After(p.requested)) {
				drawn = drawn.Add(o.amount)
			}
		}
		slices.SortFunc(items, func(a, b item) int {
			return cmp.Or(a.at.Compare(b.at), strings.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id))
		})
		var want []string
		upto, end := decimal.Zero, drawn.Add(p.amount)
		for _, it := range items {
			from := upto
			upto = upto.Add(it.amount)
			if lo, hi := decimal.Max(from, drawn), decimal.Min(upto, end); hi.GreaterThan(lo) {
				want = append(want, fmt.Sprintf("%s %d %s", it.kind, it.id, hi.Sub(lo).StringFixed(2)))
			}
		}
		src, err := f.DB.PayoutSources(ctx, p.id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		sum := decimal.Zero
		for _, s := range src {
			got = append(got, fmt.Sprintf("%s %d %s", s.Kind, s.Ref, s.Covered.StringFixed(2)))
			sum = sum.Add(s.Covered)
		}
		if !sum.Equal(p.amount) || !slices.Equal(got, want) {
			t.Errorf("payout %d of %s covers %s:\n got %v\nwant %v", p.id, p.amount, sum, got, want)
		}
	}
}

// The payout page says, in plain sentences and only when each applies,
// what finance may weigh before paying: a partner new at the request, a
// high share of refunds in the 90 days before it, payout details that
// differ from the previous payout's or changed since, a first payout.
func TestPayoutRiskHints(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := f.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	adm, token := f.SignIn(t, "admin@x.test")
	risks := func(id int64) string {
		t.Helper()
		_, page := adm.Do("GET", "/admin/payouts/"+strconv.FormatInt(id, 10), nil)
		return between(page, `id="risks"`, `</section>`)
	}
	young := "The partner joined 5 days before this request (on Nov 18, 2026)."
	first := "First payout to this partner: none of their payouts had been paid before this request."

	exec(`UPDATE partners SET created_at = $2 WHERE id = $1`, alpha, now.AddDate(0, 0, -5))
	p1 := f.requestPayout(t, "100")
	if got := risks(p1); !strings.Contains(got, young) || !strings.Contains(got, first) || strings.Count(got, "<li>") != 2 {
		t.Errorf("a new partner's first payout:\n%s", got)
	}
	resp, _ := adm.Post(token, "/admin/payouts/"+strconv.FormatInt(p1, 10)+"/approve", nil)
	if resp.StatusCode != 303 {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	fin, finToken := f.SignIn(t, "finance@x.test")
	if resp, _ := fin.Post(finToken, "/admin/payouts/"+strconv.FormatInt(p1, 10)+"/paid", map[string][]string{"reference": {"PP-1"}}); resp.StatusCode != 303 {
		t.Fatalf("paid: %d", resp.StatusCode)
	}

	// An established partner, paid before, to the same account, with few refunds: nothing to say.
	exec(`UPDATE partners SET created_at = $2 WHERE id = $1`, alpha, now.AddDate(-1, 0, 0))
	exec(`INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
		VALUES ('r1', $1, 'partner_ref', 'attributed', '2026-01-01', '2026-01-01', $2)`, alpha, now)
	exec(`INSERT INTO purchases (external_id, customer_external_id, amount, currency, occurred_at, body_hash, received_at) VALUES
		('rp1', 'r1', 1000, 'RUB', $1, '\x00', $1), ('rp2', 'r1', 5000, 'USD', $1, '\x00', $1), ('rp-old', 'r1', 9000, 'RUB', $2, '\x00', $1)`,
		now.AddDate(0, 0, -10), now.AddDate(0, 0, -100))
	exec(storagetest.Earners)
	exec(`INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, body_hash, received_at)
		SELECT 'rr1', id, 90, 'RUB', $1, '\x00', $1 FROM purchases WHERE external_id = 'rp1'`, now.AddDate(0, 0, -5))
	exec(`INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, body_hash, received_at)
		SELECT 'rr-old', id, 9000, 'RUB', $1, '\x00', $1 FROM purchases WHERE external_id = 'rp-old'`, now.AddDate(0, 0, -5))
	p2 := f.requestPayout(t, "50")
	if got := risks(p2); got != "" {
		t.Errorf("nothing applies (9%% of the window's payments refunded; the old purchase's refund is not of the window), yet:\n%s", got)
	}

	// 200 of 1 000 refunded (20 %); a new account, changed again since.
	exec(`INSERT INTO refunds (external_id, purchase_id, amount, currency, occurred_at, body_hash, received_at)
		SELECT 'rr2', id, 110, 'RUB', $1, '\x00', $1 FROM purchases WHERE external_id = 'rp1'`, now.AddDate(0, 0, -4))
	p3 := f.requestPayout(t, "30")
	exec(`UPDATE payouts SET details = '{"account": "40817810999999999"}' WHERE id = $1`, p3)
	if err := f.DB.SetPayoutDetails(ctx, alpha, "card", map[string]string{"account": "4276 0000 0000 0000"}); err != nil {
		t.Fatal(err)
	}
	got := risks(p3)
	for _, want := range []string{
		"Refunds took back 20.0% of what the partner&#39;s customers paid in the 90 days before the request (₽200.00 of ₽1,000.00).",
		fmt.Sprintf("The payout details differ from the partner&#39;s previous payout #%d of Nov 23, 2026: check the account before paying.", p2),
		"The partner has changed their payout details since this request; the payout goes to the account it was requested to.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the hints lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, young) || strings.Contains(got, first) {
		t.Errorf("hints that do not apply:\n%s", got)
	}
}
