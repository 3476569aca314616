package backoffice

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"partnerka/storage"
	"partnerka/web/webtest"
)

func TestPayoutQueue(t *testing.T) {
	f := newFixture(t)
	first := f.requestPayout(t, "12450")
	second := f.requestPayout(t, "500")
	fin, token := f.SignIn(t, "finance@x.test") // reads Russian
	path := "/admin/payouts/" + strconv.FormatInt(first, 10)

	_, page := fin.Do("GET", "/admin/payouts", nil)
	for _, want := range []string{"Alpha Media", "12\u00a0450,00\u00a0₽", "12\u00a0950,00\u00a0₽", "40817810000001234"} {
		if !strings.Contains(page, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	_, page = fin.Do("GET", path, nil)
	if !strings.Contains(page, "Одобрить 12\u00a0450,00\u00a0₽ партнёру Alpha Media") {
		t.Errorf("the payout page does not say what approving does:\n%s", page)
	}
	// Rejecting needs a reason; marking paid needs approval first.
	if resp, page := fin.Do("POST", path+"/reject", url.Values{"_csrf": {token}}); resp.StatusCode != 422 || !strings.Contains(page, "Укажите причину") {
		t.Errorf("reject without reason: %d", resp.StatusCode)
	}
	if resp, _ := fin.Do("POST", path+"/paid", url.Values{"_csrf": {token}, "reference": {"PP-1"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("paid before approval: %d, want 409", resp.StatusCode)
	}
	if resp, _ := fin.Do("POST", path+"/approve", url.Values{"_csrf": {token}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	if resp, page := fin.Do("POST", path+"/paid", url.Values{"_csrf": {token}}); resp.StatusCode != 422 || !strings.Contains(page, "Укажите номер платёжного документа банка") {
		t.Errorf("paid without reference: %d", resp.StatusCode)
	}
	// The second is rejected: its amount is available again.
	resp, _ := fin.Do("POST", "/admin/payouts/"+strconv.FormatInt(second, 10)+"/reject", url.Values{"_csrf": {token}, "reason": {"Wrong account"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject: %d", resp.StatusCode)
	}

	// The bank export lists the approved payout with its account.
	resp, csvText := fin.Do("GET", "/admin/payouts.csv", nil)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("content type %q", ct)
	}
	wantLine := strconv.FormatInt(first, 10) + ",alpha,Alpha Media,12450.00,RUB,bank,40817810000001234,"
	if lines := strings.Split(strings.TrimSpace(csvText), "\n"); len(lines) != 2 || !strings.HasPrefix(lines[1], wantLine) {
		t.Errorf("export:\n%s\nwant a line starting %s", csvText, wantLine)
	}

	// The bank's file, uploaded by someone other than the approver (four
	// eyes): a bad line refuses the whole file.
	adm, admToken := f.SignIn(t, "admin@x.test")
	upload := func(body string) (*http.Response, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.WriteField("_csrf", admToken)
		fw, _ := w.CreateFormFile("file", "paid.csv")
		fw.Write([]byte(body))
		w.Close()
		req := httptest.NewRequest("POST", "/admin/payouts/paid", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		for _, c := range adm.Cookies {
			req.AddCookie(c)
		}
		resp, err := f.App.Test(req, 10000)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		out.ReadFrom(resp.Body)
		return resp, out.String()
	}
	id1, id2 := strconv.FormatInt(first, 10), strconv.FormatInt(second, 10)
	resp, page = upload("payout_id,reference\n" + id1 + ",PP-77\n" + id2 + ",PP-78\n")
	if resp.StatusCode != 422 || !strings.Contains(page, "Line 3") || !strings.Contains(page, "rejected") {
		t.Errorf("a file with a rejected payout: %d\n%s", resp.StatusCode, page)
	}
	if p, _ := f.DB.AdminPayout(context.Background(), first); p.Status != storage.PayoutApproved {
		t.Errorf("a refused file changed payout %d to %s", first, p.Status)
	}
	resp, _ = upload("\ufeffPayout_ID,Reference\n" + id1 + ",PP-77\n")
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d", resp.StatusCode)
	}
	p, _ := f.DB.AdminPayout(context.Background(), first)
	if p.Status != storage.PayoutPaid || p.PaidReference != "PP-77" {
		t.Errorf("after the file: %s %q", p.Status, p.PaidReference)
	}

	// The partner sees it paid and the rejection's reason.
	a, _ := f.SignIn(t, "alpha@x.test")
	_, page = a.Do("GET", "/payouts", nil)
	for _, want := range []string{"PP-77", "Wrong account"} {
		if !strings.Contains(page, want) {
			t.Errorf("the partner's payouts lack %q", want)
		}
	}
	// A manager cannot reach the queue at all.
	mgr, mtoken := f.SignIn(t, "manager@x.test")
	if resp, _ := mgr.Do("POST", path+"/approve", url.Values{"_csrf": {mtoken}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("manager approving: %d, want 403", resp.StatusCode)
	}
}

// 50 concurrent approvals, then 50 concurrent mark-paid requests, through
// the handlers, from two finance people at once (the payment from two who
// did not approve: four eyes): exactly one transition each, one audit
// record each, and the balances still verify.
func TestPayoutConcurrency(t *testing.T) {
	f := newFixture(t)
	id := f.requestPayout(t, "3000")
	path := "/admin/payouts/" + strconv.FormatInt(id, 10)
	if _, err := f.DB.Exec(`INSERT INTO users (email, password_hash, role, locale, created_at)
		SELECT 'finance2@x.test', password_hash, 'finance', 'en', created_at FROM users WHERE email = 'finance@x.test'`); err != nil {
		t.Fatal(err)
	}
	type signedIn struct {
		b     *webtest.Browser
		token string
		id    int64
	}
	staff := map[string]signedIn{}
	for _, email := range []string{"finance@x.test", "admin@x.test", "finance2@x.test"} {
		b, token := f.SignIn(t, email)
		u, err := f.DB.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatal(err)
		}
		staff[email] = signedIn{b, token, u.ID}
	}
	fire := func(action string, form url.Values, who ...signedIn) map[int]int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for i := 0; i < 50; i++ {
			s := who[i%len(who)]
			values := url.Values{"_csrf": {s.token}}
			for k, v := range form {
				values[k] = v
			}
			req := httptest.NewRequest("POST", path+"/"+action, strings.NewReader(values.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for _, c := range s.b.Cookies {
				req.AddCookie(c)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := f.App.Test(req, 30000)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		return codes
	}
	if got := fire("approve", nil, staff["finance@x.test"], staff["admin@x.test"]); got[http.StatusSeeOther] != 1 || got[http.StatusConflict] != 49 {
		t.Errorf("approvals: %v, want one 303 and 49 409", got)
	}
	p, err := f.DB.AdminPayout(context.Background(), id)
	if err != nil || p.DecidedByID == nil {
		t.Fatalf("after the approvals: %+v %v", p, err)
	}
	var others []signedIn
	for _, s := range staff {
		if s.id != *p.DecidedByID {
			others = append(others, s)
		}
	}
	if got := fire("paid", url.Values{"reference": {"PP-9"}}, others...); got[http.StatusSeeOther] != 1 || got[http.StatusConflict] != 49 {
		t.Errorf("mark paid: %v, want one 303 and 49 409", got)
	}
	actions := f.auditActions(t, "payout", id)
	if len(actions) != 2 || !strings.HasSuffix(actions[0], "payout.paid") || !strings.HasSuffix(actions[1], "payout.approved") {
		t.Errorf("audit %v, want one approval and one payment", actions)
	}
	var entries int
	if err := f.DB.Get(&entries, `SELECT count(*) FROM ledger_entries WHERE payout_id = $1`, id); err != nil || entries != 4 {
		t.Errorf("%d ledger entries for the payout, want 4 (reserve pair, pay pair): %v", entries, err)
	}
	bs, _ := f.DB.PartnerBalances(context.Background(), f.Seed.Partners["alpha"])
	for _, b := range bs {
		if want := map[string]string{"paid": "3000", "available": "0", "reserved": "0"}[b.Bucket]; b.Amount.String() != want {
			t.Errorf("%s %s, want %s", b.Bucket, b.Amount, want)
		}
	}
	if bad, err := f.DB.VerifyBalances(context.Background()); err != nil || len(bad) > 0 {
		t.Errorf("verify: %v %v", bad, err)
	}
}

// Issue 20, finding 12: the queue stopped at 500 payouts and summed only
// those. It pages through every one of a status, and its totals, per
// currency, are of all of them on every page.
func TestPayoutQueuePagesWithHonestTotals(t *testing.T) {
	f := newFixture(t)
	alpha, owner := f.Seed.Partners["alpha"], f.Seed.Users["alpha@x.test"]
	// 130 requests: 1..120 RUB (7,260 in all), 121..130 USD (1,255).
	if _, err := f.DB.Exec(`INSERT INTO payouts (partner_id, amount, currency, status, method, details, requested_by, requested_at)
		SELECT $1, i, CASE WHEN i <= 120 THEN 'RUB' ELSE 'USD' END, 'requested', 'bank', '{"account": "4081"}', $2,
		       $3::timestamptz - (200 - i) * interval '1 minute'
		  FROM generate_series(1, 130) AS i`, alpha, owner, now); err != nil {
		t.Fatal(err)
	}
	b, _ := f.SignIn(t, "admin@x.test")
	rowIDs := regexp.MustCompile(`<td data-label="#"><a href="/admin/payouts/(\d+)">`)
	seen := map[string]bool{}
	path, pages := "/admin/payouts?status=requested", 0
	for path != "" {
		pages++
		resp, page := b.Do("GET", path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		ids := rowIDs.FindAllStringSubmatch(page, -1)
		want := map[int]int{1: 100, 2: 30}[pages]
		if len(ids) != want {
			t.Errorf("page %d lists %d payouts, want %d", pages, len(ids), want)
		}
		for _, s := range []string{"₽7,260.00", "$1,255.00", fmt.Sprintf("%d shown of 130", want)} {
			if !strings.Contains(page, s) {
				t.Errorf("page %d lacks %q", pages, s)
			}
		}
		for _, m := range ids {
			if seen[m[1]] {
				t.Errorf("payout %s on two pages", m[1])
			}
			seen[m[1]] = true
		}
		path = ""
		if m := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(page); m != nil {
			path = html.UnescapeString(m[1])
		}
		if pages > 3 {
			t.Fatal("the pager does not end")
		}
	}
	if len(seen) != 130 || pages != 2 {
		t.Errorf("%d payouts over %d pages, want 130 over 2", len(seen), pages)
	}
	// Beside a payout and on the partner's page: the latest 100, said so.
	var id int64
	f.DB.Get(&id, `SELECT min(id) FROM payouts`)
	for _, path := range []string{"/admin/payouts/" + strconv.FormatInt(id, 10), "/admin/partners/" + strconv.FormatInt(alpha, 10)} {
		if _, page := b.Do("GET", path, nil); !strings.Contains(page, "The latest 100 of 130 payouts.") {
			t.Errorf("%s does not say how many payouts it lists", path)
		}
	}
}
