package backoffice

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

var payoutStatuses = []string{storage.PayoutRequested, storage.PayoutApproved, storage.PayoutPaid, storage.PayoutRejected, storage.PayoutCancelled}

func payoutStatus(s string) string {
	for _, st := range payoutStatuses {
		if s == st {
			return s
		}
	}
	return storage.PayoutRequested
}

// adminPayouts is finance's queue: requests to decide, approved payouts to
// pay (export for the bank, then mark paid one by one or from a file).
func (s *Server) adminPayouts(c *fiber.Ctx) error {
	return s.renderPayoutQueue(c, nil, nil, fiber.StatusOK)
}

func (s *Server) renderPayoutQueue(c *fiber.Ctx, formErr error, lineErrs []storage.LineError, status int) error {
	u := web.CurrentUser(c)
	st := payoutStatus(c.Query("status"))
	ctx, db := c.UserContext(), s.Read(c)
	after, _ := strconv.ParseInt(c.Query("after"), 10, 64)
	rows, err := db.AdminPayouts(ctx, st, max(after, 0), payoutQueuePage+1)
	if err != nil {
		return err
	}
	more := len(rows) > payoutQueuePage
	rows = rows[:min(len(rows), payoutQueuePage)]
	// The totals are of the whole status, every page, per currency.
	totals, err := db.AdminPayoutTotals(ctx, st)
	if err != nil {
		return err
	}
	var all int64
	var sums []string
	for _, t := range totals {
		all += t.Count
		sums = append(sums, web.FormatMoney(partnerka.Money{Amount: t.Amount, Currency: t.Currency}, u.Locale))
	}
	loc := web.UserLoc(u)
	var out []fiber.Map
	for _, p := range rows {
		m := partnerka.Money{Amount: p.Amount, Currency: p.Currency}
		out = append(out, fiber.Map{"P": p, "Amount": web.FormatMoney(m, u.Locale), "Date": web.FormatDate(p.RequestedAt.In(loc), u.Locale),
			"Method": web.T(u.Locale, "m_"+p.Method), "Account": p.Account()})
	}
	pager := fiber.Map{"Text": web.Tf(u.Locale, "po_shown", web.FormatInt(int64(len(rows)), u.Locale), web.FormatInt(all, u.Locale))}
	if more {
		pager["Next"] = "/admin/payouts?" + url.Values{"status": {st}, "after": {strconv.FormatInt(rows[len(rows)-1].ID, 10)}}.Encode()
	}
	if after > 0 {
		pager["First"] = "/admin/payouts?" + url.Values{"status": {st}}.Encode()
	}
	var tabs []fiber.Map
	for _, t := range payoutStatuses {
		tabs = append(tabs, fiber.Map{"Status": t, "Label": web.T(u.Locale, "status_"+t), "Current": t == st})
	}
	data := fiber.Map{"Rows": out, "Tabs": tabs, "Status": st, "Sums": sums, "Pager": pager, "LineErrors": lineErrs, "LineError": func(m string) string { return web.LineErrorText(u.Locale, m) },
		"Approved": st == storage.PayoutApproved}
	if formErr != nil {
		data["Error"] = web.ErrorText(u.Locale, formErr)
	}
	if done := c.Query("done"); done == "paid_file" {
		data["Flash"] = fmt.Sprintf(web.T(u.Locale, "done_paid_file"), c.QueryInt("n"))
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_payouts", u.Locale, web.T(u.Locale, "payouts"), data))
}

// adminPayout shows one payout with the partner's balance and payout
// history, and the next step it can take, saying what will happen.
func (s *Server) adminPayout(c *fiber.Ctx) error {
	return s.renderPayout(c, "", nil, fiber.StatusOK)
}

func (s *Server) renderPayout(c *fiber.Ctx, form string, formErr error, status int) error {
	u := web.CurrentUser(c)
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	p, err := s.DB.AdminPayout(ctx, id)
	if err != nil {
		return err
	}
	bs, err := s.DB.PartnerBalances(ctx, p.PartnerID)
	if err != nil {
		return err
	}
	history, historyCount, err := s.DB.PartnerPayouts(ctx, p.PartnerID, storage.PartnerFilePayouts, 0)
	if err != nil {
		return err
	}
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return err
	}
	loc := web.UserLoc(u)
	var hist []fiber.Map
	for _, h := range history {
		hist = append(hist, fiber.Map{"ID": h.ID, "Date": web.FormatDate(h.RequestedAt.In(loc), u.Locale), "Current": h.ID == p.ID,
			"Amount": web.FormatMoney(partnerka.Money{Amount: h.Amount, Currency: h.Currency}, u.Locale),
			"Status": web.T(u.Locale, "status_"+h.Status), "StatusClass": h.Status, "Reason": h.Reason, "Reference": h.PaidReference})
	}
	amount := web.FormatMoney(partnerka.Money{Amount: p.Amount, Currency: p.Currency}, u.Locale)
	to := web.T(u.Locale, "m_"+p.Method)
	if acc := p.Account(); acc != "" {
		to += " " + acc
	}
	data := fiber.Map{"P": p, "Amount": amount, "To": to, "Balances": web.BalanceRows(bs, st.DefaultCurrency, nil, loc, u.Locale), "History": hist,
		"HistoryNote": historyNote(u.Locale, len(history), historyCount),
		"Status":      web.T(u.Locale, "status_"+p.Status), "Requested": web.FormatDate(p.RequestedAt.In(loc), u.Locale),
		"ApproveQ": fmt.Sprintf(web.T(u.Locale, "approve_q"), amount, p.Partner, to),
		"PaidQ":    fmt.Sprintf(web.T(u.Locale, "paid_q"), amount, p.Partner),
		"CancelQ":  fmt.Sprintf(web.T(u.Locale, "cancel_payout_q"), amount, p.Partner),
		"Form":     form, "Reason": c.FormValue("reason"), "Reference": c.FormValue("reference"),
		// Under four eyes the approver is told, not offered a form the storage refuses.
		"FourEyesBlocked": p.Status == storage.PayoutApproved && st.FourEyesPayouts && p.DecidedByID != nil && *p.DecidedByID == u.ID,
		"FourEyesOff":     !st.FourEyesPayouts}
	if err := s.payoutContents(c, p, data); err != nil {
		return err
	}
	if p.DecidedAt != nil {
		data["Decided"] = web.FormatDate(p.DecidedAt.In(loc), u.Locale)
	}
	if p.PaidAt != nil {
		data["Paid"] = web.FormatDate(p.PaidAt.In(loc), u.Locale)
	}
	if p.CancelledAt != nil {
		data["Cancelled"] = web.FormatDate(p.CancelledAt.In(loc), u.Locale)
	}
	if formErr != nil {
		data["Error"] = payoutErrorMessage(formErr, u.Locale)
	}
	if done := c.Query("done"); done != "" {
		data["Flash"] = "done_payout_" + payoutStatus(done)
	}
	return c.Status(status).Type("html").Send(s.Page(c, "admin_payout", u.Locale, web.T(u.Locale, "payouts")+" #"+strconv.FormatInt(p.ID, 10), data))
}

