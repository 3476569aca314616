package backoffice

import (
	"context"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// BillingConnectors describes the billing connectors to the back office.
type BillingConnectors struct {
	Connectors []BillingConnector
	// Reprocess records a stored event's actions again.
	Reprocess func(ctx context.Context, id int64) error
	// Forget makes the receiver read changed settings at once.
	Forget func()
}

// BillingConnector is one provider's connector: its name, path and settings.
type BillingConnector struct {
	Provider, Name string
	Fields         []BillingField
}

// BillingField is one setting; a secret is write-only.
type BillingField struct {
	Key    string
	Secret bool
}

func (b BillingConnectors) find(provider string) (BillingConnector, bool) {
	for _, c := range b.Connectors {
		if c.Provider == provider {
			return c, true
		}
	}
	return BillingConnector{}, false
}

// adminBilling shows each connector: on or off, its settings (secrets
// only as set or not), the webhook URL to paste into the provider, the
// product mapping and its latest events with their outcome.
func (s *Server) adminBilling(c *fiber.Ctx) error { return s.renderBilling(c, "", nil, fiber.StatusOK) }

func (s *Server) renderBilling(c *fiber.Ctx, failed string, formErr error, status int) error {
	u := web.CurrentUser(c)
	ctx := c.UserContext()
	loc := web.UserLoc(u)
	var views []fiber.Map
	for _, bc := range s.Billing.Connectors {
		cfg, err := s.DB.BillingConnector(ctx, bc.Provider)
		if err != nil {
			return err
		}
		var fields []fiber.Map
		for _, f := range bc.Fields {
			v := fiber.Map{"Key": f.Key, "Secret": f.Secret, "Label": web.T(u.Locale, "bill_f_"+f.Key), "Help": web.T(u.Locale, "bill_h_"+bc.Provider+"_"+f.Key)}
			if f.Secret {
				if val := cfg.Settings[f.Key]; val != "" {
					v["Set"] = web.Tf(u.Locale, "bill_secret_set", val[max(0, len(val)-4):])
				}
			} else {
				v["Value"] = cfg.Settings[f.Key]
			}
			fields = append(fields, v)
		}
		var products []string
		for id, p := range cfg.Products {
			products = append(products, id+" = "+p)
		}
		sort.Strings(products)
		events, err := s.DB.BillingEvents(ctx, bc.Provider, 20)
		if err != nil {
			return err
		}
		var log []fiber.Map
		for _, e := range events {
			deliveries := ""
			if e.Deliveries > 1 {
				deliveries = web.Tf(u.Locale, "bill_deliveries", strconv.Itoa(e.Deliveries))
			}
			log = append(log, fiber.Map{"ID": e.ID, "At": web.FormatDateTime(e.ReceivedAt.In(loc), u.Locale), "Event": e.EventID,
				"Type": e.Type, "Status": e.Status, "StatusText": web.T(u.Locale, "bill_st_"+e.Status), "Deliveries": deliveries, "Detail": e.Detail,
				"Reprocess": e.Status != storage.BillingRecorded && e.Status != storage.BillingIgnored})
		}
		v := fiber.Map{"Provider": bc.Provider, "Name": bc.Name, "Enabled": cfg.Enabled, "Fields": fields,
			"Products": strings.Join(products, "\n"), "URL": s.TrackerURL + "/webhooks/" + bc.Provider, "Events": log,
			"Steps": web.T(u.Locale, "bill_steps_"+bc.Provider)}
		if failed == bc.Provider && formErr != nil {
			v["Error"] = web.ErrorText(u.Locale, formErr)
		}
		views = append(views, v)
	}
	data := fiber.Map{"Connectors": views}
	if done := c.Query("done"); done == "bill_saved" || done == "bill_reprocessed" {
		data["Flash"] = done
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_billing", u.Locale, web.T(u.Locale, "billing"), data))
}

// saveBilling saves a connector's settings: a secret left empty keeps the
// one stored; the product mapping is one "provider id = product" a line.
func (s *Server) saveBilling(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := web.CurrentUser(c)
	bc, ok := s.Billing.find(c.Params("provider"))
	if !ok {
		return fiber.ErrNotFound
	}
	cfg, err := s.DB.BillingConnector(ctx, bc.Provider)
	if err != nil {
		return err
	}
	next := storage.BillingConnector{Provider: bc.Provider, Enabled: c.FormValue("enabled") == "on",
		Settings: map[string]string{}, Products: map[string]string{}}
	for _, f := range bc.Fields {
		v := strings.TrimSpace(c.FormValue(f.Key))
		if f.Secret && v == "" {
			v = cfg.Settings[f.Key] // write-only: empty keeps it
		}
		if f.Secret && c.FormValue(f.Key+"_clear") == "on" {
			v = ""
		}
		if err := partnerka.PlainText(f.Key, v, 500); err != nil {
			return s.renderBilling(c, bc.Provider, partnerka.Errorf(partnerka.EINVALID, "%s", web.T(u.Locale, "bill_err_text")), fiber.StatusUnprocessableEntity)
		}
		if f.Key == "api_url" && v != "" {
			if pu, err := url.Parse(v); err != nil || pu.Scheme != "https" && pu.Scheme != "http" || pu.Host == "" {
				return s.renderBilling(c, bc.Provider, partnerka.Errorf(partnerka.EINVALID, "%s", web.T(u.Locale, "bill_err_url")), fiber.StatusUnprocessableEntity)
			}
		}
		if v != "" {
			next.Settings[f.Key] = v
		}
	}
	for i, line := range strings.Split(strings.ReplaceAll(c.FormValue("products"), "\r", ""), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		id, product, ok := strings.Cut(line, "=")
		id, product = strings.TrimSpace(id), strings.TrimSpace(product)
		if !ok || id == "" || product == "" || len(product) > 128 || len(id) > 256 {
			return s.renderBilling(c, bc.Provider, partnerka.Errorf(partnerka.EINVALID, "%s", web.Tf(u.Locale, "bill_err_product", strconv.Itoa(i+1))), fiber.StatusUnprocessableEntity)
		}
		next.Products[id] = product
	}
	if next.Enabled {
		for _, f := range bc.Fields {
			if f.Secret && next.Settings[f.Key] == "" {
				return s.renderBilling(c, bc.Provider, partnerka.Errorf(partnerka.EINVALID, "%s", web.Tf(u.Locale, "bill_err_secret", web.T(u.Locale, "bill_f_"+f.Key))), fiber.StatusUnprocessableEntity)
			}
		}
	}
	keys := []string{}
	for _, f := range bc.Fields {
		if f.Secret {
			keys = append(keys, f.Key)
		}
	}
	if err := s.DB.SaveBillingConnector(ctx, next, keys, s.Actor(c)); err != nil {
		return err
	}
	if s.Billing.Forget != nil {
		s.Billing.Forget()
	}
	return c.Redirect("/admin/billing?done=bill_saved#"+bc.Provider, fiber.StatusSeeOther)
}

// reprocessBillingEvent records a stored event again.
func (s *Server) reprocessBillingEvent(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	e, err := s.DB.BillingEventByID(c.UserContext(), id)
	if err != nil {
		return err
	}
	if s.Billing.Reprocess == nil {
		return fiber.ErrNotFound
	}
	if err := s.Billing.Reprocess(c.UserContext(), id); err != nil {
		return err
	}
	return c.Redirect("/admin/billing?done=bill_reprocessed#"+e.Provider, fiber.StatusSeeOther)
}

var _ = web.AddMessages(map[string]string{
	"billing": "Billing", "bill_intro": "Connect the vendor's billing and partnerka records payments and refunds itself: no backend code. Each connector verifies every notification before it records anything.",
	"bill_enabled": "Enabled", "bill_webhook_url": "Webhook URL to paste into the provider",
	"bill_secret_set": "set, ending …%s; leave empty to keep it", "bill_clear": "Remove the stored value",
	"bill_products": "Products", "bill_products_help": "One a line: the provider's product or price id = the plan's product, such as price_1Q2w3E = crm. Unmapped payments have no product (rules without products apply).",
	"bill_save": "Save", "bill_saved": "Saved; the connector uses it within seconds.", "bill_reprocessed": "The event was recorded again.",
	"bill_events": "Latest events", "bill_no_events": "No notifications yet.", "bill_reprocess": "Record again",
	"bill_deliveries":  "%s deliveries",
	"bill_st_received": "received", "bill_st_recorded": "recorded", "bill_st_ignored": "ignored", "bill_st_waiting": "waiting for its payment", "bill_st_failed": "refused",
	"bill_f_webhook_secret": "Signing secret (whsec_…)", "bill_f_shop_id": "Shop ID", "bill_f_secret_key": "Secret key", "bill_f_api_url": "API address", "bill_f_api_secret": "API secret",
	"bill_h_stripe_webhook_secret":    "Stripe shows it on the webhook endpoint's page, under Signing secret.",
	"bill_h_yookassa_shop_id":         "In the YooKassa dashboard: Integration → API keys.",
	"bill_h_yookassa_secret_key":      "The connector asks the YooKassa API about every notification with it: YooKassa does not sign them.",
	"bill_h_yookassa_api_url":         "Leave empty for https://api.yookassa.ru.",
	"bill_h_cloudpayments_api_secret": "In the CloudPayments dashboard: the site's settings, API Password; it checks each notification's Content-HMAC.",
	"bill_err_text":                   "A setting is longer than 500 characters or contains control characters.",
	"bill_err_url":                    "The API address must be an http(s) address such as https://api.yookassa.ru.",
	"bill_err_product":                "Products, line %s: write the provider's id = the plan's product.",
	"bill_err_secret":                 "Enter %s before enabling the connector.",
	"bill_steps_stripe":               "In Stripe: Developers → Webhooks → Add endpoint; paste the URL; choose the events checkout.session.completed, customer.created, customer.updated, invoice.paid, invoice_payment.paid, charge.refunded, refund.created; copy the signing secret here. Pass pk_click into Checkout as client_reference_id.",
	"bill_steps_yookassa":             "In YooKassa: Integration → HTTP notifications; paste the URL; tick payment.succeeded, payment.canceled and refund.succeeded. Put pk_click into the payment's metadata.",
	"bill_steps_cloudpayments":        "In CloudPayments: the site's settings → Notifications; paste the URL into Pay and Refund (and Confirm for two-step payments); for Check, add ?type=check to it. Put pk_click into the payment form's data.",
}, map[string]string{
	"billing": "Биллинг", "bill_intro": "Подключите биллинг вендора, и partnerka сама запишет платежи и возвраты — без кода на бэкенде. Каждый коннектор проверяет уведомление, прежде чем что-либо записать.",
	"bill_enabled": "Включён", "bill_webhook_url": "Адрес вебхука для настроек провайдера",
	"bill_secret_set": "задан, оканчивается на …%s; оставьте пустым, чтобы не менять", "bill_clear": "Удалить сохранённое значение",
	"bill_products": "Продукты", "bill_products_help": "По одному в строке: id продукта или цены у провайдера = продукт тарифа, например price_1Q2w3E = crm. Платежи без соответствия идут без продукта (действуют правила без продуктов).",
	"bill_save": "Сохранить", "bill_saved": "Сохранено; коннектор применит это в течение нескольких секунд.", "bill_reprocessed": "Событие записано повторно.",
	"bill_events": "Последние события", "bill_no_events": "Уведомлений пока не было.", "bill_reprocess": "Записать снова",
	"bill_deliveries":  "доставок: %s",
	"bill_st_received": "получено", "bill_st_recorded": "записано", "bill_st_ignored": "пропущено", "bill_st_waiting": "ждёт свой платёж", "bill_st_failed": "отклонено",
	"bill_f_webhook_secret": "Секрет подписи (whsec_…)", "bill_f_shop_id": "ID магазина", "bill_f_secret_key": "Секретный ключ", "bill_f_api_url": "Адрес API", "bill_f_api_secret": "Пароль API",
	"bill_h_stripe_webhook_secret":    "Stripe показывает его на странице вебхука в разделе Signing secret.",
	"bill_h_yookassa_shop_id":         "В личном кабинете ЮKassa: Интеграция → Ключи API.",
	"bill_h_yookassa_secret_key":      "С ним коннектор спрашивает API ЮKassa о каждом уведомлении: ЮKassa их не подписывает.",
	"bill_h_yookassa_api_url":         "Оставьте пустым для https://api.yookassa.ru.",
	"bill_h_cloudpayments_api_secret": "В личном кабинете CloudPayments: настройки сайта, Пароль для API; им проверяется Content-HMAC каждого уведомления.",
	"bill_err_text":                   "Значение длиннее 500 символов или содержит управляющие символы.",
	"bill_err_url":                    "Адрес API — адрес http(s), например https://api.yookassa.ru.",
	"bill_err_product":                "Продукты, строка %s: напишите id у провайдера = продукт тарифа.",
	"bill_err_secret":                 "Укажите «%s», прежде чем включать коннектор.",
	"bill_steps_stripe":               "В Stripe: Developers → Webhooks → Add endpoint; вставьте адрес; выберите события checkout.session.completed, customer.created, customer.updated, invoice.paid, invoice_payment.paid, charge.refunded, refund.created; скопируйте сюда секрет подписи. Передавайте pk_click в Checkout как client_reference_id.",
	"bill_steps_yookassa":             "В ЮKassa: Интеграция → HTTP-уведомления; вставьте адрес; отметьте payment.succeeded, payment.canceled и refund.succeeded. Передавайте pk_click в metadata платежа.",
	"bill_steps_cloudpayments":        "В CloudPayments: настройки сайта → Уведомления; вставьте адрес в Pay и Refund (и в Confirm для двухстадийных платежей); для Check добавьте к нему ?type=check. Передавайте pk_click в data платёжной формы.",
})
