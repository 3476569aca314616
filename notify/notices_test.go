package notify

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"partnerka/storage"
)

type sentMail struct{ to, subject, body string }

// noticeMailer records what it sends, and refuses mail to refuse.
type noticeMailer struct {
	sent   []sentMail
	refuse string
}

func (m *noticeMailer) Send(_ context.Context, to, subject, body string) error {
	if to == m.refuse {
		return errors.New("421 try again later")
	}
	m.sent = append(m.sent, sentMail{to, subject, body})
	return nil
}

// Partners' requests reach the staff who act on them, and the team's
// decisions reach the partner's owners, by email, each person in their
// language, once, from the outbox row the request's or decision's
// transaction queued; a refused send is tried again later.
func TestNotices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	finance, manager := f.seed.Users["finance@x.test"], f.seed.Users["manager@x.test"]
	paid, rejected := f.requestPayout(t, "12450"), f.requestPayout(t, "500")
	for _, tr := range []storage.PayoutTransition{
		{PayoutID: paid, To: storage.PayoutApproved, ActorID: finance, At: now},
		{PayoutID: paid, To: storage.PayoutPaid, ActorID: f.seed.Users["admin@x.test"], Reference: "PP-2026-0007", At: now},
		{PayoutID: rejected, To: storage.PayoutRejected, ActorID: finance, Reason: "details do not match", At: now},
	} {
		if err := f.db.TransitionPayout(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.db.RejectApplication(ctx, f.seed.Partners["gamma"], "no traffic yet", storage.Actor{UserID: manager}); err != nil {
		t.Fatal(err)
	}
	clock := now
	mail := &noticeMailer{}
	step := &NoticeStep{DB: f.db, Mailer: mail, CabinetURL: "https://c.test/", Now: func() time.Time { return clock }}
	clock = now.Add(time.Second) // queued by the program's clock, due at once
	if n, err := step.Run(ctx); err != nil || n != 8 {
		t.Fatalf("sent %d notices, %v; want 8 (one per recipient)", n, err)
	}
	want := []sentMail{
		{"admin@x.test", "payout request of ₽12,450.00 from Alpha Media", "Alpha Media requested a payout of ₽12,450.00. Approve or reject it in the back office:\n\nhttps://c.test/admin/payouts/"},
		{"finance@x.test", "заявка на выплату 12\u00a0450,00\u00a0₽ от Alpha Media", "https://c.test/admin/payouts/"},
		{"admin@x.test", "payout request of ₽500.00 from Alpha Media", "/admin/payouts/"},
		{"finance@x.test", "заявка на выплату 500,00\u00a0₽ от Alpha Media", "/admin/payouts/"},
		{"alpha@x.test", "выплата 12\u00a0450,00\u00a0₽ одобрена", "по вашим реквизитам для выплаты.\n\nhttps://c.test/payouts\n"},
		{"alpha@x.test", "выплата 12\u00a0450,00\u00a0₽ произведена", "Номер платежа: PP-2026-0007."},
		{"alpha@x.test", "выплата 500,00\u00a0₽ отклонена", "Причина: details do not match"},
		{"gamma@x.test", "your partner application was not approved", "Reason: no traffic yet\n"},
	}
	if len(mail.sent) != len(want) {
		t.Fatalf("sent %+v, want %d emails", mail.sent, len(want))
	}
	for i, w := range want {
		if g := mail.sent[i]; g.to != w.to || !strings.HasSuffix(g.subject, w.subject) || !strings.Contains(g.body, w.body) {
			t.Errorf("email %d: %+v\nwant to %s, subject ending %q, body with %q", i, g, w.to, w.subject, w.body)
		}
	}
	if last := mail.sent[len(mail.sent)-1]; strings.Contains(last.body, "https://") {
		t.Errorf("a rejected applicant is sent a link to sign in: %q", last.body)
	}
	for _, m := range mail.sent {
		if m.to == "manager@x.test" {
			t.Errorf("a manager is told of a payout request: %+v", m)
		}
	}
	if n, _ := step.Run(ctx); n != 0 {
		t.Errorf("sent %d notices again", n)
	}

	// The mail server refuses one address: that notice waits a minute and
	// then goes; the others go at once, and only once.
	code, err := f.db.ApproveApplication(ctx, storage.Approval{PartnerID: f.seed.Partners["gamma"]})
	if err == nil || code != "" {
		t.Fatalf("approving a rejected application: %q, %v; want a conflict", code, err)
	}
	another := f.requestPayout(t, "100")
	if err := f.db.TransitionPayout(ctx, storage.PayoutTransition{PayoutID: another, To: storage.PayoutApproved, ActorID: finance, At: now}); err != nil {
		t.Fatal(err)
	}
	mail.refuse = "finance@x.test"
	clock = now.Add(time.Second)
	if n, _ := step.Run(ctx); n != 3 || len(mail.sent) != 10 {
		t.Fatalf("attempted %d, sent %d in all; want finance's refused, admin's and alpha's sent", n, len(mail.sent))
	}
	var waiting, attempts int
	var lastError string
	f.db.QueryRowx(`SELECT count(*), max(attempts), max(last_error) FROM outbox WHERE kind = 'notice' AND sent_at IS NULL`).Scan(&waiting, &attempts, &lastError)
	if waiting != 1 || attempts != 1 || lastError != "421 try again later" {
		t.Errorf("refused notices: %d waiting after %d attempts, error %q; want finance's alone", waiting, attempts, lastError)
	}
	mail.refuse = ""
	if n, _ := step.Run(ctx); n != 0 {
		t.Errorf("retried %d before its minute", n)
	}
	clock = clock.Add(time.Minute)
	if n, _ := step.Run(ctx); n != 1 || len(mail.sent) != 11 || mail.sent[10].to != "finance@x.test" ||
		!strings.HasSuffix(mail.sent[10].subject, "заявка на выплату 100,00\u00a0₽ от Alpha Media") {
		t.Errorf("after a minute: %d sent, emails %+v", n, mail.sent)
	}
}

// A new application reaches the admins and managers, with its page.
func TestApplicationNotice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	id, err := f.db.CreateApplication(ctx, storage.Application{Ref: "delta", Name: "Delta Reviews", Kind: "company",
		ContactName: "Dana", Email: "dana@delta.test", Locale: "en", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	mail := &noticeMailer{}
	step := &NoticeStep{DB: f.db, Mailer: mail, CabinetURL: "https://c.test", Now: func() time.Time { return now.Add(time.Second) }}
	if n, err := step.Run(ctx); err != nil || n != 2 {
		t.Fatalf("sent %d notices, %v; want 2", n, err)
	}
	page := "https://c.test/admin/partners/" + strconv.FormatInt(id, 10)
	if len(mail.sent) != 2 || mail.sent[0].to != "admin@x.test" || mail.sent[1].to != "manager@x.test" ||
		!strings.HasSuffix(mail.sent[0].subject, "new partner application: Delta Reviews") || !strings.Contains(mail.sent[0].body, page) {
		t.Errorf("sent %+v; want admin and manager told of Delta Reviews with %s", mail.sent, page)
	}
}

// An approved payout finance cancels (the bank returned it) reaches the
// partner's owners with the reason; a partner withdrawing its own request
// is told nothing.
func TestPayoutCancelledNotice(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	finance, admin, owner := f.seed.Users["finance@x.test"], f.seed.Users["admin@x.test"], f.seed.Users["alpha@x.test"]
	bounced, withdrawn := f.requestPayout(t, "2000"), f.requestPayout(t, "300")
	for _, tr := range []storage.PayoutTransition{
		{PayoutID: bounced, To: storage.PayoutApproved, ActorID: finance, At: now},
		{PayoutID: bounced, To: storage.PayoutCancelled, ActorID: admin, Reason: "the bank returned it: account closed", At: now},
		{PayoutID: withdrawn, PartnerID: f.seed.Partners["alpha"], To: storage.PayoutCancelled, ActorID: owner, At: now},
	} {
		if err := f.db.TransitionPayout(ctx, tr); err != nil {
			t.Fatal(err)
		}
	}
	mail := &noticeMailer{}
	step := &NoticeStep{DB: f.db, Mailer: mail, CabinetURL: "https://c.test", Now: func() time.Time { return now.Add(time.Second) }}
	if _, err := step.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var toAlpha []sentMail
	for _, m := range mail.sent {
		if m.to == "alpha@x.test" {
			toAlpha = append(toAlpha, m)
		}
	}
	want := []sentMail{
		{"alpha@x.test", "выплата 2\u00a0000,00\u00a0₽ одобрена", ""},
		{"alpha@x.test", "выплата 2\u00a0000,00\u00a0₽ отменена", "сумма вернулась в доступный баланс.\n\nПричина: the bank returned it: account closed\n\nhttps://c.test/payouts"},
	}
	if len(toAlpha) != len(want) {
		t.Fatalf("alpha was sent %+v, want the approval and the cancellation", toAlpha)
	}
	for i, w := range want {
		if g := toAlpha[i]; !strings.HasSuffix(g.subject, w.subject) || !strings.Contains(g.body, w.body) {
			t.Errorf("email %d: %+v\nwant subject ending %q, body with %q", i, g, w.subject, w.body)
		}
	}
}
