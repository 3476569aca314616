package web

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// Every evidence sentence the reconciler writes (commissions.Attribute and
// PromoCode.ValidAt) is said in Russian with local times and durations in
// words; a manager's typed reason is shown as written.
func TestAttributionText(t *testing.T) {
	msk := time.FixedZone("MSK", 3*3600)
	samples := map[string]string{
		"click of 2026-12-03T17:31:21Z on link 3, 39m0s before the lead":                      "переход по ссылке №3 03.12.2026 20:31 MSK, за 39 мин до лида",
		"click of 2026-12-01T07:43:06Z on link 2, 34h0m0s before the lead":                    "переход по ссылке №2 01.12.2026 10:43 MSK, за 1 дн. 10 ч до лида",
		"bound to partner 7 since 2026-01-02T00:00:00Z":                                       "уже закреплён за партнёром №7 с 02.01.2026 03:00 MSK",
		"the vendor reported the customer as existing before the referral":                    "продукт сообщил, что это его клиент ещё до рекомендации",
		"the lead carried no click id, promo code or partner ref and matched no registration": "у лида не было ни перехода, ни промокода, ни партнёрской ссылки, и он не совпал ни с одной регистрацией",
		`promo_code "SPRING" is unknown or disabled`:                                          "промокод «SPRING» неизвестен или отключён",
		`promo_code "SPRING" was not valid at the lead: valid from 2026-03-01T00:00:00Z`:      "промокод «SPRING» ещё не действовал в момент лида: действует с 01.03.2026 03:00 MSK",
		`promo_code "SPRING" was not valid at the lead: valid until 2026-03-01T00:00:00Z`:     "промокод «SPRING» уже не действовал в момент лида: действовал до 01.03.2026 03:00 MSK",
		`promo_code "SPRING" was not valid at the lead: used by 100 customers, its cap`:       "промокод «SPRING» исчерпал лимит: 100 клиентов",
		"partner 4 is not active": "партнёр №4 не активен",
		"the customer was refused to this partner as a self-referral before":        "этот клиент уже был отклонён для партнёра как самореферал",
		"the customer's email is the partner's own (a user's or the contact email)": "почта клиента принадлежит самому партнёру (пользователю или контактная)",
		`partner_ref "acme" of partner 2`:                                           "код партнёра «acme» партнёра №2",
		"the click id is unknown":                                                   "переход неизвестен",
		"the click was recorded as a bot, prefetch or HEAD request":                 "переход записан как бот, предзагрузка или HEAD-запрос",
		"the click happened after the lead":                                         "переход был позже лида",
		"the click of 2026-01-02T00:00:00Z is older than the 720h0m0s window":       "переход 02.01.2026 03:00 MSK старше окна атрибуции в 30 дн.",
		"moved after a call with the customer":                                      "moved after a call with the customer",
	}
	used := make([]bool, len(attributionCatalogue))
	latin := regexp.MustCompile(`\b(?:the|of|on|is|before|after|link|click|partner|lead)\b`)
	for en, want := range samples {
		if got := AttributionText("ru", msk, en); got != want {
			t.Errorf("%q in Russian:\n got %q\nwant %q", en, got, want)
		}
		for i, p := range attributionCatalogue {
			if p.re.MatchString(en) {
				used[i] = true
				if latin.MatchString(AttributionText("ru", msk, en)) {
					t.Errorf("%q keeps English in Russian", en)
				}
				if got := AttributionText("en", msk, en); strings.Contains(got, "%!") || strings.ContainsAny(got, "абвгдеё") {
					t.Errorf("%q in English reads %q", en, got)
				}
				break
			}
		}
	}
	for i, u := range used {
		if !u {
			t.Errorf("pattern %s has no sample", attributionCatalogue[i].re)
		}
	}
	if got := AttributionReason("ru", "expired_click"); got != "переход устарел" {
		t.Errorf("reason: %q", got)
	}
}
