package cabinet

import (
	"bytes"
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"partnerka/storage"
	"partnerka/web"
	"partnerka/web/webtest"
)

var inviteLink = regexp.MustCompile(`http://c\.test/invite\?token=([A-Za-z0-9_%-]+)`)

// invite sends an invitation from a signed-in owner's settings page and
// returns the token from the email the recording mailer caught.
func (f *fixture) invite(t *testing.T, owner *webtest.Browser, email string) string {
	t.Helper()
	_, page := owner.Do("GET", "/settings", nil)
	sent := len(f.Mail.To)
	r, out := owner.Do("POST", "/settings/team/invite", url.Values{"email": {email}, "_csrf": {owner.CSRF(page)}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/settings?done=team_invited#team" {
		t.Fatalf("invite %s: %d %s\n%s", email, r.StatusCode, r.Header.Get("Location"), out)
	}
	if len(f.Mail.To) != sent+1 {
		t.Fatalf("no email sent for the invitation of %s", email)
	}
	m := inviteLink.FindStringSubmatch(f.Mail.Body[sent])
	if m == nil {
		t.Fatalf("no link in the invitation email:\n%s", f.Mail.Body[sent])
	}
	token, _ := url.QueryUnescape(m[1])
	return token
}

// accept follows an invitation link in a new browser and joins.
func (f *fixture) accept(t *testing.T, token, name, password string) *webtest.Browser {
	t.Helper()
	b := f.Browser(t)
	r, page := b.Do("GET", "/invite?token="+url.QueryEscape(token), nil)
	if r.StatusCode != 200 {
		t.Fatalf("invitation page: %d\n%s", r.StatusCode, page)
	}
	r, out := b.Do("POST", "/invite", url.Values{"token": {token}, "name": {name}, "password": {password}, "_csrf": {b.CSRF(page)}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/dashboard" {
		t.Fatalf("accept: %d %s\n%s", r.StatusCode, r.Header.Get("Location"), out)
	}
	return b
}

func TestInvitation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alpha := f.Seed.Partners["alpha"]
	owner, _ := f.SignIn(t, "alpha@x.test")
	_, page := owner.Do("GET", "/settings", nil)
	for _, want := range []string{"Команда", "alpha@x.test <span class=\"muted\">(вы)</span>", "владелец", "Пригласить участника"} {
		if !strings.Contains(page, want) {
			t.Errorf("settings lack %q", want)
		}
	}
	if strings.Contains(page, "/remove") {
		t.Error("the owner is offered to remove themselves")
	}

	token := f.invite(t, owner, " Nina@Example.TEST ")
	if f.Mail.To[0] != "nina@example.test" || !strings.Contains(f.Mail.Body[0], "Alpha Media") || !strings.Contains(f.Mail.Body[0], "7 дней") {
		t.Errorf("invitation email to %s:\n%s", f.Mail.To[0], f.Mail.Body[0])
	}
	var stored []byte
	f.DB.Get(&stored, `SELECT token_hash FROM invitations WHERE email = 'nina@example.test'`)
	if !bytes.Equal(stored, web.TokenHash(token)) {
		t.Error("the invitation is not stored as the SHA-256 of its token")
	}
	var expires time.Time
	f.DB.Get(&expires, `SELECT expires_at FROM invitations WHERE email = 'nina@example.test'`)
	if !expires.Equal(now.Add(7 * 24 * time.Hour)) {
		t.Errorf("expires %s, want 7 days from now", expires)
	}
	_, page = owner.Do("GET", "/settings?done=team_invited", nil)
	if !strings.Contains(page, "nina@example.test") || !strings.Contains(page, "Приглашение отправлено") || !strings.Contains(page, "Отозвать") {
		t.Errorf("pending invitation not listed:\n%s", page)
	}

	// The accept page names the partner and re-renders mistakes with the input.
	nb := f.Browser(t)
	r, page := nb.Do("GET", "/invite?token="+url.QueryEscape(token), nil)
	if r.StatusCode != 200 || !strings.Contains(page, "Alpha Media") || !strings.Contains(page, `value="nina@example.test"`) {
		t.Fatalf("accept page: %d\n%s", r.StatusCode, page)
	}
	for _, tc := range []struct {
		name     string
		form     url.Values
		want     string
		wantName string
	}{
		{"short password", url.Values{"name": {"Nina Petrova"}, "password": {"short"}}, "at least 10 characters", `value="Nina Petrova"`},
		{"no name", url.Values{"name": {"  "}, "password": {"long enough password"}}, "Enter your name", `value=""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("token", token)
			tc.form.Set("_csrf", nb.CSRF(page))
			r, out := nb.Do("POST", "/invite", tc.form)
			if r.StatusCode != 422 || !strings.Contains(out, tc.want) || !strings.Contains(out, tc.wantName) || !strings.Contains(out, "Alpha Media") {
				t.Errorf("got %d, want 422 with %q:\n%s", r.StatusCode, tc.want, out)
			}
		})
	}
	r, _ = nb.Do("POST", "/invite", url.Values{"token": {token}, "name": {"Nina Petrova"}, "password": {"nina's long password"}, "_csrf": {nb.CSRF(page)}})
	if r.StatusCode != 303 || r.Header.Get("Location") != "/dashboard" {
		t.Fatalf("accept: %d %s", r.StatusCode, r.Header.Get("Location"))
	}
	if r, page := nb.Do("GET", "/dashboard", nil); r.StatusCode != 200 || !strings.Contains(page, "Alpha Media") {
		t.Fatalf("the new member is not signed in: %d", r.StatusCode)
	}
	var role string
	var partner int64
	f.DB.QueryRowxContext(ctx, `SELECT role, partner_id FROM users WHERE email = 'nina@example.test'`).Scan(&role, &partner)
	if role != "member" || partner != alpha {
		t.Errorf("new user is %s of partner %d, want member of %d", role, partner, alpha)
	}

	// The link works once.
	if r, out := f.Browser(t).Do("GET", "/invite?token="+url.QueryEscape(token), nil); r.StatusCode != 410 || !strings.Contains(out, "used, revoked or expired") {
		t.Errorf("used link: %d", r.StatusCode)
	}
	other := f.Browser(t)
	_, lp := other.Do("GET", "/login", nil)
	if r, _ := other.Do("POST", "/invite", url.Values{"token": {token}, "name": {"Mallory"}, "password": {"another long password"}, "_csrf": {other.CSRF(lp)}}); r.StatusCode != 410 {
		t.Errorf("accepting twice: %d, want 410", r.StatusCode)
	}

	// The member signs in, sees the cabinet, and cannot move money or invite.
	mb := f.Browser(t)
	if r, _ := mb.Login("nina@example.test", "nina's long password"); r.StatusCode != 303 {
		t.Fatalf("the member signs in: %d", r.StatusCode)
	}
	_, page = mb.Do("GET", "/settings", nil)
	mcsrf := mb.CSRF(page)
	for _, want := range []string{"alpha@x.test", "nina@example.test", "Only the partner&#39;s owner can invite"} {
		if !strings.Contains(page, want) {
			t.Errorf("member's settings lack %q", want)
		}
	}
	if strings.Contains(page, `action="/settings/team/invite"`) || strings.Contains(page, `action="/settings"`) {
		t.Error("a member is shown the invitation or payout details form")
	}
	for _, tc := range []struct{ path string }{{"/settings/team/invite"}, {"/payouts"}, {"/settings"}, {"/settings/team/revoke"}} {
		form := url.Values{"_csrf": {mcsrf}, "email": {"friend@example.test"}, "amount": {"1000"}, "currency": {"RUB"},
			"confirm": {"1"}, "method": {"bank"}, "account": {"MEMBER-ACCOUNT"}}
		if r, _ := mb.Do("POST", tc.path, form); r.StatusCode != 403 {
			t.Errorf("member POST %s: %d, want 403", tc.path, r.StatusCode)
		}
	}
	var invitations, changed int
	f.DB.Get(&invitations, `SELECT count(*) FROM invitations WHERE email = 'friend@example.test'`)
	f.DB.Get(&changed, `SELECT count(*) FROM partners WHERE payout_details::text LIKE '%MEMBER-ACCOUNT%'`)
	if invitations != 0 || changed != 0 {
		t.Errorf("a member's forbidden requests changed data: %d invitations, %d payout details", invitations, changed)
	}

	var audit []string
	f.DB.Select(&audit, `SELECT a.action || ' by ' || u.email FROM audit_log a JOIN users u ON u.id = a.actor_id
		WHERE a.action LIKE 'team.%' ORDER BY a.id`)
	if got, want := strings.Join(audit, "; "), "team.invite by alpha@x.test; team.join by nina@example.test"; got != want {
		t.Errorf("audit: got %q, want %q", got, want)
	}
}

func TestInvitationRefusals(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	owner, csrf := f.SignIn(t, "alpha@x.test")
	for _, tc := range []struct {
		name, email, want string
	}{
		// The team's own members are on the page anyway; other accounts'
		// emails are invited as new ones (TestInvitationRevealsNoAccount).
		{"in the team", "Alpha@X.test", "alpha@x.test уже в вашей команде"},
		{"not an email", "nina at example", "name@example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, out := owner.Do("POST", "/settings/team/invite", url.Values{"email": {tc.email}, "_csrf": {csrf}})
			if r.StatusCode != 422 || !strings.Contains(out, tc.want) || !strings.Contains(out, `value="`+tc.email+`"`) {
				t.Errorf("got %d, want 422 with %q and the input:\n%s", r.StatusCode, tc.want, out)
			}
		})
	}
	if len(f.Mail.To) != 0 {
		t.Errorf("refused invitations sent email to %v", f.Mail.To)
	}

	t.Run("expired", func(t *testing.T) {
		var ownerID int64
		f.DB.Get(&ownerID, `SELECT id FROM users WHERE email = 'alpha@x.test'`)
		token := web.RandomToken()
		if _, err := f.DB.Invite(ctx, storage.Actor{UserID: ownerID}, f.Seed.Partners["alpha"], "late@example.test", web.TokenHash(token),
			now.Add(-8*24*time.Hour), now.Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		b := f.Browser(t)
		r, page := b.Do("GET", "/invite?token="+url.QueryEscape(token), nil)
		if r.StatusCode != 410 || !strings.Contains(page, "expired") || strings.Contains(page, `name="password"`) {
			t.Errorf("expired link: %d\n%s", r.StatusCode, page)
		}
		if r, _ := b.Do("POST", "/invite", url.Values{"token": {token}, "name": {"Late"}, "password": {"long enough password"}, "_csrf": {b.CSRF(page)}}); r.StatusCode != 410 {
			t.Errorf("accepting an expired link: %d, want 410", r.StatusCode)
		}
	})

	t.Run("unknown", func(t *testing.T) {
		if r, _ := f.Browser(t).Do("GET", "/invite?token=made-up", nil); r.StatusCode != 410 {
			t.Errorf("made-up token: %d, want 410", r.StatusCode)
		}
	})

	t.Run("sent again replaces the link", func(t *testing.T) {
		first := f.invite(t, owner, "twice@example.test")
		second := f.invite(t, owner, "twice@example.test")
		if r, _ := f.Browser(t).Do("GET", "/invite?token="+url.QueryEscape(first), nil); r.StatusCode != 410 {
			t.Errorf("the replaced link: %d, want 410", r.StatusCode)
		}
		f.accept(t, second, "Twice", "long enough password")
	})

	t.Run("revoked", func(t *testing.T) {
		token := f.invite(t, owner, "revoke@example.test")
		r, page := owner.Do("POST", "/settings/team/revoke", url.Values{"email": {"revoke@example.test"}, "_csrf": {csrf}})
		if r.StatusCode != 200 || !strings.Contains(page, "Отозвать приглашение для revoke@example.test?") {
			t.Fatalf("revoke confirmation: %d\n%s", r.StatusCode, page)
		}
		if r, _ := f.Browser(t).Do("GET", "/invite?token="+url.QueryEscape(token), nil); r.StatusCode != 200 {
			t.Errorf("revoked before confirmation: %d", r.StatusCode)
		}
		r, _ = owner.Do("POST", "/settings/team/revoke", url.Values{"email": {"revoke@example.test"}, "confirm": {"1"}, "_csrf": {csrf}})
		if r.StatusCode != 303 {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		if r, _ := f.Browser(t).Do("GET", "/invite?token="+url.QueryEscape(token), nil); r.StatusCode != 410 {
			t.Errorf("revoked link: %d, want 410", r.StatusCode)
		}
		if r, _ := owner.Do("POST", "/settings/team/revoke", url.Values{"email": {"revoke@example.test"}, "confirm": {"1"}, "_csrf": {csrf}}); r.StatusCode != 404 {
			t.Errorf("revoking again: %d, want 404", r.StatusCode)
		}
		var n int
		f.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'team.revoke' AND before->>'email' = 'revoke@example.test'`)
		if n != 1 {
			t.Errorf("%d team.revoke audit records, want 1", n)
		}
	})
}