// payoutErrorMessage is what the payout page says of a refused action, in
// the reader's language where the refusal is one of the payout rules.
func payoutErrorMessage(err error, locale string) string {
	if partnerka.ErrorField(err) == "four_eyes" {
		return web.T(locale, "four_eyes_refused")
	}
	return web.ErrorText(locale, err)
}

// decidePayout approves, rejects (with a reason), marks paid (with the
// bank's reference) or cancels (an approved payout the bank did not pay
// out, with a reason) one payout. The transition happens once whatever
// the concurrency: the storage layer holds the payout's row lock, checks
// the status it moves from and keeps four eyes on the payment.
func (s *Server) decidePayout(c *fiber.Ctx) error {
	id, err := web.RouteID(c, "id")
	if err != nil {
		return err
	}
	action := c.Path()[strings.LastIndexByte(c.Path(), '/')+1:]
	to := map[string]string{"approve": storage.PayoutApproved, "reject": storage.PayoutRejected, "paid": storage.PayoutPaid,
		"cancel": storage.PayoutCancelled}[action]
	t := storage.PayoutTransition{PayoutID: id, To: to, ActorID: web.CurrentUser(c).ID, At: s.Now(), IP: s.ClientIP(c),
		Reason: strings.TrimSpace(c.FormValue("reason")), Reference: strings.TrimSpace(c.FormValue("reference"))}
	switch {
	case (to == storage.PayoutRejected || to == storage.PayoutCancelled) && !validReason(t.Reason):
		err = errReason
	case to == storage.PayoutPaid && (t.Reference == "" || len(t.Reference) > 200):
		err = partnerka.FieldError("reference", "enter the bank's payment reference (at most 200 characters)")
	default:
		err = s.DB.TransitionPayout(c.UserContext(), t)
	}
	switch partnerka.ErrorCode(err) {
	case "":
		s.forgetBadges()
		return c.Redirect("/admin/payouts/"+strconv.FormatInt(id, 10)+"?done="+to, fiber.StatusSeeOther)
	case partnerka.EINVALID:
		return s.renderPayout(c, action, err, fiber.StatusUnprocessableEntity)
	case partnerka.ECONFLICT:
		return s.renderPayout(c, action, err, fiber.StatusConflict)
	case partnerka.EFORBIDDEN:
		return s.renderPayout(c, action, err, fiber.StatusForbidden)
	}
	return err
}

