package partnerka

// The shapes of identifiers that travel in URLs. The database checks the
// same shapes; these let every edge refuse bad input with a clear message
// before it gets there.

// ValidLinkCode reports whether s can be a link code: 3 to 64 letters,
// digits, '-' or '_'.
func ValidLinkCode(s string) bool { return validChars(s, 3, 64, "") }

// ValidPromoCode reports whether s can be a promo code or partner ref as
// the API accepts them: 2 to 64 letters, digits, '-' or '_'.
func ValidPromoCode(s string) bool { return validChars(s, 2, 64, "") }

// ValidSubID reports whether s can be a sub id: 1 to 128 letters, digits,
// or any of "-_.~".
func ValidSubID(s string) bool { return validChars(s, 1, 128, ".~") }

func validChars(s string, min, max int, extra string) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' {
			continue
		}
		ok := false
		for j := 0; j < len(extra); j++ {
			if c == extra[j] {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
