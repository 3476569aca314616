package backoffice

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
)

// reviewWorld is the standard program with alpha and beta on a 10 % plan,
// customers with purchases whose commissions are in their hold, and two
// flags raised by hand, as the review step's rules raise them: alpha's
// customer c-self looks like alpha (self-referral, Nov 21), beta had a
// burst of clicks (click spam, Nov 22). The review step has held what
// they concern.
type reviewWorld struct {
	*fixture
	alpha, beta        int64
	cSelf, cTwo, cBeta int64
}

func newReviewWorld(t *testing.T) *reviewWorld {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rules := []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent", Percent: decimal.RequireFromString("10"), Payments: "all"}}
	res, err := f.DB.LoadSeed(ctx, storage.Seed{
		Plans: []storage.SeedPlan{{Name: "Standard", Version: 1, Rules: rules}},
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: "active"}, Plan: "Standard", ContractStart: start},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta Corp", Kind: "company", Status: "active"}, Plan: "Standard", ContractStart: start},
		},
	})
	must(err)
	w := &reviewWorld{fixture: f, alpha: res.Partners["alpha"], beta: res.Partners["beta"]}
	day := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, time.UTC) }
	bind := func(customer, email string, partner int64, at time.Time) int64 {
		var id int64
		must(f.DB.InLeadTx(ctx, func(tx *storage.LeadTx) error {
			c, err := tx.LockCustomer(ctx, customer, at, email, "")
			if err != nil {
				return err
			}
			id = c.ID
			if err := tx.BindCustomer(ctx, c.ID, storage.Binding{PartnerID: partner, Source: "partner_ref", BoundAt: at}); err != nil {
				return err
			}
			return tx.InsertDecision(ctx, storage.Decision{CustomerID: c.ID, PartnerID: partner, Source: "partner_ref", OccurredAt: at, Reason: "attributed"})
		}))
		return id
	}
	w.cSelf = bind("c-self", "anna+promo@x.test", w.alpha, day(20, 9))
	w.cTwo = bind("c-two", "buyer@corp.test", w.alpha, day(20, 10))
	w.cBeta = bind("c-beta", "client@client.test", w.beta, day(20, 11))
	buy := func(id, customer, amount string, at time.Time) {
		_, _, err := f.DB.CreatePurchase(ctx, &partnerka.Purchase{ExternalID: id, CustomerID: customer,
			Amount: partnerka.Money{Amount: decimal.RequireFromString(amount), Currency: "RUB"}, OccurredAt: at}, []byte("hash-"+id))
		must(err)
	}
	buy("inv-1", "c-self", "1000", day(20, 12))
	buy("inv-2", "c-self", "500", day(21, 12))
	buy("inv-3", "c-two", "2000", day(21, 13))
	buy("inv-4", "c-beta", "300", day(21, 14))
	_, err = (&commissions.Reconciler{Steps: []commissions.Step{&commissions.PurchaseStep{DB: f.DB}}}).RunOnce(ctx)
	must(err)

	w.flag(t, w.alpha, partnerka.RuleSelfReferral, fmt.Sprintf("customer:%d", w.cSelf), &w.cSelf, day(21, 10), map[string]any{
		"customer": "c-self", "email": "anna+promo@x.test", "click_ip": "203.0.113.7",
		"matches": []map[string]string{{"kind": "email", "value": "anna+promo@x.test", "member": "alpha@x.test"},
			{"kind": "network", "value": "203.0.113.9", "member": "alpha@x.test"}}})
	w.flag(t, w.beta, partnerka.RuleClickSpam, "net:198.51.100.0/24:2026-11-22", nil, day(22, 10), map[string]any{
		"network": "198.51.100.0/24", "from": "2026-11-22T09:00:00+00:00", "to": "2026-11-22T09:10:00+00:00",
		"clicks": 450, "threshold": 200})
	w.hold(t)
	return w
}

