package web

import (
	"fmt"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"partnerka"
)

// messages holds every string of the pages in English and Russian, with
// the Russian terms of UI.md.
var messages = map[string]map[string]string{
	"en": {
		"sign_in": "Sign in", "email": "Email", "password": "Password", "sign_out": "Sign out",
		"bad_login":        "The email or password is wrong.",
		"too_many":         "Too many failed attempts from this address. Try again in 15 minutes.",
		"too_many_account": "This account had many failed sign-ins from other places, so from an address it was not used from it takes one attempt a minute. Try again in a minute, or set a new password by email (“Forgot your password?”): the address where you open the link is then never slowed.",
		"inactive":         "Your partner account is suspended. Contact the program's manager.",
		"dashboard":        "Dashboard", "period": "Period",
		"p_7d": "7 days", "p_30d": "30 days", "p_this_month": "This month", "p_last_month": "Last month", "p_from": "From", "p_to": "To (included)", "p_show": "Show",
		"period_err_from": "From: enter the first day of the period.", "period_err_to": "To: enter a last day on or after the first, within the longest period allowed.",
		"clicks": "Clicks", "unique_clicks": "unique", "leads": "Leads", "customers": "Customers",
		"paying": "Paying customers", "conv_click_lead": "Click → lead", "conv_lead_paying": "Lead → paying",
		"earnings": "Earnings", "pending": "Pending", "available": "Available", "paid": "Paid", "reserved": "Requested",
		"next_release": "Next release", "latest": "Latest commissions", "nothing_yet": "No commissions yet.",
		"empty_clicks":   "No clicks in this period yet. Share your link; every click is counted here within seconds, and customers it brings stay yours for life.",
		"status_pending": "pending", "status_available": "available", "status_rejected": "rejected",
		"links": "Links", "earnings_page": "Earnings", "payouts": "Payouts", "settings": "Settings",
		"your_links": "Your referral links", "promo_codes": "Your promo codes", "create_link": "Create link",
		"destination": "Landing page", "sub_id": "Sub ID (optional)", "label": "Label (optional)", "code": "Code (optional)",
		"link_created": "The link is live: clicks on it count within a second.", "default": "default", "disabled": "disabled",
		"clicks_30d": "clicks in 30 days", "copy": "Copy",
		"promo_err_code": "A promo code is 2 to 64 letters, digits, - or _.", "promo_codes_admin": "Promo codes",
		"promo_code": "Promo code", "discount": "Discount", "disabled_by_team": "disabled by the program's team",
		"promo_active": "active", "promo_disabled": "disabled", "promo_requested": "requested", "promo_rejected": "refused",
		"date": "Date", "amount": "Amount", "status": "Status", "release": "Available from", "details": "Details",
		"reversed": "reversed", "bonus": "bonus", "adjustment": "adjustment", "export_csv": "Export CSV",
		"request_payout": "Request payout", "currency": "Currency", "min_payout": "Minimum",
		"confirm_payout": "Request %s to %s?", "confirm": "Confirm", "back": "Back", "cancel_request": "Cancel request",
		"payout_requested": "The payout is requested; finance reviews it next.", "payout_cancelled": "The request is cancelled and the amount is available again.",
		"history": "History", "no_payouts": "No payouts yet.", "members_cannot": "Only the partner's owner can request payouts and change payout details.",
		"payout_method": "Payout method", "account": "Account or card", "save": "Save", "saved": "Saved.",
		"m_bank": "Bank transfer", "m_card": "Card", "m_other": "Other",
		"status_requested": "requested", "status_approved": "approved", "status_paid": "paid", "status_cancelled": "cancelled",
		"set_details_first": "Set your payout details in Settings first.",
		"chart":             "Clicks, leads and earnings per day", "tier": "Tier", "tier_top": "You are on the top tier.",
		"tier_next": "%s paid this month of %s for %s%% next month.", "day": "Day", "earned_short": "Earned",
		"terms": "Terms", "your_plan": "Your plan", "since": "since", "no_contract": "You have no plan yet; the program's manager assigns one.",
		"program_terms": "Program terms", "hold_days": "Commissions are held for %d days, then become available.",
		"window_days": "A click attributes a sign-up for %d days.", "lifetime": "Customers stay yours for life.",
		"r_percent": "%s%% of %s", "r_flat": "%s per payment", "r_lead": "%s for each new customer",
		"r_first": "the first payment", "r_recurring": "every payment after the first", "r_all": "every payment",
		"r_months": "during the customer's first %d months", "r_products": "for %s", "r_tier": "%s%% from %s paid last month",
		"r_level2": "Customers of partners you recruited:",
		"forgot":   "Forgot your password?", "reset_sent": "If the address has an account, a link to set a new password is on its way. It works for an hour, once.",
		"new_password": "New password", "set_password": "Set password", "reset_bad": "This link is unknown, used or expired. Ask for a new one.",
		"reset_done": "Your password is changed; every other session is signed out. Sign in with the new password.",
		"send_link":  "Send me a link",
		"apply":      "Become a partner", "apply_done": "Thank you! Check your email: we have written to the address you gave about what comes next.",
		"kind": "You are", "k_company": "a company", "k_person": "a person", "name": "Company or your name", "website": "Website",
		"promotion": "How will you promote us?", "language": "Язык: русский",
		"customers_page": "Leads & customers", "customer": "Customer", "source": "Source", "bound": "Bound",
		"payments": "Payments", "first_payment": "First payment", "total_paid": "Paid in total", "earned": "Earned",
		"src_click": "link", "src_promo_code": "promo code", "src_partner_ref": "partner link", "src_registration": "registration", "src_manual": "manager",
		"register_lead": "Register a lead", "company": "Company", "contact_name": "Contact", "phone": "Phone", "comment": "Comment",
		"registered": "The lead is registered and protected from other partners until %s.", "registrations": "Your lead registrations",
		"protected_until": "protected until", "reg_pending": "pending", "reg_approved": "approved", "reg_rejected": "rejected", "reg_bound": "became a customer",
		"no_customers": "No customers yet. Customers your link or promo code brings appear here, bound to you for life.",
	},
	"ru": {
		"sign_in": "Войти", "email": "Эл. почта", "password": "Пароль", "sign_out": "Выйти",
		"bad_login":        "Неверная почта или пароль.",
		"too_many":         "Слишком много неудачных попыток с этого адреса. Попробуйте через 15 минут.",
		"too_many_account": "В этот аккаунт много раз неудачно пытались войти из других мест, поэтому с адреса, с которого в него не входили, он принимает одну попытку в минуту. Попробуйте через минуту или задайте новый пароль по ссылке из письма («Забыли пароль?»): с адреса, где вы откроете ссылку, вход больше не замедляется.",
		"inactive":         "Ваш партнёрский аккаунт приостановлен. Свяжитесь с менеджером программы.",
		"dashboard":        "Сводка", "period": "Период",
		"p_7d": "7 дней", "p_30d": "30 дней", "p_this_month": "Этот месяц", "p_last_month": "Прошлый месяц", "p_from": "С", "p_to": "По (включительно)", "p_show": "Показать",
		"period_err_from": "С: укажите первый день периода.", "period_err_to": "По: укажите последний день не раньше первого и в пределах наибольшего допустимого периода.",
		"clicks": "Переходы", "unique_clicks": "уникальных", "leads": "Лиды", "customers": "Клиенты",
		"paying": "Платящие клиенты", "conv_click_lead": "Переход → лид", "conv_lead_paying": "Лид → платящий",
		"earnings": "Вознаграждение", "pending": "В холде", "available": "Доступно", "paid": "Выплачено", "reserved": "В заявках",
		"next_release": "Ближайшее освобождение", "latest": "Последние начисления", "nothing_yet": "Начислений пока нет.",
		"empty_clicks":   "В этом периоде переходов пока нет. Поделитесь ссылкой: каждый переход появится здесь через несколько секунд, а приведённые клиенты закрепятся за вами навсегда.",
		"status_pending": "в холде", "status_available": "доступно", "status_rejected": "отклонено",
		"links": "Ссылки", "earnings_page": "Начисления", "payouts": "Выплаты", "settings": "Настройки",
		"your_links": "Ваши реферальные ссылки", "promo_codes": "Ваши промокоды", "create_link": "Создать ссылку",
		"destination": "Целевая страница", "sub_id": "Sub ID (необязательно)", "label": "Название (необязательно)", "code": "Код (необязательно)",
		"link_created": "Ссылка работает: переходы по ней учитываются в течение секунды.", "default": "основная", "disabled": "отключена",
		"clicks_30d": "переходов за 30 дней", "copy": "Скопировать",
		"promo_err_code": "Промокод — от 2 до 64 латинских букв, цифр, - или _.", "promo_codes_admin": "Промокоды",
		"promo_code": "Промокод", "discount": "Скидка", "disabled_by_team": "отключена командой программы",
		"promo_active": "действует", "promo_disabled": "отключён", "promo_requested": "на рассмотрении", "promo_rejected": "отклонён",
		"date": "Дата", "amount": "Сумма", "status": "Статус", "release": "Доступно с", "details": "Подробности",
		"reversed": "сторно", "bonus": "бонус", "adjustment": "корректировка", "export_csv": "Выгрузить CSV",
		"request_payout": "Запросить выплату", "currency": "Валюта", "min_payout": "Минимум",
		"confirm_payout": "Запросить выплату %s на %s?", "confirm": "Подтвердить", "back": "Назад", "cancel_request": "Отменить заявку",
		"payout_requested": "Заявка на выплату создана; дальше её рассмотрит финансовый отдел.", "payout_cancelled": "Заявка отменена, сумма снова доступна.",
		"history": "История", "no_payouts": "Выплат пока нет.", "members_cannot": "Запрашивать выплаты и менять реквизиты может только владелец партнёрского аккаунта.",
		"payout_method": "Способ выплаты", "account": "Счёт или карта", "save": "Сохранить", "saved": "Сохранено.",
		"m_bank": "Банковский перевод", "m_card": "Карта", "m_other": "Другое",
		"status_requested": "заявка", "status_approved": "одобрено", "status_paid": "выплачено", "status_cancelled": "отменено",
		"set_details_first": "Сначала укажите реквизиты для выплаты в настройках.",
		"chart":             "Переходы, лиды и вознаграждение по дням", "tier": "Уровень", "tier_top": "У вас высший уровень.",
		"tier_next": "В этом месяце оплачено %s из %s для ставки %s%% в следующем месяце.", "day": "День", "earned_short": "Начислено",
		"terms": "Условия", "your_plan": "Ваш тариф", "since": "с", "no_contract": "Тариф пока не назначен; его назначит менеджер программы.",
		"program_terms": "Условия программы", "hold_days": "Вознаграждение находится в холде %d дней, затем становится доступным.",
		"window_days": "Переход закрепляет регистрацию в течение %d дней.", "lifetime": "Клиенты закрепляются за вами навсегда.",
		"r_percent": "%s%% от %s", "r_flat": "%s за платёж", "r_lead": "%s за каждого нового клиента",
		"r_first": "первого платежа", "r_recurring": "каждого платежа после первого", "r_all": "каждого платежа",
		"r_months": "в первые %d мес. жизни клиента", "r_products": "за %s", "r_tier": "%s%% при оплатах от %s за прошлый месяц",
		"r_level2": "Клиенты привлечённых вами партнёров:",
		"forgot":   "Забыли пароль?", "reset_sent": "Если у этого адреса есть аккаунт, мы отправили ссылку для нового пароля. Она действует час и один раз.",
		"new_password": "Новый пароль", "set_password": "Сохранить пароль", "reset_bad": "Ссылка неизвестна, уже использована или устарела. Запросите новую.",
		"reset_done": "Пароль изменён; все остальные сессии завершены. Войдите с новым паролем.",
		"send_link":  "Отправить ссылку",
		"apply":      "Стать партнёром", "apply_done": "Спасибо! Проверьте почту: мы написали на указанный адрес, что будет дальше.",
		"kind": "Вы", "k_company": "компания", "k_person": "частное лицо", "name": "Компания или ваше имя", "website": "Сайт",
		"promotion": "Как вы будете нас продвигать?", "language": "Language: English",
		"customers_page": "Лиды и клиенты", "customer": "Клиент", "source": "Источник", "bound": "Закреплён",
		"payments": "Платежи", "first_payment": "Первый платёж", "total_paid": "Оплачено всего", "earned": "Вознаграждение",
		"src_click": "ссылка", "src_promo_code": "промокод", "src_partner_ref": "партнёрская ссылка", "src_registration": "регистрация лида", "src_manual": "менеджер",
		"register_lead": "Зарегистрировать лида", "company": "Компания", "contact_name": "Контактное лицо", "phone": "Телефон", "comment": "Комментарий",
		"registered": "Лид зарегистрирован и закреплён за вами до %s.", "registrations": "Ваши регистрации лидов",
		"protected_until": "закреплён до", "reg_pending": "на рассмотрении", "reg_approved": "одобрена", "reg_rejected": "отклонена", "reg_bound": "стал клиентом",
		"no_customers": "Клиентов пока нет. Клиенты, пришедшие по вашей ссылке или промокоду, появятся здесь и закрепятся за вами навсегда.",
	},
}

