package commissions

import (
	"context"
	"encoding/json"
	"errors"
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
	// Clicks, when set, is the click step, run once a pass when a lead
	// names a click not stored yet. The click was in the click stream
	// before the lead could name it (the tracker hands out a click's id
	// only once it has committed the click), but the pass's click step
	// may have run just before it arrived: deciding then would find no
	// click and leave the customer unbound for good.
	Clicks Step
	// Now is the program's clock. With it, a lead whose click is still
	// unknown after the drain, and was minted less than clickInFlight
	// ago, waits for a later pass (another reconciler may hold the click,
	// read but not yet stored) instead of being decided as naming no
	// click.
	Now func() time.Time

	oneByOne    bool // tests: every purchase's lead by the per-lead path, the fast path's reference
	fastBatches int  // tests: batches the fast path decided
}

// clickInFlight bounds how long a lead waits for the click it names: a
// click id older than this, or not a click id at all, is decided as not
// found.
const clickInFlight = 5 * time.Minute

// errClickInFlight: the lead names a click that is not stored yet and may
// still arrive.
var errClickInFlight = errors.New("the lead's click is not stored yet")

// Name implements Step.
func (s *LeadStep) Name() string { return "leads" }

// Run implements Step.
func (s *LeadStep) Run(ctx context.Context) (int, error) {
	// Bindings move payments into partners' volumes: not while another
	// reconciler's purchases pass rates on the volumes it read
	// (storage.HoldRatings).
	release, err := s.DB.HoldRatings(ctx, true)
	if err != nil {
		return 0, err
	}
	defer release()
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
	done, drained := 0, false
	for done < 10000 {
		msgs, err := s.Redis.ReadGroup(ctx, storage.LeadStream, s.Consumer, 200, reclaim)
		if err != nil {
			return done, err
		}
		if len(msgs) == 0 {
			break
		}
		var leads []*partnerka.Lead
		var read []redis.XMessage
		for _, m := range msgs {
			lead, err := DecodeLead(m)
			if err != nil {
				if err := s.Redis.DeadLetter(ctx, storage.LeadStream, m, err); err != nil {
					return done, err
				}
				continue
			}
			leads, read = append(leads, lead), append(read, m)
		}
		outcomes, err := s.decideBatch(ctx, st, leads, nil, &drained)
		if err != nil {
			return done, err // nothing of the batch is acknowledged: it is read again
		}
		var acks []string
		for i, o := range outcomes {
			switch {
			case o.waiting:
				// Left unacknowledged: it comes back once ReclaimAfter
				// has passed, when its click has been stored.
			case o.poison != nil:
				if err := s.Redis.DeadLetter(ctx, storage.LeadStream, read[i], o.poison); err != nil {
					return done, err
				}
			default:
				acks = append(acks, read[i].ID)
				done++
			}
		}
		if err := s.Redis.Ack(ctx, storage.LeadStream, acks...); err != nil {
			return done, err
		}
	}
	if err := s.Redis.TrimAcknowledged(ctx, storage.LeadStream); err != nil {
		return done, err
	}
	n, err := s.purchaseLeads(ctx, st, &drained)
	return done + n, err
}

// leadOutcome is what became of one lead of a batch: decided (neither
// field set), waiting for its click, or refused as poison.
type leadOutcome struct {
	waiting bool
	poison  error
}

// decideBatch decides leads (purchaseIDs[i] is set when leads[i] is a
// purchase's evidence) in one transaction: one commit, and one flush of
// the write-ahead log, for the batch rather than for each lead (the flush
// was most of a lead's time). Each lead runs under a savepoint of its own,
// so that one refused as poison, or waiting for its click, is undone
// alone. A lead naming a click not stored yet first has the click stream
// drained (once a pass, *drained); if the click is still unknown but may
// yet arrive (clickInFlight), the lead waits for a later pass. Any other
// error undoes the whole batch.
func (s *LeadStep) decideBatch(ctx context.Context, st partnerka.Settings, leads []*partnerka.Lead, purchaseIDs []int64, drained *bool) ([]leadOutcome, error) {
	out := make([]leadOutcome, len(leads))
	if len(leads) == 0 {
		return out, nil
	}
	err := s.DB.InLeadTx(ctx, func(tx *storage.LeadTx) error {
		if err := tx.Savepoint(ctx); err != nil {
			return err
		}
		for i, l := range leads {
			var purchaseID int64
			if purchaseIDs != nil {
				purchaseID = purchaseIDs[i]
			}
			for {
				mayDrain := !*drained && s.Clicks != nil
				err := s.decideIn(ctx, tx, st, l, purchaseID, mayDrain)
				if err == nil {
					if err := tx.KeepSinceSavepoint(ctx); err != nil {
						return err
					}
					break
				}
				if err := tx.RollbackToSavepoint(ctx); err != nil {
					return err
				}
				switch {
				case errors.Is(err, errClickInFlight) && mayDrain:
					*drained = true
					if _, err := s.Clicks.Run(ctx); err != nil {
						return fmt.Errorf("draining clicks for lead %s: %w", l.ID, err)
					}
					continue // and decide it again
				case errors.Is(err, errClickInFlight):
					out[i].waiting = true
				case isPoison(err):
					out[i].poison = err
				default:
					return err
				}
				break
			}
		}
		return nil
	})
	return out, err
}

