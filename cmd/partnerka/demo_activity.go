package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
	"partnerka/tracker"
)

// demoDays is how far back the demo's activity reaches from the program's
// clock: 26 weeks, so every weekday comes up equally often whatever day
// the demo is loaded on.
const demoDays = 182

// demoPassEvery is how often the simulated reconciler runs while the
// demo's clock moves through the activity (and before every staff or
// partner action, so payouts see the balances of their day).
const demoPassEvery = 7 * 24 * time.Hour

// demoActivity is what loadDemoActivity added: the figures of the back
// office's report over the period, or why nothing was added.
type demoActivity struct {
	Clicks, Leads, Customers, Commissions, Payouts int
	Skipped                                        string
}

func (a demoActivity) String() string {
	if a.Skipped != "" {
		return "no activity added: " + a.Skipped
	}
	return fmt.Sprintf("six months of activity: %d clicks, %d leads, %d customers, %d commissions, %d payouts",
		a.Clicks, a.Leads, a.Customers, a.Commissions, a.Payouts)
}

// demoClock is the clock the demo's activity is recorded by: it is moved
// forward through the six months, never back.
type demoClock struct{ t time.Time }

func (c *demoClock) now() time.Time { return c.t }

func (c *demoClock) advance(t time.Time) {
	if t.After(c.t) {
		c.t = t
	}
}

// demoEvent is one thing that happens in the demo's six months; an action
// (a payout request, a decision, a bonus) waits for a reconciler pass at
// its instant, so it sees the balances of its day.
type demoEvent struct {
	at     time.Time
	action bool
	do     func(ctx context.Context) error
}

// demoSim records the demo's activity through the same calls the vendor
// API, the cabinet, the back office and the reconciler make, each at its
// own instant of the simulated clock.
type demoSim struct {
	db         *storage.DB // dated by clk
	clk        *demoClock
	trk        *tracker.Server
	rec        *commissions.Reconciler
	rng        *rand.Rand
	start, end time.Time

	alpha, beta                                    int64 // partners
	alphaOwner, betaOwner, manager, finance, admin int64 // users

	clicks []storage.StreamClick // by time
	stored int                   // clicks[:stored] are in the database
	events []demoEvent           // by time, once planned

	// Counters that number the vendor's ids and pick who is refunded.
	people, customers, purchases, refunds, payouts int
}

// loadDemoActivity loads about six months of the demo program's life,
// ending at the program's clock: clicks, leads, customers and their
// monthly payments, refunds, the reconciler's commissions, a bonus and an
// adjustment, and payouts in each state. A program that has activity
// already (clicks, leads or purchases) gets nothing, so loading the demo
// again adds nothing.
func (m *Main) loadDemoActivity(ctx context.Context, db *storage.DB, seed storage.Seed, res *storage.SeedResult) (demoActivity, error) {
	end := m.clock()().UTC().Truncate(time.Microsecond)
	totals, _, err := db.ReportTotals(ctx, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), end.AddDate(0, 0, 2))
	if err != nil {
		return demoActivity{}, err
	}
	if totals.Clicks > 0 || totals.Leads > 0 || len(totals.Money) > 0 {
		return demoActivity{Skipped: "the program has activity already"}, nil
	}
	start := end.Add(-demoDays * 24 * time.Hour)
	contracts, err := db.Contracts(ctx)
	if err != nil {
		return demoActivity{}, err
	}
	for _, ref := range []string{"alpha", "beta"} {
		for _, c := range contracts[res.Partners[ref]] {
			if !c.StartsAt.Before(start) {
				start = c.StartsAt.Add(24 * time.Hour)
			}
		}
	}
	if end.Sub(start) < 60*24*time.Hour {
		return demoActivity{Skipped: "the demo contracts start less than two months before now"}, nil
	}
	rdb, err := m.openRedis(ctx)
	if err != nil {
		return demoActivity{}, err
	}
	clk := &demoClock{t: start}
	sdb := &storage.DB{DB: db.DB, Q: db.Q, Now: clk.now}
	s := &demoSim{
		db: sdb, clk: clk, rng: rand.New(rand.NewPCG(2026, 1)), start: start, end: end,
		trk: &tracker.Server{DB: sdb, Redis: rdb, Logger: m.Logger, Now: clk.now},
		// The reconciler's steps as serve runs them, on the demo's clock;
		// without the click stream (the clicks are stored directly), and
		// without postbacks and notices (serve sends what they queued).
		rec: &commissions.Reconciler{Logger: m.Logger, Steps: []commissions.Step{
			&commissions.LeadStep{DB: sdb, Redis: rdb, Consumer: "demo", ReclaimAfter: m.Config.ReclaimAfter},
			&commissions.PurchaseStep{DB: sdb, Batch: m.Config.ReconcileBatch},
			&commissions.LeadRuleStep{DB: sdb},
			&commissions.RefundStep{DB: sdb},
			&commissions.RerateStep{DB: sdb},
			&commissions.ReviewStep{DB: sdb, Now: clk.now},
			&commissions.ReleaseStep{DB: sdb, Now: clk.now},
		}},
		alpha: res.Partners["alpha"], beta: res.Partners["beta"],
		alphaOwner: res.Users["alpha@demo.partnerka.test"], betaOwner: res.Users["beta@demo.partnerka.test"],
		manager: res.Users["manager@demo.partnerka.test"], finance: res.Users["finance@demo.partnerka.test"],
		admin: res.Users["admin@demo.partnerka.test"],
	}
	if err := sdb.EnsureClickPartitions(ctx, start, monthsBetween(start, end)+2); err != nil {
		return demoActivity{}, err
	}
	s.plan(seed, res)
	if err := s.run(ctx); err != nil {
		return demoActivity{}, err
	}
	return s.summary(ctx)
}

