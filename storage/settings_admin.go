package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"partnerka"
)

// SettingsQueries are the queries of program settings and API keys in the back office (queries/settings_admin.sql).
type SettingsQueries struct {
	LockSettings           *sqlx.Stmt `query:"lock-settings"`
	DeleteMinPayoutsExcept *sqlx.Stmt `query:"delete-min-payouts-except"`
	APIKeys                *sqlx.Stmt `query:"api-keys"`
	APIKeyByID             *sqlx.Stmt `query:"api-key-by-id"`
	RevokeAPIKey           *sqlx.Stmt `query:"revoke-api-key"`
}

// SaveSettings replaces the program settings and the minimum payouts (one
// per currency; currencies not listed lose theirs) under the settings row
// lock, with one audit record holding the before and after of what
// changed. It writes nothing and returns false when nothing changed.
// Validate s first: the database refuses what its checks refuse.
func (db *DB) SaveSettings(ctx context.Context, s partnerka.Settings, mins []partnerka.Money, a Actor) (bool, error) {
	changed := false
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		old, err := scanSettings(tx.Stmtx(db.Q.LockSettings).QueryRowxContext(ctx))
		if err != nil {
			return err
		}
		var rows []struct {
			Currency string          `db:"currency"`
			Amount   decimal.Decimal `db:"amount"`
		}
		if err := tx.Stmtx(db.Q.MinPayouts).SelectContext(ctx, &rows); err != nil {
			return err
		}
		oldMins := make([]partnerka.Money, len(rows))
		for i, r := range rows {
			oldMins[i] = partnerka.Money{Amount: r.Amount, Currency: r.Currency}
		}
		before, after := settingsDiff(settingsFields(old, oldMins), settingsFields(s, mins))
		if len(after) == 0 {
			return nil
		}
		changed = true
		if _, err := tx.Stmtx(db.Q.UpdateSettings).ExecContext(ctx, settingsArgs(s, db.now())...); err != nil {
			return err
		}
		keep := make([]string, len(mins))
		for i, m := range mins {
			keep[i] = m.Currency
			if _, err := tx.Stmtx(db.Q.UpsertMinPayout).ExecContext(ctx, m.Currency, m.Amount); err != nil {
				return err
			}
		}
		if _, err := tx.Stmtx(db.Q.DeleteMinPayoutsExcept).ExecContext(ctx, pq.Array(keep)); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("settings.update", "settings", 1, before, after))
	})
	return changed, err
}

// settingsFields are the settings as the audit log names them; a minimum
// payout is "min_payout.RUB", its amount with the currency's minor digits.
func settingsFields(s partnerka.Settings, mins []partnerka.Money) map[string]any {
	domains := s.AllowedDomains
	if domains == nil {
		domains = []string{}
	}
	f := map[string]any{
		"name": s.Name, "default_currency": s.DefaultCurrency, "default_landing_url": s.DefaultLandingURL,
		"allowed_domains": domains, "attribution_window_days": s.AttributionWindowDays,
		"attribution_model": s.AttributionModel, "hold_days": s.HoldDays,
		"registration_protection_days": s.RegistrationProtectionDays, "cookie_name": s.CookieName,
		"cookie_domain": s.CookieDomain, "click_param": s.ClickParam, "allow_self_referral": s.AllowSelfReferral,
		"terms": s.Terms, "four_eyes_payouts": s.FourEyesPayouts, "allow_code_requests": s.AllowCodeRequests,
	}
	var rules map[string]any
	if b, err := json.Marshal(s.Fraud); err == nil && json.Unmarshal(b, &rules) == nil {
		for k, v := range rules {
			f["fraud."+k] = v
		}
	}
	for _, m := range mins {
		amount := m.Amount.String()
		if n, ok := partnerka.MinorUnits(m.Currency); ok {
			amount = m.Amount.StringFixed(n)
		}
		f["min_payout."+m.Currency] = amount
	}
	return f
}

// settingsDiff returns the changed keys' old and new values; a key present
// on one side only is null on the other.
func settingsDiff(old, new map[string]any) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	for k, v := range new {
		if o, ok := old[k]; !ok || !reflect.DeepEqual(o, v) {
			before[k], after[k] = old[k], v
		}
	}
	for k, o := range old {
		if _, ok := new[k]; !ok {
			before[k], after[k] = o, nil
		}
	}
	return before, after
}

// APIKeyInfo is a vendor API key as the back office lists it; the key
// itself is never stored.
type APIKeyInfo struct {
	ID         int64      `db:"id"`
	Name       string     `db:"name"`
	Prefix     string     `db:"prefix"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// APIKeys lists every key, live ones first, newest first.
func (db *DB) APIKeys(ctx context.Context) ([]APIKeyInfo, error) {
	var out []APIKeyInfo
	err := db.Q.APIKeys.SelectContext(ctx, &out)
	return out, err
}

// APIKeyByID returns a key, or not_found.
func (db *DB) APIKeyByID(ctx context.Context, id int64) (*APIKeyInfo, error) {
	var k APIKeyInfo
	if err := db.Q.APIKeyByID.GetContext(ctx, &k, id); err != nil {
		return nil, notFound(err, "api key")
	}
	return &k, nil
}

// MintAPIKey makes a new vendor API key: "pk_" and 48 hex digits. It
// returns the key, the prefix shown in lists, and the SHA-256 the database
// keeps.
func MintAPIKey() (key, prefix string, hash []byte, err error) {
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", "", nil, err
	}
	key = "pk_" + hex.EncodeToString(raw)
	h := sha256.Sum256([]byte(key))
	return key, key[:7], h[:], nil
}

// IssueAPIKey mints a key named name, stores its hash and audits it. The
// key is returned once; only its hash is kept. Errors: invalid (name).
func (db *DB) IssueAPIKey(ctx context.Context, name string, a Actor) (int64, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > 100 {
		return 0, "", partnerka.FieldError("name", "name the key by what uses it, in 1 to 100 characters")
	}
	key, prefix, hash, err := MintAPIKey()
	if err != nil {
		return 0, "", err
	}
	var id int64
	err = db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.Stmtx(db.Q.InsertAPIKey).GetContext(ctx, &id, name, prefix, hash, db.now()); err != nil {
			return err
		}
		return db.audit(ctx, tx, a.audit("api_key.create", "api_key", id, nil, map[string]any{"name": name, "prefix": prefix}))
	})
	if err != nil {
		return 0, "", err
	}
	return id, key, nil
}

// RevokeAPIKey revokes a key at at and audits it. Errors: not_found,
// conflict (revoked before).
func (db *DB) RevokeAPIKey(ctx context.Context, id int64, a Actor, at time.Time) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		var k APIKeyInfo
		if err := tx.Stmtx(db.Q.APIKeyByID).GetContext(ctx, &k, id); err != nil {
			return notFound(err, "api key")
		}
		res, err := tx.Stmtx(db.Q.RevokeAPIKey).ExecContext(ctx, id, at)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return partnerka.Errorf(partnerka.ECONFLICT, "the key %s… is revoked already", k.Prefix)
		}
		return db.audit(ctx, tx, a.audit("api_key.revoke", "api_key", id, map[string]any{"name": k.Name, "prefix": k.Prefix, "revoked": false}, map[string]any{"name": k.Name, "prefix": k.Prefix, "revoked": true}))
	})
}
