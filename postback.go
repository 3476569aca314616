package partnerka

import (
	"net/url"
	"strings"
)

// PostbackFields are the placeholders a partner's postback URL may hold,
// filled (URL-escaped) when a commission is earned or a refund takes it
// back (event "refund", a negative amount, the refund's id).
var PostbackFields = []string{"commission_id", "event", "level", "amount", "currency",
	"purchase_id", "refund_id", "customer_id", "click_id", "sub_id"}

// CheckPostbackURL validates a postback URL template: empty (no
// postbacks), or an absolute http(s) URL whose {placeholders} are all known.
func CheckPostbackURL(raw string) error {
	if raw == "" {
		return nil
	}
	if len(raw) > 2000 {
		return FieldError("postback_url", "is longer than 2000 characters")
	}
	// Placeholders are not valid in every part of a URL: check the URL
	// with each filled by a sample value.
	rest := raw
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return FieldError("postback_url", "has a { without its }")
		}
		name := rest[i+1 : i+j]
		if !knownPostbackField(name) {
			return FieldError("postback_url", "has an unknown placeholder {%s}; known: {%s}", name, strings.Join(PostbackFields, "}, {"))
		}
		rest = rest[i+j+1:]
	}
	u, err := url.Parse(RenderPostback(raw, func(string) string { return "1" }))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return FieldError("postback_url", "must be an http or https address such as https://tracker.example/postback?click={click_id}&payout={amount}")
	}
	return nil
}

func knownPostbackField(name string) bool {
	for _, f := range PostbackFields {
		if f == name {
			return true
		}
	}
	return false
}

// RenderPostback fills a postback URL template: each known {placeholder}
// becomes its value, URL-escaped.
func RenderPostback(tmpl string, value func(field string) string) string {
	pairs := make([]string, 0, 2*len(PostbackFields))
	for _, f := range PostbackFields {
		pairs = append(pairs, "{"+f+"}", url.QueryEscape(value(f)))
	}
	return strings.NewReplacer(pairs...).Replace(tmpl)
}
