package storage

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"partnerka"
)

// PromoQueries are the promo codes' queries (queries/promocodes.sql).
type PromoQueries struct {
	InsertPromoCode          *sqlx.Stmt `query:"insert-promo-code"`
	PromoCodeByID            *sqlx.Stmt `query:"promo-code-by-id"`
	PromoCodeForUpdate       *sqlx.Stmt `query:"promo-code-for-update"`
	PromoCodeByCode          *sqlx.Stmt `query:"promo-code-by-code"`
	SetPromoCode             *sqlx.Stmt `query:"set-promo-code"`
	PromoCodes               *sqlx.Stmt `query:"promo-codes"`
	PartnerRequestedCodes    *sqlx.Stmt `query:"partner-requested-codes"`
	TrackerPromoCodes        *sqlx.Stmt `query:"tracker-promo-codes"`
	TrackerPromoCodesChanged *sqlx.Stmt `query:"tracker-promo-codes-changed"`
	TrackerPromoCode         *sqlx.Stmt `query:"tracker-promo-code"`
	TrackerPartnerPromoCodes *sqlx.Stmt `query:"tracker-partner-promo-codes"`
}

// MaxCodeRequests is how many vanity codes a partner may have waiting for
// staff at once.
const MaxCodeRequests = 3

// NewPromoCodes is what staff (or the vendor's billing through the API)
// create for a partner: the codes given, or Count codes generated from
// Prefix, all on the same terms.
type NewPromoCodes struct {
	PartnerID int64
	Codes     []string // codes given by hand
	Prefix    string   // generated codes start with it (may be empty)
	Count     int      // how many to generate
	Terms     partnerka.PromoTerms
	Actor     Actor
}

