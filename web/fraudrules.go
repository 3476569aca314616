package web

import (
	"fmt"

	"partnerka"
)

// FraudRuleText is one program rule as partners read it: its title, what
// it forbids with the program's own thresholds, and what happens.
type FraudRuleText struct {
	Rule  string // partnerka.Rule*: the anchor on the rules page
	Title string
	Text  string
}

// RuleTitle is a fraud rule's name in the locale.
func RuleTitle(locale, rule string) string { return T(locale, "rule."+rule) }

// RuleText is a rule's published sentence with the program's thresholds.
func RuleText(locale, rule string, r partnerka.FraudRules) string {
	format := T(locale, "rule."+rule+".text")
	switch rule {
	case partnerka.RuleClickSpam:
		return fmt.Sprintf(format, r.ClickSpamClicks, partnerka.ClickSpamWindowMinutes)
	case partnerka.RuleFastLead:
		return fmt.Sprintf(format, r.FastLeadSeconds)
	case partnerka.RuleCookieStuffing:
		return fmt.Sprintf(format, r.CookieStuffingPercent, partnerka.CookieStuffingDays, r.CookieStuffingMinLeads)
	case partnerka.RuleRefundAnomaly:
		return fmt.Sprintf(format, partnerka.RefundAnomalyDays, r.RefundMinPercent, r.RefundFactor, r.RefundMinPurchases)
	case partnerka.RuleSpike:
		return fmt.Sprintf(format, r.SpikeMinLeads, r.SpikeFactor, partnerka.SpikeHistoryDays)
	}
	return format
}

// PublishedRules are the rules the program has switched on, in page order.
func PublishedRules(locale string, r partnerka.FraudRules) []FraudRuleText {
	var out []FraudRuleText
	for _, n := range partnerka.FraudRuleNames {
		if r.On(n) {
			out = append(out, FraudRuleText{Rule: n, Title: RuleTitle(locale, n), Text: RuleText(locale, n, r)})
		}
	}
	return out
}

var _ = AddMessages(map[string]string{
	"rule.self_referral":         "Self-referral",
	"rule.self_referral.text":    "Bringing yourself, your team or your own company as a customer: a customer whose email is a team member's (or at your company's domain), or who came through your link from the networks you sign in from.",
	"rule.shared_details":        "One payout account for two partners",
	"rule.shared_details.text":   "Two partner accounts paid to the same bank account, card or wallet.",
	"rule.click_spam":            "Click spam",
	"rule.click_spam.text":       "More than %d clicks on your links from one network in %d minutes.",
	"rule.fast_lead":             "A sign-up too fast after the click",
	"rule.fast_lead.text":        "A customer who signs up less than %d seconds after clicking your link.",
	"rule.cookie_stuffing":       "Cookie stuffing",
	"rule.cookie_stuffing.text":  "Setting the referral cookie without a visit: more than %d %% of the customers your links brought in %d days (at least %d customers) came from clicks no person saw (no referring page, no page view).",
	"rule.refund_anomaly":        "Unusual refunds",
	"rule.refund_anomaly.text":   "Over %d days, your customers had more than %d %% of what they paid refunded, and more than %d times the program's share (at least %d purchases).",
	"rule.conversion_spike":      "A sudden spike of conversions",
	"rule.conversion_spike.text": "At least %d new customers in 24 hours, and more than %d times your daily average of the %d days before.",
	"rules_title":                "Program rules",
	"rules_intro":                "These methods are forbidden. When one of them shows in your figures, the commissions it concerns stay on hold, under review, until a manager decides.",
	"rules_outcome":              "If the manager finds no breach, the money is released as usual. If the breach is confirmed, those commissions are reversed (a payout already made is deducted from your next earnings), and a repeated or serious breach suspends the partnership. You see \"under review\" beside every commission concerned.",
	"rules_none":                 "The program checks no automatic rules at the moment; the terms still apply.",
	"under_review":               "under review",
}, map[string]string{
	"rule.self_referral":         "Самореферал",
	"rule.self_referral.text":    "Привлечение самого себя, своей команды или своей компании в качестве клиента: клиент с email участника команды (или на домене вашей компании) или пришедший по вашей ссылке из сетей, из которых вы входите в кабинет.",
	"rule.shared_details":        "Одни реквизиты у двух партнёров",
	"rule.shared_details.text":   "Два партнёрских аккаунта с выплатами на один и тот же счёт, карту или кошелёк.",
	"rule.click_spam":            "Накрутка переходов",
	"rule.click_spam.text":       "Более %d переходов по вашим ссылкам из одной сети за %d минут.",
	"rule.fast_lead":             "Слишком быстрая регистрация после перехода",
	"rule.fast_lead.text":        "Клиент регистрируется меньше чем через %d с после перехода по вашей ссылке.",
	"rule.cookie_stuffing":       "Подброс cookie",
	"rule.cookie_stuffing.text":  "Установка реферальной cookie без визита: более %d %% клиентов, пришедших по вашим ссылкам за %d дней (не меньше %d клиентов), пришли по переходам, которых не видел человек (без страницы-источника и без просмотра страницы).",
	"rule.refund_anomaly":        "Аномально много возвратов",
	"rule.refund_anomaly.text":   "За %d дней вашим клиентам вернули больше %d %% оплаченного — и больше чем в %d раза выше доли программы (не меньше %d покупок).",
	"rule.conversion_spike":      "Резкий всплеск конверсий",
	"rule.conversion_spike.text": "Не меньше %d новых клиентов за сутки — и больше чем в %d раз выше вашего среднего за %d дней до этого.",
	"rules_title":                "Правила программы",
	"rules_intro":                "Эти методы запрещены. Когда один из них виден в ваших показателях, связанные с ним вознаграждения остаются в холде на проверке, пока менеджер не примет решение.",
	"rules_outcome":              "Если менеджер не найдёт нарушения, деньги освобождаются как обычно. Если нарушение подтвердится, эти вознаграждения сторнируются (уже выплаченное удерживается из следующих начислений), а при повторном или серьёзном нарушении партнёрство приостанавливается. Рядом с каждым таким вознаграждением вы видите «на проверке».",
	"rules_none":                 "Сейчас программа не проверяет автоматических правил; условия программы действуют как обычно.",
	"under_review":               "на проверке",
})
