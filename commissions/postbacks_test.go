package commissions

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"partnerka/storage"
)

// A partner with a postback URL gets a call for each commission they earn
// and for each refund that takes one back, queued with the commission or
// reversal and delivered by the postbacks step; a failing endpoint is
// tried again later with the error kept.
func TestPostbacks(t *testing.T) {
	db, alpha, rec, now := engineWorld(t)
	ctx := context.Background()
	var mu sync.Mutex
	var got []string
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r.URL.RawQuery)
		w.WriteHeader(status)
	}))
	defer srv.Close()

	purchase(t, db, "before-url", "50", t0.Add(time.Hour)) // earned before the URL was set: no postback
	if _, err := rec.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.SetPostbackURL(ctx, alpha, srv.URL+"/pb?e={event}&a={amount}&cur={currency}&p={purchase_id}&c={customer_id}&k={click_id}&r={refund_id}", storage.Actor{}); err != nil {
		t.Fatal(err)
	}
	purchase(t, db, "inv 1", "100", t0.Add(2*time.Hour))
	if _, err := rec.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	step := &PostbackStep{DB: db, Now: func() time.Time { return *now }, Client: PostbackClient(true)}
	if n, err := step.Run(ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d, %v; want 1", n, err)
	}
	if want := "e=sale&a=20.00&cur=USD&p=inv+1&c=c1&k=&r="; len(got) != 1 || got[0] != want {
		t.Errorf("calls %q, want one with %q", got, want)
	}
	recs, err := db.PartnerPostbacks(ctx, alpha, 10)
	if err != nil || len(recs) != 1 || recs[0].SentAt == nil || recs[0].Attempts != 1 {
		t.Fatalf("postbacks %+v, %v; want one delivered", recs, err)
	}

	// The endpoint fails: the error is kept and the call waits a minute.
	status = http.StatusInternalServerError
	purchase(t, db, "inv 2", "10", t0.Add(3*time.Hour))
	if _, err := rec.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := step.Run(ctx); n != 1 {
		t.Fatalf("attempted %d, want 1", n)
	}
	recs, _ = db.PartnerPostbacks(ctx, alpha, 10)
	if r := recs[0]; r.SentAt != nil || r.Attempts != 1 || r.LastError != "HTTP 500" || !r.NextAt.Equal(now.Add(time.Minute)) {
		t.Errorf("failed postback %+v, want HTTP 500 kept and a retry in a minute", r)
	}
	if n, _ := step.Run(ctx); n != 0 {
		t.Errorf("retried %d before its time", n)
	}
	status = http.StatusNoContent
	*now = now.Add(time.Minute)
	if n, _ := step.Run(ctx); n != 1 {
		t.Errorf("retried %d after a minute, want 1", n)
	}
	recs, _ = db.PartnerPostbacks(ctx, alpha, 10)
	if r := recs[0]; r.SentAt == nil || r.Attempts != 2 || r.LastError != "" {
		t.Errorf("retried postback %+v, want delivered on the second attempt", r)
	}

	// A refund of half of inv 1 takes back half of its commission: the
	// partner hears of it with the refund's id and a negative amount.
	refund(t, db, "ref 1", "inv 1", "50")
	if _, err := rec.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := step.Run(ctx); err != nil || n != 1 {
		t.Fatalf("delivered %d, %v; want the refund's postback", n, err)
	}
	if want := "e=refund&a=-10.00&cur=USD&p=inv+1&c=c1&k=&r=ref+1"; got[len(got)-1] != want {
		t.Errorf("refund call %q, want %q", got[len(got)-1], want)
	}
	recs, _ = db.PartnerPostbacks(ctx, alpha, 10)
	if r := recs[0]; !r.Reversal || r.SentAt == nil || r.CommissionID != recs[2].CommissionID {
		t.Errorf("refund postback %+v, want a delivered reversal of inv 1's commission #%d", r, recs[2].CommissionID)
	}

	var queued int
	db.Get(&queued, `SELECT count(*) FROM outbox`)
	if queued != 3 {
		t.Errorf("%d postbacks queued, want 3 (none for the commission earned before the URL was set)", queued)
	}
}

// The postback client will not call the program's own network, whatever
// the URL says.
func TestPostbackClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	err := callPostback(context.Background(), PostbackClient(false), srv.URL+"/pb")
	if err == nil || !strings.Contains(err.Error(), "loopback, private or link-local") {
		t.Errorf("call to %s: %v, want it refused", srv.URL, err)
	}
	if err := callPostback(context.Background(), PostbackClient(true), srv.URL+"/pb"); err != nil {
		t.Errorf("with private addresses allowed: %v", err)
	}
}

// A host that does not resolve is reported without the program's own
// resolver's address: the partner reads the error.
func TestPostbackErrorHidesResolver(t *testing.T) {
	err := callPostback(context.Background(), PostbackClient(false), "http://no-such-host.invalid/pb")
	if err == nil || !strings.HasPrefix(err.Error(), "lookup no-such-host.invalid: ") || strings.Contains(err.Error(), " on ") {
		t.Errorf("error %v, want the lookup failure without the resolver", err)
	}
}