// flag raises a flag as the review step's SQL does.
func (w *reviewWorld) flag(t *testing.T, partner int64, rule, key string, customer *int64, at time.Time, evidence any) {
	t.Helper()
	b, _ := json.Marshal(evidence)
	if _, err := w.DB.Exec(`INSERT INTO review_flags (partner_id, rule, key, customer_id, evidence, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, partner, rule, key, customer, string(b), at); err != nil {
		t.Fatal(err)
	}
}

// hold runs the review step: it holds what the open flags concern.
func (w *reviewWorld) hold(t *testing.T) {
	t.Helper()
	if _, err := (&commissions.ReviewStep{DB: w.DB, Now: func() time.Time { return now }}).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// commissionStates lists a customer's commissions as status:flagged.
func (w *reviewWorld) commissionStates(t *testing.T, customer int64) string {
	t.Helper()
	var out []string
	if err := w.DB.Select(&out, `SELECT status || ':' || flagged FROM commissions WHERE customer_id = $1 ORDER BY id`, customer); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func (w *reviewWorld) pending(t *testing.T, partner int64) string {
	t.Helper()
	bs, err := w.DB.PartnerBalances(context.Background(), partner)
	if err != nil {
		t.Fatal(err)
	}
	sum := decimal.Zero
	for _, b := range bs {
		if b.Bucket == "pending" {
			sum = sum.Add(b.Amount)
		}
	}
	return sum.StringFixed(2)
}

func (w *reviewWorld) openFlags(t *testing.T) int {
	t.Helper()
	var n int
	if err := w.DB.Get(&n, `SELECT count(*) FROM review_flags WHERE status = 'open'`); err != nil {
		t.Fatal(err)
	}
	return n
}

func groupPath(partner int64, rule string) string {
	return fmt.Sprintf("/admin/review/%d/%s", partner, rule)
}

func TestReviewQueue(t *testing.T) {
	w := newReviewWorld(t)
	if got := w.commissionStates(t, w.cSelf); got != "earned:true earned:true" {
		t.Fatalf("c-self's commissions %s, want both held by the flag", got)
	}
	admin, _ := w.SignIn(t, "admin@x.test") // reads English

	t.Run("the queue, oldest first", func(t *testing.T) {
		resp, page := admin.Do("GET", "/admin/review", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%d", resp.StatusCode)
		}
		a := strings.Index(page, fmt.Sprintf(`data-partner="%d" data-rule="self_referral"`, w.alpha))
		b := strings.Index(page, fmt.Sprintf(`data-partner="%d" data-rule="click_spam"`, w.beta))
		if a < 0 || b < 0 || a > b {
			t.Fatalf("the queue does not list alpha's self-referral before beta's click spam (%d, %d):\n%s", a, b, page)
		}
		for _, want := range []string{"Self-referral", "Click spam", `href="` + groupPath(w.alpha, "self_referral") + `"`,
			`href="/admin/partners/` + fmt.Sprint(w.alpha) + `"`, "Nov 21, 2026 10:00 UTC", "₽150.00", "₽30.00", "1–2 of 2",
			`Review <span class="badge">2</span>`} {
			if !strings.Contains(page, want) {
				t.Errorf("the queue lacks %q", want)
			}
		}
	})

	t.Run("the group's evidence and what it holds", func(t *testing.T) {
		resp, page := admin.Do("GET", groupPath(w.alpha, "self_referral"), nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%d", resp.StatusCode)
		}
		for _, want := range []string{"Self-referral · Alpha Media", "Email matches the team&#39;s", "anna&#43;promo@x.test (alpha@x.test)",
			"Click from a network the team signs in from", "<code>203.0.113.7</code>", fmt.Sprintf(`href="/admin/customers/%d">c-self</a>`, w.cSelf),
			"inv-1", "inv-2", "₽100.00", "₽50.00", "Commissions reversed: 2, ₽150.00 in total", "Commissions released: 2 (₽150.00)",
			"Then Alpha Media is suspended", `value="suspend"`, "No flag of this partner has been decided before."} {
			if !strings.Contains(page, want) {
				t.Errorf("the group page lacks %q", want)
			}
		}
		if strings.Contains(page, "c-two") {
			t.Error("the self-referral group shows a commission of another customer")
		}
		_, page = admin.Do("GET", groupPath(w.beta, "click_spam"), nil)
		for _, want := range []string{"<code>198.51.100.0/24</code>", "Nov 22, 2026 09:00 UTC – Nov 22, 2026 09:10 UTC", "450", "more than 200", "c-beta", "₽30.00"} {
			if !strings.Contains(page, want) {
				t.Errorf("the click spam group lacks %q", want)
			}
		}
	})

	t.Run("not found", func(t *testing.T) {
		for _, path := range []string{"/admin/review/999999/self_referral", groupPath(w.alpha, "no_such_rule"), "/admin/review/x/self_referral"} {
			if resp, _ := admin.Do("GET", path, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
	})

	t.Run("finance may not", func(t *testing.T) {
		fin, token := w.SignIn(t, "finance@x.test")
		for _, r := range []struct{ method, path string }{{"GET", "/admin/review"}, {"GET", groupPath(w.alpha, "self_referral")}, {"POST", groupPath(w.alpha, "self_referral")}} {
			form := url.Values(nil)
			if r.method == "POST" {
				form = url.Values{"_csrf": {token}, "decision": {"clear"}, "reason": {"x"}}
			}
			if resp, _ := fin.Do(r.method, r.path, form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("finance %s %s: %d, want 403", r.method, r.path, resp.StatusCode)
			}
		}
		if _, page := fin.Do("GET", "/admin", nil); strings.Contains(page, `href="/admin/review"`) {
			t.Error("finance's navigation offers the review queue")
		}
		if w.openFlags(t) != 2 {
			t.Error("finance decided a flag")
		}
	})

	// The manager reads Russian.
	if _, err := w.DB.Exec(`UPDATE users SET locale = 'ru' WHERE email = 'manager@x.test'`); err != nil {
		t.Fatal(err)
	}
	m, token := w.SignIn(t, "manager@x.test")
	decide := func(partner int64, rule, decision, reason string) (*http.Response, string) {
		return m.Do("POST", groupPath(partner, rule), url.Values{"_csrf": {token}, "decision": {decision}, "reason": {reason}})
	}

	t.Run("no reason", func(t *testing.T) {
		resp, page := decide(w.alpha, "self_referral", "confirm", "  ")
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Укажите причину: она останется в истории партнёра.") {
			t.Errorf("a decision without a reason: %d\n%s", resp.StatusCode, page)
		}
		if !strings.Contains(page, `value="confirm" aria-describedby="confirm-what" checked`) {
			t.Error("the refused form forgets the decision chosen")
		}
		if resp, page := decide(w.alpha, "self_referral", "forgive", "why not"); resp.StatusCode != http.StatusUnprocessableEntity ||
			!strings.Contains(page, "Решение: снять флаг, подтвердить нарушение или приостановить партнёра.") {
			t.Errorf("an unknown decision: %d", resp.StatusCode)
		}
		if w.openFlags(t) != 2 || w.commissionStates(t, w.cSelf) != "earned:true earned:true" || w.pending(t, w.alpha) != "350.00" {
			t.Errorf("a refused decision changed something: %d open, %s, pending %s", w.openFlags(t), w.commissionStates(t, w.cSelf), w.pending(t, w.alpha))
		}
	})

	t.Run("clear", func(t *testing.T) {
		resp, _ := decide(w.alpha, "self_referral", storage.DecisionClear, "Анна — реальный клиент, договор есть")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/review?done=clear" {
			t.Fatalf("clear: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if got := w.commissionStates(t, w.cSelf); got != "earned:false earned:false" {
			t.Errorf("after clearing c-self's commissions are %s, want unflagged", got)
		}
		_, page := m.Do("GET", "/admin/review?done=clear", nil)
		if !strings.Contains(page, "Флаги сняты") || strings.Contains(page, `data-rule="self_referral"`) || !strings.Contains(page, `Проверка <span class="badge">1</span>`) {
			t.Errorf("the queue after clearing:\n%s", page)
		}
		if _, page := m.Do("GET", groupPath(w.alpha, "self_referral"), nil); !strings.Contains(page, "Открытых флагов по этому правилу нет") ||
			!strings.Contains(page, "Анна — реальный клиент, договор есть") || !strings.Contains(page, "флаг снят") || strings.Contains(page, `id="review-form"`) {
			t.Error("the decided group does not show the decision in the partner's history")
		}
		if resp, page := decide(w.alpha, "self_referral", storage.DecisionClear, "again"); resp.StatusCode != http.StatusConflict ||
			!strings.Contains(page, "решение уже принято") {
			t.Errorf("deciding twice: %d", resp.StatusCode)
		}
	})

	t.Run("confirm", func(t *testing.T) {
		if got := w.pending(t, w.beta); got != "30.00" {
			t.Fatalf("beta's pending %s before the decision", got)
		}
		_, page := m.Do("GET", groupPath(w.beta, "click_spam"), nil)
		if !strings.Contains(page, "Будут сторнированы вознаграждения: 1 на сумму 30,00\u00a0₽.") {
			t.Errorf("the confirmation does not say what is reversed:\n%s", page)
		}
		if resp, _ := decide(w.beta, "click_spam", storage.DecisionConfirm, "450 переходов из одной сети за 10 минут"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("confirm: %d", resp.StatusCode)
		}
		if got := w.commissionStates(t, w.cBeta); got != "rejected:true" {
			t.Errorf("after confirming c-beta's commission is %s, want rejected", got)
		}
		if got := w.pending(t, w.beta); got != "0.00" {
			t.Errorf("beta's pending %s after the commission was reversed, want 0.00", got)
		}
		var status string
		w.DB.Get(&status, `SELECT status FROM partners WHERE id = $1`, w.beta)
		if status != partnerka.PartnerActive {
			t.Errorf("confirming made beta %s", status)
		}
	})

	t.Run("suspend", func(t *testing.T) {
		w.flag(t, w.alpha, partnerka.RuleFastLead, fmt.Sprintf("customer:%d", w.cTwo), &w.cTwo, now.Add(-time.Hour), map[string]any{
			"customer": "c-two", "click_id": "0193a1b2-0000-7000-8000-000000000001", "clicked_at": "2026-11-20T09:59:58.5+00:00",
			"lead_at": "2026-11-20T10:00:00+00:00", "seconds": 1.5, "threshold": 5})
		w.hold(t)
		_, page := m.Do("GET", groupPath(w.alpha, "fast_lead"), nil)
		for _, want := range []string{"1,5\u00a0с", "меньше 5\u00a0с", "20.11.2026 09:59:58 UTC", "Затем партнёр Alpha Media приостанавливается"} {
			if !strings.Contains(page, want) {
				t.Errorf("the fast lead group lacks %q", want)
			}
		}
		if resp, _ := decide(w.alpha, "fast_lead", storage.DecisionSuspend, "Бот регистрирует лидов через секунду после перехода"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("suspend: %d", resp.StatusCode)
		}
		var status string
		w.DB.Get(&status, `SELECT status FROM partners WHERE id = $1`, w.alpha)
		if status != partnerka.PartnerSuspended {
			t.Errorf("alpha is %s after suspend", status)
		}
		if got := w.commissionStates(t, w.cTwo); got != "rejected:true" {
			t.Errorf("c-two's commission %s, want rejected", got)
		}
		if got := w.pending(t, w.alpha); got != "150.00" {
			t.Errorf("alpha's pending %s, want 150.00 (c-self's, cleared)", got)
		}
	})

	t.Run("the queue is empty and the audit log has the decisions", func(t *testing.T) {
		_, page := m.Do("GET", "/admin/review", nil)
		if !strings.Contains(page, `id="review-empty"`) || strings.Contains(page, `Проверка <span class="badge">`) {
			t.Errorf("the queue after every decision:\n%s", page)
		}
		if got := w.auditActions(t, "partner", w.alpha); !containsAll(got, "manager@x.test review.clear", "manager@x.test review.suspend", "manager@x.test partner.suspend") {
			t.Errorf("alpha's audit %v", got)
		}
		if got := w.auditActions(t, "partner", w.beta); !containsAll(got, "manager@x.test review.confirm") {
			t.Errorf("beta's audit %v", got)
		}
		_, page = m.Do("GET", "/admin/audit?action=review.", nil)
		for _, want := range []string{"review.confirm", "Правило:</span> Накрутка переходов", "Вознаграждения:</span> 1", "450 переходов из одной сети за 10 минут"} {
			if !strings.Contains(page, want) {
				t.Errorf("the audit log lacks %q", want)
			}
		}
	})
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, l := range list {
			found = found || l == w
		}
		if !found {
			return false
		}
	}
	return true
}

// Every rule's evidence reads as labelled lines in Russian: counts,
// shares and money as Russian pages write them, instants in the reader's
// zone, the other partners of shared details linked.
func TestReviewEvidenceLines(t *testing.T) {
	msk, err := time.LoadLocation("Europe/Moscow")
	if err != nil {
		t.Fatal(err)
	}
	customer := int64(7)
	for _, tc := range []struct {
		rule, evidence string
		customer       *int64
		want           []string
	}{
		{partnerka.RuleSelfReferral, `{"customer": "c-7", "email": "ivan@acme.ru", "click_ip": null,
			"matches": [{"kind": "domain", "value": "acme.ru", "member": "boss@acme.ru"}, {"kind": "address", "value": "203.0.113.7", "member": "boss@acme.ru"}]}`,
			&customer, []string{"Клиент: c-7 → /admin/customers/7", "Эл. почта: ivan@acme.ru", "Домен email совпадает с доменом команды: acme.ru (boss@acme.ru)",
				"Переход с адреса, с которого входит команда: 203.0.113.7 (boss@acme.ru)"}},
		{partnerka.RuleFastLead, `{"customer": "c-7", "click_id": "abc", "clicked_at": "2026-11-20T09:59:58.25+00:00", "lead_at": "2026-11-20T10:00:00+00:00", "seconds": 1.75, "threshold": 5}`,
			nil, []string{"Клиент: c-7", "Переход: `abc`", "Время перехода: 20.11.2026 12:59:58 MSK", "От перехода до лида: 1,75\u00a0с", "Порог правила: меньше 5\u00a0с"}},
		{partnerka.RuleCookieStuffing, `{"from": "2026-10-24T12:00:00+00:00", "to": "2026-11-23T12:00:00+00:00", "customers": 1200, "unseen": 900, "percent": 75.0, "threshold": 50, "sample": ["k1", "k2"]}`,
			nil, []string{"Период: 24.10.2026 15:00 MSK – 23.11.2026 15:00 MSK", "Клиентов по переходам: 1\u00a0200", "Из них по переходам, которых не видел человек: 900 (75,0\u00a0%)",
				"Порог правила: больше 50\u00a0%", "Такие переходы (последние): `k1` `k2`"}},
		{partnerka.RuleSpike, `{"to": "2026-11-23T12:00:00+00:00", "last_24h": 40, "previous_28_days": 20, "daily_average": 0.71, "factor": 5}`,
			nil, []string{"Сутки до: 23.11.2026 15:00 MSK", "Новых клиентов за эти сутки: 40", "За 28 дней до этого: 20 (в среднем 0,71 в день)", "Порог правила: больше чем в 5 раз выше среднего за день"}},
		{partnerka.RuleSharedDetails, `{"method": "card", "account": "…1234", "partners": [{"id": 3, "name": "Beta Corp", "ref": "beta"}, {"id": 4, "name": "Delta", "ref": "delta"}]}`,
			nil, []string{"Способ выплаты: Карта", "Счёт или карта: `…1234`", "Другие партнёры с этими реквизитами: Beta Corp (beta) → /admin/partners/3, Delta (delta) → /admin/partners/4"}},
		{partnerka.RuleClickSpam, `{"network": "198.51.100.0/24", "from": "2026-11-22T09:00:00+00:00", "to": "2026-11-22T09:10:00+00:00", "clicks": 4500, "threshold": 200}`,
			nil, []string{"Сеть: `198.51.100.0/24`", "Период: 22.11.2026 12:00 MSK – 22.11.2026 12:10 MSK", "Переходы: 4\u00a0500", "Порог правила: больше 200"}},
		{partnerka.RuleRefundAnomaly, `{"currency": "RUB", "from": "2026-08-25T12:00:00Z", "to": "2026-11-23T12:00:00Z", "purchases": 12, "paid": "62250.00",
			"refunded": "31125.00", "percent": "50.0", "program_percent": "4.2", "factor": 3, "threshold_percent": 20, "min_purchases": 10}`,
			nil, []string{"Покупок: 12", "Оплачено клиентами: 62\u00a0250,00\u00a0₽", "Возвращено: 31\u00a0125,00\u00a0₽ (50,0\u00a0% оплаченного)", "Доля возвратов по всей программе: 4,2\u00a0%",
				"Порог правила: больше 20\u00a0% и больше чем в 3 раза выше доли программы, не меньше 10 покупок"}},
		{partnerka.RuleClickSpam, `not json`, nil, []string{"Основание (как записано): `not json`"}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			lines := evidenceLines("ru", msk, storage.ReviewFlag{Rule: tc.rule, Evidence: json.RawMessage(tc.evidence), CustomerID: tc.customer})
			var got []string
			for _, l := range lines {
				s := l.Label + ": " + l.Text
				var parts []string
				for _, k := range l.Links {
					parts = append(parts, k.Text+" → "+k.Href)
				}
				for _, c := range l.Code {
					parts = append(parts, "`"+c+"`")
				}
				if len(l.Links) > 0 {
					s += strings.Join(parts, ", ")
				} else {
					s += strings.Join(parts, " ")
				}
				got = append(got, s)
			}
			for _, want := range tc.want {
				found := false
				for _, g := range got {
					found = found || g == want
				}
				if !found {
					t.Errorf("no line %q in\n%s", want, strings.Join(got, "\n"))
				}
			}
		})
	}
}