func monthsBetween(a, b time.Time) int {
	return (b.Year()-a.Year())*12 + int(b.Month()) - int(a.Month())
}

// demoLinkSpec is how visitors arrive by one link: human clicks a day at
// the middle of the period on an average weekday, the sub ids and
// referrers they come with, and the share of them that sign up.
type demoLinkSpec struct {
	code     string
	rate     float64
	subs     []string // "" is the link's own sub id
	referers []string // one per sub id
	signUp   float64
}

var demoLinkSpecs = []demoLinkSpec{
	{code: "alpha", rate: 34, subs: []string{"", "", "newsletter", "telegram"},
		referers: []string{"", "https://alpha.example.com/", "https://alpha.example.com/newsletter/", "https://t.me/s/alpha_media"}, signUp: 0.026},
	{code: "alpha-blog", rate: 14, subs: []string{""}, referers: []string{"https://alpha.example.com/blog/crm-review"}, signUp: 0.035},
	{code: "beta", rate: 8, subs: []string{"", "webinar"},
		referers: []string{"https://beta.example.com/", "https://beta.example.com/webinars/crm-rollout"}, signUp: 0.04},
}

// Weekday rhythm (Sunday first) and the hours (UTC) visitors come at.
var (
	demoWeekday = [7]float64{0.6, 1.1, 1.15, 1.1, 1.05, 0.9, 0.55}
	demoHours   = [24]float64{2, 1, 1, 1, 1, 2, 4, 7, 9, 9, 8, 8, 8, 8, 8, 8, 9, 9, 9, 7, 5, 4, 3, 2}
	demoAgents  = []string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36",
		"Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 YaBrowser/24.10 Safari/537.36",
	}
	demoBots = []string{
		"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
		"Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
	}
	demoFirst   = []string{"anna", "boris", "olga", "dmitry", "elena", "igor", "maria", "pavel", "sofia", "artem", "nina", "oleg", "kate", "john", "laura", "mark", "irina", "sergey", "tatiana", "viktor"}
	demoLast    = []string{"ivanova", "smirnov", "kuznetsova", "popov", "volkova", "sokolov", "lebedeva", "kozlov", "novikova", "morozov", "miller", "novak", "fischer", "horvat", "petrenko"}
	demoFirms   = []string{"severstroy", "uralmash-service", "volga-logistic", "baikal-trade", "nevatech", "kamaagro", "sibenergo", "donfood", "permsoft", "tulamed", "kazan-it", "omskprint", "altaystone", "yugmebel", "primtrans", "vyatka-dom", "krasnodar-avto", "samara-opt", "tver-textil", "murmansk-fish", "brightdesk", "northwind-labs", "lumen-retail", "cobalt-hr", "quartz-legal"}
	demoMailbox = []string{"gmail.com", "mail.ru", "yandex.ru", "outlook.com"}
)

// demoProduct is a subscription the vendor sells, monthly unless annual.
type demoProduct struct {
	name   string
	prices map[string]string // currency -> price
	weight float64
	annual bool
}

