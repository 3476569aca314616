package partnerka

import (
	"net"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Settings are the program-wide rules a manager sets in the back office.
type Settings struct {
	Name                       string   `db:"name" json:"name"`
	DefaultCurrency            string   `db:"default_currency" json:"default_currency"`
	DefaultLandingURL          string   `db:"default_landing_url" json:"default_landing_url"`
	AllowedDomains             []string `db:"-" json:"allowed_domains"`
	AttributionWindowDays      int      `db:"attribution_window_days" json:"attribution_window_days"`
	AttributionModel           string   `db:"attribution_model" json:"attribution_model"`
	HoldDays                   int      `db:"hold_days" json:"hold_days"`
	RegistrationProtectionDays int      `db:"registration_protection_days" json:"registration_protection_days"`
	CookieName                 string   `db:"cookie_name" json:"cookie_name"`
	CookieDomain               string   `db:"cookie_domain" json:"cookie_domain"`
	ClickParam                 string   `db:"click_param" json:"click_param"`
	AllowSelfReferral          bool     `db:"allow_self_referral" json:"allow_self_referral"`
	// FourEyesPayouts: whoever approved a payout cannot also mark it paid
	// (on in a new program; off for a one-person finance team, and then
	// each payment by its approver is recorded as four eyes waived).
	FourEyesPayouts bool `db:"four_eyes_payouts" json:"four_eyes_payouts"`
	// AllowCodeRequests: partners may ask for a vanity promo code of their
	// own, which staff approve or refuse.
	AllowCodeRequests bool   `db:"allow_code_requests" json:"allow_code_requests"`
	Terms             string `db:"terms" json:"terms"`
	// Fraud: the review step's rules (DefaultFraudRules in a new program).
	Fraud     FraudRules `db:"fraud_rules" json:"fraud_rules"`
	UpdatedAt time.Time  `db:"updated_at" json:"updated_at"`
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

// Limits of the settings a manager edits.
const (
	MaxWindowDays    = 3650
	maxProgramName   = 200
	maxTermsLength   = 100000
	maxAllowedDomain = 100
)

// Normalize trims the settings' text and brings allowed domains to one
// form (lower case, no leading dot, each once), so that validation and
// storage see the same values.
func (s *Settings) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.DefaultCurrency = strings.ToUpper(strings.TrimSpace(s.DefaultCurrency))
	s.DefaultLandingURL = strings.TrimSpace(s.DefaultLandingURL)
	s.CookieName = strings.TrimSpace(s.CookieName)
	s.CookieDomain = strings.TrimSuffix(strings.TrimPrefix(strings.ToLower(strings.TrimSpace(s.CookieDomain)), "."), ".")
	s.ClickParam = strings.TrimSpace(s.ClickParam)
	seen := map[string]bool{}
	domains := []string{}
	for _, d := range s.AllowedDomains {
		d = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(d)), ".")
		if d != "" && !seen[d] {
			seen[d] = true
			domains = append(domains, d)
		}
	}
	s.AllowedDomains = domains
}

