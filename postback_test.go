package partnerka

import (
	"strings"
	"testing"
)

func TestCheckPostbackURL(t *testing.T) {
	for _, ok := range []string{"", "https://t.example/pb?click={click_id}&sum={amount}&cur={currency}",
		"http://t.example:8080/{event}/{commission_id}"} {
		if err := CheckPostbackURL(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for bad, want := range map[string]string{
		"ftp://t.example/pb":                             "http or https",
		"/pb?c={click_id}":                               "http or https",
		"https://user:pw@t.example/":                     "http or https",
		"https://t.example/?c={clickid}":                 "unknown placeholder {clickid}",
		"https://t.example/?c={click_id":                 "without its }",
		"https://t.example/" + strings.Repeat("a", 2000): "2000",
	} {
		err := CheckPostbackURL(bad)
		if err == nil || !strings.Contains(err.Error(), want) || ErrorCode(err) != EINVALID {
			t.Errorf("%.40q: %v, want an invalid-field error saying %q", bad, err, want)
		}
	}
}

func TestRenderPostback(t *testing.T) {
	got := RenderPostback("https://t.example/pb?s={sub_id}&a={amount}&x={unknown}", func(f string) string {
		return map[string]string{"sub_id": "spring sale&more", "amount": "12.50"}[f]
	})
	if want := "https://t.example/pb?s=spring+sale%26more&a=12.50&x={unknown}"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
