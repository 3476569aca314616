package notify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"
)

// received is what the test SMTP server saw of one conversation.
type received struct {
	from, rcpt, auth string
	tls              bool
	data             []byte
	err              error
}

// smtpServer is a tiny SMTP server that takes one message: it offers
// STARTTLS when it has a certificate and AUTH PLAIN when it has a user.
type smtpServer struct {
	ln         net.Listener
	cert       *tls.Certificate
	user, pass string
	got        chan received
}

func startSMTP(t *testing.T, cert *tls.Certificate, user, pass string) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, cert: cert, user: user, pass: pass, got: make(chan received, 1)}
	t.Cleanup(func() { ln.Close() })
	go s.serveOne()
	return s
}

func (s *smtpServer) serveOne() {
	var r received
	defer func() { s.got <- r }()
	conn, err := s.ln.Accept()
	if err != nil {
		r.err = err
		return
	}
	defer func() { conn.Close() }()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	tp := textproto.NewConn(conn)
	tp.PrintfLine("220 test.invalid ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			r.err = err
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			lines := []string{"test.invalid", "8BITMIME"}
			if s.cert != nil && !r.tls {
				lines = append(lines, "STARTTLS")
			}
			if s.user != "" {
				lines = append(lines, "AUTH PLAIN")
			}
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				tp.PrintfLine("250%s%s", sep, l)
			}
		case "STARTTLS":
			tp.PrintfLine("220 go ahead")
			tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{*s.cert}})
			if err := tc.Handshake(); err != nil {
				r.err = err
				return
			}
			conn, tp, r.tls = tc, textproto.NewConn(tc), true
		case "AUTH":
			mech, initial, _ := strings.Cut(arg, " ")
			b, _ := base64.StdEncoding.DecodeString(initial)
			r.auth = string(b)
			if mech != "PLAIN" || r.auth != "\x00"+s.user+"\x00"+s.pass {
				tp.PrintfLine("535 authentication failed")
				continue
			}
			tp.PrintfLine("235 ok")
		case "MAIL":
			r.from = arg
			tp.PrintfLine("250 ok")
		case "RCPT":
			r.rcpt = arg
			tp.PrintfLine("250 ok")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			if r.data, err = tp.ReadDotBytes(); err != nil {
				r.err = err
				return
			}
			tp.PrintfLine("250 queued")
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 not implemented")
		}
	}
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestSMTPMailer(t *testing.T) {
	cert, pool := selfSigned(t)
	sentAt := time.Date(2026, 11, 23, 15, 4, 5, 0, time.FixedZone("MSK", 3*3600))
	subject := "Alpha Media приглашает вас в кабинет партнёра — длинная тема письма, чтобы она заняла несколько закодированных слов"
	body := "Здравствуйте!\n\nПримите приглашение:\nhttp://c.test/invite?token=abc=def\n.a line that starts with a dot\nCafé = 100 %\n"
	for _, tc := range []struct {
		name       string
		cert       *tls.Certificate
		user, pass string
		wantTLS    bool
	}{
		{"local relay, no TLS, no password", nil, "", "", false},
		{"STARTTLS offered and used, PLAIN auth", cert, "mailer", "s3cret:p@ss", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t, tc.cert, tc.user, tc.pass)
			raw := "smtp://" + srv.ln.Addr().String()
			if tc.user != "" {
				raw = "smtp://" + tc.user + ":" + strings.ReplaceAll(strings.ReplaceAll(tc.pass, ":", "%3A"), "@", "%40") + "@" + srv.ln.Addr().String()
			}
			m, err := NewSMTPMailer(raw, "Партнёрская программа <partners@example.com>")
			if err != nil {
				t.Fatal(err)
			}
			m.TLSConfig = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
			m.Now = func() time.Time { return sentAt }
			if err := m.Send(context.Background(), "anna@example.org", subject, body); err != nil {
				t.Fatal(err)
			}
			got := <-srv.got
			if got.err != nil {
				t.Fatal(got.err)
			}
			if got.tls != tc.wantTLS {
				t.Errorf("TLS %v, want %v", got.tls, tc.wantTLS)
			}
			if tc.user != "" && got.auth != "\x00"+tc.user+"\x00"+tc.pass {
				t.Errorf("AUTH PLAIN %q", got.auth)
			}
			if got.from != "FROM:<partners@example.com>" && !strings.HasPrefix(got.from, "FROM:<partners@example.com> ") {
				t.Errorf("MAIL %q", got.from)
			}
			if got.rcpt != "TO:<anna@example.org>" {
				t.Errorf("RCPT %q", got.rcpt)
			}
			for _, line := range strings.Split(string(got.data), "\n") { // ReadDotBytes turned CRLF into LF
				if len(line) > 78 {
					t.Errorf("line longer than 78 characters: %q", line)
				}
			}
			msg, err := mail.ReadMessage(bytes.NewReader(got.data))
			if err != nil {
				t.Fatal(err)
			}
			h := msg.Header
			if d, err := h.Date(); err != nil || !d.Equal(sentAt) {
				t.Errorf("Date %q (%v)", h.Get("Date"), err)
			}
			if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.com>$`).MatchString(h.Get("Message-ID")) {
				t.Errorf("Message-ID %q", h.Get("Message-ID"))
			}
			if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Name != "Партнёрская программа" || from.Address != "partners@example.com" {
				t.Errorf("From %q: %v %v", h.Get("From"), from, err)
			}
			if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Address != "anna@example.org" {
				t.Errorf("To %q", h.Get("To"))
			}
			for k, vs := range h {
				for _, v := range vs {
					if strings.ContainsFunc(v, func(r rune) bool { return r > 127 }) {
						t.Errorf("header %s is not ASCII: %q", k, v)
					}
				}
			}
			if got, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || got != subject {
				t.Errorf("Subject decodes to %q (%v), want %q", got, err, subject)
			}
			mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
			if err != nil || mt != "text/plain" || params["charset"] != "utf-8" || h.Get("MIME-Version") != "1.0" {
				t.Errorf("Content-Type %q, MIME-Version %q", h.Get("Content-Type"), h.Get("MIME-Version"))
			}
			if h.Get("Content-Transfer-Encoding") != "quoted-printable" {
				t.Fatalf("Content-Transfer-Encoding %q", h.Get("Content-Transfer-Encoding"))
			}
			text, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
			if err != nil {
				t.Fatal(err)
			}
			if got, want := string(text), body; got != want {
				t.Errorf("body:\n%q\nwant\n%q", got, want)
			}
		})
	}
}

func TestSMTPMailerRefuses(t *testing.T) {
	t.Run("password but no AUTH offered", func(t *testing.T) {
		srv := startSMTP(t, nil, "", "")
		m, err := NewSMTPMailer("smtp://user:pw@"+srv.ln.Addr().String(), "p@example.com")
		if err != nil {
			t.Fatal(err)
		}
		err = m.Send(context.Background(), "anna@example.org", "Hi", "body")
		if err == nil || !strings.Contains(err.Error(), "does not offer authentication") || strings.Contains(err.Error(), "pw") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("bad recipient", func(t *testing.T) {
		m, _ := NewSMTPMailer("smtp://127.0.0.1:1", "p@example.com")
		if err := m.Send(context.Background(), "anna@example.org\r\nBcc: x@evil.test", "Hi", "body"); err == nil {
			t.Error("a recipient with a header in it is accepted")
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		srv := startSMTP(t, nil, "user", "right")
		m, _ := NewSMTPMailer("smtp://user:wrong@"+srv.ln.Addr().String(), "p@example.com")
		if err := m.Send(context.Background(), "anna@example.org", "Hi", "body"); err == nil || !strings.Contains(err.Error(), "authentication") {
			t.Errorf("got %v", err)
		}
	})
}

func TestNewSMTPMailer(t *testing.T) {
	for _, tc := range []struct {
		url, from       string
		addr, user, pwd string
		implicitTLS     bool
		bad             bool
	}{
		{url: "smtp://u%40x:p%3Aw@mail.example.com", from: "p@example.com", addr: "mail.example.com:587", user: "u@x", pwd: "p:w"},
		{url: "smtp://mail.example.com:2525", from: "Partners <p@example.com>", addr: "mail.example.com:2525"},
		{url: "smtps://u:p@mail.example.com", from: "p@example.com", addr: "mail.example.com:465", user: "u", pwd: "p", implicitTLS: true},
		{url: "mail.example.com:587", from: "p@example.com", bad: true},
		{url: "http://mail.example.com", from: "p@example.com", bad: true},
		{url: "smtp://mail.example.com", from: "not an address", bad: true},
		{url: "smtp://mail.example.com", from: "", bad: true},
	} {
		m, err := NewSMTPMailer(tc.url, tc.from)
		if tc.bad {
			if err == nil {
				t.Errorf("%s from %q: no error", tc.url, tc.from)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if m.Addr != tc.addr || m.Username != tc.user || m.Password != tc.pwd || m.ImplicitTLS != tc.implicitTLS || m.Host != "mail.example.com" {
			t.Errorf("%s: got %+v", tc.url, m)
		}
	}
}

func TestMessageHeaders(t *testing.T) {
	m, err := NewSMTPMailer("smtp://mail.example.com", "partners@example.com")
	if err != nil {
		t.Fatal(err)
	}
	to := &mail.Address{Address: "anna@example.org"}
	for _, tc := range []struct {
		subject, want, never string
	}{
		{"Reset your password", "\r\nSubject: Reset your password\r\n", ""},
		{"Hi\r\nBcc: evil@example.test", "\r\nSubject: =?utf-8?b?", "\r\nBcc:"},
	} {
		msg, err := m.message(to, tc.subject, "body")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(msg), tc.want) || tc.never != "" && strings.Contains(string(msg), tc.never) {
			t.Errorf("subject %q gives:\n%s", tc.subject, msg)
		}
		if !strings.Contains(string(msg), "\r\nFrom: <partners@example.com>\r\n") {
			t.Errorf("From without a name:\n%s", msg)
		}
	}
}
