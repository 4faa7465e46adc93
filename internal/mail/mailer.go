// Package mail sends the server's email: account links (password reset,
// email change) and the digest of unread direct messages and mentions.
// One Mailer per server speaks SMTP (github.com/emersion/go-smtp) to the
// relay of the smtp.* configuration; without one, Configured is false and
// nothing is sent.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of Config.TLSMode.
const (
	// TLSStartTLS connects in plain text and upgrades with STARTTLS
	// (submission, port 587); the upgrade is required.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (SMTPS, port 465).
	TLSImplicit = "tls"
	// TLSNone never encrypts: only for a relay on the same host or a
	// trusted network.
	TLSNone = "none"
)

// Config is how to reach the SMTP relay.
type Config struct {
	// Host is the relay's name or address; "" turns mail off.
	Host string
	// Port is the relay's port.
	Port int
	// Username and Password authenticate with AUTH PLAIN when Username is
	// set.
	Username, Password string
	// From is the sender address, "Name <addr>" or "addr".
	From string
	// TLSMode is TLSStartTLS, TLSImplicit or TLSNone.
	TLSMode string
	// Timeout bounds one delivery (connect to QUIT).
	Timeout time.Duration
	// TLS, when set, is the client TLS configuration (tests trust their
	// own certificate with it); nil verifies against the system roots.
	TLS *tls.Config
	// Log receives delivery failures.
	Log *slog.Logger
}

// queueSize bounds the mails waiting to go out; beyond it Enqueue drops.
const queueSize = 256

// Mailer sends mail through one SMTP relay. Send delivers at once;
// Enqueue hands a mail to the Mailer's own sender goroutine (between
// Start and Stop), so that a request answers in the same time whether or
// not it caused a mail.
type Mailer struct {
	cfg   Config
	queue chan Message
	stop  context.CancelFunc
	wg    sync.WaitGroup
}

// New returns a Mailer for cfg; with cfg.Host empty it sends nothing.
func New(cfg Config) *Mailer {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Mailer{cfg: cfg, queue: make(chan Message, queueSize)}
}

// Configured reports whether a relay is configured. A nil Mailer is not.
func (m *Mailer) Configured() bool { return m != nil && m.cfg.Host != "" }

// Start runs the sender of queued mail until Stop.
func (m *Mailer) Start(context.Context) error {
	ctx, cancel := context.WithCancel(context.Background())
	m.stop = cancel
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case msg := <-m.queue:
				if err := m.Send(ctx, msg); err != nil {
					m.cfg.Log.Warn("mail not sent", "subject", msg.Subject, "err", err)
				}
			}
		}
	}()
	return nil
}

// Stop ends the sender; mail still queued is dropped. Idempotent.
func (m *Mailer) Stop(context.Context) error {
	if m.stop != nil {
		m.stop()
	}
	m.wg.Wait()
	return nil
}

// Enqueue queues msg for the sender and reports whether it was taken (not
// when mail is off or the queue is full).
func (m *Mailer) Enqueue(msg Message) bool {
	if !m.Configured() {
		return false
	}
	select {
	case m.queue <- msg:
		return true
	default:
		m.cfg.Log.Warn("mail queue full, mail dropped", "subject", msg.Subject)
		return false
	}
}

// ErrNotConfigured is Send's answer when no relay is configured.
var ErrNotConfigured = errors.New("mail: no SMTP relay configured (smtp.host)")

// Send delivers msg now, within the configured timeout.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if !m.Configured() {
		return ErrNotConfigured
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.Timeout)
	defer cancel()
	from, err := parseAddress(m.cfg.From)
	if err != nil {
		return fmt.Errorf("mail: smtp.from: %w", err)
	}
	to, err := parseAddress(msg.To)
	if err != nil {
		return fmt.Errorf("mail: recipient %q: %w", msg.To, err)
	}
	data, err := msg.bytes(m.cfg.From, from, time.Now())
	if err != nil {
		return err
	}
	c, err := m.dial(ctx)
	if err != nil {
		return fmt.Errorf("mail: connect to %s: %w", m.addr(), err)
	}
	defer c.Close()
	// The deadline holds every command; a relay that stops answering
	// cannot hold the sender past the timeout.
	stopWatch := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stopWatch()
	if m.cfg.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", m.cfg.Username, m.cfg.Password)); err != nil {
			return fmt.Errorf("mail: authenticate: %w", err)
		}
	}
	if err := c.SendMail(from, []string{to}, strings.NewReader(string(data))); err != nil {
		return fmt.Errorf("mail: send to relay: %w", err)
	}
	_ = c.Quit() // the relay has taken the mail; a failed goodbye changes nothing
	return nil
}

func (m *Mailer) addr() string { return net.JoinHostPort(m.cfg.Host, strconv.Itoa(m.cfg.Port)) }

// dial connects to the relay in the configured TLS mode.
func (m *Mailer) dial(ctx context.Context) (*smtp.Client, error) {
	d := net.Dialer{}
	var conn net.Conn
	var err error
	tlsCfg := m.tlsConfig()
	if m.cfg.TLSMode == TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsCfg}).DialContext(ctx, "tcp", m.addr())
	} else {
		conn, err = d.DialContext(ctx, "tcp", m.addr())
	}
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if m.cfg.TLSMode == TLSStartTLS {
		c, err := smtp.NewClientStartTLS(conn, tlsCfg)
		if err != nil {
			return nil, fmt.Errorf("starttls: %w", err)
		}
		return c, nil
	}
	return smtp.NewClient(conn), nil
}

func (m *Mailer) tlsConfig() *tls.Config {
	if m.cfg.TLS != nil {
		c := m.cfg.TLS.Clone()
		if c.ServerName == "" {
			c.ServerName = m.cfg.Host
		}
		return c
	}
	return &tls.Config{ServerName: m.cfg.Host, MinVersion: tls.VersionTLS12}
}
