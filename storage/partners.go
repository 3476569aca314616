package storage

import (
	"context"

	"partnerka"
)

// PartnerByRef returns the partner with that ref, or not_found.
func (db *DB) PartnerByRef(ctx context.Context, ref string) (*partnerka.Partner, error) {
	var p partnerka.Partner
	if err := db.Q.PartnerByRef.GetContext(ctx, &p, ref); err != nil {
		return nil, notFound(err, "partner")
	}
	return &p, nil
}
