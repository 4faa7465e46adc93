package mail

import (
	"context"
	"crypto/tls"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/mail/smtptest"
)

func mailerFor(srv *smtptest.Server, mode string) Config {
	return Config{Host: srv.Host, Port: srv.Port, Username: srv.Username, Password: srv.Password,
		From: "Fechatter <chat@example.org>", TLSMode: mode, Timeout: 10 * time.Second}
}

// TestSendPlainAuth: a mail through a relay that wants AUTH PLAIN arrives
// with the headers a mail needs and its UTF-8 text intact.
func TestSendPlainAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: "relay", Password: "s3cret"})
	m := New(mailerFor(srv, TLSNone))
	text := "Grüße, 你好\nA line that is rather long so that quoted-printable has to wrap it somewhere past seventy-six characters.\n"
	err := m.Send(context.Background(), Message{To: "Ann <ann@example.com>", Subject: "Hallo Zoë", Text: text,
		Headers: map[string]string{"List-Unsubscribe": "<https://chat.example.org/x>", "X-Bad": "a\r\nBcc: evil@example.com"}})
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	got := srv.Wait(t, 1)[0]
	if got.From != "chat@example.org" || len(got.To) != 1 || got.To[0] != "ann@example.com" {
		t.Fatalf("envelope from %q to %v", got.From, got.To)
	}
	h := got.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "Hallo Zoë" {
		t.Errorf("subject %q (%v)", subject, err)
	}
	if _, err := h.Date(); err != nil {
		t.Errorf("date: %v", err)
	}
	if id := h.Get("Message-ID"); !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("message-id %q", id)
	}
	if h.Get("MIME-Version") != "1.0" || h.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Errorf("mime headers: %v", h)
	}
	if h.Get("List-Unsubscribe") != "<https://chat.example.org/x>" || h.Get("X-Bad") != "" || h.Get("Bcc") != "" {
		t.Errorf("extra headers: %v", h)
	}
	if got.Body != text {
		t.Errorf("body %q, want %q", got.Body, text)
	}
}

// TestSendRefused: a wrong password, and no relay at all, are errors.
func TestSendRefused(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: "relay", Password: "s3cret"})
	cfg := mailerFor(srv, TLSNone)
	cfg.Password = "wrong"
	if err := New(cfg).Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("a wrong password sent mail")
	}
	if err := New(Config{}).Send(context.Background(), Message{To: "a@example.com"}); err != ErrNotConfigured {
		t.Fatalf("send without relay: %v", err)
	}
	if New(Config{}).Enqueue(Message{To: "a@example.com"}) {
		t.Fatal("enqueue without relay took the mail")
	}
	if len(srv.Mails()) != 0 {
		t.Fatal("mail arrived")
	}
}

// TestSendStartTLS: starttls upgrades before AUTH; a relay whose
// certificate is not trusted is refused.
func TestSendStartTLS(t *testing.T) {
	https := httptest.NewTLSServer(http.NotFoundHandler())
	defer https.Close()
	srv := smtptest.Start(t, smtptest.Options{Username: "relay", Password: "s3cret",
		TLS: &tls.Config{Certificates: https.TLS.Certificates}})
	cfg := mailerFor(srv, TLSStartTLS)
	if err := New(cfg).Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("sent to a relay with an untrusted certificate")
	}
	cfg.TLS = https.Client().Transport.(*http.Transport).TLSClientConfig
	if err := New(cfg).Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "over tls\n"}); err != nil {
		t.Fatalf("send over starttls: %v", err)
	}
	if got := srv.Wait(t, 1)[0]; got.Body != "over tls\n" {
		t.Fatalf("body %q", got.Body)
	}
	cfg.TLSMode = TLSNone // no STARTTLS: the relay refuses AUTH in the clear
	if err := New(cfg).Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("authenticated in the clear")
	}
}

// TestEnqueue: queued mail goes out from the sender goroutine.
func TestEnqueue(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m := New(mailerFor(srv, TLSNone))
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Stop(context.Background())
	if !m.MailPasswordReset("bob@example.com", "Bob", "https://chat.example.org/reset-password?token=abc", time.Now()) {
		t.Fatal("not queued")
	}
	got := srv.Wait(t, 1)[0]
	if !strings.Contains(got.Body, "https://chat.example.org/reset-password?token=abc") || got.To[0] != "bob@example.com" {
		t.Fatalf("reset mail: %+v", got)
	}
}

// TestSendImplicitTLS: tls mode speaks TLS from the first byte.
func TestSendImplicitTLS(t *testing.T) {
	https := httptest.NewTLSServer(http.NotFoundHandler())
	defer https.Close()
	srv := smtptest.Start(t, smtptest.Options{Username: "relay", Password: "s3cret", Implicit: true,
		TLS: &tls.Config{Certificates: https.TLS.Certificates}})
	cfg := mailerFor(srv, TLSImplicit)
	cfg.TLS = https.Client().Transport.(*http.Transport).TLSClientConfig
	if err := New(cfg).Send(context.Background(), Message{To: "a@example.com", Subject: "x", Text: "smtps\n"}); err != nil {
		t.Fatalf("send over tls: %v", err)
	}
	if got := srv.Wait(t, 1)[0]; got.Body != "smtps\n" {
		t.Fatalf("body %q", got.Body)
	}
}
