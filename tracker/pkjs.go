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
//
// It also confirms, once, that a person saw the landing page of that
// click (GET or POST /pk/seen next to where the script was loaded from):
// only when the page is visible, so a prerender, a background tab never
// looked at or a page in a frame (cookie stuffing hides landing pages in
// frames) confirms nothing. The cookie stuffing rule treats a click with
// neither a referrer nor a view as one no person saw.
func renderPkJS(param string, window time.Duration) []byte {
	p := strconv.Quote(param)
	return []byte(`/* partnerka: keeps the referral click id on this site */
(function () {
  var name = ` + p + `, maxAge = ` + strconv.Itoa(int(window/time.Second)) + `, src = "";
  try { src = document.currentScript.src || ""; } catch (e) {}
  function read() {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([0-9A-Za-z]{26})"));
    return m ? m[1] : null;
  }
  function seen(id) {
    var url = src.replace(/[?#].*$/, "").replace(/[^\/]*$/, "") + "pk/seen?c=" + id, sent = false;
    if (!/^https?:\/\//.test(url) || window.top !== window.self) return;
    function visible() {
      return document.visibilityState === "visible" && !document.prerendering;
    }
    function send() {
      try {
        if (sent || !visible()) return;
        sent = true;
        if (!(navigator.sendBeacon && navigator.sendBeacon(url))) new Image().src = url;
      } catch (e) {}
    }
    send();
    if (!sent && document.addEventListener) {
      document.addEventListener("visibilitychange", send);
      document.addEventListener("prerenderingchange", send);
    }
  }
  try {
    var id = new URLSearchParams(window.location.search).get(name);
    if (id && /^[0-9A-Za-z]{26}$/.test(id)) {
      document.cookie = name + "=" + id + "; path=/; max-age=" + maxAge + "; samesite=lax" +
        (window.location.protocol === "https:" ? "; secure" : "");
      seen(id);
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
