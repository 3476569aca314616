package commissions

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/net/publicsuffix"

	"partnerka"
	"partnerka/storage"
)

// LeadStep binds customers to partners: it drains the lead stream, then
// offers the promo code or click id of purchases of unbound customers as
// leads at the purchase's time. Each lead is decided in its own
// transaction, recorded (leads row, decision with its reason), and only
// then acknowledged; a redelivered lead finds its row and does nothing.
type LeadStep struct {
	DB           *storage.DB
	Redis        *storage.Redis
	Consumer     string
	ReclaimAfter time.Duration
}

// Name implements Step.
func (s *LeadStep) Name() string { return "leads" }

// Run implements Step.
func (s *LeadStep) Run(ctx context.Context) (int, error) {
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return 0, err
	}
	if err := s.Redis.EnsureGroup(ctx, storage.LeadStream); err != nil {
		return 0, err
	}
	reclaim := s.ReclaimAfter
	if reclaim == 0 {
		reclaim = time.Minute
	}
	done := 0
	for done < 10000 {
		msgs, err := s.Redis.ReadGroup(ctx, storage.LeadStream, s.Consumer, 200, reclaim)
		if err != nil {
			return done, err
		}
		if len(msgs) == 0 {
			break
		}
		var acks []string
		for _, m := range msgs {
			lead, err := DecodeLead(m)
			if err == nil {
				err = s.decide(ctx, st, lead, 0)
			}
			if err != nil {
				if !isPoison(err) {
					s.Redis.Ack(ctx, storage.LeadStream, acks...)
					return done, err
				}
				if err := s.Redis.DeadLetter(ctx, storage.LeadStream, m, err); err != nil {
					return done, err
				}
				continue
			}
			acks = append(acks, m.ID)
			done++
		}
		if err := s.Redis.Ack(ctx, storage.LeadStream, acks...); err != nil {
			return done, err
		}
	}
	if err := s.Redis.TrimAcknowledged(ctx, storage.LeadStream); err != nil {
		return done, err
	}
	n, err := s.purchaseLeads(ctx, st)
	return done + n, err
}

// purchaseLeads offers each purchase's promo code or click id as a lead at
// the purchase's time.
func (s *LeadStep) purchaseLeads(ctx context.Context, st partnerka.Settings) (int, error) {
	done := 0
	for {
		ps, err := s.DB.PurchasesWithEvidence(ctx, 500)
		if err != nil || len(ps) == 0 {
			return done, err
		}
		for _, p := range ps {
			lead := &partnerka.Lead{CustomerID: p.CustomerID, PromoCode: p.PromoCode, ClickID: p.ClickID,
				OccurredAt: p.OccurredAt, ReceivedAt: p.ReceivedAt, Source: "purchase"}
			if err := s.decide(ctx, st, lead, p.ID); err != nil {
				return done, fmt.Errorf("purchase %s: %w", p.ExternalID, err)
			}
			done++
		}
	}
}

// DecodeLead decodes a lead stream entry.
func DecodeLead(m redis.XMessage) (*partnerka.Lead, error) {
	raw, _ := m.Values["lead"].(string)
	var l partnerka.Lead
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		return nil, partnerka.Errorf(partnerka.EINVALID, "lead entry %s: %v", m.ID, err)
	}
	if l.ID == "" || l.CustomerID == "" || l.OccurredAt.IsZero() {
		return nil, partnerka.Errorf(partnerka.EINVALID, "lead entry %s lacks id, customer or time", m.ID)
	}
	return &l, nil
}

// decide runs one lead through attribution in one transaction. purchaseID
// is set when the lead is a purchase's evidence.
func (s *LeadStep) decide(ctx context.Context, st partnerka.Settings, l *partnerka.Lead, purchaseID int64) error {
	return s.DB.InLeadTx(ctx, func(tx *storage.LeadTx) error {
		if purchaseID != 0 {
			if fresh, err := tx.MarkEvidenceChecked(ctx, purchaseID); err != nil || !fresh {
				return err
			}
		} else if fresh, err := tx.InsertLead(ctx, l); err != nil || !fresh {
			return err
		}
		cust, err := tx.LockCustomer(ctx, l.CustomerID, l.OccurredAt, l.Email, l.Name)
		if err != nil {
			return err
		}
		// Judged on everything known of the customer: a claim that comes
		// without an email (a purchase's promo code, a partner ref) is
		// weighed with the email reported first.
		email := l.Email
		if email == "" {
			email = cust.Email
		}
		in := AttributionInput{
			OccurredAt: l.OccurredAt, Email: email, ExistingCustomer: l.ExistingCustomer,
			KnownExisting: cust.PartnerID == nil && cust.Reason == ReasonExistingCustomer,
			Window:        st.AttributionWindow(), FirstClick: st.AttributionModel == "first_click",
			AllowSelfReferral: st.AllowSelfReferral,
		}
		if cust.PartnerID != nil {
			in.BoundPartnerID, in.BoundAt = *cust.PartnerID, *cust.BoundAt
		} else if !in.ExistingCustomer && !in.KnownExisting {
			if in.Candidates, err = s.candidates(ctx, tx, l); err != nil {
				return err
			}
			var ids []int64
			for _, c := range in.Candidates {
				ids = append(ids, c.PartnerID)
				for _, k := range c.Clicks {
					ids = append(ids, k.PartnerID)
				}
			}
			if in.PartnerEmails, err = tx.PartnerEmails(ctx, ids); err != nil {
				return err
			}
			refused, err := tx.SelfReferralPartners(ctx, cust.ID)
			if err != nil {
				return err
			}
			in.SelfReferred = map[int64]bool{}
			for _, id := range refused {
				in.SelfReferred[id] = true
			}
		}
		d := Attribute(in)
		rec := storage.Decision{CustomerID: cust.ID, PurchaseID: purchaseID, PartnerID: d.PartnerID, Source: d.Source,
			OccurredAt: l.OccurredAt, Reason: d.Reason, Detail: d.Detail}
		if purchaseID == 0 {
			rec.LeadID = l.ID
		}
		if c := d.Candidate; c != nil {
			rec.PromoCodeID, rec.RegistrationID = c.PromoCodeID, c.RegistrationID
		}
		if d.Click != nil {
			rec.ClickID = d.Click.ID
		}
		switch {
		case d.Attributed():
			b := storage.Binding{PartnerID: d.PartnerID, Source: d.Source, BoundAt: l.OccurredAt,
				ClickID: rec.ClickID, PromoCodeID: rec.PromoCodeID, RegistrationID: rec.RegistrationID}
			if d.Click != nil {
				b.LinkID = d.Click.LinkID
			}
			if err := tx.BindCustomer(ctx, cust.ID, b); err != nil {
				return err
			}
		case d.Reason != ReasonAlreadyBound:
			if err := tx.NoteUnbound(ctx, cust.ID, d.Reason, l.OccurredAt, l.Email); err != nil {
				return err
			}
		}
		return tx.InsertDecision(ctx, rec)
	})
}

