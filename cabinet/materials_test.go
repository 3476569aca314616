package cabinet

import (
	"context"
	"strings"
	"testing"

	"partnerka"
	"partnerka/storage"
	"partnerka/web/webtest"
)

func TestPartnerMaterials(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]

	// Before the program adds any, the page says what to expect.
	ab, _ := f.SignIn(t, "alpha@x.test")
	r, page := ab.Do("GET", "/materials", nil)
	if r.StatusCode != 200 || !strings.Contains(page, "Промоматериалов пока нет") || !strings.Contains(page, `href="/materials"`) {
		t.Fatalf("empty materials page: %d\n%s", r.StatusCode, page)
	}

	var manager int64
	f.DB.Get(&manager, `SELECT id FROM users WHERE email = 'manager@x.test'`)
	staff := storage.Actor{UserID: manager}
	add := func(m storage.NewMaterial) int64 {
		t.Helper()
		m.At = now
		id, err := f.DB.CreateMaterial(ctx, staff, m)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	bannerID := add(storage.NewMaterial{Kind: "banner", Title: "Leaderboard", Body: "Sale ends {promo_code}", Image: webtest.PNG(t, 728, 90), ImageType: "image/png"})
	add(storage.NewMaterial{Kind: "text", Title: "Telegram post", Body: "Our CRM, 14 days free: {link}\nPromo code {promo_code} gives 10% off."})
	add(storage.NewMaterial{Kind: "email", Title: "Cold email", Body: "Hello!\n\nTry it here: {link}"})
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO promo_codes (partner_id, code, created_at, updated_at) VALUES ($1, 'ALPHA10', $2, $2), ($1, 'ZZZ-LAST', $2, $2)`, alpha, now); err != nil {
		t.Fatal(err)
	}
	if err := f.DB.CreateLink(ctx, &partnerka.Link{PartnerID: beta, Code: "beta-main", Destination: "https://example.com/", IsDefault: true}); err != nil {
		t.Fatal(err)
	}

	_, page = ab.Do("GET", "/materials", nil)
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
	bb, _ := f.SignIn(t, "beta@x.test")
	_, page = bb.Do("GET", "/materials", nil)
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
	f.DB.ExecContext(ctx, `UPDATE links SET disabled_at = $2 WHERE partner_id = $1`, beta, now)
	_, page = bb.Do("GET", "/materials", nil)
	if !strings.Contains(page, "no active referral link") || strings.Contains(page, "&lt;a href=") {
		t.Errorf("beta without a link:\n%s", page)
	}

	// Staff are sent to the back office.
	sb, _ := f.SignIn(t, "manager@x.test")
	if r, _ := sb.Do("GET", "/materials", nil); r.StatusCode != 303 || r.Header.Get("Location") != "/admin" {
		t.Errorf("staff on /materials: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
}
