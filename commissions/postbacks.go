package commissions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// PostbackStep delivers queued postbacks: a GET of the partner's postback
// URL with its placeholders filled, for each commission they earned and
// each refund that took one back (event "refund", amount negative). A
// 2xx answer delivers it; anything else is tried again later
// (storage.FailedAttempt). The last error is kept and shown to the partner.
type PostbackStep struct {
	DB  *storage.DB
	Now partnerka.Clock
	// Client makes the calls; nil means one with a 5-second timeout that
	// refuses to connect to loopback, private and link-local addresses,
	// since the URL is the partner's to choose.
	Client *http.Client
}

const (
	postbackBatch    = 16
	postbackParallel = 8
)

// Name implements Step.
func (s *PostbackStep) Name() string { return "postbacks" }

// Run implements Step.
func (s *PostbackStep) Run(ctx context.Context) (int, error) {
	client := s.Client
	if client == nil {
		client = PostbackClient(false)
	}
	now := partnerka.Clock(partnerka.SystemClock)
	if s.Now != nil {
		now = s.Now
	}
	done := 0
	// Batches until two seconds have gone, so slow endpoints do not hold
	// up the next pass's commissions for long: a batch whose every call
	// times out takes two rounds of the 5-second timeout.
	for start := time.Now(); time.Since(start) < 2*time.Second; { // elapsed: the pass's time budget
		n, err := s.DB.DeliverPostbacks(ctx, now(), postbackBatch, func(due []storage.DuePostback) []storage.OutboxAttempt {
			return deliverPostbacks(ctx, client, now(), due)
		})
		done += n
		if err != nil || n < postbackBatch {
			return done, err
		}
	}
	return done, nil
}

func deliverPostbacks(ctx context.Context, client *http.Client, now time.Time, due []storage.DuePostback) []storage.OutboxAttempt {
	out := make([]storage.OutboxAttempt, len(due))
	sem := make(chan struct{}, postbackParallel)
	var wg sync.WaitGroup
	for i := range due {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			p := &due[i]
			out[i] = storage.OutboxAttempt{ID: p.ID}
			if err := callPostback(ctx, client, PostbackURL(p)); err != nil {
				out[i] = storage.FailedAttempt(p.ID, p.Attempts+1, err, now)
			}
		}()
	}
	wg.Wait()
	return out
}

// SendSamplePostback calls a postback URL template once with sample values
// (event "test", commission 0, a sale of 12.34 in currency), so a partner
// can check their endpoint before a real commission reaches it.
func SendSamplePostback(ctx context.Context, client *http.Client, tmpl, currency string, now time.Time) error {
	return callPostback(ctx, client, PostbackURL(&storage.DuePostback{URL: tmpl, Event: "test", Level: 1,
		Amount: decimal.New(1234, -2), Currency: currency, PurchaseID: "test-purchase", CustomerID: "test-customer",
		ClickID: partnerka.NewClickID(now).String(), SubID: "test"}))
}

// PostbackURL is the partner's URL with the commission's values filled in.
func PostbackURL(p *storage.DuePostback) string {
	return partnerka.RenderPostback(p.URL, func(field string) string {
		switch field {
		case "commission_id":
			return strconv.FormatInt(p.CommissionID, 10)
		case "event":
			return p.Event
		case "level":
			return strconv.Itoa(p.Level)
		case "amount":
			n, _ := partnerka.MinorUnits(p.Currency)
			return p.Amount.StringFixed(n)
		case "currency":
			return p.Currency
		case "purchase_id":
			return p.PurchaseID
		case "refund_id":
			return p.RefundID
		case "customer_id":
			return p.CustomerID
		case "click_id":
			return p.ClickID
		case "sub_id":
			return p.SubID
		}
		return ""
	})
}

func callPostback(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "partnerka-postback/1")
	resp, err := client.Do(req)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) && ue.Unwrap() != nil {
			err = ue.Unwrap() // the cause, without the URL repeated
		}
		var dns *net.DNSError
		if errors.As(err, &dns) {
			// The partner sees this error: name the host, not the
			// program's own resolver.
			err = fmt.Errorf("lookup %s: %s", dns.Name, dns.Err)
		}
		msg := err.Error()
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return errors.New(msg)
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

var errPrivateAddress = errors.New("refused: the address is loopback, private or link-local")

// PostbackClient returns the HTTP client postbacks use: a 5-second
// timeout, at most 3 redirects, and (unless allowPrivate, for tests) no
// connection to loopback, private, link-local or unspecified addresses,
// checked on the address actually dialled, so neither a DNS name nor a
// redirect can reach the program's own network.
func PostbackClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if !allowPrivate {
		dialer.Control = func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return errPrivateAddress
			}
			a := ap.Addr().Unmap()
			if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
				a.IsUnspecified() || a.IsMulticast() || cgnat.Contains(a) {
				return errPrivateAddress
			}
			return nil
		}
	}
	transport := &http.Transport{DialContext: dialer.DialContext, Proxy: nil, MaxIdleConnsPerHost: 2,
		TLSHandshakeTimeout: 5 * time.Second, ResponseHeaderTimeout: 5 * time.Second}
	return &http.Client{Transport: transport, Timeout: 5 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("more than 3 redirects")
			}
			return nil
		}}
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")
