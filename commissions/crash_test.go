package commissions

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/storage/storagetest"
)

// shift moves every time of the program by d.
func (p *oProgram) shift(d time.Duration) {
	for i := range p.leadAt {
		p.leadAt[i] = p.leadAt[i].Add(d)
	}
	for i := range p.purchases {
		p.purchases[i].at = p.purchases[i].at.Add(d)
	}
	for i := range p.contracts {
		for j := range p.contracts[i] {
			c := &p.contracts[i][j]
			c.start = c.start.Add(d)
			if c.end != nil {
				e := c.end.Add(d)
				c.end = &e
			}
		}
	}
}

// buildBinary builds cmd/partnerka into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	mod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "partnerka")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/partnerka")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestReconcileCrash runs `partnerka reconcile --once` as a process over a
// generated workload and kills it with SIGKILL at random moments, 20
// times, then lets it finish: the result must equal the oracle exactly,
// with nothing duplicated and both streams fully acknowledged.
func TestReconcileCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test runs in the full suite (make test), not with -short")
	}
	reconcileUnderKills(t, 1)
}

// Issue 21, point 4: two reconcilers at once over the same backlog (on
// different hosts in production) produce exactly the result of one. Both
// are killed with SIGKILL at random moments in each of 20 rounds, then
// two run side by side to the end: the oracle must still agree, nothing
// counted twice, both streams acknowledged.
func TestReconcilersSideBySide(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test runs in the full suite (make test), not with -short")
	}
	reconcileUnderKills(t, 2)
}

