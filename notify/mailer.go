package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"partnerka"
)

// SMTPMailer sends email through an SMTP server: STARTTLS whenever the
// server offers it (or TLS from the first byte for smtps://), PLAIN
// authentication when a user is given (net/smtp refuses to send the
// password unencrypted to anything but localhost), one UTF-8 plain-text
// message per Send.
type SMTPMailer struct {
	Addr        string // host:port
	Host        string // the server's name, checked against its certificate
	Username    string // empty: no authentication
	Password    string
	From        mail.Address
	ImplicitTLS bool        // smtps://: TLS from the first byte
	TLSConfig   *tls.Config // nil: the system's roots and Host
	Timeout     time.Duration
	Now         func() time.Time
}

// NewSMTPMailer builds a mailer from a URL such as
// smtp://user:password@mail.example.com:587 (smtps:// for TLS from the
// first byte, port 465 by default) and a sender such as
// "Partners <partners@example.com>".
func NewSMTPMailer(rawURL, from string) (*SMTPMailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" || u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("the SMTP URL must look like smtp://user:password@mail.example.com:587")
	}
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("the sender must be an email address such as Partners <partners@example.com>")
	}
	m := &SMTPMailer{Host: u.Hostname(), From: *sender, ImplicitTLS: u.Scheme == "smtps", Timeout: 30 * time.Second}
	port := u.Port()
	if port == "" {
		port = map[bool]string{false: "587", true: "465"}[m.ImplicitTLS]
	}
	m.Addr = net.JoinHostPort(m.Host, port)
	if u.User != nil {
		m.Username = u.User.Username()
		m.Password, _ = u.User.Password()
	}
	return m, nil
}

// Send implements Mailer. The error says which step of the conversation
// failed, never the password.
func (m *SMTPMailer) Send(ctx context.Context, to, subject, body string) error {
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("smtp: recipient %q is not an email address", to)
	}
	msg, err := m.message(rcpt, subject, body)
	if err != nil {
		return err
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("smtp: connect to %s: %w", m.Addr, err)
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline) // net/smtp has no timeouts of its own
	if m.ImplicitTLS {
		conn = tls.Client(conn, m.tlsConfig())
	}
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: greeting from %s: %w", m.Addr, err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !m.ImplicitTLS {
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return fmt.Errorf("smtp: STARTTLS: %w", err)
		}
	}
	if m.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("smtp: %s does not offer authentication", m.Addr)
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("smtp: authentication as %s: %w", m.Username, err)
		}
	}
	if err := c.Mail(m.From.Address); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(rcpt.Address); err != nil {
		return fmt.Errorf("smtp: RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp: sending the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp: the server refused the message: %w", err)
	}
	return c.Quit()
}

func (m *SMTPMailer) tlsConfig() *tls.Config {
	if m.TLSConfig != nil {
		return m.TLSConfig
	}
	return &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
}

// message is the RFC 5322 message: Date, Message-ID, From, To, Subject
// (names and subject RFC 2047 encoded when not plain ASCII), and the
// UTF-8 body in quoted-printable, which every server carries unchanged.
func (m *SMTPMailer) message(to *mail.Address, subject, body string) ([]byte, error) {
	now := partnerka.Clock(partnerka.SystemClock)
	if m.Now != nil {
		now = m.Now
	}
	id := make([]byte, 16)
	rand.Read(id)
	domain := m.From.Address[strings.LastIndexByte(m.From.Address, '@')+1:]
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("Date", now().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@"+domain+">")
	from := m.From.String()
	if needsEncoding(m.From.Name) {
		from = encodeWords(m.From.Name, 78-len("From: ")) + "\r\n <" + m.From.Address + ">"
	}
	header("From", from)
	header("To", to.String())
	if needsEncoding(subject) {
		subject = encodeWords(subject, 78-len("Subject: "))
	}
	header("Subject", subject)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// needsEncoding reports whether a header text must be RFC 2047 encoded:
// anything beyond printable ASCII, including line breaks (so a value can
// never start a header of its own).
func needsEncoding(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return (r < ' ' && r != '\t') || r > '~' })
}

// encodeWords encodes s as RFC 2047 encoded words (UTF-8, base64), the
// first fitting in room characters, each further one on a continuation
// line of its own, so no line outgrows RFC 5322's 78 characters. Words
// end on character boundaries, as RFC 2047 requires.
func encodeWords(s string, room int) string {
	var words []string
	var chunk []byte
	flush := func() {
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString(chunk)+"?=")
		chunk, room = chunk[:0], 78-1
	}
	for _, r := range s {
		next := utf8.AppendRune(nil, r)
		if len(chunk) > 0 && len("=?utf-8?b??=")+base64.StdEncoding.EncodedLen(len(chunk)+len(next)) > room {
			flush()
		}
		chunk = append(chunk, next...)
	}
	flush()
	return strings.Join(words, "\r\n ")
}