// CreatePromoCodes creates the codes in one transaction, active at once,
// and audits each: either all are created or none. A code taken in any
// case (by any partner, in any status) is a conflict naming it; generated
// codes are drawn again until free.
func (db *DB) CreatePromoCodes(ctx context.Context, n NewPromoCodes) ([]partnerka.PromoCode, error) {
	if err := n.Terms.Validate(); err != nil {
		return nil, err
	}
	total := len(n.Codes) + n.Count
	switch {
	case total == 0:
		return nil, partnerka.FieldError("codes", "give a code, or a number of codes to generate")
	case total > partnerka.MaxPromoBatch:
		return nil, partnerka.FieldError("count", "at most %d codes at once", partnerka.MaxPromoBatch)
	case n.Prefix != "" && !partnerka.ValidPromoCode(n.Prefix+"XXXXXX"):
		return nil, partnerka.FieldError("prefix", "a prefix is letters, digits, - or _, at most %d of them", 64-genLength)
	}
	seen := map[string]bool{}
	for _, c := range n.Codes {
		if !partnerka.ValidPromoCode(c) {
			return nil, partnerka.FieldError("code", "a promo code is 2 to 64 letters, digits, - or _: %q is not", c)
		}
		if seen[strings.ToLower(c)] {
			return nil, partnerka.FieldError("code", "%s is given twice", c)
		}
		seen[strings.ToLower(c)] = true
	}
	var ids []int64
	err := db.withPartner(ctx, n.PartnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if p.Status != partnerka.PartnerActive {
			return partnerka.Errorf(partnerka.ECONFLICT, "%s is %s: promo codes are for active partners", p.Name, p.Status)
		}
		now := db.now()
		insert := func(code string) (int64, error) {
			var id int64
			err := tx.Stmtx(db.Q.InsertPromoCode).GetContext(ctx, &id, p.ID, code, partnerka.PromoActive, n.Terms.Label,
				n.Terms.Discount, n.Terms.ValidFrom, n.Terms.ValidUntil, n.Terms.MaxUses, "", now)
			if errors.Is(err, sql.ErrNoRows) {
				return 0, nil
			}
			return id, err
		}
		record := func(id int64, code string) error {
			ids = append(ids, id)
			return db.audit(ctx, tx, n.Actor.audit("promo_code.create", "partner", p.ID, nil, promoAudit(code, partnerka.PromoActive, n.Terms, "")))
		}
		for _, code := range n.Codes {
			id, err := insert(code)
			if err != nil {
				return err
			}
			if id == 0 {
				return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "code",
					Message: "the promo code " + code + " is taken (codes do not differ by case, and a code is never given to another partner)"}
			}
			if err := record(id, code); err != nil {
				return err
			}
		}
		for made, tries := 0, 0; made < n.Count; tries++ {
			if tries > 10*n.Count+10 {
				return partnerka.Errorf(partnerka.ECONFLICT, "could not find free codes with the prefix %q; choose a longer prefix", n.Prefix)
			}
			code := n.Prefix + generatedSuffix()
			id, err := insert(code)
			if err != nil {
				return err
			}
			if id != 0 {
				made++
				if err := record(id, code); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]partnerka.PromoCode, 0, len(ids))
	for _, id := range ids {
		c, err := db.PromoCode(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// genLength is the length of a generated code's random part: 30^6 is
// about 730 million codes, drawn without the look-alikes 0/O, 1/I/L, 5/S.
const genLength = 6

const genAlphabet = "ABCDEFGHJKMNPQRTUVWXYZ2346789"

func generatedSuffix() string {
	b := make([]byte, genLength)
	rand.Read(b)
	for i := range b {
		b[i] = genAlphabet[int(b[i])%len(genAlphabet)]
	}
	return string(b)
}

// promoAudit is what the audit log keeps of a code.
func promoAudit(code, status string, t partnerka.PromoTerms, reason string) map[string]any {
	m := map[string]any{"promo_code": code, "status": status, "label": t.Label, "discount": t.Discount, "reason": reason}
	if t.ValidFrom != nil {
		m["valid_from"] = t.ValidFrom.UTC().Format(time.RFC3339)
	}
	if t.ValidUntil != nil {
		m["valid_until"] = t.ValidUntil.UTC().Format(time.RFC3339)
	}
	if t.MaxUses != nil {
		m["max_uses"] = *t.MaxUses
	}
	return m
}

func termsOf(c *partnerka.PromoCode) partnerka.PromoTerms {
	return partnerka.PromoTerms{Label: c.Label, Discount: c.Discount, ValidFrom: c.ValidFrom, ValidUntil: c.ValidUntil, MaxUses: c.MaxUses}
}

// PromoCode returns the code with id, or not_found.
func (db *DB) PromoCode(ctx context.Context, id int64) (*partnerka.PromoCode, error) {
	var c partnerka.PromoCode
	if err := db.Q.PromoCodeByID.GetContext(ctx, &c, id); err != nil {
		return nil, notFound(err, "promo code")
	}
	return &c, nil
}

// PromoCodeByCode returns the code in any case, or not_found.
func (db *DB) PromoCodeByCode(ctx context.Context, code string) (*partnerka.PromoCode, error) {
	var c partnerka.PromoCode
	if err := db.Q.PromoCodeByCode.GetContext(ctx, &c, code); err != nil {
		return nil, notFound(err, "promo code")
	}
	return &c, nil
}

// PromoFilter selects codes: of one partner (0 for all) and one status
// ("" for any), newest first, ids below Before (0 for the first page).
type PromoFilter struct {
	PartnerID int64
	Status    string
	Before    int64
	Limit     int
}

// PromoCodes lists codes by the filter.
func (db *DB) PromoCodes(ctx context.Context, f PromoFilter) ([]partnerka.PromoCode, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 1000
	}
	var out []partnerka.PromoCode
	err := db.Q.PromoCodes.SelectContext(ctx, &out, f.PartnerID, f.Status, f.Before, f.Limit)
	return out, err
}

// PromoChange is a change of one code: to a status, with its terms (nil
// keeps them) and staff's reason.
type PromoChange struct {
	ID        int64
	PartnerID int64 // when not 0, the code must be this partner's (not_found otherwise)
	Status    string
	Terms     *partnerka.PromoTerms
	Reason    string
	Actor     Actor
}

// The status changes staff may make, from what to what, and their audit
// action: disable and enable an active or disabled code; approve or
// refuse a requested one.
var promoMoves = map[[2]string]string{
	{partnerka.PromoActive, partnerka.PromoDisabled}:    "promo_code.disable",
	{partnerka.PromoDisabled, partnerka.PromoActive}:    "promo_code.enable",
	{partnerka.PromoRequested, partnerka.PromoActive}:   "promo_code.approve",
	{partnerka.PromoRequested, partnerka.PromoRejected}: "promo_code.reject",
}

// ChangePromoCode moves a code to a status (and new terms) and audits it;
// a move the code's status does not allow is a conflict. A disable or a
// refusal needs a reason, which the partner sees.
func (db *DB) ChangePromoCode(ctx context.Context, ch PromoChange) (*partnerka.PromoCode, error) {
	if ch.Terms != nil {
		if err := ch.Terms.Validate(); err != nil {
			return nil, err
		}
	}
	if (ch.Status == partnerka.PromoDisabled || ch.Status == partnerka.PromoRejected) && strings.TrimSpace(ch.Reason) == "" {
		return nil, partnerka.FieldError("reason", "give a reason: the partner sees it")
	}
	if err := partnerka.PlainText("reason", ch.Reason, 500); err != nil {
		return nil, err
	}
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var c partnerka.PromoCode
		if err := tx.Stmtx(db.Q.PromoCodeForUpdate).GetContext(ctx, &c, ch.ID); err != nil {
			return notFound(err, "promo code")
		}
		if ch.PartnerID != 0 && c.PartnerID != ch.PartnerID {
			return partnerka.Errorf(partnerka.ENOTFOUND, "promo code not found")
		}
		action, ok := promoMoves[[2]string{c.Status, ch.Status}]
		if c.Status == ch.Status && ch.Terms != nil && (c.Status == partnerka.PromoActive || c.Status == partnerka.PromoDisabled) {
			action, ok = "promo_code.update", true // new terms, same status
		}
		if !ok {
			return partnerka.Errorf(partnerka.ECONFLICT, "the promo code %s is %s", c.Code, c.Status)
		}
		terms := termsOf(&c)
		if ch.Terms != nil {
			terms = *ch.Terms
		}
		if terms.MaxUses != nil && *terms.MaxUses < c.Uses {
			return partnerka.FieldError("max_uses", "the code has bound %d customers already; the cap cannot be lower", c.Uses)
		}
		reason := ch.Reason
		if ch.Status == partnerka.PromoActive {
			reason = ""
		}
		if _, err := tx.Stmtx(db.Q.SetPromoCode).ExecContext(ctx, c.ID, ch.Status, terms.Label, terms.Discount,
			terms.ValidFrom, terms.ValidUntil, terms.MaxUses, reason, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, ch.Actor.audit(action, "partner", c.PartnerID,
			promoAudit(c.Code, c.Status, termsOf(&c), c.Reason), promoAudit(c.Code, ch.Status, terms, reason)))
	})
	if err != nil {
		return nil, err
	}
	return db.PromoCode(ctx, ch.ID)
}