var demoProducts = []demoProduct{
	{"crm-start", map[string]string{"RUB": "1490.00", "USD": "19.00", "EUR": "18.00"}, 0.50, false},
	{"crm-team", map[string]string{"RUB": "4990.00", "USD": "59.00", "EUR": "55.00"}, 0.38, false},
	{"crm-business", map[string]string{"RUB": "12990.00", "USD": "149.00", "EUR": "139.00"}, 0.10, false},
	{"crm-team-annual", map[string]string{"RUB": "49900.00", "USD": "590.00", "EUR": "550.00"}, 0.02, true},
}

// day returns the instant of the day (whole days since the start) at a
// fraction of it.
func (s *demoSim) day(d int, frac float64) time.Time {
	return s.start.Add(time.Duration((float64(d) + frac) * float64(24*time.Hour))).Truncate(time.Millisecond)
}

// add schedules do at at, unless at is after the period: what would
// happen later has not happened yet.
func (s *demoSim) add(at time.Time, action bool, do func(ctx context.Context) error) bool {
	if at.After(s.end) {
		return false
	}
	s.events = append(s.events, demoEvent{at: at, action: action, do: do})
	return true
}

// plan draws the six months: clicks by day, the leads and customers they
// and the promo codes, registrations and partner refs bring, the payments
// of those customers, refunds, and what the partners and staff do.
func (s *demoSim) plan(seed storage.Seed, res *storage.SeedResult) {
	links := map[string]partnerka.Link{}
	for _, p := range seed.Partners {
		for _, l := range p.Links {
			links[l.Code] = l
		}
	}
	days := int(s.end.Sub(s.start).Hours()/24) + 1
	for d := 0; d < days; d++ {
		growth := 0.35 + 1.1*float64(d)/float64(days) // the program grows
		dayStart := s.start.Truncate(24*time.Hour).AddDate(0, 0, d)
		wd := demoWeekday[dayStart.Weekday()]
		for _, spec := range demoLinkSpecs {
			l := links[spec.code]
			partner := res.Partners["alpha"]
			if strings.HasPrefix(spec.code, "beta") {
				partner = res.Partners["beta"]
			}
			lambda := spec.rate * growth * wd
			n := int(math.Round(lambda + math.Sqrt(lambda)*s.rng.NormFloat64()))
			var ip string
			for i := 0; i < n; i++ {
				at := dayStart.Add(s.hour() + time.Duration(s.rng.IntN(3600000))*time.Millisecond)
				if at.Before(s.start) || !at.Before(s.end) {
					continue
				}
				k := s.rng.IntN(len(spec.subs))
				sub := spec.subs[k]
				if sub == "" {
					sub = l.SubID
				}
				if ip == "" || s.rng.Float64() > 0.1 { // one in ten comes back from the same address
					ip = s.ip()
				}
				c := storage.StreamClick{ID: partnerka.NewClickID(at).String(), LinkID: res.Links[spec.code], PartnerID: partner,
					SubID: sub, At: at, IP: ip, UserAgent: demoAgents[s.rng.IntN(len(demoAgents))], Referer: spec.referers[k]}
				c.Landing = l.Destination + "?pk_click=" + c.ID
				if s.rng.Float64() < 0.03 {
					c.Flags, c.UserAgent, c.Landing = storage.FlagBot, demoBots[s.rng.IntN(len(demoBots))], l.Destination
				}
				s.clicks = append(s.clicks, c)
				if c.Flags == 0 && s.rng.Float64() < spec.signUp {
					s.clickLead(c, strings.HasPrefix(spec.code, "beta"))
				}
			}
		}
		// Promo codes typed at sign-up or at checkout.
		for _, pc := range []struct {
			code string
			rate float64
		}{{"ALPHA10", 0.12}, {"BETA", 0.05}} {
			if s.rng.Float64() < pc.rate*growth {
				s.promoCustomer(pc.code, s.day(d, 0.3+0.6*s.rng.Float64()))
			}
		}
	}
	slices.SortStableFunc(s.clicks, func(a, b storage.StreamClick) int { return a.At.Compare(b.At) })
	s.registrations(days)
	s.partnerRefs(days)
	s.unattributed(days)
	s.staffActions()
	slices.SortStableFunc(s.events, func(a, b demoEvent) int { return a.at.Compare(b.at) })
}

