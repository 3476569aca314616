package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestReviewJourney drives the real server in headless Chromium through
// the review queue as the demo manager (who reads Russian): a fraud flag
// on one of alpha's customers holds that customer's commissions; the
// manager sees the badge, opens the queue and the group with its
// evidence and held money, confirms the breach with a reason, and finds
// the queue without the group and the decision in the audit log.
func TestReviewJourney(t *testing.T) {
	browser := chromium(t)
	e, _, cabinet := demoEnv(t)
	db := openRaw(t, e["PARTNERKA_DATABASE_URL"])
	var alpha, customer int64
	var external string
	if err := db.QueryRow(`SELECT c.partner_id, c.id, c.external_id FROM customers c
		JOIN partners p ON p.id = c.partner_id AND p.ref = 'alpha'
		WHERE EXISTS (SELECT 1 FROM commissions k WHERE k.customer_id = c.id AND k.partner_id = c.partner_id AND k.status = 'earned')
		ORDER BY c.id DESC LIMIT 1`).Scan(&alpha, &customer, &external); err != nil {
		t.Fatalf("a customer of alpha with commissions: %v", err)
	}
	// The flag as the self-referral rule raises it; the serve's review step
	// holds the customer's commissions.
	evidence := fmt.Sprintf(`{"customer": %q, "email": "anna.petrova+test@alpha.example.com", "click_ip": "203.0.113.7",
		"matches": [{"kind": "email", "value": "anna.petrova+test@alpha.example.com", "member": "alpha@demo.partnerka.test"}]}`, external)
	if _, err := db.Exec(`INSERT INTO review_flags (partner_id, rule, key, customer_id, evidence, created_at)
		VALUES ($1, 'self_referral', 'customer:' || $2::bigint, $2, $3, $4)`, alpha, customer, evidence, time.Now()); err != nil { // wall: the demo's server runs on the wall clock
		t.Fatal(err)
	}
	serveFor(t, e)
	deadline := time.Now().Add(20 * time.Second) // elapsed
	for {
		var held int
		db.QueryRow(`SELECT count(*) FROM commissions WHERE customer_id = $1 AND flagged AND status = 'earned'`, customer).Scan(&held)
		if held > 0 {
			break
		}
		if time.Now().After(deadline) { // elapsed
			t.Fatal("the review step did not hold the flagged customer's commissions")
		}
		time.Sleep(100 * time.Millisecond)
	}
	var others int
	db.QueryRow(`SELECT count(DISTINCT (partner_id, rule)) FROM review_flags WHERE status = 'open' AND NOT (partner_id = $1 AND rule = 'self_referral')`, alpha).Scan(&others)

	base := "http://" + cabinet
	shots := filepath.Join(os.TempDir(), "partnerka-review-"+time.Now().Format("150405")) // wall: a folder name
	os.MkdirAll(shots, 0o755)
	t.Logf("screenshots in %s", shots)
	bctx := headlessBrowser(t, browser)
	step, textOf := browserSteps(t, bctx, shots)
	step("01-manager",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#email"), "manager@demo.partnerka.test"),
		chromedp.SendKeys(chromedp.CSS("#password"), DemoPassword),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#card-review")),
	)
	if nav := textOf(`nav a[href="/admin/review"]`); !strings.Contains(nav, "Проверка") || !strings.Contains(nav, fmt.Sprint(others+1)) {
		t.Errorf("the navigation's review link: %q, want Проверка with %d", nav, others+1)
	}

	step("02-queue",
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/review"]`)),
		chromedp.WaitVisible(chromedp.CSS("#review-queue")),
	)
	if row := textOf(fmt.Sprintf(`tr[data-partner="%d"][data-rule="self_referral"]`, alpha)); !strings.Contains(row, "Самореферал") || !strings.Contains(row, "Alpha") {
		t.Errorf("the queue's row: %q", row)
	}

	step("03-group",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`tr[data-partner="%d"][data-rule="self_referral"] a.review-open`, alpha))),
		chromedp.WaitVisible(chromedp.CSS("#review-form")),
	)
	if ev := textOf("#flags"); !strings.Contains(ev, "Email совпадает с email команды") || !strings.Contains(ev, "anna.petrova+test@alpha.example.com") || !strings.Contains(ev, "203.0.113.7") {
		t.Errorf("the evidence: %q", ev)
	}
	if held := textOf("#held-commissions"); !strings.Contains(held, external) || !strings.Contains(held, "₽") {
		t.Errorf("the held commissions: %q", held)
	}
	confirm := textOf("#confirm-what")
	if !strings.Contains(confirm, "Будут сторнированы вознаграждения") || !strings.Contains(confirm, "₽") {
		t.Errorf("the confirmation does not say what is reversed: %q", confirm)
	}

	const reason = "Клиент — сотрудница партнёра, подтверждено звонком"
	step("04-decide",
		chromedp.Click(chromedp.CSS(`input[name="decision"][value="confirm"]`)),
		chromedp.SendKeys(chromedp.CSS("#review-reason"), reason),
		chromedp.Click(chromedp.CSS("#review-submit")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	if notice := textOf(".notice"); !strings.Contains(notice, "Нарушение подтверждено") {
		t.Errorf("after the decision: %q", notice)
	}
	if others == 0 {
		step("05-empty", chromedp.WaitVisible(chromedp.CSS("#review-empty")))
	}
	sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
	defer cancel()
	if n, err := chromedp.Run(sctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('tr[data-partner="%d"][data-rule="self_referral"]').length`, alpha))); err != nil || n != 0 {
		t.Errorf("the decided group is still in the queue (%d, %v)", n, err)
	}
	var rejected, flagged int
	db.QueryRow(`SELECT count(*) FILTER (WHERE status = 'rejected'), count(*) FILTER (WHERE status = 'earned') FROM commissions WHERE customer_id = $1`, customer).Scan(&rejected, &flagged)
	if rejected == 0 || flagged != 0 {
		t.Errorf("after confirming: %d of the customer's commissions rejected, %d still earned", rejected, flagged)
	}

	step("06-audit",
		chromedp.Navigate(base+"/admin/audit?action=review."),
		chromedp.WaitVisible(chromedp.CSS("table.audit")),
	)
	if audit := textOf("table.audit tbody tr"); !strings.Contains(audit, "review.confirm") || !strings.Contains(audit, reason) || !strings.Contains(audit, "Самореферал") {
		t.Errorf("the audit entry: %q", audit)
	}
}
