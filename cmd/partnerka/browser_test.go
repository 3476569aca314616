package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"partnerka/storage"
)

// chromium finds the browser make test installs, or skips when a
// developer runs this package by hand without one (never in CI).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("Chromium is not installed; make test installs it")
	}
	t.Skip("Chromium is not installed: run `make test`, which installs it")
	return ""
}

// TestPartnerJourney drives the real server in headless Chromium through
// what a partner and the program's team do: apply; a manager approves in
// the back office; the partner signs in and creates a link; a visitor
// clicks it, the vendor reports the lead and the payment, the reconciler
// earns the commission, the partner sees it and requests a payout;
// finance approves and pays it; the partner sees it paid. Screenshots of
// each page go to the folder the test logs.
func TestPartnerJourney(t *testing.T) {
	browser := chromium(t)
	e, tracker, cabinet := demoEnv(t)
	db := openRaw(t, e["PARTNERKA_DATABASE_URL"])
	if _, err := db.Exec(`UPDATE program_settings SET hold_days = 0, updated_at = $1`, time.Now()); err != nil {
		t.Fatal(err)
	}
	serveFor(t, e)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := "http://" + cabinet

	shots := filepath.Join(os.TempDir(), "partnerka-screens-"+time.Now().Format("150405"))
	os.MkdirAll(shots, 0o755)
	t.Logf("screenshots in %s", shots)
	actx, acancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.WindowSize(1100, 1400))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatal(err)
	}
	step, textOf := browserSteps(t, bctx, shots)
	var text string

	// Apply.
	step("01-apply",
		chromedp.Navigate(base+"/apply"),
		chromedp.SetValue(chromedp.CSS("#kind"), "person"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Zeta Reviews"),
		chromedp.SendKeys(chromedp.CSS("#contact_name"), "Zoe Zimmer"),
		chromedp.SendKeys(chromedp.CSS("#email"), "zoe@zeta.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), "zoe's long password"),
		chromedp.SendKeys(chromedp.CSS("#promotion"), "Video reviews"),
		chromedp.Submit(chromedp.CSS("#promotion")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	text = textOf(".notice")
	if !strings.Contains(text, "Check your email") && !strings.Contains(text, "Проверьте почту") {
		t.Fatalf("after applying: %q", text)
	}

	// A manager approves the application in the back office: the Referral
	// partner type on Referral v1.
	var partnerID, typeID, versionID int64
	db.QueryRow(`SELECT partner_id FROM users WHERE email = 'zoe@zeta.test'`).Scan(&partnerID)
	db.QueryRow(`SELECT id FROM partner_types WHERE code = 'referral'`).Scan(&typeID)
	db.QueryRow(`SELECT v.id FROM plan_versions v JOIN plans p ON p.id = v.plan_id WHERE p.name = 'Referral' AND v.version = 1`).Scan(&versionID)
	signIn := func(name, email, password, landed string) {
		t.Helper()
		step(name,
			chromedp.Navigate(base+"/login"),
			chromedp.SendKeys(chromedp.CSS("#email"), email),
			chromedp.SendKeys(chromedp.CSS("#password"), password),
			chromedp.Submit(chromedp.CSS("#password")),
			chromedp.WaitVisible(chromedp.CSS(landed)),
		)
	}
	signOut := func() {
		t.Helper()
		step("sign-out", chromedp.Submit(chromedp.CSS("form[action='/logout'] button")), chromedp.WaitVisible(chromedp.CSS("#email")))
	}
	signIn("02-manager", "manager@demo.partnerka.test", "partnerka-demo", "a[href='/admin/partners?status=applied']")
	step("03-application",
		chromedp.Click(chromedp.CSS("a[href='/admin/partners?status=applied']")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("a[href='/admin/partners/%d']", partnerID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("a[href='/admin/partners/%d']", partnerID))),
		chromedp.WaitVisible(chromedp.CSS("#approve")),
		chromedp.SetValue(chromedp.CSS("#type"), fmt.Sprint(typeID)),
		chromedp.SetValue(chromedp.CSS("#version"), fmt.Sprint(versionID)),
		chromedp.Submit(chromedp.CSS("#version")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if text = textOf("body"); !strings.Contains(text, "Referral v1") || !strings.Contains(text, "partner.approve") {
		t.Fatalf("the partner page after approval:\n%s", text)
	}
	// The manager hands the new partner a promo code.
	step("03-promo-code",
		chromedp.Click(chromedp.CSS("details:has(#promo) > summary")),
		chromedp.WaitVisible(chromedp.CSS("#promo-codes-typed")),
		chromedp.SendKeys(chromedp.CSS("#promo-codes-typed"), "ZOE-2WEEKS"),
		chromedp.SendKeys(chromedp.CSS("#promo-discount"), "две недели бесплатно"),
		chromedp.Submit(chromedp.CSS("#promo-discount")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if text = textOf("#promo-codes + table"); !strings.Contains(text, "ZOE-2WEEKS") || !strings.Contains(text, "две недели бесплатно") {
		t.Fatalf("the partner's promo codes after creating one: %q", text)
	}
	signOut()

	// Sign in, create a link.
	signIn("04-dashboard", "zoe@zeta.test", "zoe's long password", "#clicks")
	step("05-links",
		chromedp.Navigate(base+"/links"),
		chromedp.SendKeys(chromedp.CSS("#destination"), "https://demo.example.com/pricing"),
		chromedp.SendKeys(chromedp.CSS("#code"), "zoe-pricing"),
		chromedp.Submit(chromedp.CSS("#code")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	text = textOf("body")
	if !strings.Contains(text, "/r/zoe-pricing") || !strings.Contains(text, "ZOE-2WEEKS") {
		t.Fatalf("the new link or the promo code is not listed:\n%s", text)
	}

	// A visitor clicks the link (the tracker learns of it within a second).
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var clickID string
	for i := 0; i < 200 && clickID == ""; i++ { // up to 10 s: the tracker learns of a new link within a second, slower on a loaded machine
		req, _ := http.NewRequest("GET", "http://"+tracker+"/r/zoe-pricing?utm_source=yt", nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if u, err := url.Parse(resp.Header.Get("Location")); err == nil && u.Path == "/pricing" {
			clickID = u.Query().Get("pk_click")
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if clickID == "" {
		t.Fatal("the new link never redirected with a click id")
	}

	// The vendor reports the sign-up and the payment.
	raw := "pk_browser_test_key_0123456789"
	sum := sha256.Sum256([]byte(raw))
	sdb, err := storage.Open(context.Background(), e["PARTNERKA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	sdb.Prepare(context.Background())
	if _, err := sdb.CreateAPIKey(context.Background(), "browser test", "pk_brow", sum[:]); err != nil {
		t.Fatal(err)
	}
	api := func(path, body string) {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+tracker+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+raw)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %v %v", path, resp.Status, err)
		}
		resp.Body.Close()
	}
	api("/api/v1/leads", fmt.Sprintf(`{"customer_id":"zeta-cust-1","click_id":%q,"email":"buyer@corp.example"}`, clickID))
	api("/api/v1/purchases", `{"id":"zeta-inv-1","customer_id":"zeta-cust-1","amount":"12450.00","currency":"RUB","product":"crm"}`)

	// The reconciler (every 200 ms inside serve) earns the commission.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		db.QueryRow(`SELECT count(*) FROM commissions WHERE partner_id = $1 AND commission_status(status, flagged, hold_until) = 'available'`, partnerID).Scan(&n)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no available commission after 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	step("06-earnings",
		chromedp.Navigate(base+"/earnings"),
	)
	text = textOf("body")
	if !strings.Contains(text, "20% of 12450.00 RUB, first payment, plan Referral v1") {
		t.Fatalf("earnings page lacks the commission:\n%s", text)
	}

	// Payout details, then the payout with its confirmation.
	step("07-settings",
		chromedp.Navigate(base+"/settings"),
		chromedp.SendKeys(chromedp.CSS("#account"), "40702810900000001234"),
		chromedp.Submit(chromedp.CSS("#account")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	// A postback URL for the partner's own tracker.
	step("07-postback",
		chromedp.Navigate(base+"/settings"),
		chromedp.SendKeys(chromedp.CSS("#postback_url"), "https://tracker.example/pb?click={click_id}&payout={amount}"),
		chromedp.Submit(chromedp.CSS("#postback_url")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if text = textOf(".notice"); !strings.Contains(text, "Postback URL saved") {
		t.Fatalf("after saving the postback URL: %q", text)
	}
	// The test button calls it once (tracker.example does not answer:
	// the page says the test failed, and why).
	step("07-postback-test",
		chromedp.Click(chromedp.CSS(`form[action="/settings/postback/test"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#postback [role="status"]`)),
	)
	if text = textOf(`#postback [role="status"]`); !strings.Contains(text, "Test postback") {
		t.Fatalf("after the test postback: %q", text)
	}
	step("08-confirm",
		chromedp.Navigate(base+"/payouts"),
		chromedp.SendKeys(chromedp.CSS("#amount"), "2490.00"),
		chromedp.SendKeys(chromedp.CSS("#currency"), "RUB"),
		chromedp.Submit(chromedp.CSS("#currency")),
		chromedp.WaitVisible(chromedp.CSS("#question")),
	)
	text = textOf("#question")
	if !strings.Contains(text, "2,490.00") && !strings.Contains(text, "2\u00a0490,00") || !strings.Contains(text, "1234") {
		t.Fatalf("confirmation %q does not say what will happen", text)
	}
	step("09-requested",
		chromedp.Submit(chromedp.CSS("form[action='/payouts'] button")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	text = textOf(".events")
	if !strings.Contains(text, "requested") && !strings.Contains(text, "заявка") {
		t.Fatalf("payout history: %q", text)
	}
	var status string
	db.QueryRow(`SELECT status FROM payouts WHERE partner_id = $1`, partnerID).Scan(&status)
	if status != "requested" {
		t.Errorf("payout %q, want requested", status)
	}
	signOut()

	// Finance approves the request; under four eyes someone else pays it
	// and records the bank's reference.
	var payoutID int64
	db.QueryRow(`SELECT id FROM payouts WHERE partner_id = $1`, partnerID).Scan(&payoutID)
	signIn("10-finance", "finance@demo.partnerka.test", "partnerka-demo", "a[href='/admin/payouts?status=requested']")
	step("11-payout",
		chromedp.Click(chromedp.CSS("a[href='/admin/payouts?status=requested']")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf("a[href='/admin/payouts/%d']", payoutID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf("a[href='/admin/payouts/%d']", payoutID))),
		chromedp.WaitVisible(chromedp.CSS("#approve")),
		chromedp.Click(chromedp.CSS("#approve")),
		chromedp.WaitVisible(chromedp.CSS("#four-eyes")),
	)
	signOut()
	signIn("11-admin", "admin@demo.partnerka.test", "partnerka-demo", "a[href='/admin/settings']")
	step("11-paid",
		chromedp.Navigate(fmt.Sprintf("%s/admin/payouts/%d", base, payoutID)),
		chromedp.WaitVisible(chromedp.CSS("#reference")),
		chromedp.SendKeys(chromedp.CSS("#reference"), "PP-2026-0001"),
		chromedp.Submit(chromedp.CSS("#reference")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	signOut()

	// The partner sees it paid, with the reference.
	signIn("12-partner-again", "zoe@zeta.test", "zoe's long password", "#clicks")
	step("13-paid", chromedp.Navigate(base+"/payouts"), chromedp.WaitVisible(chromedp.CSS(".events")))
	if text = textOf(".events"); !strings.Contains(text, "PP-2026-0001") || !strings.Contains(text, "paid") && !strings.Contains(text, "выплач") {
		t.Fatalf("the partner's payout history after payment: %q", text)
	}
	step("14-materials", chromedp.Navigate(base+"/materials"), chromedp.WaitVisible(chromedp.CSS("h1")))
	// The partner disables the link: the tracker sends its visitors to
	// the landing page, attributing nothing.
	const zoeLink = `li:has(a[href="/links/qr?code=zoe-pricing"])`
	step("14-disable-link",
		chromedp.Navigate(base+"/links"),
		chromedp.Click(chromedp.CSS(zoeLink+" summary")),
		chromedp.Click(chromedp.CSS(zoeLink+` form[action$="/disable"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	disabled := false
	for i := 0; i < 100 && !disabled; i++ { // within a second; up to 5 s on a loaded machine
		req, _ := http.NewRequest("GET", "http://"+tracker+"/r/zoe-pricing", nil)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36")
		resp, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if disabled = resp.Header.Get("X-Partnerka-Reason") == "disabled"; !disabled {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !disabled {
		t.Fatal("the disabled link still attributes")
	}
	signOut()

	// An admin looks over the rest of the back office: each page renders
	// in the browser and the journey shows in the reports and audit log.
	signIn("15-admin", "admin@demo.partnerka.test", "partnerka-demo", "a[href='/admin/settings']")
	for i, page := range []string{"/admin/reports?period=this_month", "/admin/audit", "/admin/plans", "/admin/settings", "/admin/materials", "/admin/staff", fmt.Sprintf("/admin/partners/%d", partnerID)} {
		step(fmt.Sprintf("%d-%s", 16+i, strings.NewReplacer("/", "_", "?", "_", "=", "_").Replace(strings.TrimPrefix(page, "/admin/"))),
			chromedp.Navigate(base+page), chromedp.WaitVisible(chromedp.CSS("h1")))
		if text = textOf("main"); strings.Contains(text, "Internal error") {
			t.Fatalf("%s: %s", page, text)
		}
		switch {
		case strings.HasPrefix(page, "/admin/audit"):
			if !strings.Contains(text, "payout.paid") || !strings.Contains(text, "partner.approve") {
				t.Errorf("the audit log lacks the journey's actions:\n%s", text)
			}
		case strings.HasPrefix(page, "/admin/reports"):
			if !strings.Contains(text, "Zeta Reviews") {
				t.Errorf("the leaderboard lacks the journey's partner:\n%s", text)
			}
		}
	}
}

func waitHTTP(t *testing.T, u string) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered", u)
}
