package storage

import (
	"context"
	"errors"
	"time"

	"github.com/lib/pq"

	"partnerka"
)

// The leads step's fast path: a batch of purchases' promo codes decided
// with a statement each for the whole batch (queries/leadbatch.sql), in
// the LeadTx the single-lead methods run in.

// MarkEvidenceCheckedMany is MarkEvidenceChecked for many purchases; it
// returns those this call marked (the others were offered before).
func (t *LeadTx) MarkEvidenceCheckedMany(ctx context.Context, purchaseIDs []int64) (map[int64]bool, error) {
	var ids []int64
	if err := t.tx.Stmtx(t.q.MarkEvidenceCheckedMany).SelectContext(ctx, &ids, pq.Array(purchaseIDs), t.now); err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// BatchCustomer is a customer of a batch, locked.
type BatchCustomer struct {
	CustomerState
	ExternalID string `db:"external_id"`
	// New: no row of it existed; the batch inserts it as its decisions
	// leave it (InsertNewCustomers), first seen at Seen, with the id
	// reserved for it.
	New  bool      `db:"-"`
	Seen time.Time `db:"-"`
}

// ErrCustomersRaced tells that a customer a batch found no row of was
// created by another transaction before the batch inserted it: the batch
// rolls back and is decided again, with the customer's row locked.
var ErrCustomersRaced = errors.New("a customer of the batch was created meanwhile")

// LockCustomers locks the rows of the customers known (in id order) and
// reserves an id for each one not known yet (first seen at seen[i],
// created as Created and New: nothing was decided about it before).
func (t *LeadTx) LockCustomers(ctx context.Context, externalIDs []string, seen []time.Time) (map[string]*BatchCustomer, error) {
	var rows []BatchCustomer
	if err := t.tx.Stmtx(t.q.CustomersForUpdate).SelectContext(ctx, &rows, pq.Array(externalIDs)); err != nil {
		return nil, err
	}
	out := make(map[string]*BatchCustomer, len(externalIDs))
	for i := range rows {
		out[rows[i].ExternalID] = &rows[i]
	}
	var missing []int
	for i, e := range externalIDs {
		if out[e] == nil {
			missing = append(missing, i)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	var ids []int64
	if err := t.tx.Stmtx(t.q.ReserveCustomerIDs).SelectContext(ctx, &ids, len(missing)); err != nil {
		return nil, err
	}
	for k, i := range missing {
		out[externalIDs[i]] = &BatchCustomer{ExternalID: externalIDs[i], New: true, Seen: seen[i],
			CustomerState: CustomerState{ID: ids[k], Reason: "no_evidence", Created: true}}
	}
	return out, nil
}

// InsertNewCustomers inserts the batch's new customers (LockCustomers) as
// its decisions left them: bound by bindings[c.ID] when there is one,
// noted unbound with c.Reason otherwise. ErrCustomersRaced: one of them was
// created meanwhile, and the transaction must roll back.
func (t *LeadTx) InsertNewCustomers(ctx context.Context, cs []*BatchCustomer, bindings map[int64]Binding) error {
	if len(cs) == 0 {
		return nil
	}
	n := len(cs)
	ids, ext, partners, sources := make([]int64, n), make([]string, n), make([]int64, n), make([]string, n)
	bound, codes, reasons, seen := make([]string, n), make([]int64, n), make([]string, n), make([]time.Time, n)
	for i, c := range cs {
		ids[i], ext[i], reasons[i], seen[i] = c.ID, c.ExternalID, c.Reason, c.Seen
		if b, ok := bindings[c.ID]; ok {
			partners[i], sources[i], codes[i] = b.PartnerID, b.Source, b.PromoCodeID
			bound[i] = b.BoundAt.UTC().Format(time.RFC3339Nano)
		}
	}
	var inserted []string
	if err := t.tx.Stmtx(t.q.InsertNewCustomers).SelectContext(ctx, &inserted, pq.Array(ids), pq.Array(ext), pq.Array(partners),
		pq.Array(sources), pq.Array(bound), pq.Array(codes), pq.Array(reasons), pq.Array(seen), t.now); err != nil {
		return err
	}
	if len(inserted) != n {
		return ErrCustomersRaced
	}
	return nil
}

// BatchPromoCode is a promo code a lead of a batch typed, locked.
type BatchPromoCode struct {
	PromoEvidence
	Active     bool
	DisabledAt *time.Time
}

// InForceAt tells whether the code could bind at a lead's instant at:
// active, or disabled only after at (as promo-evidence selects them).
func (c *BatchPromoCode) InForceAt(at time.Time) bool {
	return c.Active || (c.DisabledAt != nil && c.DisabledAt.After(at))
}

// LockPromoCodes returns the promo codes typed (matched as promo-evidence
// matches them, case-insensitively) by what was typed, locked: one value
// a code, however many ways it was typed, so a use counted on it is seen
// by every lead.
func (t *LeadTx) LockPromoCodes(ctx context.Context, typed []string) (map[string]*BatchPromoCode, error) {
	var rows []struct {
		Typed string `db:"typed"`
		Evidence
		Code       string     `db:"code"`
		Status     string     `db:"status"`
		DisabledAt *time.Time `db:"disabled_at"`
		ValidFrom  *time.Time `db:"valid_from"`
		ValidUntil *time.Time `db:"valid_until"`
		MaxUses    *int       `db:"max_uses"`
		Uses       int        `db:"uses"`
	}
	if err := t.tx.Stmtx(t.q.PromoCodesForUpdate).SelectContext(ctx, &rows, pq.Array(typed)); err != nil {
		return nil, err
	}
	out, byID := make(map[string]*BatchPromoCode, len(rows)), map[int64]*BatchPromoCode{}
	for _, r := range rows {
		c := byID[r.ID]
		if c == nil {
			c = &BatchPromoCode{Active: r.Status == "active", DisabledAt: r.DisabledAt,
				PromoEvidence: PromoEvidence{Evidence: r.Evidence, Code: partnerka.PromoCode{ID: r.ID, PartnerID: r.PartnerID, Code: r.Code,
					ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, MaxUses: r.MaxUses, Uses: r.Uses}}}
			byID[r.ID] = c
		}
		out[r.Typed] = c
	}
	return out, nil
}

// SelfReferralPartnersMany is SelfReferralPartners for many customers.
func (t *LeadTx) SelfReferralPartnersMany(ctx context.Context, customerIDs []int64) (map[int64][]int64, error) {
	var rows []struct {
		CustomerID int64 `db:"customer_id"`
		PartnerID  int64 `db:"partner_id"`
	}
	if err := t.tx.Stmtx(t.q.SelfReferralPartnersMany).SelectContext(ctx, &rows, pq.Array(customerIDs)); err != nil {
		return nil, err
	}
	out := map[int64][]int64{}
	for _, r := range rows {
		out[r.CustomerID] = append(out[r.CustomerID], r.PartnerID)
	}
	return out, nil
}

// Unbound is what NoteUnbound records of one customer, with no email.
type Unbound struct {
	CustomerID int64
	Reason     string
	Seen       time.Time
}

// NoteUnboundMany is NoteUnbound for many customers, each once.
func (t *LeadTx) NoteUnboundMany(ctx context.Context, us []Unbound) error {
	if len(us) == 0 {
		return nil
	}
	ids, reasons, seen := make([]int64, len(us)), make([]string, len(us)), make([]time.Time, len(us))
	for i, u := range us {
		ids[i], reasons[i], seen[i] = u.CustomerID, u.Reason, u.Seen
	}
	_, err := t.tx.Stmtx(t.q.NoteUnboundCustomers).ExecContext(ctx, pq.Array(ids), pq.Array(reasons), pq.Array(seen))
	return err
}

// BoundCustomer is a customer and its binding.
type BoundCustomer struct {
	CustomerID int64
	Binding
	Inserted bool // bound as InsertNewCustomers inserted it: only what the binding sets off is left
}

// BindCustomers binds unbound customers for life, each once (see
// bind-customers for all a binding sets off).
func (t *LeadTx) BindCustomers(ctx context.Context, bs []BoundCustomer) error {
	if len(bs) == 0 {
		return nil
	}
	n := len(bs)
	var ids, partners, links, codes, registrations, inserted []int64
	var sources, clicks []string
	var at []time.Time
	for _, b := range bs {
		if b.Inserted {
			inserted = append(inserted, b.CustomerID)
			continue
		}
		ids, partners, sources, at = append(ids, b.CustomerID), append(partners, b.PartnerID), append(sources, b.Source), append(at, b.BoundAt)
		clicks, links = append(clicks, b.ClickID), append(links, b.LinkID)
		codes, registrations = append(codes, b.PromoCodeID), append(registrations, b.RegistrationID)
	}
	var bound int
	if err := t.tx.Stmtx(t.q.BindCustomers).GetContext(ctx, &bound, pq.Array(ids), pq.Array(partners), pq.Array(sources),
		pq.Array(at), pq.Array(clicks), pq.Array(links), pq.Array(codes), pq.Array(registrations), t.now, pq.Array(inserted)); err != nil {
		return err
	}
	if bound != n {
		if n == 1 {
			return partnerka.Errorf(partnerka.ECONFLICT, "customer %d is already bound", bs[0].CustomerID)
		}
		return partnerka.Errorf(partnerka.ECONFLICT, "%d of %d customers were bound already", n-bound, n)
	}
	return nil
}

// InsertDecisions is InsertDecision for many purchases' leads (with no
// lead, click or registration).
func (t *LeadTx) InsertDecisions(ctx context.Context, ds []Decision) error {
	if len(ds) == 0 {
		return nil
	}
	n := len(ds)
	cust, purchase, partner, source, promo := make([]int64, n), make([]int64, n), make([]int64, n), make([]string, n), make([]int64, n)
	at, reason, detail := make([]time.Time, n), make([]string, n), make([]string, n)
	for i, d := range ds {
		cust[i], purchase[i], partner[i], source[i], promo[i] = d.CustomerID, d.PurchaseID, d.PartnerID, d.Source, d.PromoCodeID
		at[i], reason[i], detail[i] = d.OccurredAt, d.Reason, d.Detail
	}
	_, err := t.tx.Stmtx(t.q.InsertDecisions).ExecContext(ctx, pq.Array(cust), pq.Array(purchase), pq.Array(partner), pq.Array(source),
		pq.Array(promo), pq.Array(at), pq.Array(reason), pq.Array(detail), t.now)
	return err
}
