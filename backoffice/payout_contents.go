package backoffice

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/shopspring/decimal"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// Risk hints speak up past these.
const (
	youngPartner     = 30 * 24 * time.Hour                        // a partner this new at the request
	refundShareAlert = 10                                         // percent of the window's payments refunded
	riskWindowDays   = int(storage.RiskWindow / (24 * time.Hour)) // the refund window, in days
)

// payoutContents adds to the payout page what the payout covers (the
// credits of the available balance it drew on, with their customers and
// dates, a page at a time, and their total, which is the payout's amount)
// and the risk hints that apply, each a plain sentence.
func (s *Server) payoutContents(c *fiber.Ctx, p *storage.PayoutRow, data fiber.Map) error {
	u := web.CurrentUser(c)
	lc, loc := u.Locale, web.UserLoc(u)
	ctx := c.UserContext()
	sources, err := s.DB.PayoutSources(ctx, p.ID)
	if err != nil {
		return err
	}
	money := func(d decimal.Decimal) string {
		return web.FormatMoney(partnerka.Money{Amount: d, Currency: p.Currency}, lc)
	}
	total := decimal.Zero
	var first, last *time.Time
	commissions := 0
	for _, src := range sources {
		total = total.Add(src.Covered)
		if src.EarnedAt != nil {
			commissions++
			if first == nil || src.EarnedAt.Before(*first) {
				first = src.EarnedAt
			}
			if last == nil || src.EarnedAt.After(*last) {
				last = src.EarnedAt
			}
		}
	}
	page := pageNumber(c)
	if page > lastPage(int64(len(sources))) {
		page = lastPage(int64(len(sources)))
	}
	shown := sources[min((page-1)*listPage, len(sources)):min(page*listPage, len(sources))]
	var rows []fiber.Map
	for _, src := range shown {
		r := fiber.Map{"Kind": src.Kind, "KindText": web.T(lc, "pos_kind_"+src.Kind), "Available": web.FormatDate(src.At.In(loc), lc),
			"Amount": money(src.Covered), "Reason": src.Reason, "Customer": src.Customer, "CustomerID": src.CustomerID,
			"Explanation": web.Explain(src.Explanation, lc)}
		if !src.Covered.Equal(src.Amount) {
			r["Part"] = web.Tf(lc, "pos_part_of", money(src.Amount))
		}
		if src.EarnedAt != nil {
			r["Earned"] = web.FormatDate(src.EarnedAt.In(loc), lc)
		}
		rows = append(rows, r)
	}
	data["Sources"], data["SourcesTotal"], data["SourcesMatch"] = rows, money(total), total.Equal(p.Amount)
	data["SourcesPager"] = pagerView("/admin/payouts/"+strconv.FormatInt(p.ID, 10), url.Values{}, page, len(shown), int64(len(sources)), lc)
	data["CustomerLinks"] = can(u, managers)
	if first != nil {
		data["SourcesPeriod"] = web.Tf(lc, "pos_period", commissions, web.FormatDate(first.In(loc), lc), web.FormatDate(last.In(loc), lc))
	}
	if !total.Equal(p.Amount) {
		data["SourcesShort"] = web.Tf(lc, "pos_short", money(total), money(p.Amount))
	}

	risk, err := s.DB.PayoutRisk(ctx, p)
	if err != nil {
		return err
	}
	data["Risks"] = payoutRisks(p, risk, lc, loc)
	return nil
}

