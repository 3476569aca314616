package web

import "strings"

// navCurrent says whether the nav link to href is the page at path: its
// own page, or one under it (a partner's page is under Partners). The
// homes (the back office's overview, the cabinet's dashboard) hold only
// themselves, or every page would be under the overview.
func navCurrent(path, href string) bool {
	path = strings.TrimSuffix(path, "/")
	if path == href {
		return true
	}
	return href != "/admin" && href != "/" && strings.HasPrefix(path, href+"/")
}

var _ = AddMessages(map[string]string{
	"nav_menu": "Menu",
}, map[string]string{
	"nav_menu": "Меню",
})
