// Package notify is the program's email: the SMTP mailer, and the notices
// step the reconciler runs, which tells partners' owners what the team
// decided and the team what partners ask, in each person's language.
// The texts of every notice live here.
package notify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"partnerka"
	"partnerka/storage"
	"partnerka/web"
)

// NoticeStep is the reconciler's step that emails the notices queued in the
// outbox: to a partner's owners the team's decisions (application approved
// or rejected, partnership suspended or reactivated, payout approved,
// rejected or paid), to the team the
// partners' requests (a new application to admins and managers, a payout
// request to admins and finance), each person in their language. A
// failed send is tried again later (storage.FailedAttempt).
type NoticeStep struct {
	DB         *storage.DB
	Mailer     web.Mailer
	CabinetURL string // for the link in each notice
	Now        partnerka.Clock
}

const noticeBatch = 50

// Name implements commissions.Step.
func (s *NoticeStep) Name() string { return "notices" }

// Run implements commissions.Step.
func (s *NoticeStep) Run(ctx context.Context) (int, error) {
	st, err := s.DB.Settings(ctx)
	if err != nil {
		return 0, err
	}
	now, cabinetURL := s.Now(), strings.TrimRight(s.CabinetURL, "/")
	done := 0
	for {
		n, err := s.DB.DeliverNotices(ctx, now, noticeBatch, func(due []storage.DueNotice) []storage.OutboxAttempt {
			out := make([]storage.OutboxAttempt, len(due))
			for i := range due {
				out[i] = storage.OutboxAttempt{ID: due[i].ID}
				n := &due[i]
				subject, body := noticeText(n.Locale, st.Name, cabinetURL, n)
				if err := s.Mailer.Send(ctx, n.Email, subject, body); err != nil {
					out[i] = storage.FailedAttempt(n.ID, n.Attempts+1, err, now)
				}
			}
			return out
		})
		done += n
		if err != nil || n < noticeBatch {
			return done, err
		}
	}
}

// noticeText is a notice's subject and body in locale.
func noticeText(locale, program, cabinetURL string, n *storage.DueNotice) (subject, body string) {
	amount := web.FormatMoney(partnerka.Money{Amount: n.Amount, Currency: n.Currency}, locale)
	page := "/payouts"
	var head string
	var lines []string
	switch n.Event {
	case storage.NoticeApplicationReceived:
		head, page = fmt.Sprintf(web.T(locale, "notice_application_received"), n.PartnerName), fmt.Sprintf("/admin/partners/%d", n.PartnerID)
		lines = []string{fmt.Sprintf(web.T(locale, "notice_application_received_body"), n.PartnerName)}
	case storage.NoticePayoutRequested:
		head, page = fmt.Sprintf(web.T(locale, "notice_payout_requested"), amount, n.PartnerName), fmt.Sprintf("/admin/payouts/%d", n.PayoutID)
		lines = []string{fmt.Sprintf(web.T(locale, "notice_payout_requested_body"), n.PartnerName, amount)}
	case storage.NoticeApplicationApproved:
		head, page = web.T(locale, "notice_application_approved"), "/login"
		lines = []string{fmt.Sprintf(web.T(locale, "notice_approved_body"), program)}
	case storage.NoticeApplicationRejected:
		head, page = web.T(locale, "notice_application_rejected"), ""
		lines = []string{fmt.Sprintf(web.T(locale, "notice_rejected_body"), program), reasonLine(locale, n.PartnerReason)}
	case storage.NoticePartnerSuspended:
		head, page = web.T(locale, "notice_partner_suspended"), ""
		lines = []string{fmt.Sprintf(web.T(locale, "notice_partner_suspended_body"), program), reasonLine(locale, n.PartnerReason)}
	case storage.NoticePartnerReactivated:
		head, page = web.T(locale, "notice_partner_reactivated"), "/login"
		lines = []string{fmt.Sprintf(web.T(locale, "notice_partner_reactivated_body"), program)}
	case storage.NoticePayoutApproved:
		head = fmt.Sprintf(web.T(locale, "notice_payout_approved"), amount)
		lines = []string{fmt.Sprintf(web.T(locale, "notice_payout_approved_body"), amount)}
	case storage.NoticePayoutRejected:
		head = fmt.Sprintf(web.T(locale, "notice_payout_rejected"), amount)
		lines = []string{fmt.Sprintf(web.T(locale, "notice_payout_rejected_body"), amount), reasonLine(locale, n.PayoutReason)}
	case storage.NoticePayoutCancelled:
		head = fmt.Sprintf(web.T(locale, "notice_payout_cancelled"), amount)
		lines = []string{fmt.Sprintf(web.T(locale, "notice_payout_cancelled_body"), amount), reasonLine(locale, n.PayoutReason)}
	case storage.NoticePayoutPaid:
		head = fmt.Sprintf(web.T(locale, "notice_payout_paid"), amount)
		lines = []string{fmt.Sprintf(web.T(locale, "notice_payout_paid_body"), amount, n.Reference)}
	}
	if cabinetURL != "" && page != "" {
		lines = append(lines, cabinetURL+page)
	}
	lines = slices.DeleteFunc(lines, func(l string) bool { return l == "" }) // no reason given
	return program + ": " + head, strings.Join(lines, "\n\n") + "\n"
}

