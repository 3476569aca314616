package storage

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

type purchaseRow struct {
	ID         int64           `db:"id"`
	ExternalID string          `db:"external_id"`
	CustomerID string          `db:"customer_external_id"`
	Amount     decimal.Decimal `db:"amount"`
	Currency   string          `db:"currency"`
	Product    string          `db:"product"`
	PromoCode  string          `db:"promo_code"`
	ClickID    string          `db:"click_id"`
	OccurredAt time.Time       `db:"occurred_at"`
	ReceivedAt time.Time       `db:"received_at"`
	BodyHash   []byte          `db:"body_hash"`
}

func (r purchaseRow) purchase() *partnerka.Purchase {
	return &partnerka.Purchase{ExternalID: r.ExternalID, CustomerID: r.CustomerID,
		Amount:  partnerka.Money{Amount: r.Amount, Currency: r.Currency},
		Product: r.Product, PromoCode: r.PromoCode, ClickID: r.ClickID, OccurredAt: r.OccurredAt, ReceivedAt: r.ReceivedAt}
}

// CreatePurchase stores p once. It returns the stored purchase and whether
// this call created it; an existing purchase with the same id and another
// body hash is a conflict.
func (db *DB) CreatePurchase(ctx context.Context, p *partnerka.Purchase, hash []byte) (*partnerka.Purchase, bool, error) {
	var received time.Time
	err := db.Q.InsertPurchase.QueryRowxContext(ctx, p.ExternalID, p.CustomerID, p.Amount.Amount, p.Amount.Currency,
		p.Product, p.PromoCode, nullString(p.ClickID), p.OccurredAt, hash, db.now()).Scan(&received)
	if err == nil {
		out := *p
		out.ReceivedAt = received
		return &out, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, false, err
	}
	var row purchaseRow
	if err := db.Q.PurchaseByExternalID.GetContext(ctx, &row, p.ExternalID); err != nil {
		return nil, false, err
	}
	if !bytes.Equal(row.BodyHash, hash) {
		return nil, false, &partnerka.Error{Code: partnerka.ECONFLICT, Field: "id",
			Message: "a purchase with this id exists with a different body"}
	}
	return row.purchase(), false, nil
}

// CreateRefund stores r once, refusing more than is left of its purchase.
// Errors: not_found (no such purchase), unprocessable (too much), conflict
// (same id, another body).
func (db *DB) CreateRefund(ctx context.Context, r *partnerka.Refund, amount decimal.Decimal, hash []byte) (*partnerka.Refund, bool, error) {
	var out *partnerka.Refund
	var created bool
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		// The purchase is looked up first: a refund naming a purchase not
		// recorded yet (a provider's other id for it, whose alias has not
		// arrived) is not_found, to wait, even when the same refund was
		// already recorded under the purchase's own id.
		var p struct {
			ID         int64           `db:"id"`
			Amount     decimal.Decimal `db:"amount"`
			Currency   string          `db:"currency"`
			OccurredAt time.Time       `db:"occurred_at"`
		}
		if err := tx.Stmtx(db.Q.PurchaseForRefund).GetContext(ctx, &p, r.PurchaseExternalID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return &partnerka.Error{Code: partnerka.ENOTFOUND, Field: "purchase_id", Message: "no purchase with this id"}
			}
			return err
		}
		existing, err := refundByExternalID(ctx, tx.Stmtx(db.Q.RefundByExternalID), r.ExternalID)
		if err != nil {
			return err
		}
		if existing != nil {
			if !bytes.Equal(existing.hash, hash) {
				return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "id", Message: "a refund with this id exists with a different body"}
			}
			out = &existing.Refund
			return nil
		}
		if r.OccurredAt.Before(p.OccurredAt) {
			return &partnerka.Error{Code: partnerka.EUNPROCESSABLE, Field: "occurred_at",
				Message: "a refund cannot be dated before its purchase (" + p.OccurredAt.UTC().Format(time.RFC3339Nano) + ")"}
		}
		var refunded decimal.Decimal
		if err := tx.Stmtx(db.Q.RefundedAmount).GetContext(ctx, &refunded, p.ID); err != nil {
			return err
		}
		refundable := p.Amount.Sub(refunded)
		m, err := partnerka.ParseAmount("amount", amount.String(), p.Currency)
		if err != nil {
			return err
		}
		if m.Amount.GreaterThan(refundable) {
			return &partnerka.Error{Code: partnerka.EUNPROCESSABLE, Field: "amount",
				Message: "refund exceeds what is left of the purchase: " + partnerka.Money{Amount: refundable, Currency: p.Currency}.String()}
		}
		var received time.Time
		err = tx.Stmtx(db.Q.InsertRefund).QueryRowxContext(ctx, r.ExternalID, p.ID, m.Amount, p.Currency, r.OccurredAt, hash, db.now()).Scan(&received)
		if errors.Is(err, sql.ErrNoRows) {
			// A concurrent identical request won the race; report what it stored.
			existing, err := refundByExternalID(ctx, tx.Stmtx(db.Q.RefundByExternalID), r.ExternalID)
			if err != nil || existing == nil {
				return err
			}
			if !bytes.Equal(existing.hash, hash) {
				return &partnerka.Error{Code: partnerka.ECONFLICT, Field: "id", Message: "a refund with this id exists with a different body"}
			}
			out = &existing.Refund
			return nil
		}
		if err != nil {
			return err
		}
		stored := *r
		stored.Amount, stored.ReceivedAt = m, received
		out, created = &stored, true
		return nil
	})
	return out, created, err
}

