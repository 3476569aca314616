package tracker

import "partnerka"

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
	if !partnerka.ValidLinkCode(code) {
		return "", "", false
	}
	if end < len(rest) {
		sub = rest[end+1:]
		if len(sub) > 0 && sub[len(sub)-1] == '/' {
			sub = sub[:len(sub)-1]
		}
		if !partnerka.ValidSubID(sub) {
			sub = ""
		}
	}
	return code, sub, true
}