func (s *demoSim) hour() time.Duration {
	total := 0.0
	for _, w := range demoHours {
		total += w
	}
	x := s.rng.Float64() * total
	for h, w := range demoHours {
		if x < w {
			return time.Duration(h) * time.Hour
		}
		x -= w
	}
	return 23 * time.Hour
}

// ip returns a visitor's address from the documentation ranges.
func (s *demoSim) ip() string {
	if s.rng.Float64() < 0.3 {
		return fmt.Sprintf("2001:db8:%x:%x::%x", s.rng.IntN(0xffff), s.rng.IntN(0xffff), 1+s.rng.IntN(0xfff))
	}
	nets := []string{"192.0.2", "198.51.100", "203.0.113"}
	return fmt.Sprintf("%s.%d", nets[s.rng.IntN(len(nets))], 1+s.rng.IntN(254))
}

// demoPerson is a new customer: the vendor's id, a name, an email at a
// company's domain mostly (at a public mailbox sometimes) and the company.
type demoPerson struct {
	id, name, email, company string
}

func (s *demoSim) person(publicMailbox bool) demoPerson {
	s.people++
	n := s.people
	first, last := demoFirst[s.rng.IntN(len(demoFirst))], demoLast[s.rng.IntN(len(demoLast))]
	p := demoPerson{id: fmt.Sprintf("demo-cus-%04d", n), name: title(first) + " " + title(last)}
	if publicMailbox && s.rng.Float64() < 0.3 {
		p.email = fmt.Sprintf("%s.%s%d@%s", first, last, 10+n, demoMailbox[s.rng.IntN(len(demoMailbox))])
		return p
	}
	// A company of its own: a domain no other customer (nor a partner's
	// registration) shares, so no claim matches a lead by accident.
	firm := demoFirms[n%len(demoFirms)]
	p.email = fmt.Sprintf("%s.%s@%s-%d.example", first, last, firm, n)
	p.company = title(strings.ReplaceAll(firm, "-", " "))
	return p
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func (s *demoSim) lead(at time.Time, in tracker.LeadInput) {
	in.OccurredAt = at.Format(time.RFC3339Nano)
	s.add(at, false, func(ctx context.Context) error {
		s.clk.advance(at.Add(2 * time.Second))
		_, err := s.trk.RecordLead(ctx, in)
		return err
	})
}

// clickLead is a visitor who signs up after a click, and maybe pays.
func (s *demoSim) clickLead(c storage.StreamClick, beta bool) {
	var after time.Duration
	switch x := s.rng.Float64(); {
	case x < 0.6:
		after = time.Duration(2+s.rng.IntN(58)) * time.Minute
	case x < 0.9:
		after = time.Duration(1+s.rng.IntN(47)) * time.Hour
	default:
		after = time.Duration(2+s.rng.IntN(6)) * 24 * time.Hour
	}
	at := c.At.Add(after)
	p := s.person(true)
	s.lead(at, tracker.LeadInput{CustomerID: p.id, ClickID: c.ID, Email: p.email, Name: p.name})
	pays := 0.5
	if beta {
		pays = 0.45
	}
	if s.rng.Float64() < pays {
		s.subscribe(p.id, at.Add(s.trial()), "")
	}
}

// trial is how long after signing up a customer first pays: most at the
// end of the 14-day trial, some at once.
func (s *demoSim) trial() time.Duration {
	if s.rng.Float64() < 0.3 {
		return time.Duration(10+s.rng.IntN(2*24*60)) * time.Minute
	}
	return 13*24*time.Hour + time.Duration(s.rng.IntN(3*24*60))*time.Minute
}

// promoCustomer signs up with a promo code and pays, or types the code at
// checkout only (the purchase's code binds the customer).
func (s *demoSim) promoCustomer(code string, at time.Time) {
	p := s.person(true)
	if s.rng.Float64() < 0.5 {
		s.lead(at, tracker.LeadInput{CustomerID: p.id, PromoCode: code, Email: p.email, Name: p.name})
		s.subscribe(p.id, at.Add(s.trial()), "")
		return
	}
	s.subscribe(p.id, at, code)
}

// subscribe schedules a customer's payments from first: monthly (or one
// annual payment) until they churn or the period ends; a few are
// refunded, in full (and the customer leaves) or in part.
func (s *demoSim) subscribe(customer string, first time.Time, promo string) {
	if !first.Before(s.end) {
		return
	}
	s.customers++
	currency := "RUB"
	switch x := s.rng.Float64(); {
	case x < 0.11:
		currency = "USD"
	case x < 0.18:
		currency = "EUR"
	}
	x, p := s.rng.Float64(), demoProducts[0]
	for _, prod := range demoProducts {
		if x < prod.weight {
			p = prod
			break
		}
		x -= prod.weight
	}
	fullRefund := s.customers%29 == 7
	for k := 0; ; k++ {
		at := first.AddDate(0, k, 0)
		if !at.Before(s.end) || k > 0 && (p.annual || fullRefund || s.rng.Float64() < 0.05) {
			return
		}
		s.purchases++
		in := tracker.PurchaseInput{ID: fmt.Sprintf("demo-inv-%05d", s.purchases), CustomerID: customer,
			Amount: p.prices[currency], Currency: currency, Product: p.name, OccurredAt: at.Format(time.RFC3339Nano)}
		if k == 0 {
			in.PromoCode = promo
		}
		s.add(at, false, func(ctx context.Context) error {
			s.clk.advance(at.Add(3 * time.Second))
			_, _, err := s.trk.RecordPurchase(ctx, in)
			return err
		})
		amount := decimal.RequireFromString(in.Amount)
		switch {
		case fullRefund:
			s.refund(in.ID, at.Add(time.Duration(1+s.rng.IntN(8*24))*time.Hour), amount)
		case s.purchases%53 == 17:
			// Half within the hold, half after it (taken back from money
			// that was available).
			part, after := decimal.RequireFromString("0.5"), 5*24+s.rng.IntN(20*24)
			if s.purchases%2 == 0 {
				part, after = decimal.RequireFromString("0.3"), 31*24+s.rng.IntN(14*24)
			}
			s.refund(in.ID, at.Add(time.Duration(after)*time.Hour), amount.Mul(part).Round(2))
		}
	}
}

func (s *demoSim) refund(purchase string, at time.Time, amount decimal.Decimal) {
	in := tracker.RefundInput{ID: fmt.Sprintf("demo-ref-%04d", s.refunds+1), PurchaseID: purchase,
		Amount: amount.StringFixed(2), OccurredAt: at.Format(time.RFC3339Nano)}
	if s.add(at, false, func(ctx context.Context) error {
		s.clk.advance(at.Add(5 * time.Second))
		_, _, err := s.trk.RecordRefund(ctx, in)
		return err
	}) {
		s.refunds++
	}
}

// registrations: each partner registers prospects by hand in the cabinet;
// the manager approves most, the vendor later reports them, and most pay.
// The last of each partner's is still waiting for review.
func (s *demoSim) registrations(days int) {
	for _, r := range []struct {
		partner int64
		day     int
		approve bool
		pays    bool
	}{
		{s.alpha, 20, true, true}, {s.alpha, 55, true, true}, {s.alpha, 95, true, false}, {s.alpha, 140, true, true},
		{s.beta, 35, true, true}, {s.beta, 110, true, true},
		{s.alpha, days - 4, false, false}, {s.beta, days - 6, false, false},
	} {
		at := s.day(r.day, 0.45)
		p := s.person(false)
		in := commissions.RegistrationInput{Company: p.company, ContactName: p.name, Email: p.email,
			Phone:   fmt.Sprintf("+7 900 %03d-%02d-%02d", s.rng.IntN(1000), s.rng.IntN(100), s.rng.IntN(100)),
			Comment: "Met at a demo call; evaluating a CRM for a sales team of " + fmt.Sprint(5+s.rng.IntN(40))}
		var regID int64
		s.add(at, false, func(ctx context.Context) error {
			s.clk.advance(at)
			reg, err := commissions.RegisterLead(ctx, s.db, r.partner, in, at)
			if err == nil {
				regID = reg.ID
			}
			return err
		})
		if !r.approve {
			continue
		}
		decided := at.Add(26 * time.Hour)
		s.add(decided, true, func(ctx context.Context) error {
			return s.db.DecideRegistration(ctx, regID, "approved", "", storage.Actor{UserID: s.manager}, decided)
		})
		signUp := at.Add(time.Duration(5+s.rng.IntN(15)) * 24 * time.Hour)
		s.lead(signUp, tracker.LeadInput{CustomerID: p.id, Email: p.email, Name: p.name})
		if r.pays {
			s.subscribe(p.id, signUp.Add(time.Duration(2+s.rng.IntN(5))*24*time.Hour), "")
		}
	}
}

// partnerRefs: customers who named their partner in the vendor's sign-up
// form ("who referred you?").
func (s *demoSim) partnerRefs(days int) {
	for i, r := range []struct {
		ref  string
		frac float64
	}{{"beta", 0.22}, {"alpha", 0.38}, {"beta", 0.5}, {"beta", 0.71}} {
		at := s.day(int(r.frac*float64(days)), 0.55)
		p := s.person(true)
		s.lead(at, tracker.LeadInput{CustomerID: p.id, PartnerRef: r.ref, Email: p.email, Name: p.name})
		if i != 2 {
			s.subscribe(p.id, at.Add(36*time.Hour), "")
		}
	}
}

// unattributed: leads attribution refuses, with the reason recorded for
// the back office: sign-ups that came by no partner, a customer the
// vendor had before the click, and one of alpha's own people signing up
// through alpha's link. A colleague of theirs at alpha's own domain is
// bound (the email is not a team member's), and the review step flags
// the customer for the managers' review queue.
func (s *demoSim) unattributed(days int) {
	for i := 0; i < 8; i++ {
		p := s.person(true)
		s.lead(s.day((2*i+1)*days/17, s.rng.Float64()), tracker.LeadInput{CustomerID: p.id, Email: p.email, Name: p.name})
	}
	for i, email := range []string{"", "anna@alpha.example.com", "sales@alpha.example.com"} {
		at := s.day(days/3+i*days/4, 0.5)
		p := s.person(true)
		in := tracker.LeadInput{CustomerID: p.id, ClickID: s.alphaClick(at.Add(-15 * time.Minute)), Email: p.email, Name: p.name,
			ExistingCustomer: email == ""}
		if email != "" {
			in.Email, in.Name = email, map[int]string{1: "Anna Petrova", 2: "Oleg Sidorov"}[i]
		}
		s.lead(at, in)
		s.subscribe(p.id, at.Add(48*time.Hour), "")
	}
}

// alphaClick adds a human click on alpha's main link at at (like the
// first of them) and returns its id.
func (s *demoSim) alphaClick(at time.Time) string {
	c := s.clicks[0]
	for _, k := range s.clicks {
		if k.SubID == "" && k.Flags == 0 && k.PartnerID == s.alpha {
			c = k
			break
		}
	}
	c.ID, c.At, c.IP = partnerka.NewClickID(at).String(), at.Truncate(time.Millisecond), s.ip()
	c.Landing = c.Landing[:strings.Index(c.Landing, "?")+1] + "pk_click=" + c.ID
	i, _ := slices.BinarySearchFunc(s.clicks, c.At, func(k storage.StreamClick, t time.Time) int { return k.At.Compare(t) })
	s.clicks = slices.Insert(s.clicks, i, c)
	return c.ID
}

// staffActions: payout details, a bonus and an adjustment, and payouts:
// alpha's first request paid (requested by its owner, approved by finance,
// paid by the admin: four eyes), beta's approved, alpha's latest waiting.
func (s *demoSim) staffActions() {
	s.add(s.start.Add(time.Hour), false, func(ctx context.Context) error {
		if err := s.db.SetPayoutDetails(ctx, s.alpha, "bank", map[string]string{"account": "40702810900000001234"}); err != nil {
			return err
		}
		return s.db.SetPayoutDetails(ctx, s.beta, "bank", map[string]string{"account": "40702810500000005678"})
	})
	before := func(days int, hour int) time.Time {
		return s.end.Truncate(time.Hour).Add(time.Duration(-days*24+hour-12) * time.Hour)
	}
	var paid, approved int64
	s.add(before(75, 0), true, func(ctx context.Context) (err error) {
		paid, err = s.requestPayout(ctx, s.alpha, s.alphaOwner, "0.9")
		return err
	})
	s.add(before(74, 3), true, func(ctx context.Context) error { return s.decide(ctx, paid, storage.PayoutApproved, s.finance, "") })
	s.add(before(72, 5), true, func(ctx context.Context) error {
		return s.decide(ctx, paid, storage.PayoutPaid, s.admin, "PP-"+s.clk.now().Format("20060102")+"-0001")
	})
	s.add(before(45, 2), true, func(ctx context.Context) error {
		_, err := commissions.AddManualEntry(ctx, s.db, s.alpha, commissions.KindBonus, "5000.00", "RUB",
			"Partner contest: second place for the quarter", storage.Actor{UserID: s.manager})
		return err
	})
	s.add(before(20, 1), true, func(ctx context.Context) error {
		_, err := commissions.AddManualEntry(ctx, s.db, s.beta, commissions.KindAdjustment, "750.00", "RUB",
			"Correction: an invoice the customer paid outside the program", storage.Actor{UserID: s.manager})
		return err
	})
	s.add(before(12, 0), true, func(ctx context.Context) (err error) {
		approved, err = s.requestPayout(ctx, s.beta, s.betaOwner, "1")
		return err
	})
	s.add(before(11, 4), true, func(ctx context.Context) error { return s.decide(ctx, approved, storage.PayoutApproved, s.finance, "") })
	s.add(before(2, 0), true, func(ctx context.Context) error {
		_, err := s.requestPayout(ctx, s.alpha, s.alphaOwner, "0.8")
		return err
	})
}

// requestPayout has a partner's owner ask for a share of its available
// roubles, in whole thousands (nothing when that is under the minimum).
func (s *demoSim) requestPayout(ctx context.Context, partner, owner int64, share string) (int64, error) {
	bs, err := s.db.PartnerBalances(ctx, partner)
	if err != nil {
		return 0, err
	}
	available := decimal.Zero
	for _, b := range bs {
		if b.Currency == "RUB" && b.Bucket == "available" {
			available = b.Amount
		}
	}
	amount := available.Mul(decimal.RequireFromString(share)).Div(decimal.NewFromInt(1000)).Floor().Mul(decimal.NewFromInt(1000))
	if amount.LessThan(decimal.NewFromInt(1000)) {
		return 0, nil
	}
	id, err := s.db.RequestPayout(ctx, partner, owner, partnerka.Money{Amount: amount, Currency: "RUB"}, s.clk.now())
	if err == nil {
		s.payouts++
	}
	return id, err
}

func (s *demoSim) decide(ctx context.Context, payout int64, to string, by int64, reference string) error {
	if payout == 0 {
		return nil
	}
	return s.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: payout, To: to, ActorID: by, Reference: reference, At: s.clk.now()})
}