// clickMayArrive tells whether a click id not found may still be stored:
// it was minted by this program's clock less than clickInFlight ago.
func (s *LeadStep) clickMayArrive(clickID string) bool {
	if s.Now == nil {
		return false
	}
	id, err := partnerka.ParseClickUUID(clickID) // stored leads and purchases carry the UUID form
	if err != nil {
		return false
	}
	now, at := s.Now(), id.Time()
	return at.After(now.Add(-clickInFlight)) && !at.After(now.Add(clickInFlight))
}

// Purchases a leads batch takes: up to promoBatch on the fast path (a
// statement of each kind for the whole batch), up to leadBatch a lead at a
// time.
const promoBatch, leadBatch = 2000, 500

// purchaseLeads offers each purchase's promo code or click id as a lead at
// the purchase's time, in purchase order: a leading run of purchases with
// a promo code alone on the fast path, the next ones, from a purchase
// with a click id, a lead at a time.
func (s *LeadStep) purchaseLeads(ctx context.Context, st partnerka.Settings, drained *bool) (int, error) {
	done := 0
	for {
		ps, err := s.DB.PurchasesWithEvidence(ctx, promoBatch)
		if err != nil || len(ps) == 0 {
			return done, err
		}
		if k := runOf(ps, promoOnly); k > 0 && !s.oneByOne {
			ps = ps[:k]
			n, err := s.decidePromoBatch(ctx, st, ps)
			if err == nil {
				done += n
				s.fastBatches++
				continue
			}
			if errors.Is(err, storage.ErrCustomersRaced) {
				continue // rolled back: decided again, with those customers' rows locked
			}
			if !isPoison(err) {
				return done, fmt.Errorf("purchases from %s: %w", ps[0].ExternalID, err)
			}
			// A purchase the database refuses: the lead at a time path
			// below sets it apart from the rest.
		}
		ps = ps[:min(len(ps), leadBatch)]
		leads, ids := make([]*partnerka.Lead, len(ps)), make([]int64, len(ps))
		for i, p := range ps {
			leads[i] = &partnerka.Lead{CustomerID: p.CustomerID, PromoCode: p.PromoCode, ClickID: p.ClickID,
				OccurredAt: p.OccurredAt, ReceivedAt: p.ReceivedAt, Source: "purchase"}
			ids[i] = p.ID
		}
		outcomes, err := s.decideBatch(ctx, st, leads, ids, drained)
		if err != nil {
			return done, fmt.Errorf("purchases from %s: %w", ps[0].ExternalID, err)
		}
		waited := false
		for i, o := range outcomes {
			switch {
			case o.waiting:
				waited = true // its evidence stays unchecked, for the next pass
			case o.poison != nil:
				// The rest of the batch is committed; this one stops
				// the pass, as it always has, until someone looks.
				return done, fmt.Errorf("purchase %s: %w", ps[i].ExternalID, o.poison)
			default:
				done++
			}
		}
		if waited {
			return done, nil // the next batch would start with the ones waiting
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

// decideIn runs one lead through attribution in the transaction tx.
// purchaseID is set when the lead is a purchase's evidence. A lead naming
// a click not stored yet returns errClickInFlight when the click may still
// arrive or mayDrain (the caller will drain the click stream and ask
// again); the caller undoes what it wrote.
func (s *LeadStep) decideIn(ctx context.Context, tx *storage.LeadTx, st partnerka.Settings, l *partnerka.Lead, purchaseID int64, mayDrain bool) error {
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
		for _, c := range in.Candidates {
			if c.Source == SourceClick && !c.Found && (mayDrain || s.clickMayArrive(l.ClickID)) {
				return errClickInFlight
			}
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
		in.SelfReferred = map[int64]bool{}
		if !cust.Created { // a customer this lead created has no refusals yet
			refused, err := tx.SelfReferralPartners(ctx, cust.ID)
			if err != nil {
				return err
			}
			for _, id := range refused {
				in.SelfReferred[id] = true
			}
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

// runOf is how many of ps, from the first, are of a kind.
func runOf(ps []storage.PurchaseEvidence, kind func(storage.PurchaseEvidence) bool) int {
	for i, p := range ps {
		if !kind(p) {
			return i
		}
	}
	return len(ps)
}
