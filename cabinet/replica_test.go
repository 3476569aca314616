package cabinet

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"partnerka/storage"
	"partnerka/storage/storagetest"
	"partnerka/web"
	"partnerka/web/webtest"
)

// The pages' read replica (web/replica.go) against a real streaming
// replica of the test server (make test starts one). Replay is paused to
// tell the two databases apart: what is written on the primary meanwhile
// is on the primary alone, so a page shows which one it read. Replay is
// the whole replica's: a pause is kept short, and always ended.

// newReplicaFixture is the cabinet over primary with its pages reading on
// replica, the replica looked at every 20 ms and its figures called old
// from staleAfter.
func newReplicaFixture(t *testing.T, primary, replica *storage.DB, staleAfter time.Duration, tune func(*web.Site)) *fixture {
	t.Helper()
	f := &fixture{}
	f.Fixture = webtest.NewOn(t, primary, replica, nil, f.mount, func(s *web.Site) {
		s.ReplicaInterval, s.StaleAfter = 20*time.Millisecond, staleAfter
		if tune != nil {
			tune(s)
		}
	})
	return f
}

// pauseReplay pauses the replica's replay until resume (or the test's
// end): writes on the primary from then on are not on the replica.
func pauseReplay(t *testing.T, replica *storage.DB) (resume func()) {
	t.Helper()
	ctx := context.Background()
	if _, err := replica.ExecContext(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			if _, err := replica.ExecContext(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(resume)
	for deadline := time.Now().Add(5 * time.Second); ; { // elapsed: how long the pause may take to take hold
		var state string
		if err := replica.GetContext(ctx, &state, `SELECT pg_get_wal_replay_pause_state()`); err != nil {
			t.Fatal(err)
		}
		if state == "paused" {
			return resume
		}
		if time.Now().After(deadline) { // elapsed: the wait above
			t.Fatalf("replay not paused: %s", state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// grant books a bonus for partner on the primary, committed durably at
// once (the test server commits asynchronously otherwise: a replica could
// not have it yet while its position says it could).
func grant(t *testing.T, db *storage.DB, partner int64, amount string) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`SET LOCAL synchronous_commit = on`); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO ledger_entries (partner_id, currency, bucket, kind, amount, reason, created_at)
			VALUES ($1, 'RUB', 'available', 'bonus', $2, 'contest', $3)`, partner, amount, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// replicaGauges reads the replica's metrics: its lag and whether pages read on it.
func replicaGauges(t *testing.T, s *web.Site) (lag, up float64) {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.ReplicaCollector())
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		switch mf.GetName() {
		case "partnerka_db_replica_lag_seconds":
			lag = mf.GetMetric()[0].GetGauge().GetValue()
		case "partnerka_db_replica_up":
			up = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return lag, up
}

const (
	oldBalance  = "1\u00a0000,00\u00a0₽"
	newBalance  = "3\u00a0345,00\u00a0₽"
	staleNotice = "Цифры на странице могут отставать до"
)

func TestPagesReadOnTheReplica(t *testing.T) {
	primary, replica := storagetest.NewDBWithReplica(t)
	const staleAfter = 300 * time.Millisecond
	f := newReplicaFixture(t, primary, replica, staleAfter, nil)
	alpha := f.Seed.Partners["alpha"]
	grant(t, f.DB, alpha, "1000")
	b := f.Browser(t) // waits before each GET until the replica has all the primary has
	b.Login("alpha@x.test", pw)
	// (Whether a page read on the replica says its figures may be old
	// depends on how far the replica is behind the whole server, which
	// other tests write to as well: checked below only where it is known.)
	r, page := b.Do("GET", "/dashboard", nil)
	if r.StatusCode != 200 || !strings.Contains(page, oldBalance) {
		t.Fatalf("dashboard on a replica that keeps up: %d, want the balance %q:\n%s", r.StatusCode, oldBalance, page)
	}
	if _, up := replicaGauges(t, f.Site); up != 1 {
		t.Errorf("partnerka_db_replica_up = %v while pages read on it", up)
	}

	// Replay stops; a bonus is booked on the primary alone.
	b.Before = nil // the replica will not catch up now
	resume := pauseReplay(t, f.Replica)
	grant(t, f.DB, alpha, "2345")
	time.Sleep(staleAfter + 100*time.Millisecond) // the replica's figures are at least this old now

	// Without a write of its own, the browser reads the replica: the
	// figure from before, saying it may be old.
	delete(b.Cookies, web.WriteCookie)
	r, page = b.Do("GET", "/dashboard", nil)
	if r.StatusCode != 200 || !strings.Contains(page, oldBalance) || strings.Contains(page, newBalance) {
		t.Errorf("dashboard read on the paused replica: %d, want the old balance %q:\n%s", r.StatusCode, oldBalance, page)
	}
	if !strings.Contains(page, `<p class="stale" role="status">`+staleNotice) {
		t.Errorf("a page read on a replica %v behind does not say so:\n%s", staleAfter, page)
	}
	if lag, up := replicaGauges(t, f.Site); lag < staleAfter.Seconds() || up != 1 {
		t.Errorf("partnerka_db_replica_lag_seconds = %v, up = %v; want at least %v and 1", lag, up, staleAfter.Seconds())
	}

	// After a form of its own (any write, here the language it keeps),
	// the browser's pages read on the primary until the replica has
	// replayed that write: the new figure, no notice.
	_, page = b.Do("GET", "/dashboard", nil)
	r, _ = b.Do("POST", "/language", url.Values{"locale": {"ru"}, "back": {"/dashboard"}, "_csrf": {b.CSRF(page)}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("language: %d", r.StatusCode)
	}
	var mark *http.Cookie
	for _, c := range r.Cookies() {
		if c.Name == web.WriteCookie {
			mark = c
		}
	}
	if mark == nil || !mark.HttpOnly || mark.SameSite != http.SameSiteLaxMode || mark.Path != "/" || mark.MaxAge <= 0 {
		t.Fatalf("the write's mark: %+v, want an HttpOnly, SameSite=Lax cookie for /", mark)
	}
	if _, err := storage.ParseLSN(mark.Value); err != nil {
		t.Errorf("the write's mark %q: %v", mark.Value, err)
	}
	for _, path := range []string{"/dashboard", "/payouts"} {
		r, page = b.Do("GET", path, nil)
		if r.StatusCode != 200 || !strings.Contains(page, newBalance) || strings.Contains(page, staleNotice) {
			t.Errorf("%s after the browser's own write: %d, want the primary's balance %q and no notice:\n%s", path, r.StatusCode, newBalance, page)
		}
	}

	// Replay resumes: once the replica has the write, it serves the page
	// again, with the new figure.
	resume()
	f.CatchUp(t)
	if lag, _ := replicaGauges(t, f.Site); lag >= staleAfter.Seconds()+0.4 {
		t.Errorf("partnerka_db_replica_lag_seconds = %v once caught up", lag)
	}
	r, page = b.Do("GET", "/dashboard", nil)
	if r.StatusCode != 200 || !strings.Contains(page, newBalance) {
		t.Errorf("dashboard once the replica caught up: %d, want %q:\n%s", r.StatusCode, newBalance, page)
	}
}

// A replica whose figures are older than MaxReplicaLag is not read: the
// pages show the primary's, with no notice.
func TestReplicaTooFarBehind(t *testing.T) {
	primary, replica := storagetest.NewDBWithReplica(t)
	const maxLag = 500 * time.Millisecond
	f := newReplicaFixture(t, primary, replica, 100*time.Millisecond, func(s *web.Site) { s.MaxReplicaLag = maxLag })
	alpha := f.Seed.Partners["alpha"]
	grant(t, f.DB, alpha, "1000")
	f.CatchUp(t)
	pauseReplay(t, f.Replica)
	grant(t, f.DB, alpha, "2345")
	time.Sleep(maxLag + 200*time.Millisecond)
	b := f.Browser(t)
	b.Before = nil // paused, the replica cannot be waited for
	b.Login("alpha@x.test", pw)
	delete(b.Cookies, web.WriteCookie)
	r, page := b.Do("GET", "/dashboard", nil)
	if r.StatusCode != 200 || !strings.Contains(page, newBalance) || strings.Contains(page, staleNotice) {
		t.Errorf("dashboard with the replica past its lag: %d, want the primary's %q and no notice:\n%s", r.StatusCode, newBalance, page)
	}
	if lag, up := replicaGauges(t, f.Site); up != 0 || lag < maxLag.Seconds() {
		t.Errorf("partnerka_db_replica_up = %v, lag = %v for a replica too far behind", up, lag)
	}
}

// The replica stopped: every page answers from the primary, the first
// request after the cut included (it finds the replica gone before the
// monitor does), and the metric says it is not used.
func TestReplicaStopped(t *testing.T) {
	primary, replica, proxy := storagetest.NewDBWithReplicaBehindProxy(t)
	f := newReplicaFixture(t, primary, replica, time.Hour, func(s *web.Site) { s.ReplicaInterval = time.Hour }) // only the requests notice
	ctx := context.Background()
	grant(t, f.DB, f.Seed.Partners["alpha"], "1000")
	f.CatchUp(t)
	b := f.Browser(t)
	b.Before = nil // cut, the replica cannot be waited for
	b.Login("alpha@x.test", pw)
	staff := f.Browser(t)
	staff.Before = nil
	staff.Login("admin@x.test", pw)
	delete(b.Cookies, web.WriteCookie)
	delete(staff.Cookies, web.WriteCookie)
	f.CatchUp(t)
	if r, page := b.Do("GET", "/dashboard", nil); r.StatusCode != 200 || !strings.Contains(page, oldBalance) {
		t.Fatalf("dashboard before the cut: %d\n%s", r.StatusCode, page)
	}
	if _, up := replicaGauges(t, f.Site); up != 1 {
		t.Fatalf("the replica is not in use before the cut")
	}

	proxy.Cut()
	pages := []struct {
		b    *webtest.Browser
		path string
	}{
		{b, "/dashboard"}, {b, "/earnings"}, {b, "/customers"}, {b, "/links"}, {b, "/payouts"},
		{staff, "/admin"}, {staff, "/admin/partners"}, {staff, "/admin/reports"}, {staff, "/admin/audit"},
		{staff, "/admin/payouts"}, {staff, "/admin/customers?q=x"},
	}
	for i, p := range pages {
		r, page := p.b.Do("GET", p.path, nil)
		if r.StatusCode != 200 {
			t.Errorf("%s with the replica gone (request %d after the cut): %d\n%s", p.path, i+1, r.StatusCode, page)
		}
		if p.path == "/dashboard" && !strings.Contains(page, oldBalance) {
			t.Errorf("dashboard with the replica gone lacks the balance:\n%s", page)
		}
	}
	if _, up := replicaGauges(t, f.Site); up != 0 {
		t.Errorf("partnerka_db_replica_up = %v with the replica gone", up)
	}
	if err := f.Site.CheckReplica(ctx); err == nil {
		t.Errorf("the monitor finds the cut replica answering")
	}
	if r, _ := b.Do("GET", "/dashboard", nil); r.StatusCode != 200 {
		t.Errorf("dashboard once the monitor knows: %d", r.StatusCode)
	}
}

// Sign-in, sessions and forms never read on the replica: with replay
// paused, a password changed, a session opened and a balance granted
// after the pause are on the primary alone, and all of them work.
func TestSignInAndFormsUseThePrimary(t *testing.T) {
	primary, replica := storagetest.NewDBWithReplica(t)
	f := newReplicaFixture(t, primary, replica, time.Hour, nil)
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	f.CatchUp(t) // the seed on both
	pauseReplay(t, f.Replica)
	hash, err := web.HashPassword("a new password of alpha")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.DB.InTx(ctx, func(tx *sqlx.Tx) error {
		tx.Exec(`SET LOCAL synchronous_commit = on`)
		_, err := tx.Exec(`UPDATE users SET password_hash = $1 WHERE email = 'alpha@x.test'`, hash)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.DB.SetPayoutDetails(ctx, alpha, "bank", map[string]string{"account": "40817810000001234"}); err != nil {
		t.Fatal(err)
	}
	grant(t, f.DB, alpha, "5000")

	b := f.Browser(t)
	b.Before = nil // paused, the replica cannot be waited for
	if r, _ := b.Login("alpha@x.test", "a new password of alpha"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/dashboard" {
		t.Fatalf("sign-in with the password the primary alone has: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	// The session is the primary's alone: a page loads it there, whatever
	// database the page's figures come from.
	delete(b.Cookies, web.WriteCookie)
	r, page := b.Do("GET", "/payouts", nil)
	if r.StatusCode != 200 || !strings.Contains(page, "<title>Выплаты</title>") {
		t.Fatalf("payouts page with a session the replica lacks: %d\n%s", r.StatusCode, page)
	}
	// Asking for the payout checks the balance, and books it, on the primary.
	r, page = b.Do("POST", "/payouts", url.Values{"amount": {"5000"}, "currency": {"RUB"}, "_csrf": {b.CSRF(page)}})
	if r.StatusCode != 200 || !strings.Contains(page, "5\u00a0000,00\u00a0₽") {
		t.Fatalf("payout request of a balance the primary alone has: %d\n%s", r.StatusCode, page)
	}
	r, _ = b.Do("POST", "/payouts", url.Values{"amount": {"5000"}, "currency": {"RUB"}, "confirm": {"1"}, "_csrf": {b.CSRF(page)}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirmed payout request: %d", r.StatusCode)
	}
	var n int
	if err := f.DB.GetContext(ctx, &n, `SELECT count(*) FROM payouts WHERE partner_id = $1`, alpha); err != nil || n != 1 {
		t.Errorf("payouts on the primary: %d, %v", n, err)
	}
}