func reasonLine(locale, reason string) string {
	if reason == "" {
		return ""
	}
	return web.T(locale, "notice_reason") + " " + reason
}

var _ = web.AddMessages(map[string]string{
	"notice_application_approved":      "your partner application is approved",
	"notice_application_rejected":      "your partner application was not approved",
	"notice_payout_approved":           "payout of %s approved",
	"notice_payout_rejected":           "payout of %s rejected",
	"notice_payout_paid":               "payout of %s paid",
	"notice_approved_body":             "Your partner application to %s is approved. Sign in to get your referral link and promo materials:",
	"notice_rejected_body":             "Your partner application to %s was not approved.",
	"notice_payout_approved_body":      "Your payout request of %s is approved and will be paid to your payout details.",
	"notice_payout_rejected_body":      "Your payout request of %s was rejected; the amount is back in your available balance.",
	"notice_payout_paid_body":          "Your payout of %s is paid. Payment reference: %s.",
	"notice_payout_cancelled":          "payout of %s cancelled",
	"notice_payout_cancelled_body":     "Your approved payout of %s was not paid out and is cancelled; the amount is back in your available balance.",
	"notice_reason":                    "Reason:",
	"notice_application_received":      "new partner application: %s",
	"notice_application_received_body": "%s applied to the partner program. Approve or reject the application in the back office:",
	"notice_payout_requested":          "payout request of %s from %s",
	"notice_payout_requested_body":     "%s requested a payout of %s. Approve or reject it in the back office:",
	"notice_partner_suspended":         "your partnership is suspended",
	"notice_partner_suspended_body":    "Your partnership in %s is suspended: your links earn nothing new, and you cannot sign in until it is reactivated.",
	"notice_partner_reactivated":       "your partnership is active again",
	"notice_partner_reactivated_body":  "Your partnership in %s is active again: your links earn and you can sign in.",
}, map[string]string{
	"notice_application_approved":      "ваша заявка партнёра одобрена",
	"notice_application_rejected":      "ваша заявка партнёра не одобрена",
	"notice_payout_approved":           "выплата %s одобрена",
	"notice_payout_rejected":           "выплата %s отклонена",
	"notice_payout_paid":               "выплата %s произведена",
	"notice_approved_body":             "Ваша заявка на участие в партнёрской программе «%s» одобрена. Войдите, чтобы получить реферальную ссылку и промоматериалы:",
	"notice_rejected_body":             "Ваша заявка на участие в партнёрской программе «%s» не одобрена.",
	"notice_payout_approved_body":      "Ваша заявка на выплату %s одобрена, деньги будут перечислены по вашим реквизитам для выплаты.",
	"notice_payout_rejected_body":      "Ваша заявка на выплату %s отклонена, сумма вернулась в доступный баланс.",
	"notice_payout_paid_body":          "Выплата %s произведена. Номер платежа: %s.",
	"notice_payout_cancelled":          "выплата %s отменена",
	"notice_payout_cancelled_body":     "Одобренная выплата %s не была перечислена и отменена, сумма вернулась в доступный баланс.",
	"notice_reason":                    "Причина:",
	"notice_application_received":      "новая заявка партнёра: %s",
	"notice_application_received_body": "%s подаёт заявку в партнёрскую программу. Одобрите или отклоните её в бэк-офисе:",
	"notice_payout_requested":          "заявка на выплату %s от %s",
	"notice_payout_requested_body":     "%s запрашивает выплату %s. Одобрите или отклоните заявку в бэк-офисе:",
	"notice_partner_suspended":         "ваше участие в партнёрской программе приостановлено",
	"notice_partner_suspended_body":    "Ваше участие в партнёрской программе «%s» приостановлено: ссылки больше не приносят вознаграждение, вход в кабинет закрыт до возобновления.",
	"notice_partner_reactivated":       "ваше участие в партнёрской программе возобновлено",
	"notice_partner_reactivated_body":  "Ваше участие в партнёрской программе «%s» возобновлено: ссылки снова приносят вознаграждение, вход в кабинет открыт.",
})
