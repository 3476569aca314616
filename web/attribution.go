package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The reconciler stores each attribution decision's evidence as one
// English sentence (commissions.Attribute), so the evidence reads the same
// in a CSV, a log and the database. AttributionText says that sentence in
// the page's language, with its instants in the viewer's zone; a sentence
// no pattern knows (a manager's typed reason) is shown as written.

type attributionPattern struct {
	re     *regexp.Regexp
	en, ru string // fmt formats taking the groups, said in the locale
}

const rfc3339 = `(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)`

func ap(re, en, ru string) attributionPattern {
	return attributionPattern{regexp.MustCompile("^(?:" + re + ")$"), en, ru}
}

func pick(locale, en, ru string) string {
	if locale == "ru" {
		return ru
	}
	return en
}

var attributionCatalogue = []attributionPattern{
	ap(`click of `+rfc3339+` on link (\d+), (\S+) before the lead`, "click on link %[2]s at %[1]s, %[3]s before the lead", "переход по ссылке №%[2]s %[1]s, за %[3]s до лида"),
	ap(`bound to partner (\d+) since `+rfc3339, "already bound to partner %[1]s since %[2]s", "уже закреплён за партнёром №%[1]s с %[2]s"),
	ap(`the vendor reported the customer as existing before the referral`,
		"the vendor reported the customer as its own before the referral",
		"продукт сообщил, что это его клиент ещё до рекомендации"),
	ap(`the lead carried no click id, promo code or partner ref and matched no registration`,
		"the lead had no click, promo code or partner link and matched no registered lead",
		"у лида не было ни перехода, ни промокода, ни партнёрской ссылки, и он не совпал ни с одной регистрацией"),
	ap(`(\w+) "(.*)" is unknown or disabled`, "%[1]s «%[2]s» is unknown or disabled", "%[1]s «%[2]s» неизвестен или отключён"),
	ap(`(\w+) "(.*)" was not valid at the lead: valid from `+rfc3339, "%[1]s «%[2]s» was not valid yet at the lead: valid from %[3]s", "%[1]s «%[2]s» ещё не действовал в момент лида: действует с %[3]s"),
	ap(`(\w+) "(.*)" was not valid at the lead: valid until `+rfc3339, "%[1]s «%[2]s» had expired at the lead: valid until %[3]s", "%[1]s «%[2]s» уже не действовал в момент лида: действовал до %[3]s"),
	ap(`(\w+) "(.*)" was not valid at the lead: used by (\d+) customers, its cap`, "%[1]s «%[2]s» had reached its cap of %[3]s customers", "%[1]s «%[2]s» исчерпал лимит: %[3]s клиентов"),
	ap(`partner (\d+) is not active`, "partner %[1]s is not active", "партнёр №%[1]s не активен"),
	ap(`the customer was refused to this partner as a self-referral before`,
		"the customer was refused to this partner as a self-referral before",
		"этот клиент уже был отклонён для партнёра как самореферал"),
	ap(`the customer's email is the partner's own \(a user's or the contact email\)`,
		"the customer's email is the partner's own (a user's or the contact email)",
		"почта клиента принадлежит самому партнёру (пользователю или контактная)"),
	ap(`(\w+) "(.*)" of partner (\d+)`, "%[1]s «%[2]s» of partner %[3]s", "%[1]s «%[2]s» партнёра №%[3]s"),
	ap(`the click id is unknown`, "the click is unknown", "переход неизвестен"),
	ap(`the click was recorded as a bot, prefetch or HEAD request`,
		"the click was recorded as a bot, a prefetch or a HEAD request",
		"переход записан как бот, предзагрузка или HEAD-запрос"),
	ap(`the click happened after the lead`, "the click came after the lead", "переход был позже лида"),
	ap(`the click of `+rfc3339+` is older than the (\S+) window`, "the click of %[1]s is older than the %[2]s window", "переход %[1]s старше окна атрибуции в %[2]s"),
}

// attributionReasons are the decision reasons in words.
var attributionReasons = map[string][2]string{
	"attributed":        {"attributed", "закреплён"},
	"expired_click":     {"click expired", "переход устарел"},
	"unknown_code":      {"unknown code", "неизвестный код"},
	"code_not_valid":    {"code not valid", "код не действовал"},
	"partner_inactive":  {"partner not active", "партнёр не активен"},
	"existing_customer": {"existing customer", "уже клиент продукта"},
	"self_referral":     {"self-referral", "самореферал"},
	"already_bound":     {"already bound", "уже закреплён"},
	"no_evidence":       {"no evidence", "нет оснований"},
	"reassigned":        {"reassigned by a manager", "передан менеджером"},
}

// AttributionReason names a decision's reason in the locale's words.
func AttributionReason(locale, reason string) string {
	if r, ok := attributionReasons[reason]; ok {
		return pick(locale, r[0], r[1])
	}
	return reason
}

// claimWords name what a lead claimed, as the evidence sentences use them.
var claimWords = map[string][2]string{
	"click": {"click", "переход"}, "promo_code": {"promo code", "промокод"},
	"partner_ref": {"partner ref", "код партнёра"}, "registration": {"registration", "регистрация"},
}

// AttributionText says a stored evidence sentence in the locale, instants
// in loc and durations in words.
func AttributionText(locale string, loc *time.Location, detail string) string {
	for _, p := range attributionCatalogue {
		g := p.re.FindStringSubmatch(detail)
		if g == nil {
			continue
		}
		args := make([]any, len(g)-1)
		for i, s := range g[1:] {
			args[i] = attributionArg(locale, loc, s)
		}
		return fmt.Sprintf(pick(locale, p.en, p.ru), args...)
	}
	return detail
}

func attributionArg(locale string, loc *time.Location, s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return FormatDateTime(t.In(loc), locale)
	}
	if d, err := time.ParseDuration(s); err == nil && strings.ContainsAny(s, "hms") {
		return DurationText(locale, d)
	}
	if w, ok := claimWords[s]; ok {
		return pick(locale, w[0], w[1])
	}
	return s
}

// DurationText says a duration the way a person does: "2 d 3 h", "39 min".
func DurationText(locale string, d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	units := [3]string{"d", "h", "min"}
	if locale == "ru" {
		units = [3]string{"дн.", "ч", "мин"}
	}
	var parts []string
	for i, n := range []int{days, hours, mins} {
		if n > 0 && len(parts) < 2 {
			parts = append(parts, strconv.Itoa(n)+" "+units[i])
		}
	}
	if len(parts) == 0 {
		return pick(locale, "under a minute", "меньше минуты")
	}
	return strings.Join(parts, " ")
}
