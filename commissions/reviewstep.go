package commissions

import (
	"context"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
)

// ReviewStep runs the fraud rules the program has switched on over what
// the other steps and sign-ins queued (customers bound, partners refunded,
// payout details changed, sign-ins from new addresses) and over the click
// drain's per-network counts, raises flags with their evidence, and holds
// the commissions the open flags cover (pending until a manager decides).
// It runs in the reconciler, never on the tracker's path; one pass at a
// time across reconcilers (an advisory lock), each pass in one
// transaction, so a crash loses nothing and repeats nothing.
type ReviewStep struct {
	DB  *storage.DB
	Now partnerka.Clock
	// Batch: subjects taken off the queue per pass (default 5,000).
	Batch int
	// RefundsEvery: a refunded partner is judged once its first queued
	// refund waited this long, so a partner refunded all day costs one
	// look now and then (default 10 minutes; tests use 0).
	RefundsEvery *time.Duration

	mu       sync.Mutex
	program  map[string]storage.RefundFigure // the program's refund figures, by currency
	programT time.Time                       // when they were read (program clock)
	prunedT  time.Time                       // when click_bursts was last pruned (program clock)
}

// clickSpamLookback: the click spam rule reads the windows of this many
// days; older ones are pruned.
const clickSpamLookback = 7

// Name implements Step.
func (s *ReviewStep) Name() string { return "review" }

// FreeMailDomains are public mail services: two people with addresses
// there share nothing, so the self-referral rule never matches on them.
var FreeMailDomains = []string{
	"gmail.com", "googlemail.com", "yandex.ru", "yandex.com", "ya.ru", "mail.ru", "bk.ru", "list.ru", "inbox.ru",
	"internet.ru", "rambler.ru", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com",
	"me.com", "mac.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net", "web.de", "aol.com", "qq.com",
	"ukr.net", "tut.by", "mail.com", "zoho.com",
}

// signInLookback: a new sign-in network is compared with the customers
// bound by a click in this many days.
const signInLookback = 90

// Run implements Step: it returns the flags raised plus the commissions
// newly held.
func (s *ReviewStep) Run(ctx context.Context) (int, error) {
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return 0, err
	}
	r := st.Fraud
	now := s.Now()
	batch := s.Batch
	if batch <= 0 {
		batch = 5000
	}
	every := 10 * time.Minute
	if s.RefundsEvery != nil {
		every = *s.RefundsEvery
	}
	var program map[string]storage.RefundFigure
	n := 0
	_, err = s.DB.InReviewTx(ctx, func(t *storage.ReviewTx) error {
		n = 0
		due, err := t.TakeDue(batch, now.Add(-every))
		if err != nil {
			return err
		}
		customers := due[storage.ReviewCustomer]
		add := func(k int, err error) error { n += k; return err }
		if r.SelfReferral {
			ids := customers
			if p := due[storage.ReviewSignIn]; len(p) > 0 {
				more, err := t.SignInCustomers(p, now.AddDate(0, 0, -signInLookback))
				if err != nil {
					return err
				}
				ids = append(append([]int64{}, ids...), more...)
			}
			if len(ids) > 0 {
				if err := add(t.SelfReferral(ids, FreeMailDomains, now)); err != nil {
					return err
				}
			}
		}
		if len(customers) > 0 {
			if r.FastLead {
				if err := add(t.FastLeads(customers, r.FastLeadSeconds, now)); err != nil {
					return err
				}
			}
			if r.CookieStuffing {
				if err := add(t.CookieStuffing(customers, r.CookieStuffingPercent, r.CookieStuffingMinLeads, now)); err != nil {
					return err
				}
			}
			if r.Spike {
				if err := add(t.Spikes(customers, r.SpikeFactor, r.SpikeMinLeads, now)); err != nil {
					return err
				}
			}
		}
		if p := due[storage.ReviewDetails]; r.SharedDetails && len(p) > 0 {
			if err := add(t.SharedDetails(p, now)); err != nil {
				return err
			}
		}
		if p := due[storage.ReviewRefunds]; r.RefundAnomaly && len(p) > 0 {
			since := now.AddDate(0, 0, -partnerka.RefundAnomalyDays)
			if program == nil {
				if program, err = s.programRefunds(ctx, since, now); err != nil {
					return err
				}
			}
			figures, err := t.RefundFigures(p, since)
			if err != nil {
				return err
			}
			if err := add(t.InsertFlags(RefundAnomalies(figures, program, r, since, now), now)); err != nil {
				return err
			}
		}
		if r.ClickSpam {
			if err := add(t.ClickSpam(r.ClickSpamClicks, now.AddDate(0, 0, -clickSpamLookback), now)); err != nil {
				return err
			}
		}
		return add(t.Hold(now))
	})
	if err == nil {
		err = s.prune(ctx, now)
	}
	return n, err
}