// payoutsCSV exports payouts of a status (approved by default) for the
// bank: who, how much, where to, and the id to quote back. Every payout
// of the status, in the queue's order, streamed as read (web.StreamCSV).
func (s *Server) payoutsCSV(c *fiber.Ctx) error {
	st := payoutStatus(c.Query("status", storage.PayoutApproved))
	name := "payouts-" + st + "-" + s.Now().UTC().Format("2006-01-02") + ".csv"
	return s.StreamCSV(c, web.CSVOwner(c), name, func(ctx context.Context, w *csv.Writer) error {
		if err := w.Write([]string{"payout_id", "partner_ref", "partner", "amount", "currency", "method", "account", "requested_at", "status", "reference"}); err != nil {
			return err
		}
		return s.DB.EachAdminPayout(ctx, st, func(p storage.PayoutRow) error {
			n, _ := partnerka.MinorUnits(p.Currency)
			return w.Write([]string{strconv.FormatInt(p.ID, 10), p.Ref, web.CSVSafe(p.Partner), p.Amount.StringFixed(n), p.Currency, p.Method,
				web.CSVSafe(p.Account()), p.RequestedAt.UTC().Format(time.RFC3339), p.Status, web.CSVSafe(p.PaidReference)})
		})
	})
}

// importPaid marks payouts paid from the bank's file: a CSV with a header
// naming the columns payout_id and reference. All lines or none.
func (s *Server) importPaid(c *fiber.Ctx) error {
	c.Request().URI().QueryArgs().Set("status", storage.PayoutApproved)
	fh, err := c.FormFile("file")
	if err != nil {
		return s.renderPayoutQueue(c, partnerka.FieldError("file", "choose the CSV file to upload"), nil, fiber.StatusUnprocessableEntity)
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	lines, bad := parsePaidCSV(f)
	if len(bad) == 0 && len(lines) == 0 {
		bad = []storage.LineError{{Line: 1, Message: "the file has no payouts"}}
	}
	if len(bad) == 0 {
		if bad, err = s.DB.MarkPaid(c.UserContext(), lines, web.CurrentUser(c).ID, s.ClientIP(c), s.Now()); err != nil {
			return err
		}
	}
	if len(bad) > 0 {
		for i, l := range bad {
			if l.Field == "four_eyes" {
				bad[i].Message = web.T(web.CurrentUser(c).Locale, "four_eyes_refused")
			}
		}
		return s.renderPayoutQueue(c, partnerka.FieldError("file", "nothing was marked paid: fix these lines and upload the file again"), bad, fiber.StatusUnprocessableEntity)
	}
	s.forgetBadges()
	return c.Redirect("/admin/payouts?status=paid&done=paid_file&n="+strconv.Itoa(len(lines)), fiber.StatusSeeOther)
}

func parsePaidCSV(r io.Reader) ([]storage.PaidLine, []storage.LineError) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, []storage.LineError{{Line: 1, Message: "the file is not CSV with a header line"}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	idCol, ok1 := col["payout_id"]
	refCol, ok2 := col["reference"]
	if !ok1 || !ok2 {
		return nil, []storage.LineError{{Line: 1, Message: "the header must name the columns payout_id and reference"}}
	}
	var lines []storage.PaidLine
	var bad []storage.LineError
	seen := map[int64]int{}
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			bad = append(bad, storage.LineError{Line: n, Message: "unreadable CSV line"})
			continue
		}
		if len(rec) <= idCol || len(rec) <= refCol {
			bad = append(bad, storage.LineError{Line: n, Message: "the line has too few columns"})
			continue
		}
		id, err := strconv.ParseInt(strings.TrimSpace(rec[idCol]), 10, 64)
		ref := strings.TrimSpace(rec[refCol])
		switch {
		case err != nil || id <= 0:
			bad = append(bad, storage.LineError{Line: n, Message: "payout_id is not a payout number"})
		case ref == "" || len(ref) > 200:
			bad = append(bad, storage.LineError{Line: n, Message: "reference is empty or longer than 200 characters"})
		case seen[id] != 0:
			bad = append(bad, storage.LineError{Line: n, Message: "payout " + strconv.FormatInt(id, 10) + " is also on line " + strconv.Itoa(seen[id])})
		default:
			seen[id] = n
			lines = append(lines, storage.PaidLine{Line: n, PayoutID: id, Reference: ref})
		}
	}
	return lines, bad
}

// historyNote says, when a partner has more payouts than a page shows
// beside one of them, how many of how many are listed ("" otherwise).
func historyNote(locale string, shown int, total int64) string {
	if int64(shown) >= total {
		return ""
	}
	return web.Tf(locale, "po_history_latest", web.FormatInt(int64(shown), locale), web.FormatInt(total, locale))
}