// run plays the events in time order with the clock following them,
// reconciling every week and before each action.
func (s *demoSim) run(ctx context.Context) error {
	next := s.start.Add(demoPassEvery)
	for _, e := range s.events {
		for !next.After(e.at) {
			if err := s.pass(ctx, next); err != nil {
				return err
			}
			next = next.Add(demoPassEvery)
		}
		if e.action {
			if err := s.pass(ctx, e.at); err != nil {
				return err
			}
		}
		s.clk.advance(e.at)
		if err := e.do(ctx); err != nil {
			return fmt.Errorf("at %s: %w", e.at.Format(time.RFC3339), err)
		}
	}
	return s.pass(ctx, s.end)
}

// pass stores the clicks made by at, as the click step would have, and
// runs the reconciler's steps with the clock at at.
func (s *demoSim) pass(ctx context.Context, at time.Time) error {
	s.clk.advance(at)
	n := s.stored
	for n < len(s.clicks) && !s.clicks[n].At.After(at) {
		n++
	}
	if n > s.stored {
		if err := s.db.InsertClicks(ctx, s.clicks[s.stored:n], false); err != nil {
			return fmt.Errorf("clicks: %w", err)
		}
		s.stored = n
	}
	_, err := s.rec.RunOnce(ctx)
	return err
}

// summary reads back what the back office's report shows for the period.
func (s *demoSim) summary(ctx context.Context) (demoActivity, error) {
	from := s.start.Truncate(24 * time.Hour)
	to := s.end.Truncate(24*time.Hour).AddDate(0, 0, 1)
	t, _, err := s.db.ReportTotals(ctx, from, to)
	if err != nil {
		return demoActivity{}, err
	}
	a := demoActivity{Clicks: int(t.Clicks), Leads: int(t.Leads), Customers: int(t.Paying), Payouts: s.payouts}
	for _, p := range []int64{s.alpha, s.beta} {
		rows, _, err := s.db.PartnerEarnings(ctx, p, from, to, 1<<20)
		if err != nil {
			return demoActivity{}, err
		}
		a.Commissions += len(rows)
	}
	return a, nil
}