// payoutRisks are the sentences finance reads before paying: only those
// that apply, as things stood at the request.
func payoutRisks(p *storage.PayoutRow, r *storage.PayoutRisk, lc string, loc *time.Location) []string {
	var out []string
	if age := p.RequestedAt.Sub(r.PartnerSince); age >= 0 && age < youngPartner {
		out = append(out, web.Tf(lc, "pos_risk_young", int(age/(24*time.Hour)), web.FormatDate(r.PartnerSince.In(loc), lc)))
	}
	if r.Paid.IsPositive() && r.Refunded.Mul(decimal.NewFromInt(100)).GreaterThanOrEqual(r.Paid.Mul(decimal.NewFromInt(refundShareAlert))) {
		m := func(d decimal.Decimal) string {
			return web.FormatMoney(partnerka.Money{Amount: d, Currency: p.Currency}, lc)
		}
		out = append(out, web.Tf(lc, "pos_risk_refunds", repShare(r.Refunded.Div(r.Paid), lc), riskWindowDays, m(r.Refunded), m(r.Paid)))
	}
	if r.PreviousID != nil && !storage.SameDetails(r.PreviousMethod, r.PreviousDetails, p.Method, p.Details) {
		out = append(out, web.Tf(lc, "pos_risk_details", *r.PreviousID, web.FormatDate(r.PreviousAt.In(loc), lc)))
	}
	if !storage.SameDetails(r.CurrentMethod, r.CurrentDetails, p.Method, p.Details) {
		out = append(out, web.T(lc, "pos_risk_details_now"))
	}
	if r.PaidBefore == 0 {
		out = append(out, web.T(lc, "pos_risk_first"))
	}
	return out
}

var _ = web.AddMessages(map[string]string{
	"pos_covers": "What this payout covers",
	"pos_how":    "Payouts are not tied to single commissions: a request reserves part of the available balance. Listed here is what that balance was made of when the payout was requested, oldest first, after what the partner's earlier payouts drew (first in, first out).",
	"pos_period": "%d commissions, earned from %s to %s.", "pos_part_of": "part of %s",
	"pos_short":     "Only %s of %s is matched by ledger entries written before the request: run partnerka verify.",
	"pos_available": "Available from", "pos_what": "What", "pos_earned": "Earned", "pos_no_sources": "No ledger entries before the request make up this payout.",
	"pos_kind_commission": "commission", "pos_kind_bonus": "bonus", "pos_kind_adjustment": "adjustment",
	"pos_risks":            "Before paying",
	"pos_risk_young":       "The partner joined %d days before this request (on %s).",
	"pos_risk_refunds":     "Refunds took back %s of what the partner's customers paid in the %d days before the request (%s of %s).",
	"pos_risk_details":     "The payout details differ from the partner's previous payout #%d of %s: check the account before paying.",
	"pos_risk_details_now": "The partner has changed their payout details since this request; the payout goes to the account it was requested to.",
	"pos_risk_first":       "First payout to this partner: none of their payouts had been paid before this request.",
}, map[string]string{
	"pos_covers": "Что входит в выплату",
	"pos_how":    "Выплата не привязана к отдельным начислениям: заявка резервирует часть доступного баланса. Здесь — из чего состоял этот баланс на момент заявки, от старых к новым, за вычетом того, что забрали прежние выплаты партнёра (первым пришло — первым выплачено).",
	"pos_period": "Начислений: %d, с %s по %s.", "pos_part_of": "часть от %s",
	"pos_short":     "Записями журнала до заявки покрыто только %s из %s: запустите partnerka verify.",
	"pos_available": "Доступно с", "pos_what": "Что", "pos_earned": "Начислено", "pos_no_sources": "До заявки в журнале нет записей, из которых складывается эта выплата.",
	"pos_kind_commission": "вознаграждение", "pos_kind_bonus": "бонус", "pos_kind_adjustment": "корректировка",
	"pos_risks":            "Перед оплатой",
	"pos_risk_young":       "Партнёр зарегистрирован за %d дн. до этой заявки (%s).",
	"pos_risk_refunds":     "Возвраты забрали %s оплат клиентов партнёра за %d дней до заявки (%s из %s).",
	"pos_risk_details":     "Реквизиты отличаются от предыдущей выплаты партнёра №%d от %s: проверьте счёт перед оплатой.",
	"pos_risk_details_now": "После этой заявки партнёр изменил реквизиты; выплата идёт на счёт, указанный в заявке.",
	"pos_risk_first":       "Первая выплата этому партнёру: до этой заявки ни одна его выплата не была выплачена.",
})
