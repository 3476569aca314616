package web

import "strings"

// csvSafe prepares free text (names, references, reasons) for a CSV cell:
// text a spreadsheet would run as a formula gets a leading apostrophe.
func CSVSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}