// prune deletes click windows the click spam rule no longer reads, at most
// once an hour (a day's margin past the lookback).
func (s *ReviewStep) prune(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	due := now.Sub(s.prunedT) >= time.Hour || now.Before(s.prunedT)
	if due {
		s.prunedT = now
	}
	s.mu.Unlock()
	if !due {
		return nil
	}
	_, err := s.DB.PruneClickBursts(ctx, now.AddDate(0, 0, -clickSpamLookback-1))
	return err
}

// programRefunds returns the program's refund figures by currency, read
// at most once an hour (program clock): a pass over 90 days of purchases.
func (s *ReviewStep) programRefunds(ctx context.Context, since, now time.Time) (map[string]storage.RefundFigure, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.program != nil && now.Sub(s.programT) < time.Hour && now.After(s.programT) {
		return s.program, nil
	}
	figures, err := s.DB.ProgramRefundFigures(ctx, since)
	if err != nil {
		return nil, err
	}
	s.program = map[string]storage.RefundFigure{}
	for _, f := range figures {
		s.program[f.Currency] = f
	}
	s.programT = now
	return s.program, nil
}

// RefundAnomaly is the evidence of a refund anomaly flag.
type RefundAnomaly struct {
	Currency         string `json:"currency"`
	From             string `json:"from"`
	To               string `json:"to"`
	Purchases        int64  `json:"purchases"`
	Paid             string `json:"paid"`
	Refunded         string `json:"refunded"`
	Percent          string `json:"percent"`
	ProgramPercent   string `json:"program_percent"`
	Factor           int    `json:"factor"`
	ThresholdPercent int    `json:"threshold_percent"`
	MinPurchases     int    `json:"min_purchases"`
}

// RefundAnomalies decides the refund anomaly rule over partners' figures
// of a window: a partner trips in a currency with at least MinPurchases
// purchases whose refunded share is above RefundMinPercent % and above
// RefundFactor times the program's share in that currency. One flag per
// partner, currency and month.
func RefundAnomalies(figures []storage.RefundFigure, program map[string]storage.RefundFigure, r partnerka.FraudRules, since, now time.Time) []storage.NewFlag {
	var out []storage.NewFlag
	hundred := decimal.NewFromInt(100)
	for _, f := range figures {
		if f.Purchases < int64(r.RefundMinPurchases) || !f.Paid.IsPositive() {
			continue
		}
		if !f.Refunded.Mul(hundred).GreaterThan(decimal.NewFromInt(int64(r.RefundMinPercent)).Mul(f.Paid)) {
			continue
		}
		p := program[f.Currency]
		// refunded/paid > factor * p.refunded/p.paid, without dividing.
		if p.Paid.IsPositive() && !f.Refunded.Mul(p.Paid).GreaterThan(decimal.NewFromInt(int64(r.RefundFactor)).Mul(p.Refunded).Mul(f.Paid)) {
			continue
		}
		programPercent := decimal.Zero
		if p.Paid.IsPositive() {
			programPercent = p.Refunded.Mul(hundred).Div(p.Paid)
		}
		out = append(out, storage.NewFlag{
			PartnerID: f.PartnerID, Rule: partnerka.RuleRefundAnomaly,
			Key: "refunds:" + f.Currency + ":" + now.UTC().Format("2006-01"),
			Evidence: RefundAnomaly{
				Currency: f.Currency, From: since.UTC().Format(time.RFC3339), To: now.UTC().Format(time.RFC3339),
				Purchases: f.Purchases, Paid: f.Paid.String(), Refunded: f.Refunded.String(),
				Percent: f.Refunded.Mul(hundred).Div(f.Paid).StringFixed(1), ProgramPercent: programPercent.StringFixed(1),
				Factor: r.RefundFactor, ThresholdPercent: r.RefundMinPercent, MinPurchases: r.RefundMinPurchases,
			},
		})
	}
	return out
}