// payoutQueuePage is how many payouts a page of the queue lists.
const payoutQueuePage = 100

var _ = web.AddMessages(map[string]string{
	"po_shown": "%s shown of %s", "po_history_latest": "The latest %s of %s payouts.", "po_first_page": "← First page", "po_next_page": "Next page →",
	"total": "Total", "export_bank": "Export for the bank (CSV)", "upload_paid": "Mark paid from the bank's file",
	"upload_hint": "A CSV file with a header line naming the columns payout_id and reference. All lines are marked paid, or none.",
	"file":        "File", "upload": "Upload", "line": "Line", "requested_by": "Requested by", "decided": "Decided", "paid_on": "Paid",
	"approve_q":   "Approve %s to %s, %s? The amount stays reserved until it is marked paid.",
	"paid_q":      "Mark %s to %s paid? Enter the bank's reference; the amount moves to paid.",
	"reject_hint": "The reserved amount returns to the partner's available balance. The partner sees the reason.",
	"reference":   "Bank reference", "mark_paid": "Mark paid", "no_payout_rows": "No payouts in this status.",
	"done_payout_approved": "Approved. Export it for the bank, then mark it paid.", "done_payout_rejected": "Rejected; the amount is available to the partner again.",
	"done_payout_paid": "Marked paid.", "done_paid_file": "%d payouts marked paid.", "partner_history": "The partner's payouts",
	"requisites": "Pay to",
	"paid_by":    "Marked paid by", "cancelled_on": "Cancelled", "four_eyes_waived_note": "four eyes waived: the approver marked it paid",
	"four_eyes_refused":     "Four eyes: you approved this payout, so someone else in finance marks it paid.",
	"four_eyes_yours":       "You approved this payout. Under four eyes someone else in finance marks it paid.",
	"four_eyes_off":         "Four eyes on payouts is off in the settings: whoever approved a payout may also mark it paid, and the audit log records it.",
	"cancel_payout":         "Cancel the payout",
	"cancel_payout_q":       "The bank did not pay out %s to %s, or returned it? Cancel the payout: the amount returns to the partner's available balance, and the partner sees the reason.",
	"done_payout_cancelled": "Cancelled; the amount is available to the partner again.",
}, map[string]string{
	"po_shown": "Показано %s из %s", "po_history_latest": "Последние %s из %s выплат.", "po_first_page": "← Первая страница", "po_next_page": "Следующая страница →",
	"total": "Итого", "export_bank": "Выгрузить для банка (CSV)", "upload_paid": "Отметить выплаченными по файлу банка",
	"upload_hint": "CSV-файл со строкой заголовка, где есть колонки payout_id и reference. Отмечаются все строки или ни одной.",
	"file":        "Файл", "upload": "Загрузить", "line": "Строка", "requested_by": "Запросил", "decided": "Решение", "paid_on": "Выплачено",
	"approve_q":   "Одобрить %s партнёру %s, %s? Сумма остаётся зарезервированной, пока выплата не отмечена.",
	"paid_q":      "Отметить выплату %s партнёру %s как выплаченную? Укажите номер платежа банка; сумма перейдёт в «выплачено».",
	"reject_hint": "Зарезервированная сумма вернётся в доступный баланс партнёра. Партнёр увидит причину.",
	"reference":   "Номер платежа", "mark_paid": "Отметить выплаченной", "no_payout_rows": "Выплат в этом статусе нет.",
	"done_payout_approved": "Одобрено. Выгрузите для банка, затем отметьте выплату.", "done_payout_rejected": "Отклонено; сумма снова доступна партнёру.",
	"done_payout_paid": "Отмечено как выплаченное.", "done_paid_file": "Отмечено выплаченными: %d.", "partner_history": "Выплаты партнёра",
	"requisites": "Куда",
	"paid_by":    "Отметил выплаченной", "cancelled_on": "Отменено", "four_eyes_waived_note": "без второго подтверждения: одобривший отметил выплату сам",
	"four_eyes_refused":     "Принцип четырёх глаз: вы одобрили эту выплату, поэтому отметить её выплаченной должен другой сотрудник финансов.",
	"four_eyes_yours":       "Вы одобрили эту выплату. По принципу четырёх глаз отметить её выплаченной должен другой сотрудник финансов.",
	"four_eyes_off":         "Принцип четырёх глаз для выплат отключён в настройках: одобривший выплату может сам отметить её выплаченной, это записывается в журнал действий.",
	"cancel_payout":         "Отменить выплату",
	"cancel_payout_q":       "Банк не перечислил %s партнёру %s или вернул платёж? Отмените выплату: сумма вернётся в доступный баланс партнёра, партнёр увидит причину.",
	"done_payout_cancelled": "Отменено; сумма снова доступна партнёру.",
})
