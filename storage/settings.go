package storage

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"partnerka"
)

// Settings returns the program settings.
func (db *DB) Settings(ctx context.Context) (partnerka.Settings, error) {
	return scanSettings(db.Q.GetSettings.QueryRowxContext(ctx))
}

// scanSettings reads a row of get-settings (or lock-settings).
func scanSettings(row *sqlx.Row) (partnerka.Settings, error) {
	var s partnerka.Settings
	err := row.Scan(&s.Name, &s.DefaultCurrency, &s.DefaultLandingURL, pq.Array(&s.AllowedDomains),
		&s.AttributionWindowDays, &s.AttributionModel, &s.HoldDays, &s.RegistrationProtectionDays,
		&s.CookieName, &s.CookieDomain, &s.ClickParam, &s.AllowSelfReferral, &s.Terms, &s.UpdatedAt, &s.FourEyesPayouts,
		&s.AllowCodeRequests, &s.Fraud)
	return s, err
}

// UpdateSettings replaces the program settings.
func (db *DB) UpdateSettings(ctx context.Context, s partnerka.Settings) error {
	_, err := db.Q.UpdateSettings.ExecContext(ctx, settingsArgs(s, db.now())...)
	return err
}

// settingsArgs are the parameters of the update-settings query, saved at at.
func settingsArgs(s partnerka.Settings, at time.Time) []any {
	return []any{s.Name, s.DefaultCurrency, s.DefaultLandingURL, pq.Array(s.AllowedDomains), s.AttributionWindowDays,
		s.AttributionModel, s.HoldDays, s.RegistrationProtectionDays, s.CookieName, s.CookieDomain, s.ClickParam,
		s.AllowSelfReferral, s.Terms, at, s.FourEyesPayouts, s.AllowCodeRequests, s.Fraud}
}
