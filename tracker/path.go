package tracker

// parseRedirectPath splits "/r/{code}" or "/r/{code}/{sub}" (the path after
// routing, without the query). ok is false when the code is not a possible
// link code; an invalid sub id is dropped rather than failing the visitor.
func parseRedirectPath(path string) (code, sub string, ok bool) {
	if len(path) < 3 || path[:3] != "/r/" {
		return "", "", false
	}
	rest := path[3:]
	end := len(rest)
	for i := 0; i < len(rest); i++ {
		if rest[i] == '/' {
			end = i
			break
		}
	}
	code = rest[:end]
	if !validCode(code) {
		return "", "", false
	}
	if end < len(rest) {
		sub = rest[end+1:]
		if len(sub) > 0 && sub[len(sub)-1] == '/' {
			sub = sub[:len(sub)-1]
		}
		if !validSub(sub) {
			sub = ""
		}
	}
	return code, sub, true
}

// validCode matches the links.code check: [A-Za-z0-9_-]{3,64}.
func validCode(s string) bool {
	if len(s) < 3 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !codeChar(s[i]) {
			return false
		}
	}
	return true
}

// validSub accepts up to 128 characters of [A-Za-z0-9_.~-].
func validSub(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !codeChar(c) && c != '.' && c != '~' {
			return false
		}
	}
	return true
}

func codeChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
