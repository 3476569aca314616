package cabinet

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/commissions"
	"partnerka/storage"
)

// ruleAnchors are the rules a rules page lists, by their anchors, in order.
func ruleAnchors(page string) []string {
	list := regexp.MustCompile(`(?s)<ol class="events program-rules" id="program-rules">(.*?)</ol>`).FindStringSubmatch(page)
	if list == nil {
		return nil
	}
	var out []string
	for _, m := range regexp.MustCompile(`<li id="([a-z_]+)">`).FindAllStringSubmatch(list[1], -1) {
		out = append(out, m[1])
	}
	return out
}

// Issue 22: the program rules page lists exactly the rules the program
// has switched on, each under its anchor, with the thresholds of the
// settings, in the partner's language; a change in the settings changes
// the page, and an applicant reads it too.
func TestRulesPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	save := func(change func(*partnerka.FraudRules)) {
		t.Helper()
		st, err := f.DB.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		mins, err := f.DB.MinPayouts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		change(&st.Fraud)
		if _, err := f.DB.SaveSettings(ctx, st, mins, storage.Actor{UserID: f.Seed.Users["admin@x.test"]}); err != nil {
			t.Fatal(err)
		}
	}
	ru, en := f.Browser(t), f.Browser(t)
	ru.Login("alpha@x.test", pw)
	en.Login("beta@x.test", pw)

	// The defaults: five rules on, the two that need the vendor's integration off.
	_, page := ru.Do("GET", "/rules", nil)
	if got, want := ruleAnchors(page), []string{"self_referral", "shared_details", "click_spam", "refund_anomaly", "conversion_spike"}; !slices.Equal(got, want) {
		t.Errorf("the Russian page lists %v, want %v", got, want)
	}
	for _, want := range []string{"<h1>Правила программы</h1>", "<strong>Самореферал</strong>", "<strong>Накрутка переходов</strong>",
		"Более 200 переходов по вашим ссылкам из одной сети за 10 минут.",
		"За 90 дней вашим клиентам вернули больше 20 % оплаченного — и больше чем в 3 раза выше доли программы (не меньше 10 покупок).",
		"Не меньше 20 новых клиентов за сутки — и больше чем в 5 раз выше вашего среднего за 28 дней до этого.",
		"Эти методы запрещены.", "Что происходит при нарушении", "Если менеджер не найдёт нарушения", `href="/terms" aria-current="page"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the Russian rules page lacks %q", want)
		}
	}
	if strings.Contains(page, "Слишком быстрая регистрация") || strings.Contains(page, "Подброс cookie") {
		t.Error("the Russian rules page lists a rule that is off")
	}
	_, page = en.Do("GET", "/rules", nil)
	for _, want := range []string{"<h1>Program rules</h1>", "<strong>Click spam</strong>", "More than 200 clicks on your links from one network in 10 minutes.",
		"Over 90 days, your customers had more than 20 % of what they paid refunded, and more than 3 times the program&#39;s share (at least 10 purchases).",
		"These methods are forbidden.", "What happens then", "If the manager finds no breach"} {
		if !strings.Contains(page, want) {
			t.Errorf("the English rules page lacks %q", want)
		}
	}
	if got := ruleAnchors(page); len(got) != 5 || strings.Contains(page, "A sign-up too fast") {
		t.Errorf("the English page lists %v", got)
	}

	// The terms page leads to it.
	if _, page := ru.Do("GET", "/terms", nil); !strings.Contains(page, `<a href="/rules">Правила программы</a>`) {
		t.Error("the terms page does not link the program rules")
	}

	// Click spam off, the fast sign-up on at 7 seconds, another refund share:
	// the page says so at once.
	save(func(r *partnerka.FraudRules) {
		r.ClickSpam, r.FastLead, r.FastLeadSeconds, r.RefundMinPercent = false, true, 7, 35
	})
	_, page = ru.Do("GET", "/rules", nil)
	if got, want := ruleAnchors(page), []string{"self_referral", "shared_details", "fast_lead", "refund_anomaly", "conversion_spike"}; !slices.Equal(got, want) {
		t.Errorf("after the change the page lists %v, want %v", got, want)
	}
	for _, want := range []string{"Клиент регистрируется меньше чем через 7 с после перехода по вашей ссылке.", "больше 35 % оплаченного"} {
		if !strings.Contains(page, want) {
			t.Errorf("after the change the page lacks %q", want)
		}
	}
	if strings.Contains(page, "Накрутка переходов") || strings.Contains(page, "больше 20 % оплаченного") {
		t.Error("the page still shows the rule switched off, or the old threshold")
	}
	_, page = en.Do("GET", "/rules", nil)
	if !strings.Contains(page, "A customer who signs up less than 7 seconds after clicking your link.") || strings.Contains(page, "Click spam") {
		t.Error("the English page does not follow the settings")
	}

	// Every rule off: the page says none is checked.
	save(func(r *partnerka.FraudRules) {
		r.SelfReferral, r.SharedDetails, r.FastLead, r.RefundAnomaly, r.Spike = false, false, false, false, false
	})
	_, page = ru.Do("GET", "/rules", nil)
	if ruleAnchors(page) != nil || !strings.Contains(page, "Сейчас программа не проверяет автоматических правил") || strings.Contains(page, "Эти методы запрещены.") {
		t.Errorf("with every rule off the page lists %v", ruleAnchors(page))
	}

	// An applicant reads the rules as they read the terms.
	save(func(r *partnerka.FraudRules) { r.SelfReferral = true })
	gamma := f.Browser(t)
	gamma.Login("gamma@x.test", pw)
	r, page := gamma.Do("GET", "/rules", nil)
	if r.StatusCode != 200 || !slices.Equal(ruleAnchors(page), []string{"self_referral"}) || !strings.Contains(page, `href="/pending"`) || strings.Contains(page, `href="/dashboard"`) {
		t.Errorf("the applicant's rules page (%d) lists %v", r.StatusCode, ruleAnchors(page))
	}
	if _, page := gamma.Do("GET", "/terms", nil); !strings.Contains(page, `href="/rules"`) {
		t.Error("the applicant's terms page does not link the program rules")
	}
}

// Issue 22: a commission an open flag holds reads "under review" on its
// owner's earnings page, naming the rule with a link to it; the dashboard
// says how much is under review under which rule. Neither shows the
// flag's evidence, and another partner sees none of it.
func TestUnderReviewShownToPartner(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rub := func(s string) partnerka.Money {
		return partnerka.Money{Amount: decimal.RequireFromString(s), Currency: "RUB"}
	}
	if _, err := f.DB.LoadSeed(ctx, storage.Seed{
		Plans: []storage.SeedPlan{{Name: "Flat", Version: 1, Rules: []partnerka.Rule{{Event: "sale", Level: 1, Kind: "percent",
			Percent: decimal.NewFromInt(20), Payments: "all"}}}},
		Partners: []storage.SeedPartner{
			{Partner: partnerka.Partner{Ref: "alpha", Name: "Alpha Media", Kind: "company", Status: "active"}, Plan: "Flat", ContractStart: now.AddDate(0, -1, 0)},
			{Partner: partnerka.Partner{Ref: "beta", Name: "Beta Corp", Kind: "company", Status: "active"}, Plan: "Flat", ContractStart: now.AddDate(0, -1, 0)},
		},
	}); err != nil {
		t.Fatal(err)
	}
	alpha, beta := f.Seed.Partners["alpha"], f.Seed.Partners["beta"]
	bound := now.AddDate(0, 0, -5)
	for _, c := range []struct {
		id      string
		partner int64
	}{{"c-flagged", alpha}, {"c-clean", alpha}, {"c-beta", beta}} {
		if _, err := f.DB.ExecContext(ctx, `INSERT INTO customers (external_id, partner_id, source, reason, bound_at, first_seen_at, created_at)
			VALUES ($1, $2, 'click', 'attributed', $3, $3, $3)`, c.id, c.partner, bound); err != nil {
			t.Fatal(err)
		}
	}
	rec := commissions.Reconciler{Steps: []commissions.Step{&commissions.PurchaseStep{DB: f.DB}}}
	for i, p := range []struct{ id, customer, amount string }{
		{"pay-flagged", "c-flagged", "1000.00"}, {"pay-clean", "c-clean", "3000.00"}, {"pay-beta", "c-beta", "5000.00"},
	} {
		at := now.AddDate(0, 0, -3).Add(time.Duration(i) * time.Hour)
		if _, _, err := f.DB.CreatePurchase(ctx, &partnerka.Purchase{ExternalID: p.id, CustomerID: p.customer, Amount: rub(p.amount), OccurredAt: at}, []byte(p.id)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rec.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	var flaggedCustomer int64
	if err := f.DB.Get(&flaggedCustomer, `SELECT id FROM customers WHERE external_id = 'c-flagged'`); err != nil {
		t.Fatal(err)
	}
	// A self-referral flag about c-flagged, as the review step raises one;
	// the step holds the customer's commission.
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO review_flags (partner_id, rule, key, customer_id, evidence, created_at)
		VALUES ($1, 'self_referral', 'customer:' || $2::text, $2::bigint, '{"email": "evidence-secret@alpha.test"}', $3)`, alpha, flaggedCustomer, now); err != nil {
		t.Fatal(err)
	}
	if n, err := (&commissions.ReviewStep{DB: f.DB, Now: f.DB.Now}).Run(ctx); err != nil || n != 1 {
		t.Fatalf("the review step held %d commissions (%v), want 1", n, err)
	}
	var flagged []string
	if err := f.DB.Select(&flagged, `SELECT p.external_id FROM commissions k JOIN purchases p ON p.id = k.purchase_id WHERE k.flagged ORDER BY 1`); err != nil ||
		!slices.Equal(flagged, []string{"pay-flagged"}) {
		t.Fatalf("flagged commissions %v (%v), want pay-flagged's", flagged, err)
	}

	b := f.Browser(t)
	b.Login("alpha@x.test", pw)
	_, page := b.Do("GET", "/earnings", nil)
	line := func(page, purchase string) string {
		for _, row := range strings.Split(page, "<tr>") {
			if strings.Contains(row, "платёж "+purchase) || strings.Contains(row, "payment "+purchase) {
				return row
			}
		}
		t.Fatalf("no line of %s:\n%s", purchase, page)
		return ""
	}
	held, clean := line(page, "pay-flagged"), line(page, "pay-clean")
	for _, want := range []string{`<span class="status pending">на проверке</span>`, `правило <a href="/rules#self_referral">«Самореферал»</a>`, "200,00", "после проверки"} {
		if !strings.Contains(held, want) {
			t.Errorf("the held line lacks %q:\n%s", want, held)
		}
	}
	if strings.Contains(clean, "на проверке") || !strings.Contains(clean, `<span class="status pending">в холде</span>`) {
		t.Errorf("the commission no flag holds reads otherwise:\n%s", clean)
	}
	_, dash := b.Do("GET", "/dashboard", nil)
	if want := `<p class="under-review" id="under-review" role="status"><strong>Вознаграждений на проверке: 1 (200,00` + "\u00a0" + `₽) — по правилу программы <a href="/rules#self_referral">«Самореферал»</a></strong>.`; !strings.Contains(dash, want) {
		t.Errorf("the dashboard lacks the notice %q:\n%s", want, dash)
	}
	for _, p := range []string{page, dash} {
		if strings.Contains(p, "evidence-secret") {
			t.Error("a page shows the flag's evidence")
		}
	}

	// Beta, with a commission of their own, sees nothing under review.
	other := f.Browser(t)
	other.Login("beta@x.test", pw)
	_, page = other.Do("GET", "/earnings", nil)
	if !strings.Contains(page, "payment pay-beta") || strings.Contains(page, "under review") || strings.Contains(page, "/rules#") || strings.Contains(page, "pay-flagged") {
		t.Errorf("beta's earnings show a review, or not beta's own line:\n%s", page)
	}
	_, dash = other.Do("GET", "/dashboard", nil)
	if strings.Contains(dash, `id="under-review"`) || strings.Contains(dash, "under review") {
		t.Error("beta's dashboard shows alpha's review")
	}

	// In English, with two rules holding the money.
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO review_flags (partner_id, rule, key, customer_id, evidence, created_at)
		VALUES ($1, 'fast_lead', 'customer:' || $2::text, $2::bigint, '{}', $3)`, alpha, flaggedCustomer, now); err != nil {
		t.Fatal(err)
	}
	if _, err := (&commissions.ReviewStep{DB: f.DB, Now: f.DB.Now}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f.DB.ExecContext(ctx, `UPDATE users SET locale = 'en' WHERE email = 'alpha@x.test'`); err != nil {
		t.Fatal(err)
	}
	en := f.Browser(t)
	en.Login("alpha@x.test", pw)
	_, page = en.Do("GET", "/earnings", nil)
	if held := line(page, "pay-flagged"); !strings.Contains(held, `<span class="status pending">under review</span>`) ||
		!strings.Contains(held, `rules <a href="/rules#self_referral">“Self-referral”</a>, <a href="/rules#fast_lead">“A sign-up too fast after the click”</a>`) {
		t.Errorf("the English held line:\n%s", held)
	}
	_, dash = en.Do("GET", "/dashboard", nil)
	if !strings.Contains(dash, `Commissions under review: 1 (₽200.00), under the program rules <a href="/rules#self_referral">“Self-referral”</a>, <a href="/rules#fast_lead">`) {
		t.Errorf("the English dashboard notice:\n%s", dash)
	}
}
