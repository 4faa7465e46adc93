// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// on a loopback port for tests: it accepts every mail, optionally only
// after AUTH PLAIN or STARTTLS, and keeps what it received, parsed.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Mail is one received message.
type Mail struct {
	From   string
	To     []string
	Header mail.Header
	// Body is the decoded text (quoted-printable undone).
	Body string
	Raw  []byte
}

// Server is a running test SMTP server.
type Server struct {
	// Host and Port are where it listens (127.0.0.1, random port).
	Host string
	Port int
	// Username and Password, when set, are required by AUTH PLAIN.
	Username, Password string

	srv  *smtp.Server
	mu   sync.Mutex
	mail []Mail
	got  chan struct{}
}

// Options configure Start.
type Options struct {
	// Username and Password require AUTH PLAIN with them.
	Username, Password string
	// TLS offers STARTTLS with this configuration.
	TLS *tls.Config
	// Implicit speaks TLS (with TLS) from the first byte instead.
	Implicit bool
}

// Start runs a server until the test ends.
func Start(t testing.TB, opt Options) *Server {
	t.Helper()
	s := &Server{Username: opt.Username, Password: opt.Password, got: make(chan struct{}, 1000)}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	s.srv.Domain = "localhost"
	s.srv.AllowInsecureAuth = opt.TLS == nil
	s.srv.TLSConfig = opt.TLS
	s.srv.ReadTimeout, s.srv.WriteTimeout = 10*time.Second, 10*time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.Host, s.Port = "127.0.0.1", l.Addr().(*net.TCPAddr).Port
	if opt.Implicit {
		l = tls.NewListener(l, opt.TLS)
		s.srv.AllowInsecureAuth = true // already encrypted
	}
	go func() { _ = s.srv.Serve(l) }()
	t.Cleanup(func() { _ = s.srv.Close() })
	return s
}

// Mails returns what was received so far.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mail...)
}

// Wait returns the first n mails, failing the test when they do not
// arrive within 10 s.
func (s *Server) Wait(t testing.TB, n int) []Mail {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if m := s.Mails(); len(m) >= n {
			return m[:n]
		}
		select {
		case <-s.got:
		case <-deadline:
			t.Fatalf("smtptest: %d mails arrived, want %d", len(s.Mails()), n)
		}
	}
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

var errAuth = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.Username || password != ss.s.Password {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.Username != "" && !ss.authed {
		return errAuth
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return err
	}
	var body []byte
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body, err = io.ReadAll(quotedprintable.NewReader(m.Body))
	} else {
		body, err = io.ReadAll(m.Body)
	}
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.mail = append(ss.s.mail, Mail{From: ss.from, To: ss.to, Header: m.Header,
		Body: strings.ReplaceAll(string(body), "\r\n", "\n"), Raw: raw})
	ss.s.mu.Unlock()
	ss.s.got <- struct{}{}
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
