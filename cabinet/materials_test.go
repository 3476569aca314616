package cabinet

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"partnerka"
	"partnerka/storage"
)

// upload posts a multipart form as a browser does when a form has a file
// input; fileName "" leaves the input empty.
func (b *browser) upload(path string, fields map[string]string, fileName string, content []byte) (*http.Response, string) {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if fileName != "" {
		fw, _ := w.CreateFormFile("image", fileName)
		fw.Write(content)
	}
	w.Close()
	req := httptest.NewRequest("POST", path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range b.cookies {
		req.AddCookie(c)
	}
	resp, err := b.app.Test(req, 10000)
	if err != nil {
		b.t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	return resp, string(out)
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// webpHeader is the start of a WebP file: the RIFF container and the
// header of its first chunk, all the sniffer and size reader look at.
func webpHeader(chunk string, w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBP" + chunk + "\x00\x00\x00\x00")
	switch chunk {
	case "VP8 ":
		b = append(b, 0, 0, 0, 0x9d, 0x01, 0x2a)
		b = binary.LittleEndian.AppendUint16(b, uint16(w))
		b = binary.LittleEndian.AppendUint16(b, uint16(h))
	case "VP8L":
		b = append(b, 0x2f)
		b = binary.LittleEndian.AppendUint32(b, uint32(w-1)|uint32(h-1)<<14)
	case "VP8X":
		b = append(b, 0, 0, 0, 0)
		b = append(b, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	}
	return append(b, make([]byte, 16)...)
}

func TestSniffBanner(t *testing.T) {
	var jpg, gf bytes.Buffer
	jpeg.Encode(&jpg, image.NewRGBA(image.Rect(0, 0, 300, 250)), nil)
	gif.Encode(&gf, image.NewPaletted(image.Rect(0, 0, 120, 600), color.Palette{color.Black, color.White}), nil)
	brokenPNG := append([]byte("\x89PNG\r\n\x1a\n"), []byte("not really an image at all")...)
	for _, tc := range []struct {
		name     string
		data     []byte
		wantType string
		w, h     int
		ok       bool
	}{
		{"png", pngOf(t, 728, 90), "image/png", 728, 90, true},
		{"jpeg", jpg.Bytes(), "image/jpeg", 300, 250, true},
		{"gif", gf.Bytes(), "image/gif", 120, 600, true},
		{"webp lossy", webpHeader("VP8 ", 468, 60), "image/webp", 468, 60, true},
		{"webp lossless", webpHeader("VP8L", 160, 600), "image/webp", 160, 600, true},
		{"webp extended", webpHeader("VP8X", 970, 250), "image/webp", 970, 250, true},
		{"text named .png", []byte("hello, this is a text file named banner.png\n"), "text/plain; charset=utf-8", 0, 0, false},
		{"html", []byte("<html><script>alert(1)</script></html>"), "text/html; charset=utf-8", 0, 0, false},
		{"svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>`), "text/plain; charset=utf-8", 0, 0, false},
		{"png signature, broken header", brokenPNG, "image/png", 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ, w, h, ok := sniffBanner(tc.data)
			if typ != tc.wantType || w != tc.w || h != tc.h || ok != tc.ok {
				t.Errorf("got %q %d×%d %v, want %q %d×%d %v", typ, w, h, ok, tc.wantType, tc.w, tc.h, tc.ok)
			}
		})
	}
}

func TestAdminMaterials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, csrf := f.signIn(t, "manager@x.test")
	r, page := b.do("GET", "/admin/materials", nil)
	if r.StatusCode != 200 || !strings.Contains(page, "No materials yet") {
		t.Fatalf("empty list: %d\n%s", r.StatusCode, page)
	}
	banner := pngOf(t, 728, 90)
	big := append(pngOf(t, 10, 10), make([]byte, maxBannerBytes)...)
	form := func(kind, title, body string) map[string]string {
		return map[string]string{"_csrf": csrf, "kind": kind, "title": title, "body": body}
	}
	for _, tc := range []struct {
		name     string
		fields   map[string]string
		file     string
		content  []byte
		status   int
		want     []string // in the page (errors re-render the input)
		wantType string   // of the stored image
	}{
		{"no title", form("text", "", "Try {link}"), "", nil, 422, []string{"Enter a title", "Try {link}"}, ""},
		{"unknown kind", form("video", "Clip", "x"), "", nil, 422, []string{"Choose banner, text or email template", `value="Clip"`}, ""},
		{"text without a body", form("text", "Short post", ""), "", nil, 422, []string{"Enter the text partners will copy", `value="Short post"`}, ""},
		{"banner without an image", form("banner", "Leaderboard", ""), "", nil, 422, []string{"Choose the banner&#39;s image", `value="Leaderboard"`}, ""},
		{"text file named .png", form("banner", "Fake", "caption"), "banner.png", []byte("just some text, not an image\n"), 422,
			[]string{"not a PNG, JPEG, GIF or WebP image", `value="Fake"`, "caption"}, ""},
		{"html named .gif", form("banner", "Script", ""), "x.gif", []byte("<html><script>alert(1)</script>"), 422, []string{"not a PNG, JPEG, GIF or WebP image"}, ""},
		{"too large", form("banner", "Huge", ""), "huge.png", big, 422, []string{"larger than 2 MB", `value="Huge"`}, ""},
		{"image on a text", form("text", "Post", "Hello {link}"), "b.png", banner, 422, []string{"Only banners carry an image", "Hello {link}"}, ""},
		{"banner", form("banner", "Leaderboard 728x90", "Summer sale"), "whatever.txt", banner, 303, nil, "image/png"},
		{"webp banner", form("banner", "Skyscraper", ""), "s.webp", webpHeader("VP8L", 160, 600), 303, nil, "image/webp"},
		{"text", form("text", "Telegram post", "Our CRM, 14 days free: {link}\nPromo code {promo_code} gives 10% off."), "", nil, 303, nil, ""},
		{"email", form("email", "Cold email", "Hello!\n\nTry it here: {link}"), "", nil, 303, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, out := b.upload("/admin/materials", tc.fields, tc.file, tc.content)
			if r.StatusCode != tc.status {
				t.Fatalf("got %d, want %d:\n%s", r.StatusCode, tc.status, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("page lacks %q:\n%s", w, out)
				}
			}
			if tc.status == 303 {
				var typ string
				f.db.Get(&typ, `SELECT image_type FROM materials WHERE title = $1`, tc.fields["title"])
				if typ != tc.wantType {
					t.Errorf("stored type %q, want %q", typ, tc.wantType)
				}
			}
		})
	}
	var n int
	f.db.Get(&n, `SELECT count(*) FROM materials`)
	if n != 4 {
		t.Errorf("%d materials stored, want the 4 valid ones", n)
	}
	_, page = b.do("GET", "/admin/materials?done=mat_created", nil)
	for _, want := range []string{"The material is added", "Leaderboard 728x90", "728 × 90 · PNG · 1\u00a0KB", "160 × 600 · WEBP", "Telegram post", "Cold email"} {
		if !strings.Contains(page, want) {
			t.Errorf("list lacks %q", want)
		}
	}

	var bannerID, textID int64
	f.db.Get(&bannerID, `SELECT id FROM materials WHERE title = 'Leaderboard 728x90'`)
	f.db.Get(&textID, `SELECT id FROM materials WHERE kind = 'text'`)
	var audited int
	f.db.Get(&audited, `SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.action = 'material.create' AND u.email = 'manager@x.test'`)
	if audited != 4 {
		t.Errorf("%d material.create audit records by the manager, want 4", audited)
	}

	// The image is public (partners' sites show it), typed, not sniffable, cached.
	anon := f.browser(t)
	r, img := anon.do("GET", "/materials/"+itoa(bannerID)+"/image", nil)
	if r.StatusCode != 200 || img != string(banner) || r.Header.Get("Content-Type") != "image/png" ||
		r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") ||
		r.Header.Get("ETag") == "" {
		t.Errorf("image: %d %v (%d bytes)", r.StatusCode, r.Header, len(img))
	}
	req := httptest.NewRequest("GET", "/materials/"+itoa(bannerID)+"/image", nil)
	req.Header.Set("If-None-Match", r.Header.Get("ETag"))
	if resp, _ := f.app.Test(req); resp.StatusCode != 304 {
		t.Errorf("revalidation: %d, want 304", resp.StatusCode)
	}
	for _, path := range []string{"/materials/999999/image", "/materials/" + itoa(textID) + "/image", "/materials/x/image"} {
		if r, _ := anon.do("GET", path, nil); r.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, r.StatusCode)
		}
	}

	// Deleting asks first, then deletes for everyone and is audited.
	r, page = b.do("POST", "/admin/materials/"+itoa(bannerID)+"/delete", map[string][]string{"_csrf": {csrf}})
	if r.StatusCode != 200 || !strings.Contains(page, "Delete the banner “Leaderboard 728x90” for every partner?") || !strings.Contains(page, "broken image") {
		t.Fatalf("confirmation: %d\n%s", r.StatusCode, page)
	}
	if _, err := f.db.MaterialByID(ctx, bannerID); err != nil {
		t.Fatalf("deleted before confirmation: %v", err)
	}
	confirm := map[string][]string{"_csrf": {csrf}, "confirm": {"1"}}
	if r, _ := b.do("POST", "/admin/materials/"+itoa(bannerID)+"/delete", confirm); r.StatusCode != 303 {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if _, err := f.db.MaterialByID(ctx, bannerID); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Errorf("after delete: %v, want not_found", err)
	}
	if r, _ := anon.do("GET", "/materials/"+itoa(bannerID)+"/image", nil); r.StatusCode != 404 {
		t.Errorf("deleted banner's image: %d, want 404", r.StatusCode)
	}
	if r, _ := b.do("POST", "/admin/materials/"+itoa(bannerID)+"/delete", confirm); r.StatusCode != 404 {
		t.Errorf("deleting again: %d, want 404", r.StatusCode)
	}
	var before string
	f.db.Get(&before, `SELECT before->>'title' FROM audit_log WHERE action = 'material.delete' AND entity_id = $1`, itoa(bannerID))
	if before != "Leaderboard 728x90" {
		t.Errorf("delete audit records %q", before)
	}
}