// Validate checks the settings the way the database and the tracker need
// them and returns the first problem as a FieldError naming the setting
// (fields are checked in the order the settings form shows them). Call
// Normalize first.
func (s Settings) Validate() error {
	switch {
	case s.Name == "" || len([]rune(s.Name)) > maxProgramName:
		return FieldError("name", "the program name is 1 to %d characters", maxProgramName)
	case !ValidCurrency(s.DefaultCurrency):
		return FieldError("default_currency", "unknown currency %q: use an ISO 4217 code such as USD, EUR or RUB", s.DefaultCurrency)
	case s.AttributionWindowDays < 1 || s.AttributionWindowDays > MaxWindowDays:
		return FieldError("attribution_window_days", "the attribution window is 1 to %d days", MaxWindowDays)
	case s.AttributionModel != "last_click" && s.AttributionModel != "first_click":
		return FieldError("attribution_model", "the attribution model is last_click or first_click")
	case s.HoldDays < 0 || s.HoldDays > MaxWindowDays:
		return FieldError("hold_days", "the hold is 0 to %d days", MaxWindowDays)
	case s.RegistrationProtectionDays < 1 || s.RegistrationProtectionDays > MaxWindowDays:
		return FieldError("registration_protection_days", "lead registrations are protected for 1 to %d days", MaxWindowDays)
	}
	if len(s.AllowedDomains) == 0 {
		return FieldError("allowed_domains", "list at least one domain links may lead to")
	}
	if len(s.AllowedDomains) > maxAllowedDomain {
		return FieldError("allowed_domains", "at most %d domains", maxAllowedDomain)
	}
	for _, d := range s.AllowedDomains {
		if !ValidHostname(d) {
			return FieldError("allowed_domains", "%q is not a host name such as example.com", d)
		}
	}
	if !HostAllowed(s.DefaultLandingURL, s.AllowedDomains) {
		return FieldError("default_landing_url", "the default landing page must be an http(s) address on one of the allowed domains")
	}
	switch {
	case !validChars(s.CookieName, 1, 64, ""):
		return FieldError("cookie_name", "the cookie name is 1 to 64 letters, digits, - or _")
	case s.CookieDomain != "" && !ValidHostname(strings.TrimPrefix(s.CookieDomain, ".")):
		return FieldError("cookie_domain", "the cookie domain is empty or a host name such as example.com")
	case !validChars(s.ClickParam, 1, 64, ""):
		return FieldError("click_param", "the click parameter is 1 to 64 letters, digits, - or _")
	case len(s.Terms) > maxTermsLength:
		return FieldError("terms", "the terms are longer than %d characters", maxTermsLength)
	}
	return s.Fraud.Validate()
}

// ValidHostname reports whether s is a DNS host name in ASCII (an
// internationalized name in its xn-- form): dot-separated labels of
// letters, digits and inner hyphens, at most 253 characters. Addresses,
// ports, paths and wildcards are not host names.
func ValidHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := s[strings.LastIndexByte(s, '.')+1:]
	return strings.Trim(last, "0123456789") != "" // not an IPv4 address
}

// HostAllowed reports whether raw is an absolute http(s) URL, without
// credentials, whose host is one of domains or a subdomain of one.
func HostAllowed(raw string, domains []string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range domains {
		d = strings.ToLower(strings.TrimPrefix(d, "."))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return true
		}
	}
	return false
}

// Why CheckCookieDomain refuses a cookie domain: one error each, so a
// page can say it in its reader's language.
var (
	ErrCookieDomainName    = FieldError("cookie_domain", "the cookie domain is empty or a domain such as example.com")
	ErrCookieDomainAddress = FieldError("cookie_domain", "the tracker is reached at an address that takes no cookie domain: leave it empty")
	ErrCookieDomainOutside = FieldError("cookie_domain", "the cookie domain must be the tracker's host or a domain it is in")
	ErrCookieDomainSuffix  = FieldError("cookie_domain", "the cookie domain is a public suffix: browsers refuse cookies for it")
)

// CheckCookieDomain checks a cookie domain against the host the tracker is
// reached at: empty (the cookie belongs to the tracker's host alone), or
// that host or a parent domain of it that is not a public suffix (a
// browser ignores a cookie for "com" or "co.uk", and one for another
// domain). A tracker reached by an IP address takes no domain at all.
// The error is one of the ErrCookieDomain values.
func CheckCookieDomain(domain, trackerHost string) error {
	if domain == "" {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(trackerHost, "."))
	switch {
	case !ValidHostname(domain) || !strings.Contains(domain, "."):
		return ErrCookieDomainName
	case net.ParseIP(host) != nil || !strings.Contains(host, "."):
		return ErrCookieDomainAddress
	case host != domain && !strings.HasSuffix(host, "."+domain):
		return ErrCookieDomainOutside
	}
	if suffix, _ := publicsuffix.PublicSuffix(domain); suffix == domain {
		return ErrCookieDomainSuffix
	}
	return nil
}
