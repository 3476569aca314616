package commissions

import (
	"context"
	"slices"
	"strings"
	"time"

	"partnerka"
	"partnerka/storage"
)

// The leads step's fast path. A purchase's promo code, with no click id,
// is most of what a CSV import of purchases offers as leads: such a batch
// is decided with one statement of each kind for the whole batch (lock
// the purchases, customers and codes; read the partners' emails and the
// earlier self-referral refusals; write the notes, bindings and
// decisions), and the decisions themselves, in Go, are exactly the ones
// decideIn makes a lead at a time: the same Attribute on the same input,
// the batch's leads in purchase order, each seeing the bindings and the
// uses of capped codes the leads before it made.

// promoOnly tells whether a purchase's evidence is a promo code alone.
func promoOnly(p storage.PurchaseEvidence) bool { return p.ClickID == "" && p.PromoCode != "" }

// decidePromoBatch decides ps (every one promoOnly, in id order) in one
// transaction; it returns how many were decided (the others had been
// offered before).
func (s *LeadStep) decidePromoBatch(ctx context.Context, st partnerka.Settings, ps []storage.PurchaseEvidence) (int, error) {
	done := 0
	err := s.DB.InLeadTx(ctx, func(tx *storage.LeadTx) error {
		ids := make([]int64, len(ps))
		for i, p := range ps {
			ids[i] = p.ID
		}
		fresh, err := tx.MarkEvidenceCheckedMany(ctx, ids)
		if err != nil {
			return err
		}
		// Each customer first seen at its first lead's instant, as
		// LockCustomer creates it; each code as typed.
		var custIDs, typed []string
		var seen []time.Time
		knownCust, knownCode := map[string]bool{}, map[string]bool{}
		for _, p := range ps {
			if !fresh[p.ID] {
				continue
			}
			if !knownCust[p.CustomerID] {
				knownCust[p.CustomerID] = true
				custIDs, seen = append(custIDs, p.CustomerID), append(seen, p.OccurredAt)
			}
			if !knownCode[p.PromoCode] {
				knownCode[p.PromoCode] = true
				typed = append(typed, p.PromoCode)
			}
		}
		if len(custIDs) == 0 {
			done = len(ps)
			return nil
		}
		custs, err := tx.LockCustomers(ctx, custIDs, seen)
		if err != nil {
			return err
		}
		codes, err := tx.LockPromoCodes(ctx, typed)
		if err != nil {
			return err
		}
		var partnerIDs, old []int64
		for _, c := range codes {
			partnerIDs = append(partnerIDs, c.PartnerID) // a code typed two ways twice: harmless
		}
		for _, c := range custs {
			if !c.Created && c.PartnerID == nil {
				old = append(old, c.ID)
			}
		}
		emails, err := tx.PartnerEmails(ctx, partnerIDs)
		if err != nil {
			return err
		}
		refusals, err := tx.SelfReferralPartnersMany(ctx, old)
		if err != nil {
			return err
		}

		var decisions []storage.Decision
		var binds []storage.BoundCustomer
		unbound := map[int64]*storage.Unbound{}
		var unboundOrder []int64
		for _, p := range ps {
			if !fresh[p.ID] {
				continue
			}
			cust := custs[p.CustomerID]
			in := AttributionInput{
				OccurredAt: p.OccurredAt, Email: cust.Email,
				KnownExisting: cust.PartnerID == nil && cust.Reason == ReasonExistingCustomer,
				Window:        st.AttributionWindow(), FirstClick: st.AttributionModel == "first_click",
				AllowSelfReferral: st.AllowSelfReferral,
			}
			var code *storage.BatchPromoCode
			if cust.PartnerID != nil {
				in.BoundPartnerID, in.BoundAt = *cust.PartnerID, *cust.BoundAt
			} else if !in.KnownExisting {
				c := Candidate{Source: SourcePromoCode, Claim: p.PromoCode}
				if code = codes[p.PromoCode]; code != nil && code.InForceAt(p.OccurredAt) {
					c.Found, c.PartnerID, c.PartnerActive, c.PromoCodeID = true, code.PartnerID, code.PartnerActive, code.ID
					if ok, why := code.Code.ValidAt(p.OccurredAt); !ok {
						c.NotValid = why
					}
				}
				in.Candidates = []Candidate{c}
				in.PartnerEmails = emails
				in.SelfReferred = map[int64]bool{}
				for _, id := range refusals[cust.ID] {
					in.SelfReferred[id] = true
				}
			}
			d := Attribute(in)
			rec := storage.Decision{CustomerID: cust.ID, PurchaseID: p.ID, PartnerID: d.PartnerID, Source: d.Source,
				OccurredAt: p.OccurredAt, Reason: d.Reason, Detail: d.Detail}
			if c := d.Candidate; c != nil {
				rec.PromoCodeID = c.PromoCodeID
			}
			decisions = append(decisions, rec)
			if d.Reason == ReasonSelfReferral && d.PartnerID != 0 {
				// The refusal the leads after it find (self-referral-partners).
				refusals[cust.ID] = append(refusals[cust.ID], d.PartnerID)
			}
			switch {
			case d.Attributed():
				binds = append(binds, storage.BoundCustomer{CustomerID: cust.ID, Binding: storage.Binding{PartnerID: d.PartnerID,
					Source: d.Source, BoundAt: p.OccurredAt, PromoCodeID: rec.PromoCodeID}})
				// What the leads after it see: the customer bound, the
				// code used once more.
				partner, at := d.PartnerID, p.OccurredAt
				cust.PartnerID, cust.BoundAt, cust.Reason = &partner, &at, ReasonAttributed
				if code != nil {
					code.Code.Uses++
				}
			case d.Reason != ReasonAlreadyBound:
				// note-unbound-customer, once a customer: the last reason
				// stays (an existing customer stays existing), the
				// earliest instant is the first seen.
				u := unbound[cust.ID]
				if u == nil {
					u = &storage.Unbound{CustomerID: cust.ID, Seen: p.OccurredAt}
					unbound[cust.ID] = u
					unboundOrder = append(unboundOrder, cust.ID)
				}
				u.Reason = d.Reason
				if p.OccurredAt.Before(u.Seen) {
					u.Seen = p.OccurredAt
				}
				if cust.Reason != ReasonExistingCustomer {
					cust.Reason = d.Reason
				}
			}
		}
		done = len(ps) // as the per-lead path counts them, offered before or not
		// The new customers are written once, as the decisions leave them
		// (bound, or noted unbound), the rows they were decided on.
		var created []*storage.BatchCustomer
		bindings := map[int64]storage.Binding{}
		isNew := map[int64]bool{}
		for _, c := range custs {
			isNew[c.ID] = c.New
		}
		for i := range binds {
			if c := binds[i]; isNew[c.CustomerID] {
				binds[i].Inserted = true
				bindings[c.CustomerID] = c.Binding
			}
		}
		for _, id := range custIDs {
			c := custs[id]
			if !c.New {
				continue
			}
			if u := unbound[c.ID]; u != nil && u.Seen.Before(c.Seen) {
				c.Seen = u.Seen
			}
			if b, ok := bindings[c.ID]; ok && b.BoundAt.Before(c.Seen) {
				c.Seen = b.BoundAt
			}
			created = append(created, c)
		}
		// In one order in every batch: two batches inserting the same new
		// customers wait for each other in turn, never in a circle.
		slices.SortFunc(created, func(a, b *storage.BatchCustomer) int { return strings.Compare(a.ExternalID, b.ExternalID) })
		if err := tx.InsertNewCustomers(ctx, created, bindings); err != nil {
			return err
		}
		// Notes first: a customer noted unbound and bound later in the
		// batch ends as the two statements in that order leave it.
		notes := make([]storage.Unbound, 0, len(unboundOrder))
		for _, id := range unboundOrder {
			if !isNew[id] {
				notes = append(notes, *unbound[id])
			}
		}
		if err := tx.NoteUnboundMany(ctx, notes); err != nil {
			return err
		}
		if err := tx.BindCustomers(ctx, binds); err != nil {
			return err
		}
		return tx.InsertDecisions(ctx, decisions)
	})
	return done, err
}
