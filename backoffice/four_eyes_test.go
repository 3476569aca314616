package backoffice

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"partnerka/storage"
)

// Issue 17, four eyes: the same finance user approved payout #1 and
// marked it paid. Through the pages now: the approver's mark-paid is
// refused with a clear error (and the payout page tells them instead of
// offering the form); another finance person pays. An admin turning four
// eyes off in the settings lets the approver pay, and the audit log says
// four eyes were waived.
func TestFourEyesPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.requestPayout(t, "3000")
	path := "/admin/payouts/" + strconv.FormatInt(id, 10)
	fin, token := f.SignIn(t, "finance@x.test") // reads Russian
	if resp, _ := fin.Post(token, path+"/approve", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	resp, page := fin.Post(token, path+"/paid", url.Values{"reference": {"PP-1"}})
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "Принцип четырёх глаз: вы одобрили эту выплату") {
		t.Errorf("the approver marking it paid: %d, want 403 saying four eyes:\n%s", resp.StatusCode, page)
	}
	_, page = fin.Do("GET", path, nil)
	if !strings.Contains(page, `id="four-eyes"`) || strings.Contains(page, path+"/paid") {
		t.Errorf("the approver's payout page offers to mark it paid:\n%s", page)
	}
	if p, _ := f.DB.AdminPayout(ctx, id); p.Status != storage.PayoutApproved {
		t.Fatalf("after the refusal the payout is %s", p.Status)
	}
	adm, atoken := f.SignIn(t, "admin@x.test")
	_, page = adm.Do("GET", path, nil)
	if !strings.Contains(page, path+"/paid") {
		t.Errorf("another finance person is not offered the payment:\n%s", page)
	}
	if resp, _ := adm.Post(atoken, path+"/paid", url.Values{"reference": {"PP-1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("paid by the admin: %d", resp.StatusCode)
	}
	_, page = fin.Do("GET", path, nil)
	if !strings.Contains(page, "admin@x.test") || strings.Contains(page, "без второго подтверждения") {
		t.Errorf("the paid payout does not name who paid it:\n%s", page)
	}

	// Four eyes off, for a one-person finance team.
	_, page = adm.Do("GET", "/admin/settings", nil)
	if !strings.Contains(page, `name="four_eyes_payouts" value="on" checked`) {
		t.Errorf("the settings do not show four eyes on:\n%s", page)
	}
	form := settingsPost(atoken)
	form.Set("four_eyes_payouts", "off")
	if resp, _ := adm.Do("POST", "/admin/settings", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings: %d", resp.StatusCode)
	}
	recs := auditEntries(t, f, "settings.update")
	if len(recs) != 1 || !strings.Contains(string(recs[0].Before), `"four_eyes_payouts": true`) || !strings.Contains(string(recs[0].After), `"four_eyes_payouts": false`) {
		t.Errorf("the settings audit: %v", recs)
	}
	second := f.requestPayout(t, "2000")
	path2 := "/admin/payouts/" + strconv.FormatInt(second, 10)
	fin.Post(token, path2+"/approve", nil)
	_, page = fin.Do("GET", path2, nil)
	if !strings.Contains(page, "Принцип четырёх глаз для выплат отключён") || !strings.Contains(page, path2+"/paid") {
		t.Errorf("with four eyes off the approver's page:\n%s", page)
	}
	if resp, _ := fin.Post(token, path2+"/paid", url.Values{"reference": {"PP-2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the approver paying with four eyes off: %d", resp.StatusCode)
	}
	recs = auditEntries(t, f, "payout.paid")
	var after map[string]any
	json.Unmarshal(recs[len(recs)-1].After, &after)
	if recs[len(recs)-1].EntityID != strconv.FormatInt(second, 10) || after["four_eyes_waived"] != true {
		t.Errorf("the payment's audit: %s %v, want four_eyes_waived", recs[len(recs)-1].EntityID, after)
	}
	_, page = fin.Do("GET", path2, nil)
	if !strings.Contains(page, "без второго подтверждения") {
		t.Errorf("the payout page does not say four eyes were waived:\n%s", page)
	}
	_, page = adm.Do("GET", "/admin/audit?entity=payout&entity_id="+strconv.FormatInt(second, 10), nil)
	if !strings.Contains(page, "four_eyes_waived") {
		t.Errorf("the audit log does not show four eyes waived:\n%s", page)
	}
}

// Finance cancels an approved payout the bank bounced, with a reason: the
// amount is available to the partner again, and the partner reads why on
// their payouts page.
func TestCancelApprovedPayoutPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id := f.requestPayout(t, "3000")
	path := "/admin/payouts/" + strconv.FormatInt(id, 10)
	fin, token := f.SignIn(t, "finance@x.test")
	if resp, _ := fin.Post(token, path+"/cancel", url.Values{"reason": {"bounced"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("cancelling a request (it is rejected instead): %d, want 409", resp.StatusCode)
	}
	fin.Post(token, path+"/approve", nil)
	_, page := fin.Do("GET", path, nil)
	if !strings.Contains(page, path+"/cancel") || !strings.Contains(page, "сумма вернётся в доступный баланс партнёра") {
		t.Errorf("the approved payout's page does not offer the cancellation:\n%s", page)
	}
	if resp, page := fin.Post(token, path+"/cancel", url.Values{"reason": {" "}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Укажите причину") {
		t.Errorf("cancelling without a reason: %d", resp.StatusCode)
	}
	reason := "Банк вернул платёж: счёт закрыт"
	resp, _ := fin.Post(token, path+"/cancel", url.Values{"reason": {reason}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", resp.StatusCode)
	}
	_, page = fin.Do("GET", resp.Header.Get("Location"), nil)
	if !strings.Contains(page, "Отменено; сумма снова доступна партнёру.") || !strings.Contains(page, "finance@x.test") || !strings.Contains(page, reason) {
		t.Errorf("the cancelled payout's page:\n%s", page)
	}
	bs, _ := f.DB.PartnerBalances(ctx, f.Seed.Partners["alpha"])
	for _, b := range bs {
		if want := map[string]string{"available": "3000", "reserved": "0"}[b.Bucket]; want != "" && b.Amount.String() != want {
			t.Errorf("%s %s, want %s", b.Bucket, b.Amount, want)
		}
	}
	if actions := f.auditActions(t, "payout", id); len(actions) != 2 || !strings.HasSuffix(actions[0], "payout.cancelled") {
		t.Errorf("audit %v, want the cancellation after the approval", actions)
	}
	a, _ := f.SignIn(t, "alpha@x.test")
	_, page = a.Do("GET", "/payouts", nil)
	if !strings.Contains(page, reason) || !strings.Contains(page, "отменено") {
		t.Errorf("the partner does not see the cancellation and its reason:\n%s", page)
	}
	if bad, err := f.DB.VerifyBalances(ctx); err != nil || len(bad) > 0 {
		t.Errorf("verify: %v %v", bad, err)
	}
}