// RequestPromoCode records a partner's request for a vanity code, which
// staff approve or refuse; the code is reserved meanwhile. The program
// must allow requests, and a partner has at most MaxCodeRequests waiting.
func (db *DB) RequestPromoCode(ctx context.Context, partnerID int64, code, note string, a Actor) (*partnerka.PromoCode, error) {
	if !partnerka.ValidPromoCode(code) {
		return nil, partnerka.FieldError("code", "a promo code is 2 to 64 letters, digits, - or _")
	}
	if err := partnerka.PlainText("note", note, partnerka.MaxPromoNote); err != nil {
		return nil, err
	}
	st, err := db.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if !st.AllowCodeRequests {
		return nil, partnerka.Errorf(partnerka.EFORBIDDEN, "the program does not take requests for promo codes")
	}
	var id int64
	err = db.withPartner(ctx, partnerID, func(tx *sqlx.Tx, p *partnerka.Partner) error {
		if p.Status != partnerka.PartnerActive {
			return partnerka.Errorf(partnerka.ECONFLICT, "%s is %s", p.Name, p.Status)
		}
		var waiting int
		if err := tx.Stmtx(db.Q.PartnerRequestedCodes).GetContext(ctx, &waiting, p.ID); err != nil {
			return err
		}
		if waiting >= MaxCodeRequests {
			return partnerka.FieldError("code", "%d requests are waiting for the program's team already", waiting)
		}
		err := tx.Stmtx(db.Q.InsertPromoCode).GetContext(ctx, &id, p.ID, code, partnerka.PromoRequested, "", "", nil, nil, nil, note, db.now())
		if errors.Is(err, sql.ErrNoRows) {
			return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "code", Message: "the promo code " + code + " is taken"}
		} else if err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("promo_code.request", "partner", p.ID, nil,
			map[string]any{"promo_code": code, "status": partnerka.PromoRequested, "note": note}))
	})
	if err != nil {
		return nil, err
	}
	return db.PromoCode(ctx, id)
}

// TrackerPromoCode is a code as the tracker caches it. Active is false
// when the code is disabled or its partner is not active.
type TrackerPromoCode struct {
	ID         int64      `db:"id"`
	PartnerID  int64      `db:"partner_id"`
	PartnerRef string     `db:"partner_ref"`
	Code       string     `db:"code"`
	Label      string     `db:"label"`
	Discount   string     `db:"discount"`
	ValidFrom  *time.Time `db:"valid_from"`
	ValidUntil *time.Time `db:"valid_until"`
	MaxUses    *int       `db:"max_uses"`
	Uses       int        `db:"uses"`
	Active     bool       `db:"active"`
	UpdatedAt  time.Time  `db:"updated_at"`
}

// EachTrackerPromoCode calls fn for every active or disabled code, in pages.
func (db *DB) EachTrackerPromoCode(ctx context.Context, fn func(TrackerPromoCode)) error {
	return eachByID(ctx, db.Q.TrackerPromoCodes, func(c TrackerPromoCode) int64 { return c.ID }, fn)
}

// TrackerPromoCodesChangedSince returns codes that changed (or whose
// partner changed) at or after since.
func (db *DB) TrackerPromoCodesChangedSince(ctx context.Context, since time.Time) ([]TrackerPromoCode, error) {
	var rows []TrackerPromoCode
	err := db.Q.TrackerPromoCodesChanged.SelectContext(ctx, &rows, since)
	return rows, err
}

// TrackerPromoCodeByCode returns the code in any case, or not_found (also
// for a requested or refused code, which the tracker never knows).
func (db *DB) TrackerPromoCodeByCode(ctx context.Context, code string) (*TrackerPromoCode, error) {
	var c TrackerPromoCode
	if err := db.Q.TrackerPromoCode.GetContext(ctx, &c, code); err != nil {
		return nil, notFound(err, "promo code")
	}
	return &c, nil
}

// TrackerPartnerPromoCodes returns a partner's codes as the tracker caches them.
func (db *DB) TrackerPartnerPromoCodes(ctx context.Context, partnerID int64) ([]TrackerPromoCode, error) {
	var rows []TrackerPromoCode
	err := db.Q.TrackerPartnerPromoCodes.SelectContext(ctx, &rows, partnerID)
	return rows, err
}
