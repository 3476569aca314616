package web

import (
	"regexp"
	"strings"

	"github.com/shopspring/decimal"

	"partnerka"
)

// Domain errors carry one English message, written where the rule lives
// (storage, the root package, the page's own checks); the vendor API
// answers it as written. A page shows it through ErrorText, in the
// reader's language: every message a page can meet has its Russian
// sentence below, matched by the shape of the English one, with amounts
// re-formatted the Russian way. A message the catalogue does not know is
// never shown in English on a Russian page: the page says which field was
// refused, in Russian (TestErrorCatalogueCoversPages fails on such a
// message, so the catalogue keeps up with the code).

// ErrorText is err's message in locale.
func ErrorText(locale string, err error) string {
	if err == nil {
		return ""
	}
	return messageText(locale, partnerka.ErrorMessage(err), errorFallback(partnerka.ErrorCode(err), partnerka.ErrorField(err)))
}

// LineErrorText is the message of one refused line of an uploaded file,
// in locale.
func LineErrorText(locale, msg string) string {
	return messageText(locale, msg, "Строка не принята.")
}

// messageText is msg in locale, or the Russian fallback when the
// catalogue does not know it.
func messageText(locale, msg, fallback string) string {
	if locale != "ru" || cyrillic.MatchString(msg) {
		return msg // a page's own check may word its error in the reader's language already
	}
	if ru, ok := translateError(msg); ok {
		return ru
	}
	return fallback
}

func errorFallback(code, field string) string {
	switch code {
	case partnerka.ENOTFOUND:
		return "Не найдено: возможно, запись удалена или ссылка устарела."
	case partnerka.ECONFLICT:
		return "Конфликт с уже сохранёнными данными: обновите страницу и попробуйте снова."
	case partnerka.EFORBIDDEN:
		return "Это действие недоступно для вашей роли."
	case partnerka.EINVALID, partnerka.EUNPROCESSABLE:
		if field != "" {
			return "Поле «" + fieldLabel("ru", field) + "»: значение не принято. Проверьте его и отправьте форму снова."
		}
		return "Значение не принято. Проверьте форму и отправьте её снова."
	}
	return "Внутренняя ошибка. Попробуйте ещё раз немного позже."
}

type errorPattern struct {
	re *regexp.Regexp
	ru string // with $1… for the groups
}

// ruStatuses are the status words messages name, in Russian.
var ruStatuses = map[string]string{
	"active": "активен", "applied": "заявка", "suspended": "приостановлен", "rejected": "отклонён", "disabled": "отключён",
	"requested": "запрошена", "approved": "одобрена", "paid": "выплачена", "cancelled": "отменена", "expired": "истёк",
}

var cyrillic = regexp.MustCompile(`\p{Cyrillic}`)

var moneyInText = regexp.MustCompile(`(-?[0-9]+(?:\.[0-9]+)?) ([A-Z]{3})\b`)

func translateError(msg string) (string, bool) {
	for _, p := range errorCatalogue {
		m := p.re.FindStringSubmatchIndex(msg)
		if m == nil {
			continue
		}
		out := string(p.re.ExpandString(nil, p.ru, msg, m))
		for en, ru := range ruStatuses {
			out = strings.ReplaceAll(out, "«"+en+"»", "«"+ru+"»")
		}
		return moneyInText.ReplaceAllStringFunc(out, func(s string) string {
			g := moneyInText.FindStringSubmatch(s)
			a, err := decimal.NewFromString(g[1])
			if _, known := partnerka.MinorUnits(g[2]); err != nil || !known {
				return s
			}
			sign := ""
			if a.IsNegative() {
				sign = "−"
			}
			return sign + FormatMoney(partnerka.Money{Amount: a, Currency: g[2]}, "ru")
		}), true
	}
	return "", false
}

func ep(re, ru string) errorPattern { return errorPattern{regexp.MustCompile("^(?:" + re + ")$"), ru} }

