package commissions

import (
	"context"
	"strings"

	"partnerka"
	"partnerka/storage"
)

// Manual ledger entries a manager or finance may book.
const (
	KindBonus      = "bonus"      // contests, event-cost refunds: always positive
	KindAdjustment = "adjustment" // corrections: either sign
)

// ManualEntries is AddManualEntry on db, as the back office calls it.
func ManualEntries(db *storage.DB) func(ctx context.Context, partnerID int64, kind, amount, currency, reason string, by storage.Actor) (int64, error) {
	return func(ctx context.Context, partnerID int64, kind, amount, currency, reason string, by storage.Actor) (int64, error) {
		return AddManualEntry(ctx, db, partnerID, kind, amount, currency, reason, by)
	}
}

// AddManualEntry books a bonus or adjustment with its reason into the
// partner's available balance, audited as done by by. Errors: invalid
// (naming the field), not_found (no such partner).
func AddManualEntry(ctx context.Context, db *storage.DB, partnerID int64, kind, amount, currency, reason string, by storage.Actor) (int64, error) {
	if kind != KindBonus && kind != KindAdjustment {
		return 0, partnerka.FieldError("kind", "kind must be bonus or adjustment")
	}
	m, err := partnerka.ParseAmount("amount", amount, currency)
	if err != nil {
		return 0, err
	}
	switch {
	case m.Amount.IsZero():
		return 0, partnerka.FieldError("amount", "amount must not be zero")
	case kind == KindBonus && m.Amount.IsNegative():
		return 0, partnerka.FieldError("amount", "a bonus must be positive; book a negative adjustment to take money back")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return 0, partnerka.FieldError("reason", "give a reason the partner will see (at most 500 characters)")
	}
	return db.InsertManualEntry(ctx, partnerID, m, kind, reason, by)
}
