package storage

import (
	"context"
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
}

// LockCustomers creates the customers not known yet (first seen at
// seen[i]) and locks every one's row, in id order.
func (t *LeadTx) LockCustomers(ctx context.Context, externalIDs []string, seen []time.Time) (map[string]*BatchCustomer, error) {
	var created []string
	if err := t.tx.Stmtx(t.q.EnsureCustomers).SelectContext(ctx, &created, pq.Array(externalIDs), pq.Array(seen), t.now); err != nil {
		return nil, err
	}
	var rows []BatchCustomer
	if err := t.tx.Stmtx(t.q.CustomersForUpdate).SelectContext(ctx, &rows, pq.Array(externalIDs)); err != nil {
		return nil, err
	}
	out := make(map[string]*BatchCustomer, len(rows))
	for i := range rows {
		out[rows[i].ExternalID] = &rows[i]
	}
	for _, e := range created {
		if c := out[e]; c != nil {
			c.Created = true
		}
	}
	return out, nil
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
}

// BindCustomers binds unbound customers for life, each once (see
// bind-customers for all a binding sets off).
func (t *LeadTx) BindCustomers(ctx context.Context, bs []BoundCustomer) error {
	if len(bs) == 0 {
		return nil
	}
	n := len(bs)
	ids, partners, sources, at := make([]int64, n), make([]int64, n), make([]string, n), make([]time.Time, n)
	clicks, links, codes, registrations := make([]string, n), make([]int64, n), make([]int64, n), make([]int64, n)
	for i, b := range bs {
		ids[i], partners[i], sources[i], at[i] = b.CustomerID, b.PartnerID, b.Source, b.BoundAt
		clicks[i], links[i], codes[i], registrations[i] = b.ClickID, b.LinkID, b.PromoCodeID, b.RegistrationID
	}
	var bound int
	if err := t.tx.Stmtx(t.q.BindCustomers).GetContext(ctx, &bound, pq.Array(ids), pq.Array(partners), pq.Array(sources),
		pq.Array(at), pq.Array(clicks), pq.Array(links), pq.Array(codes), pq.Array(registrations), t.now); err != nil {
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
