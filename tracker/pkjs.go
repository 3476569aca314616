package tracker

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// renderPkJS renders the vendor-side script: it keeps the click id the
// tracker appended to the landing URL in a first-party cookie on the
// vendor's own domain, so the vendor's backend can send it with the lead.
// window.partnerka.clickId() returns it to the vendor's own scripts.
func renderPkJS(param string, window time.Duration) []byte {
	p := strconv.Quote(param)
	return []byte(`/* partnerka: keeps the referral click id on this site */
(function () {
  var name = ` + p + `, maxAge = ` + strconv.Itoa(int(window/time.Second)) + `;
  function read() {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([0-9A-Za-z]{26})"));
    return m ? m[1] : null;
  }
  try {
    var id = new URLSearchParams(window.location.search).get(name);
    if (id && /^[0-9A-Za-z]{26}$/.test(id)) {
      document.cookie = name + "=" + id + "; path=/; max-age=" + maxAge + "; samesite=lax" +
        (window.location.protocol === "https:" ? "; secure" : "");
    }
  } catch (e) {}
  window.partnerka = { clickId: read };
})();
`)
}

// pkJS serves the vendor-side script.
func (s *Server) pkJS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(s.settings.Load().pkJS)
}