type storedRefund struct {
	partnerka.Refund
	hash []byte
}

func refundByExternalID(ctx context.Context, stmt *sqlx.Stmt, id string) (*storedRefund, error) {
	var row struct {
		ExternalID string          `db:"external_id"`
		PurchaseID string          `db:"purchase_external_id"`
		Amount     decimal.Decimal `db:"amount"`
		Currency   string          `db:"currency"`
		OccurredAt time.Time       `db:"occurred_at"`
		ReceivedAt time.Time       `db:"received_at"`
		BodyHash   []byte          `db:"body_hash"`
	}
	err := stmt.GetContext(ctx, &row, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &storedRefund{Refund: partnerka.Refund{ExternalID: row.ExternalID, PurchaseExternalID: row.PurchaseID,
		Amount:     partnerka.Money{Amount: row.Amount, Currency: row.Currency},
		OccurredAt: row.OccurredAt, ReceivedAt: row.ReceivedAt}, hash: row.BodyHash}, nil
}

// ImportPurchases stores a file of purchases all or nothing. It returns how
// many were new and the ids (in order) that existed before with another
// body; when any does, nothing is stored.
func (db *DB) ImportPurchases(ctx context.Context, ps []partnerka.Purchase, hashes [][]byte) (created int, conflicts []string, err error) {
	n := len(ps)
	ids, customers, amounts, currencies := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	products, promos, clicks, at := make([]string, n), make([]string, n), make([]sql.NullString, n), make([]string, n)
	for i, p := range ps {
		ids[i], customers[i], amounts[i], currencies[i] = p.ExternalID, p.CustomerID, p.Amount.Amount.String(), p.Amount.Currency
		products[i], promos[i], at[i] = p.Product, p.PromoCode, p.OccurredAt.UTC().Format(time.RFC3339Nano)
		clicks[i] = sql.NullString{String: p.ClickID, Valid: p.ClickID != ""}
	}
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		var inserted []string
		if err := tx.Stmtx(db.Q.ImportPurchases).SelectContext(ctx, &inserted, pq.Array(ids), pq.Array(customers),
			pq.Array(amounts), pq.Array(currencies), pq.Array(products), pq.Array(promos), pq.Array(clicks),
			pq.Array(at), pq.ByteaArray(hashes), db.now()); err != nil {
			return err
		}
		created = len(inserted)
		if created == n {
			return nil
		}
		var existing []struct {
			ExternalID string `db:"external_id"`
			BodyHash   []byte `db:"body_hash"`
		}
		if err := tx.Stmtx(db.Q.PurchaseHashes).SelectContext(ctx, &existing, pq.Array(ids)); err != nil {
			return err
		}
		stored := map[string][]byte{}
		for _, e := range existing {
			stored[e.ExternalID] = e.BodyHash
		}
		for i, id := range ids {
			if !bytes.Equal(stored[id], hashes[i]) {
				conflicts = append(conflicts, id)
			}
		}
		if len(conflicts) > 0 {
			return errConflicts
		}
		return nil
	})
	if errors.Is(err, errConflicts) {
		return 0, conflicts, nil
	}
	return created, nil, err
}

var errConflicts = errors.New("import has conflicts")

// APIKey is an authenticated vendor key.
type APIKey struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
}

// APIKeyByHash returns the live key with that SHA-256, or not_found.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (*APIKey, error) {
	var k APIKey
	if err := db.Q.APIKeyByHash.GetContext(ctx, &k, hash); err != nil {
		return nil, notFound(err, "api key")
	}
	return &k, nil
}

// CreateAPIKey stores a key's hash under a name.
func (db *DB) CreateAPIKey(ctx context.Context, name, prefix string, hash []byte) (int64, error) {
	var id int64
	err := db.Q.InsertAPIKey.GetContext(ctx, &id, name, prefix, hash, db.now())
	return id, err
}

// TouchAPIKey records that a key was used.
func (db *DB) TouchAPIKey(ctx context.Context, id int64) error {
	_, err := db.Q.TouchAPIKey.ExecContext(ctx, id, db.now())
	return err
}
