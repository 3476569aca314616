package partnerka

import "testing"

func TestValidHostname(t *testing.T) {
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"example.com", true}, {"shop.example.co.uk", true}, {"xn--80aswg.xn--p1ai", true}, {"localhost", true},
		{"a-b.example", true}, {"EXAMPLE.com", true},
		{"", false}, {"https://example.com", false}, {"example.com/path", false}, {"example.com:8080", false},
		{"*.example.com", false}, {"-a.example.com", false}, {"a-.example.com", false}, {"a..example.com", false},
		{"example.com.", false}, {"192.168.0.1", false}, {"пример.рф", false}, {"ex ample.com", false},
	} {
		if got := ValidHostname(tc.host); got != tc.want {
			t.Errorf("ValidHostname(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	domains := []string{"example.com", ".shop.test"}
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://example.com/", true}, {"http://www.example.com/x?y=1", true}, {"https://EXAMPLE.com", true},
		{"https://a.shop.test/", true}, {"https://shop.test/", true},
		{"https://notexample.com/", false}, {"https://example.com.evil.test/", false}, {"ftp://example.com/", false},
		{"//example.com/", false}, {"https://user:pw@example.com/", false}, {"example.com", false},
	} {
		if got := HostAllowed(tc.url, domains); got != tc.want {
			t.Errorf("HostAllowed(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
}

func TestSettingsValidate(t *testing.T) {
	valid := func() Settings {
		return Settings{Name: " Program ", DefaultCurrency: "rub", DefaultLandingURL: "https://www.example.com/",
			AllowedDomains: []string{" Example.com", "", ".shop.test", "example.com"}, AttributionWindowDays: 90,
			AttributionModel: "last_click", HoldDays: 0, RegistrationProtectionDays: 90, CookieName: "pk_ref", ClickParam: "pk_click"}
	}
	s := valid()
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatalf("valid settings: %v", err)
	}
	if s.Name != "Program" || s.DefaultCurrency != "RUB" || len(s.AllowedDomains) != 2 || s.AllowedDomains[1] != "shop.test" {
		t.Errorf("normalized %+v", s)
	}
	for _, tc := range []struct {
		field  string
		change func(*Settings)
	}{
		{"name", func(s *Settings) { s.Name = "" }},
		{"default_currency", func(s *Settings) { s.DefaultCurrency = "XXX" }},
		{"attribution_window_days", func(s *Settings) { s.AttributionWindowDays = 0 }},
		{"attribution_window_days", func(s *Settings) { s.AttributionWindowDays = 3651 }},
		{"attribution_model", func(s *Settings) { s.AttributionModel = "" }},
		{"hold_days", func(s *Settings) { s.HoldDays = -1 }},
		{"registration_protection_days", func(s *Settings) { s.RegistrationProtectionDays = 0 }},
		{"allowed_domains", func(s *Settings) { s.AllowedDomains = nil }},
		{"allowed_domains", func(s *Settings) { s.AllowedDomains = []string{"example.com", "bad domain"} }},
		{"default_landing_url", func(s *Settings) { s.DefaultLandingURL = "https://elsewhere.test/" }},
		{"cookie_name", func(s *Settings) { s.CookieName = "a;b" }},
		{"cookie_domain", func(s *Settings) { s.CookieDomain = "http://x" }},
		{"click_param", func(s *Settings) { s.ClickParam = "" }},
	} {
		s := valid()
		tc.change(&s)
		s.Normalize()
		if got := ErrorField(s.Validate()); got != tc.field {
			t.Errorf("want an error naming %s, got %q", tc.field, got)
		}
	}
}

func TestCheckCookieDomain(t *testing.T) {
	for _, tc := range []struct {
		domain, tracker string
		want            error
	}{
		{"", "go.vendor.com", nil},
		{"", "127.0.0.1", nil},
		{"vendor.com", "go.vendor.com", nil},
		{"go.vendor.com", "go.vendor.com", nil},
		{"vendor.com", "GO.Vendor.com.", nil},
		{"vendor.co.uk", "go.vendor.co.uk", nil},
		{"evil.com", "go.vendor.com", ErrCookieDomainOutside},
		{"other-vendor.com", "go.vendor.com", ErrCookieDomainOutside},
		{"endor.com", "go.vendor.com", ErrCookieDomainOutside},
		{"a.go.vendor.com", "go.vendor.com", ErrCookieDomainOutside},
		{"com", "go.vendor.com", ErrCookieDomainName},
		{"vendor.com:8080", "go.vendor.com", ErrCookieDomainName},
		{"https://vendor.com", "go.vendor.com", ErrCookieDomainName},
		{"vendor.com/x", "go.vendor.com", ErrCookieDomainName},
		{"10.0.0.1", "10.0.0.1", ErrCookieDomainName},
		{"co.uk", "go.vendor.co.uk", ErrCookieDomainSuffix},
		{"github.io", "vendor.github.io", ErrCookieDomainSuffix},
		{"vendor.com", "127.0.0.1", ErrCookieDomainAddress},
		{"vendor.com", "localhost", ErrCookieDomainAddress},
	} {
		if got := CheckCookieDomain(tc.domain, tc.tracker); got != tc.want {
			t.Errorf("CheckCookieDomain(%q, %q) = %v, want %v", tc.domain, tc.tracker, got, tc.want)
		}
	}
}