func TestPartnerMaterials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.seed.Partners["alpha"], f.seed.Partners["beta"]

	// Before the program adds any, the page says what to expect.
	ab, _ := f.signIn(t, "alpha@x.test")
	r, page := ab.do("GET", "/materials", nil)
	if r.StatusCode != 200 || !strings.Contains(page, "Промоматериалов пока нет") || !strings.Contains(page, `href="/materials"`) {
		t.Fatalf("empty materials page: %d\n%s", r.StatusCode, page)
	}

	var manager int64
	f.db.Get(&manager, `SELECT id FROM users WHERE email = 'manager@x.test'`)
	staff := storage.Actor{UserID: manager}
	add := func(m storage.NewMaterial) int64 {
		t.Helper()
		m.At = now
		id, err := f.db.CreateMaterial(ctx, staff, m)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	bannerID := add(storage.NewMaterial{Kind: "banner", Title: "Leaderboard", Body: "Sale ends {promo_code}", Image: pngOf(t, 728, 90), ImageType: "image/png"})
	add(storage.NewMaterial{Kind: "text", Title: "Telegram post", Body: "Our CRM, 14 days free: {link}\nPromo code {promo_code} gives 10% off."})
	add(storage.NewMaterial{Kind: "email", Title: "Cold email", Body: "Hello!\n\nTry it here: {link}"})
	if _, err := f.db.ExecContext(ctx, `INSERT INTO promo_codes (partner_id, code, created_at) VALUES ($1, 'ALPHA10', $2), ($1, 'ZZZ-LAST', $2)`, alpha, now); err != nil {
		t.Fatal(err)
	}
	if err := f.db.CreateLink(ctx, &partnerka.Link{PartnerID: beta, Code: "beta-main", Destination: "https://example.com/", IsDefault: true}); err != nil {
		t.Fatal(err)
	}

	_, page = ab.do("GET", "/materials", nil)
	snippet := `&lt;a href=&#34;http://t.test/r/alpha&#34; rel=&#34;sponsored&#34;&gt;&lt;img src=&#34;http://c.test/materials/` + itoa(bannerID) +
		`/image&#34; width=&#34;728&#34; height=&#34;90&#34; alt=&#34;Leaderboard&#34;&gt;&lt;/a&gt;`
	for _, want := range []string{
		"Промоматериалы", "Баннеры", "Тексты", "Шаблоны писем",
		"Our CRM, 14 days free: http://t.test/r/alpha\nPromo code ALPHA10 gives 10% off.",
		`data-copy="Our CRM, 14 days free: http://t.test/r/alpha`, "Try it here: http://t.test/r/alpha",
		snippet, `src="/materials/` + itoa(bannerID) + `/image" width="728" height="90"`, "Sale ends ALPHA10",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("alpha's materials lack %q", want)
		}
	}
	for _, leftover := range []string{"{link}", "{promo_code}", "ZZZ-LAST", "beta-main"} {
		if strings.Contains(page, leftover) {
			t.Errorf("alpha's materials show %q", leftover)
		}
	}

	// Beta has a link but no promo code yet: their own link, a warning, and nothing of alpha's.
	bb, _ := f.signIn(t, "beta@x.test")
	_, page = bb.do("GET", "/materials", nil)
	for _, want := range []string{"Our CRM, 14 days free: http://t.test/r/beta-main", "Promo code {promo_code}", "you have none yet",
		`href=&#34;http://t.test/r/beta-main&#34;`} {
		if !strings.Contains(page, want) {
			t.Errorf("beta's materials lack %q", want)
		}
	}
	for _, foreign := range []string{"/r/alpha", "ALPHA10", "Alpha Media"} {
		if strings.Contains(page, foreign) {
			t.Errorf("beta's materials show alpha's %q", foreign)
		}
	}

	// A partner without any link is told to create one, and gets no snippet.
	f.db.ExecContext(ctx, `UPDATE links SET disabled_at = $2 WHERE partner_id = $1`, beta, now)
	_, page = bb.do("GET", "/materials", nil)
	if !strings.Contains(page, "no active referral link") || strings.Contains(page, "&lt;a href=") {
		t.Errorf("beta without a link:\n%s", page)
	}

	// Staff are sent to the back office.
	sb, _ := f.signIn(t, "manager@x.test")
	if r, _ := sb.do("GET", "/materials", nil); r.StatusCode != 303 || r.Header.Get("Location") != "/admin" {
		t.Errorf("staff on /materials: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}
