package backoffice

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"partnerka"
	"partnerka/web"
	"partnerka/web/webtest"
)

func TestAdminMaterials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b, csrf := f.SignIn(t, "manager@x.test")
	r, page := b.Do("GET", "/admin/materials", nil)
	if r.StatusCode != 200 || !strings.Contains(page, "No materials yet") {
		t.Fatalf("empty list: %d\n%s", r.StatusCode, page)
	}
	banner := webtest.PNG(t, 728, 90)
	big := append(webtest.PNG(t, 10, 10), make([]byte, web.MaxBannerBytes)...)
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
		{"webp banner", form("banner", "Skyscraper", ""), "s.webp", webtest.WebPHeader("VP8L", 160, 600), 303, nil, "image/webp"},
		{"text", form("text", "Telegram post", "Our CRM, 14 days free: {link}\nPromo code {promo_code} gives 10% off."), "", nil, 303, nil, ""},
		{"email", form("email", "Cold email", "Hello!\n\nTry it here: {link}"), "", nil, 303, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, out := b.Upload("/admin/materials", tc.fields, tc.file, tc.content)
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
				f.DB.Get(&typ, `SELECT image_type FROM materials WHERE title = $1`, tc.fields["title"])
				if typ != tc.wantType {
					t.Errorf("stored type %q, want %q", typ, tc.wantType)
				}
			}
		})
	}
	var n int
	f.DB.Get(&n, `SELECT count(*) FROM materials`)
	if n != 4 {
		t.Errorf("%d materials stored, want the 4 valid ones", n)
	}
	_, page = b.Do("GET", "/admin/materials?done=mat_created", nil)
	for _, want := range []string{"The material is added", "Leaderboard 728x90", "728 × 90 · PNG · 1\u00a0KB", "160 × 600 · WEBP", "Telegram post", "Cold email"} {
		if !strings.Contains(page, want) {
			t.Errorf("list lacks %q", want)
		}
	}

	var bannerID, textID int64
	f.DB.Get(&bannerID, `SELECT id FROM materials WHERE title = 'Leaderboard 728x90'`)
	f.DB.Get(&textID, `SELECT id FROM materials WHERE kind = 'text'`)
	var audited int
	f.DB.Get(&audited, `SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.action = 'material.create' AND u.email = 'manager@x.test'`)
	if audited != 4 {
		t.Errorf("%d material.create audit records by the manager, want 4", audited)
	}

	// The image is public (partners' sites show it), typed, not sniffable, cached.
	anon := f.Browser(t)
	r, img := anon.Do("GET", "/materials/"+strconv.FormatInt(bannerID, 10)+"/image", nil)
	if r.StatusCode != 200 || img != string(banner) || r.Header.Get("Content-Type") != "image/png" ||
		r.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(r.Header.Get("Cache-Control"), "max-age=") ||
		r.Header.Get("ETag") == "" {
		t.Errorf("image: %d %v (%d bytes)", r.StatusCode, r.Header, len(img))
	}
	req := httptest.NewRequest("GET", "/materials/"+strconv.FormatInt(bannerID, 10)+"/image", nil)
	req.Header.Set("If-None-Match", r.Header.Get("ETag"))
	if resp, _ := f.App.Test(req); resp.StatusCode != 304 {
		t.Errorf("revalidation: %d, want 304", resp.StatusCode)
	}
	for _, path := range []string{"/materials/999999/image", "/materials/" + strconv.FormatInt(textID, 10) + "/image", "/materials/x/image"} {
		if r, _ := anon.Do("GET", path, nil); r.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", path, r.StatusCode)
		}
	}

	// Deleting asks first, then deletes for everyone and is audited.
	r, page = b.Do("POST", "/admin/materials/"+strconv.FormatInt(bannerID, 10)+"/delete", map[string][]string{"_csrf": {csrf}})
	if r.StatusCode != 200 || !strings.Contains(page, "Delete the banner “Leaderboard 728x90” for every partner?") || !strings.Contains(page, "broken image") {
		t.Fatalf("confirmation: %d\n%s", r.StatusCode, page)
	}
	if _, err := f.DB.MaterialByID(ctx, bannerID); err != nil {
		t.Fatalf("deleted before confirmation: %v", err)
	}
	confirm := map[string][]string{"_csrf": {csrf}, "confirm": {"1"}}
	if r, _ := b.Do("POST", "/admin/materials/"+strconv.FormatInt(bannerID, 10)+"/delete", confirm); r.StatusCode != 303 {
		t.Fatalf("delete: %d", r.StatusCode)
	}
	if _, err := f.DB.MaterialByID(ctx, bannerID); partnerka.ErrorCode(err) != partnerka.ENOTFOUND {
		t.Errorf("after delete: %v, want not_found", err)
	}
	if r, _ := anon.Do("GET", "/materials/"+strconv.FormatInt(bannerID, 10)+"/image", nil); r.StatusCode != 404 {
		t.Errorf("deleted banner's image: %d, want 404", r.StatusCode)
	}
	if r, _ := b.Do("POST", "/admin/materials/"+strconv.FormatInt(bannerID, 10)+"/delete", confirm); r.StatusCode != 404 {
		t.Errorf("deleting again: %d, want 404", r.StatusCode)
	}
	var before string
	f.DB.Get(&before, `SELECT before->>'title' FROM audit_log WHERE action = 'material.delete' AND entity_id = $1`, strconv.FormatInt(bannerID, 10))
	if before != "Leaderboard 728x90" {
		t.Errorf("delete audit records %q", before)
	}
}