// The layout's back-office navigation.
var _ = AddMessages(map[string]string{
	"overview": "Overview", "partners": "Partners", "lead_registrations": "Lead registrations", "plans": "Plans",
	"reports": "Reports", "audit_log": "Audit log", "admin_settings": "Settings", "review_nav": "Review",
}, map[string]string{
	"overview": "Обзор", "partners": "Партнёры", "lead_registrations": "Регистрации лидов", "plans": "Тарифы",
	"reports": "Отчёты", "audit_log": "Журнал действий", "admin_settings": "Настройки", "review_nav": "Проверка",
})

// AddMessages merges one area's messages into the catalogue; each page
// area (here, in cabinet, backoffice, notify) keeps its strings beside
// its code. A key defined twice is a bug.
func AddMessages(en, ru map[string]string) bool {
	for locale, m := range map[string]map[string]string{"en": en, "ru": ru} {
		for k, v := range m {
			if _, dup := messages[locale][k]; dup {
				panic("web: message " + k + " defined twice")
			}
			messages[locale][k] = v
		}
	}
	return true
}

// MissingMessages lists, as "page.html: key (locale)", every message the
// templates in dir of fsys ask for that has no text in a language.
func MissingMessages(fsys fs.FS, dir string) []string {
	keys := regexp.MustCompile(`call \$?\.T "([a-z_0-9]+)"`)
	entries, _ := fs.ReadDir(fsys, dir)
	var out []string
	for _, e := range entries {
		b, _ := fs.ReadFile(fsys, dir+"/"+e.Name())
		for _, m := range keys.FindAllStringSubmatch(string(b), -1) {
			for _, locale := range []string{"en", "ru"} {
				if messages[locale][m[1]] == "" {
					out = append(out, e.Name()+": "+m[1]+" ("+locale+")")
				}
			}
		}
	}
	return out
}