func TestRemoveMember(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	owner, csrf := f.SignIn(t, "alpha@x.test")
	member := f.accept(t, f.invite(t, owner, "m@example.test"), "Member", "member's password")
	var memberID, ownerID int64
	f.DB.Get(&memberID, `SELECT id FROM users WHERE email = 'm@example.test'`)
	f.DB.Get(&ownerID, `SELECT id FROM users WHERE email = 'alpha@x.test'`)
	removePath := "/settings/team/" + itoa(memberID) + "/remove"
	_, page := owner.Do("GET", "/settings", nil)
	if !strings.Contains(page, `action="`+removePath+`"`) {
		t.Fatalf("no remove button for the member:\n%s", page)
	}

	// The owner cannot remove themselves.
	r, out := owner.Do("POST", "/settings/team/"+itoa(ownerID)+"/remove", url.Values{"confirm": {"1"}, "_csrf": {csrf}})
	if r.StatusCode != 409 || !strings.Contains(out, "Нельзя удалить из команды самого себя") {
		t.Errorf("removing oneself: %d\n%s", r.StatusCode, out)
	}

	r, out = owner.Do("POST", removePath, url.Values{"_csrf": {csrf}})
	if r.StatusCode != 200 || !strings.Contains(out, "Удалить m@example.test из команды?") {
		t.Fatalf("confirmation: %d\n%s", r.StatusCode, out)
	}
	if r, _ := member.Do("GET", "/dashboard", nil); r.StatusCode != 200 {
		t.Fatalf("removed before confirmation: %d", r.StatusCode)
	}
	if r, _ := owner.Do("POST", removePath, url.Values{"confirm": {"1"}, "_csrf": {csrf}}); r.StatusCode != 303 {
		t.Fatalf("remove: %d", r.StatusCode)
	}
	if r, _ := member.Do("GET", "/dashboard", nil); r.StatusCode != 303 || r.Header.Get("Location") != "/login" {
		t.Errorf("the removed member's session still works: %d", r.StatusCode)
	}
	if r, _ := f.Browser(t).Login("m@example.test", "member's password"); r.StatusCode != 401 {
		t.Errorf("the removed member signs in: %d", r.StatusCode)
	}
	_, page = owner.Do("GET", "/settings", nil)
	if strings.Contains(page, "m@example.test") {
		t.Error("the removed member is still listed")
	}
	if r, _ := owner.Do("POST", removePath, url.Values{"confirm": {"1"}, "_csrf": {csrf}}); r.StatusCode != 404 {
		t.Errorf("removing again: %d, want 404", r.StatusCode)
	}
	var n int
	f.DB.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'team.remove' AND actor_id = $1 AND entity_id = $2`, ownerID, itoa(memberID))
	if n != 1 {
		t.Errorf("%d team.remove audit records by the owner, want 1", n)
	}

	// A removed member may be invited back, and returns as a member.
	back := f.accept(t, f.invite(t, owner, "m@example.test"), "Member again", "a new password here")
	if r, _ := back.Do("GET", "/dashboard", nil); r.StatusCode != 200 {
		t.Errorf("the returning member is not signed in: %d", r.StatusCode)
	}
	var again int64
	f.DB.Get(&again, `SELECT id FROM users WHERE email = 'm@example.test' AND disabled_at IS NULL AND role = 'member'`)
	if again != memberID {
		t.Errorf("the returning member is user %d, want %d back", again, memberID)
	}

	// With two owners, either may remove the other, never the last one.
	if _, err := f.DB.ExecContext(ctx, `INSERT INTO users (email, password_hash, role, partner_id, created_at)
		SELECT 'owner2@x.test', password_hash, 'owner', partner_id, $2 FROM users WHERE id = $1`, ownerID, now); err != nil {
		t.Fatal(err)
	}
	var owner2 int64
	f.DB.Get(&owner2, `SELECT id FROM users WHERE email = 'owner2@x.test'`)
	alpha := f.Seed.Partners["alpha"]
	if err := f.DB.RemoveMember(ctx, storage.Actor{UserID: owner2}, alpha, ownerID, now); err != nil {
		t.Fatalf("one of two owners removing the other: %v", err)
	}
	if err := f.DB.RemoveMember(ctx, storage.Actor{UserID: owner2}, alpha, owner2, now); err == nil {
		t.Error("the last owner removed themselves")
	}
	if err := f.DB.RemoveMember(ctx, storage.Actor{UserID: again}, alpha, owner2, now); err == nil {
		t.Error("a member removed the owner")
	}
}

// A member of alpha never sees beta's team, and beta's owner cannot touch alpha's.
func TestTeamsAreSeparate(t *testing.T) {
	f := newFixture(t)
	alphaOwner, _ := f.SignIn(t, "alpha@x.test")
	member := f.accept(t, f.invite(t, alphaOwner, "alpha-member@example.test"), "Alpha member", "long enough password")
	f.invite(t, alphaOwner, "alpha-pending@example.test")
	betaOwner, betaCSRF := f.SignIn(t, "beta@x.test")
	f.invite(t, betaOwner, "beta-pending@example.test")

	_, page := member.Do("GET", "/settings", nil)
	for _, foreign := range []string{"beta@x.test", "beta-pending@example.test", "gamma@x.test"} {
		if strings.Contains(page, foreign) {
			t.Errorf("alpha's member sees %q", foreign)
		}
	}
	if !strings.Contains(page, "alpha-pending@example.test") {
		t.Error("alpha's member does not see alpha's pending invitation")
	}

	_, page = betaOwner.Do("GET", "/settings", nil)
	for _, foreign := range []string{"alpha@x.test", "alpha-member@example.test", "alpha-pending@example.test"} {
		if strings.Contains(page, foreign) {
			t.Errorf("beta sees %q", foreign)
		}
	}
	var alphaMember int64
	f.DB.Get(&alphaMember, `SELECT id FROM users WHERE email = 'alpha-member@example.test'`)
	for _, path := range []string{"/settings/team/" + itoa(alphaMember) + "/remove", "/settings/team/999999/remove"} {
		for _, confirm := range []string{"", "1"} {
			if r, _ := betaOwner.Do("POST", path, url.Values{"confirm": {confirm}, "_csrf": {betaCSRF}}); r.StatusCode != 404 {
				t.Errorf("beta POST %s confirm=%q: %d, want 404", path, confirm, r.StatusCode)
			}
		}
	}
	if r, _ := betaOwner.Do("POST", "/settings/team/revoke", url.Values{"email": {"alpha-pending@example.test"}, "confirm": {"1"}, "_csrf": {betaCSRF}}); r.StatusCode != 404 {
		t.Errorf("beta revoking alpha's invitation: %d, want 404", r.StatusCode)
	}
	var n int
	f.DB.Get(&n, `SELECT count(*) FROM users WHERE email = 'alpha-member@example.test' AND disabled_at IS NULL`)
	f.DB.Get(&n, `SELECT count(*) + $1 FROM invitations WHERE email = 'alpha-pending@example.test' AND accepted_at IS NULL`, n)
	if n != 2 {
		t.Errorf("beta changed alpha's team")
	}
}

func TestSettingsDetailsError(t *testing.T) {
	f := newFixture(t)
	b, csrf := f.SignIn(t, "beta@x.test")
	r, page := b.Do("POST", "/settings", url.Values{"method": {"card"}, "account": {"  "}, "_csrf": {csrf}})
	if r.StatusCode != 422 || !strings.Contains(page, "Choose a payout method and enter the account") || !strings.Contains(page, `value="card" selected`) {
		t.Errorf("bad payout details: %d\n%s", r.StatusCode, page)
	}
}
