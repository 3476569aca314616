package web

import (
	"strings"
	"unicode"
)

// AmountInput turns an amount as a person types it into the decimal
// string partnerka.ParseAmount reads: digits grouped by spaces (any kind,
// as the pages print them), by apostrophes or by the separator that is not
// the decimal one, and a decimal comma or point. "2 000,50", "2,000.50",
// "2.000,50" and "2000.5" are all 2000.50; with one separator only, a
// comma followed by exactly three digits in an English page groups
// thousands ("2,000"), anything else is the decimal separator. Text that
// is no amount at all is returned trimmed, for ParseAmount to refuse with
// its message.
func AmountInput(locale, s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\'' || r == '’' {
			return -1
		}
		return r
	}, s)
	comma, point := strings.LastIndexByte(s, ','), strings.LastIndexByte(s, '.')
	switch {
	case comma >= 0 && point >= 0:
		if comma > point { // 2.000,50
			s = strings.ReplaceAll(s, ".", "")
			s = strings.Replace(s, ",", ".", 1)
		} else { // 2,000.50
			s = strings.ReplaceAll(s, ",", "")
		}
	case comma >= 0:
		if strings.Count(s, ",") > 1 || (locale != "ru" && len(s)-comma-1 == 3) {
			s = strings.ReplaceAll(s, ",", "") // 2,000 or 1,000,000
		} else {
			s = strings.Replace(s, ",", ".", 1)
		}
	case point >= 0 && strings.Count(s, ".") > 1:
		s = strings.ReplaceAll(s, ".", "") // 1.000.000
	}
	return s
}