// T returns the message key in locale (English when missing).
func T(locale, key string) string {
	if m, ok := messages[locale][key]; ok {
		return m
	}
	if m, ok := messages["en"][key]; ok {
		return m
	}
	return key
}

var symbols = map[string]string{"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "KZT": "₸", "UAH": "₴"}

// FormatMoney formats an amount with exactly the currency's minor digits in
// the locale's way: "12 450,00 ₽" (ru) or "₽12,450.00" (en).
func FormatMoney(m partnerka.Money, locale string) string {
	n, _ := partnerka.MinorUnits(m.Currency)
	s := m.Amount.Abs().StringFixed(n)
	whole, frac, _ := strings.Cut(s, ".")
	point := "."
	if locale == "ru" {
		point = ","
	}
	num := groupDigits(whole, locale)
	if frac != "" {
		num += point + frac
	}
	sign := ""
	if m.Amount.IsNegative() {
		sign = "−"
	}
	sym, ok := symbols[m.Currency]
	switch {
	case locale == "ru" && ok:
		return sign + num + "\u00a0" + sym
	case ok:
		return sign + sym + num
	default:
		return sign + num + "\u00a0" + m.Currency
	}
}

// FormatDate formats a day in the locale's way: "23.11.2026" or "Nov 23, 2026".
func FormatDate(t time.Time, locale string) string {
	if locale == "ru" {
		return t.Format("02.01.2006")
	}
	return t.Format("Jan 2, 2006")
}

// FormatDateTime formats an instant already in the reader's time zone,
// naming the zone: "23.11.2026 14:05 MSK" or "Nov 23, 2026 14:05 UTC".
func FormatDateTime(t time.Time, locale string) string {
	return FormatDate(t, locale) + " " + t.Format("15:04 MST")
}

// FormatPercent formats a ratio (0.1234) as "12.3%" or "12,3 %".
func FormatPercent(num, den int64, locale string) string {
	if den == 0 {
		return "—"
	}
	p := decimal.NewFromInt(num).Mul(decimal.NewFromInt(100)).Div(decimal.NewFromInt(den)).StringFixed(1)
	if locale == "ru" {
		return strings.Replace(p, ".", ",", 1) + "\u00a0%"
	}
	return p + "%"
}

// FormatInt formats a count with the locale's thousands separator.
func FormatInt(n int64, locale string) string {
	if n < 0 {
		return "−" + groupDigits(strconv.FormatInt(-n, 10), locale)
	}
	return groupDigits(strconv.FormatInt(n, 10), locale)
}

// groupDigits separates thousands: "12,450" (en) or "12 450" (ru).
func groupDigits(digits, locale string) string {
	group := ","
	if locale == "ru" {
		group = "\u00a0"
	}
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Tf is T with the message's %s verbs filled in by args.
func Tf(locale, key string, args ...any) string { return fmt.Sprintf(T(locale, key), args...) }