// candidates gathers the lead's claims in the order they are tried: a
// matching protected registration, the promo code, the click, the partner ref.
func (s *LeadStep) candidates(ctx context.Context, tx *storage.LeadTx, l *partnerka.Lead) ([]Candidate, error) {
	var out []Candidate
	if l.Email != "" {
		e, err := tx.Registration(ctx, l.Email, CompanyDomain(l.Email), l.OccurredAt)
		if err != nil {
			return nil, err
		}
		if e != nil {
			out = append(out, Candidate{Source: SourceRegistration, Claim: l.Email, Found: true, PartnerID: e.PartnerID,
				PartnerActive: e.PartnerActive, RegistrationID: e.ID})
		}
	}
	if l.PromoCode != "" {
		e, err := tx.PromoCode(ctx, l.PromoCode, l.OccurredAt)
		if err != nil {
			return nil, err
		}
		c := Candidate{Source: SourcePromoCode, Claim: l.PromoCode}
		if e != nil {
			c.Found, c.PartnerID, c.PartnerActive, c.PromoCodeID = true, e.PartnerID, e.PartnerActive, e.ID
			if ok, why := e.Code.ValidAt(l.OccurredAt); !ok {
				c.NotValid = why
			}
		}
		out = append(out, c)
	}
	if l.ClickID != "" {
		chain, err := tx.ClickChain(ctx, l.ClickID)
		if err != nil {
			return nil, err
		}
		c := Candidate{Source: SourceClick, Claim: l.ClickID, Found: len(chain) > 0}
		for _, k := range chain {
			c.Clicks = append(c.Clicks, Click{ID: k.ClickID, PartnerID: k.PartnerID, LinkID: k.LinkID, At: k.ClickedAt,
				Attributable: k.Attributable, PartnerActive: k.PartnerActive})
		}
		out = append(out, c)
	}
	if l.PartnerRef != "" {
		e, err := tx.PartnerRef(ctx, l.PartnerRef)
		if err != nil {
			return nil, err
		}
		c := Candidate{Source: SourcePartnerRef, Claim: l.PartnerRef}
		if e != nil {
			c.Found, c.PartnerID, c.PartnerActive = true, e.ID, e.PartnerActive
		}
		out = append(out, c)
	}
	return out, nil
}

// publicMailDomains are mailbox providers, not companies: an email there
// says nothing about which company a lead belongs to.
var publicMailDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "hotmail.com": true, "outlook.com": true,
	"live.com": true, "icloud.com": true, "me.com": true, "aol.com": true, "proton.me": true, "protonmail.com": true,
	"gmx.com": true, "gmx.de": true, "mail.ru": true, "bk.ru": true, "inbox.ru": true, "list.ru": true,
	"yandex.ru": true, "ya.ru": true, "yandex.com": true, "rambler.ru": true, "qq.com": true, "163.com": true,
}

// WebsiteDomain returns the company domain of a site as a partner types
// it ("https://www.acme.com/about", "acme.com"): lower case, without
// scheme, "www.", port or path. A public mailbox provider is not a
// company (false), nor is a public suffix, nor anything that is not a
// host name with a dot.
func WebsiteDomain(site string) (string, bool) {
	s := strings.ToLower(strings.TrimSpace(site))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "www."), ".")
	if len(s) > 253 || !strings.Contains(s, ".") || strings.HasPrefix(s, ".") || strings.Contains(s, "..") {
		return "", false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r > 127) {
			return "", false
		}
	}
	if suffix, _ := publicsuffix.PublicSuffix(s); suffix == s {
		return "", false // "co.uk", "github.io": everyone's, no company's
	}
	d := CompanyDomain("x@" + s)
	return d, d != ""
}

// CompanyDomain returns the domain of an email when it names a company, or
// "" for public mailbox providers.
func CompanyDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	d := strings.ToLower(email[i+1:])
	if publicMailDomains[d] {
		return ""
	}
	return d
}
