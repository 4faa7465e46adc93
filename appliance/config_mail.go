package appliance

import (
	"net/mail"
	"time"
)

// SMTPConfig is the mail relay the server sends through: password-reset
// and email-change links, and the email digest (docs/email.md).
type SMTPConfig struct {
	// Host is the relay's host name or address; empty sends no mail (an
	// instance administrator then hands out reset links). Default "".
	Host string `yaml:"host"`
	// Port is the relay's port: 587 for submission with STARTTLS, 465
	// for implicit TLS, 25 for a local relay. Default 587.
	Port int64 `yaml:"port"`
	// Username authenticates with AUTH PLAIN; empty sends no AUTH.
	// Default "".
	Username string `yaml:"username"`
	// Password is Username's password. Secret. Default "".
	Password string `yaml:"password"`
	// PasswordFile is a file holding Password. Default "".
	PasswordFile string `yaml:"password_file"`
	// From is the sender, "Name <address>" or "address" (required with
	// host). Default "".
	From string `yaml:"from"`
	// TLS is starttls (required upgrade), tls (implicit, SMTPS) or none
	// (plain text: a relay on this host or a trusted network). Default
	// "starttls".
	TLS string `yaml:"tls"`
	// Timeout bounds the delivery of one mail. Default 30s.
	Timeout time.Duration `yaml:"timeout"`
}

// NotificationsConfig configures notifications sent outside the web app.
type NotificationsConfig struct {
	// EmailDigestAfter is how long a direct message or mention stays
	// unread, with its reader away from the web app, before it is mailed
	// in a digest (with smtp.host set); 0 turns digests off. Default 15m.
	EmailDigestAfter time.Duration `yaml:"email_digest_after"`
}

func (s SMTPConfig) validate(ck *checker) {
	if s.Host == "" {
		return
	}
	if s.Port < 1 || s.Port > 65535 {
		ck.fail("smtp.port", "must be a port number (587, 465 or 25), got %d", s.Port)
	}
	if _, err := mail.ParseAddress(s.From); err != nil {
		ck.fail("smtp.from", "must be an address like \"Fechatter <chat@example.org>\" when smtp.host is set (%q)", s.From)
	}
	switch s.TLS {
	case "starttls", "tls", "none":
	default:
		ck.fail("smtp.tls", "must be starttls, tls or none, got %q", s.TLS)
	}
	if s.Timeout <= 0 {
		ck.fail("smtp.timeout", "must be positive")
	}
}

func (n NotificationsConfig) validate(ck *checker) {
	if n.EmailDigestAfter < 0 || n.EmailDigestAfter > 0 && n.EmailDigestAfter < time.Minute {
		ck.fail("notifications.email_digest_after", "must be 0 (off) or at least 1m, got %s", n.EmailDigestAfter)
	}
}