var errorCatalogue = []errorPattern{
	// Sign-up, sign-in, accounts.
	ep(`password must have at least (\d+) characters`, "Пароль должен быть не короче $1 символов."),
	ep(`an account with this email exists; sign in instead`, "Учётная запись с этой почтой уже есть: войдите в неё."),
	ep(`a user with (?:this )?email (?:.+ )?(?:already )?exists`, "Пользователь с этой почтой уже есть."),
	ep(`email must be an address such as .+|enter a valid email|enter an email such as .+`, "Введите адрес эл. почты, например name@example.com."),
	ep(`enter the contact person's name`, "Укажите контактное лицо."),
	ep(`enter the company's or your name \(at most (\d+) characters\)`, "Укажите название компании или своё имя (не длиннее $1 символов)."),
	ep(`tell us how you will promote the product`, "Расскажите, как вы будете продвигать продукт."),
	ep(`choose company or person`, "Выберите: компания или частное лицо."),
	ep(`enter the company's site such as .+`, "Укажите сайт компании, например acme.com или https://acme.com."),
	ep(`the website or phone is too long`, "Сайт или телефон слишком длинные."),
	ep(`enter the prospect's email or the company's site: a company name alone matches no lead`,
		"Укажите почту клиента или сайт компании: по одному названию лид не найти."),
	ep(`the comment is longer than (\d+) characters`, "Комментарий длиннее $1 символов."),
	ep(`user not found`, "Пользователь не найден."),
	ep(`invitation not found`, "Приглашение не найдено или уже использовано."),

	// Links and promo codes.
	ep(`links may lead only to (.+)`, "Ссылки могут вести только на эти домены: $1."),
	ep(`enter a full address such as .+`, "Введите полный адрес, например https://example.com/pricing."),
	ep(`a sub ID is up to (\d+) letters, digits, and \. _ ~ -`, "Sub ID — до $1 латинских букв, цифр и знаков . _ ~ -."),
	ep(`a code is 3 to 64 letters, digits, - or _`, "Код — от 3 до 64 латинских букв, цифр, знаков - или _."),
	ep(`this link code is taken`, "Этот код ссылки уже занят: выберите другой."),
	ep(`the label is longer than (\d+) characters`, "Название длиннее $1 символов."),
	ep(`the program's team disabled this link: (.*)`, "Команда программы отключила эту ссылку: $1"),
	ep(`(?:a promo code is|code must be|promo_code must be) 2 to 64 letters, digits, - or _(?:: .*)?`, "Промокод — от 2 до 64 латинских букв, цифр, знаков - или _."),
	ep(`(\d+) requests are waiting for the program's team already`, "Команда программы уже рассматривает ваши запросы ($1); дождитесь решения."),
	ep(`the program does not take requests for promo codes`, "Программа не принимает запросы промокодов."),
	ep(`only the program's team creates promo codes`, "Промокоды создаёт только команда программы."),
	ep(`the promo code (\S+) is taken.*`, "Промокод $1 уже занят: коды не различаются регистром и не переходят к другому партнёру."),
	ep(`the promo code (\S+) is (\S+)`, "Промокод $1 — «$2»."),
	ep(`(.+) is given twice`, "$1 указан дважды."),
	ep(`give a code, or a number of codes to generate`, "Укажите код или сколько кодов создать."),
	ep(`at most (\d+) codes at once`, "Не больше $1 кодов за раз."),
	ep(`give a number of codes from 1 to (\d+)`, "Укажите число кодов от 1 до $1."),
	ep(`a prefix is letters, digits, - or _, at most (\d+) of them`, "Префикс — латинские буквы, цифры, знаки - или _, не больше $1."),
	ep(`give a code or a prefix to generate one from, not both`, "Укажите код или префикс, но не оба сразу."),
	ep(`could not find free codes with the prefix "(.*)"; choose a longer prefix`, "Свободных кодов с префиксом «$1» не нашлось: выберите префикс длиннее."),
	ep(`the cap is a whole number of customers, at least 1|max_uses must be a positive number of customers`, "Лимит — целое число клиентов, не меньше 1."),
	ep(`the code has bound (\d+) customers already; the cap cannot be lower`, "Код уже привёл клиентов: $1; лимит не может быть меньше."),
	ep(`valid_until must be after valid_from`, "Конец срока действия должен быть позже начала."),
	ep(`promo code not found|no promo code .+`, "Промокод не найден."),
	ep(`.+ is \S+: promo codes are for active partners`, "Промокоды выдаются только активным партнёрам."),
	ep(`status is active, disabled, requested or rejected`, "Статус — активен, отключён, запрошен или отклонён."),

	// Amounts and payouts.
	ep(`amount must be a decimal string such as .+`, "Введите сумму числом, например 2 000,50."),
	ep(`amount has \d+ digits before the decimal point.*`, "Сумма слишком велика."),
	ep(`.+ has \d+ digits after the decimal point; at most (\d+) allowed`, "Не больше $1 знаков после запятой."),
	ep(`amount must be greater than zero.*|enter an amount greater than zero`, "Введите сумму больше нуля."),
	ep(`amount must not be zero`, "Сумма не может быть нулевой."),
	ep(`the minimum payout is (.+)`, "Минимальная выплата — $1."),
	ep(`only (.+) is available`, "Доступно только $1."),
	ep(`set your payout details in settings first`, "Сначала укажите реквизиты для выплат в настройках."),
	ep(`the payout is (\S+) and cannot become (\S+)`, "Выплата в статусе «$1» и не может перейти в «$2»."),
	ep(`a payout is approved by someone other than who requested it`, "Выплату одобряет не тот, кто её запросил."),
	ep(`four eyes: you approved this payout, so someone else in finance marks it paid`,
		"Правило четырёх глаз: вы одобрили эту выплату, поэтому отметить её оплаченной должен другой сотрудник финансов."),
	ep(`payout not found`, "Выплата не найдена."),
	ep(`say why the payout is cancelled: the partner sees it`, "Укажите причину отмены: партнёр её увидит."),
	ep(`enter the bank's payment reference \(at most (\d+) characters\)`, "Укажите номер платёжного документа банка (не длиннее $1 символов)."),
	ep(`unknown currency "(.*)".*`, "Неизвестная валюта «$1»: укажите код ISO 4217, например RUB, USD или EUR."),
	ep(`currency is required.*`, "Укажите валюту."),
	ep(`Currency "(.*)" is not one partnerka takes`, "Валюта «$1» не поддерживается."),
	ep(`a bonus must be positive; book a negative adjustment to take money back`,
		"Бонус — положительная сумма; чтобы удержать деньги, проведите отрицательную корректировку."),
	ep(`choose bonus or adjustment|kind must be bonus or adjustment`, "Выберите: бонус или корректировка."),

	// Uploaded bank files.
	ep(`choose the CSV file to upload`, "Выберите CSV-файл для загрузки."),
	ep(`nothing was marked paid: fix these lines and upload the file again`, "Ничего не отмечено оплаченным: исправьте эти строки и загрузите файл снова."),
	ep(`the file has no payouts`, "В файле нет выплат."),
	ep(`the file is not CSV with a header line`, "Это не CSV-файл со строкой заголовков."),
	ep(`the header must name the columns payout_id and reference`, "В строке заголовков должны быть столбцы payout_id и reference."),
	ep(`the line has too few columns`, "В строке не хватает столбцов."),
	ep(`payout_id is not a payout number`, "payout_id — не номер выплаты."),
	ep(`reference is empty or longer than (\d+) characters`, "reference пуст или длиннее $1 символов."),
	ep(`unreadable CSV line`, "Строку CSV не удалось прочитать."),
	ep(`payout (\d+) is also on line (\d+)`, "Выплата $1 уже есть в строке $2."),
	ep(`the id appears earlier in the file with another body`, "Этот id уже встречался в файле с другими данными."),

	// Program settings.
	ep(`list at least one domain links may lead to`, "Укажите хотя бы один домен, на который могут вести ссылки."),
	ep(`"(.*)" is not a host name such as example\.com`, "«$1» — не имя хоста вроде example.com."),
	ep(`at most (\d+) domains`, "Не больше $1 доменов."),
	ep(`the attribution model is last_click or first_click`, "Модель атрибуции — последний или первый переход."),
	ep(`the attribution window is 1 to (\d+) days`, "Окно атрибуции — от 1 до $1 дней."),
	ep(`the hold is 0 to (\d+) days`, "Холд — от 0 до $1 дней."),
	ep(`the threshold is (\d+) to (\d+)`, "Порог — от $1 до $2."),
	ep(`say why: the partner's history shows it`, "Укажите причину: она останется в истории партнёра."),
	ep(`the decision is clear, confirm or suspend`, "Решение: снять флаг, подтвердить нарушение или приостановить партнёра."),
	ep(`no open flag of this rule: it was decided already`, "Открытых флагов по этому правилу нет: решение уже принято."),
	ep(`lead registrations are protected for 1 to (\d+) days`, "Защита регистрации лида — от 1 до $1 дней."),
	ep(`the click parameter is 1 to 64 letters, digits, - or _`, "Параметр перехода — от 1 до 64 латинских букв, цифр, знаков - или _."),
	ep(`the cookie name is 1 to 64 letters, digits, - or _`, "Имя cookie — от 1 до 64 латинских букв, цифр, знаков - или _."),
	ep(`the cookie domain is a public suffix: browsers refuse cookies for it`, "Домен cookie — публичный суффикс: браузеры не принимают для него cookie."),
	ep(`the cookie domain is empty or a (?:domain|host name) such as example\.com`, "Домен cookie — пустой или домен вроде example.com."),
	ep(`the cookie domain must be the tracker's host or a domain it is in`, "Домен cookie должен быть хостом трекера или доменом, в который он входит."),
	ep(`the tracker is reached at an address that takes no cookie domain: leave it empty`,
		"Трекер открывается по адресу, для которого домен cookie не задаётся: оставьте поле пустым."),
	ep(`the default landing page must be an http\(s\) address on one of the allowed domains`,
		"Страница по умолчанию — адрес http(s) на одном из разрешённых доменов."),
	ep(`the program name is 1 to (\d+) characters`, "Название программы — от 1 до $1 символов."),
	ep(`the terms are longer than (\d+) characters`, "Условия длиннее $1 символов."),

	// Partners, applications, registrations, plans.
	ep(`a partner cannot recruit themselves`, "Партнёр не может привлечь сам себя."),
	ep(`no partner has the ref "?([^"]*)"?`, "Нет партнёра с кодом $1."),
	ep(`no such partner`, "Такого партнёра нет."),
	ep(`that partner was recruited \(directly or not\) by this one`, "Этот партнёр привлечён (напрямую или через других) этим партнёром."),
	ep(`.+ is (\S+); only active partners take customers`, "Клиентов получают только активные партнёры (статус партнёра: «$1»)."),
	ep(`.+ is (\S+), not an application`, "Это уже не заявка: статус партнёра — «$1»."),
	ep(`choose a partner type`, "Выберите тип партнёра."),
	ep(`choose a published plan version`, "Выберите опубликованную версию плана."),
	ep(`(.+) is not the plan of the partner type (.+): tick “use a plan of another type” to approve on it`,
		"$1 — не тариф типа партнёра «$2»: чтобы одобрить на нём, отметьте «Использовать тариф другого типа»."),
	ep(`a new plan applies from now on, never to the past`, "Новый план действует с сегодняшнего дня, не задним числом."),
	ep(`a plan change is already scheduled from (.+)`, "Смена плана уже запланирована с $1."),
	ep(`enter the first day as YYYY-MM-DD`, "Укажите первый день в виде ГГГГ-ММ-ДД."),
	ep(`enter the last day as YYYY-MM-DD`, "Укажите последний день в виде ГГГГ-ММ-ДД."),
	ep(`enter the date as YYYY-MM-DD|a day as YYYY-MM-DD`, "Укажите дату в виде ГГГГ-ММ-ДД."),
	ep(`the last day is before the first`, "Последний день раньше первого."),
	ep(`a period covers at most (\d+) days`, "Период — не длиннее $1 дней."),
	ep(`approve or reject|choose one`, "Выберите один из вариантов."),
	ep(`give a reason[^:]*: the partner sees it|give a reason the partner will see.*|give a reason \(at most (\d+) characters\): the partner sees it`,
		"Укажите причину (не длиннее 500 символов): партнёр её увидит."),
	ep(`give a reason \(at most (\d+) characters\)`, "Укажите причину (не длиннее $1 символов)."),
	ep(`the training cannot be passed in the future`, "Обучение нельзя пройти в будущем."),
	ep(`customer \d+ is already bound|this customer is already attributed in the program`, "Клиент уже закреплён за партнёром программы."),
	ep(`\d+ of \d+ customers were bound already`, "Часть клиентов уже закреплена за партнёрами программы."),
	ep(`the customer is already this partner's`, "Клиент уже закреплён за этим партнёром."),
	ep(`the commission was rejected`, "Комиссия отклонена."),
	ep(`no pending registration \d+`, "Эта регистрация уже рассмотрена."),
	ep(`add at least one rule before publishing`, "Добавьте хотя бы одно правило перед публикацией."),
	ep(`this version is published already`, "Эта версия уже опубликована."),
	ep(`this version is published and cannot change; create a new version instead`, "Опубликованную версию изменить нельзя: создайте новую."),
	ep(`version (\d+) is still a draft: edit and publish it first`, "Версия $1 — ещё черновик: сначала отредактируйте и опубликуйте её."),
	ep(`a plan named "(.*)" exists already`, "План «$1» уже есть."),
	ep(`plan not found`, "План не найден."),
	ep(`rule not found`, "Правило не найдено."),

	// Team, staff, API keys.
	ep(`only the partner's owner manages the team`, "Командой управляет только владелец партнёра."),
	ep(`the partner's last owner cannot be removed`, "Последнего владельца партнёра удалить нельзя."),
	ep(`you cannot remove yourself`, "Нельзя удалить самого себя."),
	ep(`ask another admin to change your own access`, "Свой доступ может изменить только другой администратор."),
	ep(`choose admin, manager or finance`, "Выберите роль: администратор, менеджер или финансы."),
	ep(`the program needs at least one active admin`, "В программе должен остаться хотя бы один активный администратор."),
	ep(`the key (.+) is revoked already`, "Ключ $1 уже отозван."),
	ep(`name the key by what uses it, in 1 to 100 characters`, "Назовите ключ по тому, что его использует (от 1 до 100 символов)."),
	ep(`a filter is at most (\d+) characters`, "Фильтр — не длиннее $1 символов."),

	// Postbacks.
	ep(`has a \{ without its \}`, "В адресе есть «{» без «}»."),
	ep(`has an unknown placeholder \{(.*)\}; known: (.*)`, "Неизвестная подстановка {$1}; доступны: $2."),
	ep(`is longer than (\d+) characters`, "Адрес длиннее $1 символов."),
	ep(`must be an http or https address such as (.+)`, "Нужен адрес http или https, например $1."),

	// Purchases and refunds (the import and the API's checks pages share).
	ep(`no purchase with this id`, "Покупки с таким id нет."),
	ep(`a (purchase|refund) with this id exists with a different body`, "Запись с таким id уже есть, с другими данными."),
	ep(`a refund cannot be dated before its purchase.*`, "Возврат не может быть датирован раньше покупки."),
	ep(`refund exceeds what is left of the purchase: (.+)`, "Возврат больше остатка покупки: $1."),
	ep(`lead entry .+|click ".*": .+`, "Запись потока не принята."),

	// Any field.
	ep(`.+ not found`, "Не найдено: возможно, запись удалена или ссылка устарела."),
	ep(`(.+) already has an account`, "У $1 уже есть учётная запись."),
	ep(`(.+) is already in the team`, "$1 уже в команде."),
	ep(`(.+) is (\S+)`, "$1: статус «$2»."),
	ep(`(.+) is required`, "Заполните это поле."),
	ep(`.+ is longer than (\d+) (?:characters|bytes)`, "Слишком длинное значение: не больше $1 символов."),
	ep(`.+ contains control characters`, "Значение содержит управляющие символы."),
	ep(`.+ is not valid UTF-8`, "Значение — не текст в UTF-8."),
	ep(`.+ must be a whole number from 1 to (\d+)`, "Введите целое число от 1 до $1."),
	ep(`Internal error`, "Внутренняя ошибка. Попробуйте ещё раз немного позже."),
}
