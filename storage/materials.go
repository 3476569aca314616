package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kinds of promotional material.
const (
	MaterialBanner = "banner"
	MaterialText   = "text"
	MaterialEmail  = "email"
)

// Material is a banner, text or email template the vendor offers every
// partner. Body may hold {link} and {promo_code}. Materials are never
// edited, only added and deleted, so an id always names the same bytes.
type Material struct {
	ID        int64     `db:"id"`
	Kind      string    `db:"kind"`
	Title     string    `db:"title"`
	Body      string    `db:"body"`
	ImageType string    `db:"image_type"`
	ImageSize int64     `db:"image_size"`
	ImageHead []byte    `db:"image_head"` // the image's first bytes: its header, for width and height
	CreatedAt time.Time `db:"created_at"`
}

// NewMaterial is a material to add; Image is nil for texts and emails.
type NewMaterial struct {
	Kind, Title, Body string
	Image             []byte
	ImageType         string
	At                time.Time
}

// Materials returns every material, banners first, newest first within a kind.
func (db *DB) Materials(ctx context.Context) ([]Material, error) {
	var out []Material
	err := db.Q.ListMaterials.SelectContext(ctx, &out)
	return out, err
}

// MaterialByID returns one material, or not_found.
func (db *DB) MaterialByID(ctx context.Context, id int64) (*Material, error) {
	var m Material
	if err := db.Q.MaterialByID.GetContext(ctx, &m, id); err != nil {
		return nil, notFound(err, "material")
	}
	return &m, nil
}

// MaterialImage returns a material's image bytes, their media type and
// when it was added; not_found when there is no such material or it has
// no image.
func (db *DB) MaterialImage(ctx context.Context, id int64) ([]byte, string, time.Time, error) {
	var row struct {
		Image     []byte    `db:"image"`
		ImageType string    `db:"image_type"`
		CreatedAt time.Time `db:"created_at"`
	}
	if err := db.Q.MaterialImage.GetContext(ctx, &row, id); err != nil {
		return nil, "", time.Time{}, notFound(err, "image")
	}
	return row.Image, row.ImageType, row.CreatedAt, nil
}

// CreateMaterial adds a material and audits it; the caller has validated it.
func (db *DB) CreateMaterial(ctx context.Context, a Actor, m NewMaterial) (int64, error) {
	var image any // NULL for texts and emails
	if m.Image != nil {
		image = m.Image
	}
	var id int64
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.Stmtx(db.Q.InsertMaterial).GetContext(ctx, &id, m.Kind, m.Title, m.Body, image, m.ImageType, m.At); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("material.create", "material", id, nil, map[string]any{"kind": m.Kind, "title": m.Title, "image_type": m.ImageType, "image_bytes": len(m.Image)}))
	})
	return id, err
}

// DeleteMaterial removes a material and audits it; not_found when it is gone.
func (db *DB) DeleteMaterial(ctx context.Context, a Actor, id int64) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var before struct {
			Kind      string `db:"kind" json:"kind"`
			Title     string `db:"title" json:"title"`
			ImageType string `db:"image_type" json:"image_type"`
		}
		if err := tx.Stmtx(db.Q.DeleteMaterial).GetContext(ctx, &before, id); err != nil {
			return notFound(err, "material")
		}
		return db.audit(ctx, tx, a.audit("material.delete", "material", id, before, nil))
	})
}

// MaterialFill returns what a partner's materials are filled with: the
// code of their default link (else of their first enabled link) and their
// first promo code; either is empty when they have none.
func (db *DB) MaterialFill(ctx context.Context, partnerID int64) (linkCode, promoCode string, err error) {
	err = db.Q.MaterialFill.QueryRowxContext(ctx, partnerID).Scan(&linkCode, &promoCode)
	return linkCode, promoCode, err
}

// ValidMaterialKind reports whether kind is one of the material kinds.
func ValidMaterialKind(kind string) bool {
	return kind == MaterialBanner || kind == MaterialText || kind == MaterialEmail
}

// MaterialQueries are the queries of promotional materials (queries/materials.sql).
type MaterialQueries struct {
	ListMaterials  *sqlx.Stmt `query:"list-materials"`
	MaterialByID   *sqlx.Stmt `query:"material-by-id"`
	MaterialImage  *sqlx.Stmt `query:"material-image"`
	InsertMaterial *sqlx.Stmt `query:"insert-material"`
	DeleteMaterial *sqlx.Stmt `query:"delete-material"`
	MaterialFill   *sqlx.Stmt `query:"material-fill"`
}
