package partnerka

import (
	"strings"
	"time"
)

// Settings are the program-wide rules a manager sets in the back office.
type Settings struct {
	Name                       string    `db:"name" json:"name"`
	DefaultCurrency            string    `db:"default_currency" json:"default_currency"`
	DefaultLandingURL          string    `db:"default_landing_url" json:"default_landing_url"`
	AllowedDomains             []string  `db:"-" json:"allowed_domains"`
	AttributionWindowDays      int       `db:"attribution_window_days" json:"attribution_window_days"`
	AttributionModel           string    `db:"attribution_model" json:"attribution_model"`
	HoldDays                   int       `db:"hold_days" json:"hold_days"`
	RegistrationProtectionDays int       `db:"registration_protection_days" json:"registration_protection_days"`
	CookieName                 string    `db:"cookie_name" json:"cookie_name"`
	CookieDomain               string    `db:"cookie_domain" json:"cookie_domain"`
	ClickParam                 string    `db:"click_param" json:"click_param"`
	AllowSelfReferral          bool      `db:"allow_self_referral" json:"allow_self_referral"`
	Terms                      string    `db:"terms" json:"terms"`
	UpdatedAt                  time.Time `db:"updated_at" json:"updated_at"`
}

// AttributionWindow is the lifetime of a click: the attribution cookie's
// max age and the oldest click that may still bind a lead.
func (s Settings) AttributionWindow() time.Duration {
	return time.Duration(s.AttributionWindowDays) * 24 * time.Hour
}

// Staff and partner roles.
const (
	RoleAdmin   = "admin"
	RoleManager = "manager"
	RoleFinance = "finance"
	RoleOwner   = "owner"
	RoleMember  = "member"
)

// StaffRole reports whether role belongs to the vendor's staff.
func StaffRole(role string) bool {
	return role == RoleAdmin || role == RoleManager || role == RoleFinance
}

// User is a person who signs in: staff, or an owner or member of a partner.
type User struct {
	ID           int64      `db:"id" json:"id"`
	Email        string     `db:"email" json:"email"`
	Name         string     `db:"name" json:"name"`
	PasswordHash string     `db:"password_hash" json:"-"`
	Role         string     `db:"role" json:"role"`
	PartnerID    *int64     `db:"partner_id" json:"partner_id,omitempty"`
	Locale       string     `db:"locale" json:"locale"`
	TimeZone     string     `db:"time_zone" json:"time_zone"`
	DisabledAt   *time.Time `db:"disabled_at" json:"disabled_at,omitempty"`
	CreatedAt    time.Time  `db:"created_at" json:"created_at"`
}

// NormalizeEmail is the one form an email is stored and compared in.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