// reconcileUnderKills runs procs `partnerka reconcile --once` processes at
// a time over a generated workload, kills each at a random moment in 20
// rounds, lets procs of them finish side by side, and compares the result
// with the oracle.
func reconcileUnderKills(t *testing.T, procs int) {
	bin := buildBinary(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("PARTNERKA_ORACLE_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	p := generateScaled(seed, 20)
	p.shift(-2 * 365 * 24 * time.Hour) // every hold has ended by now: release depends on nothing racy
	p.releaseNow = time.Now()
	dsn := storagetest.DatabaseURL(t)
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	rdb := storagetest.NewRedis(t)
	refs := p.loadBulk(t, db, rdb)
	clicks := pushClicks(t, rdb, 20000)
	t.Logf("seed %d: %d purchases, %d refunds, %d customers, %d clicks", seed, len(p.purchases), len(p.refunds), len(p.leadOf), clicks)

	env := append(os.Environ(), "PARTNERKA_DATABASE_URL="+dsn, "PARTNERKA_REDIS_URL="+storagetest.RedisURL(t),
		"PARTNERKA_REDIS_PREFIX="+rdb.Prefix, "PARTNERKA_RECLAIM_AFTER=1ms", "PARTNERKA_LOG_LEVEL=error",
		"PARTNERKA_RECONCILE_BATCH=300")
	r := rand.New(rand.NewPCG(seed, 99))
	kills, midway := 0, 0
	for i := 0; i < 20; i++ {
		var running sync.WaitGroup
		var killed atomic.Int32
		for range procs {
			cmd := exec.Command(bin, "reconcile", "--once")
			cmd.Env = env
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			after := time.Duration(30+r.IntN(600)) * time.Millisecond
			running.Go(func() {
				time.Sleep(after)
				if cmd.Process.Signal(syscall.SIGKILL) == nil {
					killed.Add(1)
				}
				cmd.Wait()
			})
		}
		running.Wait()
		kills += int(killed.Load())
		var waiting int
		db.Get(&waiting, `SELECT (SELECT count(*) FROM purchases_waiting) +
			(SELECT count(*) FROM refunds WHERE reconciled_at IS NULL) + (SELECT count(*) FROM customers WHERE partner_id IS NOT NULL AND lead_paid_at IS NULL)`)
		for _, s := range []string{storage.ClickStream, storage.LeadStream} {
			if info, err := rdb.XInfoStream(ctx, rdb.Key(s)).Result(); err == nil && info.Length > 1 {
				waiting++
			}
		}
		if waiting > 0 {
			midway++
		}
	}
	var left struct{ purchases, refunds, entries int }
	db.Get(&left.purchases, `SELECT count(*) FROM purchases_waiting`)
	db.Get(&left.refunds, `SELECT count(*) FROM refunds WHERE reconciled_at IS NULL`)
	for _, s := range []string{storage.ClickStream, storage.LeadStream} {
		n, _ := rdb.XLen(ctx, rdb.Key(s)).Result()
		left.entries += int(n)
	}
	for i := 0; i < 3; i++ { // finish, side by side; later passes must find nothing to do
		var finishing sync.WaitGroup
		for range procs {
			finishing.Go(func() {
				cmd := exec.Command(bin, "reconcile", "--once")
				cmd.Env = env
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("final reconcile: %v\n%s", err, out)
				}
			})
		}
		finishing.Wait()
	}
	t.Logf("%d at a time: killed %d of %d runs (%d rounds left work unfinished); before the final runs %d purchases, %d refunds and %d stream entries were still waiting",
		procs, kills, 20*procs, midway, left.purchases, left.refunds, left.entries)

	commissions, balances := compareWithOracle(t, db, p, refs, seed)
	t.Logf("%d commissions and %d balances equal the oracle's", commissions, balances)
	var stored int
	db.Get(&stored, `SELECT count(*) FROM clicks`)
	if stored != clicks {
		t.Errorf("%d clicks stored, %d sent", stored, clicks)
	}
	for _, s := range []string{storage.ClickStream, storage.LeadStream} {
		pend, err := rdb.XPending(ctx, rdb.Key(s), storage.ReconcileGroup).Result()
		if err != nil || pend.Count != 0 {
			t.Errorf("stream %s: %v pending, %v", s, pend, err)
		}
	}
	if t.Failed() {
		t.Logf("reproduce with PARTNERKA_ORACLE_SEED=%d", seed)
	}
}

// loadBulk loads the program like load does, with purchases imported in
// bulk, and refunds at once.
func (p *oProgram) loadBulk(t *testing.T, db *storage.DB, rdb *storage.Redis) []string {
	t.Helper()
	all := p.purchases
	refs := p.load(t, db, rdb) // plans, partners, contracts, leads
	ctx := context.Background()
	for start := 0; start < len(all); start += 5000 {
		end := min(start+5000, len(all))
		var ps []partnerka.Purchase
		var hs [][]byte
		for i := start; i < end; i++ {
			q := all[i]
			ps = append(ps, partnerka.Purchase{ExternalID: fmt.Sprintf("pur-%d", i), CustomerID: fmt.Sprintf("cust-%d", q.customer),
				Amount: partnerka.Money{Amount: decimal.RequireFromString(q.amount), Currency: p.custCur[q.customer]}, Product: q.product, OccurredAt: q.at})
			hs = append(hs, []byte(fmt.Sprint(i)))
		}
		if _, conflicts, err := db.ImportPurchases(ctx, ps, hs); err != nil || len(conflicts) > 0 {
			t.Fatalf("import: %v %v", conflicts, err)
		}
	}
	for i := range p.refunds {
		p.createRefund(t, db, i)
	}
	// Received at once, before the first reconcile: each payment is rated
	// on everything.
	for i := range p.purchases {
		p.purchases[i].rated = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return refs
}

// pushClicks appends n clicks of link 1 / partner 1 in batches of 100.
func pushClicks(t *testing.T, rdb *storage.Redis, n int) int {
	t.Helper()
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	sent := 0
	for sent < n {
		var lines []byte
		k := 0
		for ; k < 100 && sent+k < n; k++ {
			c := storage.StreamClick{ID: partnerka.NewClickID(at).String(), LinkID: 1, PartnerID: 1, At: at,
				IP: fmt.Sprintf("10.0.%d.%d", k, sent%250), UserAgent: "Mozilla/5.0"}
			lines = storage.AppendClick(lines, &c)
		}
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: rdb.Key(storage.ClickStream), Values: storage.ClickBatchFields(k, lines)}).Err(); err != nil {
			t.Fatal(err)
		}
		sent += k
	}
	return sent
}
