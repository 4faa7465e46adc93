package mail

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// Digest limits.
const (
	// digestLookback is how far back unread messages are mailed: a user
	// who turns digests on (or a server that gets SMTP) is not sent a
	// year of history.
	digestLookback = 24 * time.Hour
	// digestBatch bounds the rows one round reads.
	digestBatch = 2000
	// digestShown is how many messages one mail lists; it counts the rest.
	digestShown = 20
	// digestSnippet bounds the characters shown of one message.
	digestSnippet = 300
)

// UnsubscribePath is the API path of the unsubscribe link.
const UnsubscribePath = "api/notifications/unsubscribe"

// DigestStore is the storage the digest uses.
type DigestStore interface {
	UserByID(ctx context.Context, id int64) (model.User, error)
	DigestState(ctx context.Context, userID int64) (model.DigestState, error)
	SetDigestEnabled(ctx context.Context, userID int64, enabled bool) error
	ClaimDigest(ctx context.Context, userID, old, upTo int64, at time.Time) (bool, error)
	DigestItems(ctx context.Context, since, before time.Time, limit int) ([]model.DigestItem, error)
}

// DigestConfig configures the email digest.
type DigestConfig struct {
	// After is how long a message stays unread, with its reader away,
	// before it is mailed; 0 turns digests off.
	After time.Duration
	// Every is how often the digest looks for mail to send. Default
	// After/4, at least 10 s and at most 1 minute.
	Every time.Duration
	// PublicURL returns the server's address with a trailing slash; links
	// in the mail start with it.
	PublicURL func() string
	// Key signs unsubscribe links (the server's signing key).
	Key []byte
	// Online reports whether a user has the web app open (an event
	// stream on any node); nil means nobody is.
	Online func(userID int64) bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Log receives failures.
	Log *slog.Logger
}

// Digest mails each user, once per batch of unread direct messages and
// mentions, a list of them when they have been away for After. It is also
// the user's digest setting and the unsubscribe link behind it.
type Digest struct {
	st     DigestStore
	mailer *Mailer
	cfg    DigestConfig
	// seen is when each user was last seen online by this node.
	mu   sync.Mutex
	seen map[int64]time.Time
	stop context.CancelFunc
	wg   sync.WaitGroup
}

// NewDigest returns the digest over st, sending through m.
func NewDigest(st DigestStore, m *Mailer, cfg DigestConfig) *Digest {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Online == nil {
		cfg.Online = func(int64) bool { return false }
	}
	if cfg.PublicURL == nil {
		cfg.PublicURL = func() string { return "/" }
	}
	if cfg.Every <= 0 {
		cfg.Every = min(max(cfg.After/4, 10*time.Second), time.Minute)
	}
	return &Digest{st: st, mailer: m, cfg: cfg, seen: map[int64]time.Time{}}
}

// Active reports whether digests are sent: mail is configured and After
// is not 0.
func (d *Digest) Active() bool { return d.mailer.Configured() && d.cfg.After > 0 }

// Start runs the digest rounds until Stop, when Active.
func (d *Digest) Start(context.Context) error {
	if !d.Active() {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(d.cfg.Every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := d.Round(ctx); err != nil && ctx.Err() == nil {
					d.cfg.Log.Warn("email digest round failed", "err", err)
				}
			}
		}
	}()
	return nil
}

// Stop ends the rounds. Idempotent.
func (d *Digest) Stop(context.Context) error {
	if d.stop != nil {
		d.stop()
	}
	d.wg.Wait()
	return nil
}

// Round sends the digests that are due now and returns how many went out.
func (d *Digest) Round(ctx context.Context) (int, error) {
	now := d.cfg.Now().UTC()
	items, err := d.st.DigestItems(ctx, now.Add(-digestLookback), now.Add(-d.cfg.After), digestBatch)
	if err != nil {
		return 0, fmt.Errorf("digest items: %w", err)
	}
	sent := 0
	var errs []error
	for len(items) > 0 {
		n := 1
		for n < len(items) && items[n].UserID == items[0].UserID {
			n++
		}
		ok, err := d.sendTo(ctx, items[:n], now)
		if ok {
			sent++
		}
		if err != nil {
			errs = append(errs, err)
		}
		items = items[n:]
	}
	return sent, errors.Join(errs...)
}

// away reports whether uid has been offline for After.
func (d *Digest) away(uid int64, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cfg.Online(uid) {
		d.seen[uid] = now
		return false
	}
	last, ok := d.seen[uid]
	if ok && now.Sub(last) >= d.cfg.After {
		delete(d.seen, uid)
		return true
	}
	return !ok
}

// sendTo mails one user's digest of items (all theirs, by message id),
// claiming them first so that no other node mails them too.
func (d *Digest) sendTo(ctx context.Context, items []model.DigestItem, now time.Time) (bool, error) {
	uid := items[0].UserID
	if !d.away(uid, now) {
		return false, nil
	}
	u, err := d.st.UserByID(ctx, uid)
	if err != nil {
		return false, fmt.Errorf("digest user %d: %w", uid, err)
	}
	st, err := d.st.DigestState(ctx, uid)
	if err != nil {
		return false, fmt.Errorf("digest state %d: %w", uid, err)
	}
	upTo := items[len(items)-1].MessageID
	if ok, err := d.st.ClaimDigest(ctx, uid, st.SentUpTo, upTo, now); err != nil || !ok {
		return false, err
	}
	if err := d.mailer.Send(ctx, d.message(u, items)); err != nil {
		// Give the batch back so that the next round tries again.
		_, _ = d.st.ClaimDigest(context.WithoutCancel(ctx), uid, upTo, st.SentUpTo, now)
		return false, fmt.Errorf("digest to user %d: %w", uid, err)
	}
	return true, nil
}

// message renders the digest mail of u.
func (d *Digest) message(u model.User, items []model.DigestItem) Message {
	var b strings.Builder
	name := u.DisplayName
	if name == "" {
		name = u.Username
	}
	fmt.Fprintf(&b, "Hello %s,\n\nwhile you were away:\n\n", name)
	for i, it := range items {
		if i == digestShown {
			fmt.Fprintf(&b, "... and %d more.\n\n", len(items)-digestShown)
			break
		}
		where := "a direct message from " + it.SenderName
		if it.ChatType != model.ChatDirect {
			chat := "#" + it.ChatName
			if it.ChatName == "" {
				chat = "a group chat"
			}
			where = it.SenderName + " mentioned you in " + chat
		}
		fmt.Fprintf(&b, "%s: %s (%s)\n    %s\n\n", it.WorkspaceName, where,
			it.CreatedAt.UTC().Format("2006-01-02 15:04 MST"), snippet(it.Content))
	}
	unsub := d.UnsubscribeURL(u.ID)
	fmt.Fprintf(&b, "Open Fechatter to answer: %s\n\n-- \n"+
		"You get this mail for direct messages and mentions left unread while you are away.\n"+
		"Stop these mails: %s\n", d.cfg.PublicURL(), unsub)
	subject := "1 unread message on Fechatter"
	if len(items) > 1 {
		subject = strconv.Itoa(len(items)) + " unread messages on Fechatter"
	}
	return Message{To: u.Email, Subject: subject, Text: b.String(), Headers: map[string]string{
		// RFC 2369: mail clients show an unsubscribe button that opens
		// it; RFC 8058: they may instead POST to it at once.
		"List-Unsubscribe":      "<" + unsub + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}}
}

// snippet is one message's text on one line, cut to digestSnippet.
func snippet(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > digestSnippet {
		s = string(r[:digestSnippet]) + "..."
	}
	return s
}

// UnsubscribeURL is the link that turns userID's digests off without
// signing in.
func (d *Digest) UnsubscribeURL(userID int64) string {
	return d.cfg.PublicURL() + UnsubscribePath + "?token=" + url.QueryEscape(d.unsubscribeToken(userID))
}

// unsubscribeToken is "<user id>.<MAC>": it names the user and proves the
// server made it, so it needs no storage and never expires.
func (d *Digest) unsubscribeToken(userID int64) string {
	id := strconv.FormatInt(userID, 10)
	return id + "." + d.mac(id)
}

func (d *Digest) mac(id string) string {
	h := hmac.New(sha256.New, d.cfg.Key)
	h.Write([]byte("fechatter email digest unsubscribe\x00" + id))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// errBadUnsubscribe is the answer to a token the server did not make.
var errBadUnsubscribe = apperr.Field("token", "is not a valid unsubscribe token")

// CheckUnsubscribe reports whether token is an unsubscribe token the server
// made, without changing anything (the confirmation page a link opens);
// a token the server did not make is a 400 on "token".
func (d *Digest) CheckUnsubscribe(token string) error {
	_, err := d.unsubscribeUser(token)
	return err
}

// Unsubscribe turns off the digests of the user an unsubscribe token
// names; a token the server did not make is a 400 on "token".
func (d *Digest) Unsubscribe(ctx context.Context, token string) error {
	uid, err := d.unsubscribeUser(token)
	if err != nil {
		return err
	}
	err = d.st.SetDigestEnabled(ctx, uid, false)
	if errors.Is(err, storage.ErrNotFound) {
		return errBadUnsubscribe // the account is gone
	}
	return err
}

// unsubscribeUser is the user an unsubscribe token names, once its MAC is
// checked.
func (d *Digest) unsubscribeUser(token string) (int64, error) {
	id, mac, ok := strings.Cut(token, ".")
	uid, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || uid <= 0 || !hmac.Equal([]byte(mac), []byte(d.mac(id))) {
		return 0, errBadUnsubscribe
	}
	return uid, nil
}

// DigestEnabled reports the user's digest setting.
func (d *Digest) DigestEnabled(ctx context.Context, userID int64) (bool, error) {
	st, err := d.st.DigestState(ctx, userID)
	return st.Enabled, err
}

// SetDigestEnabled changes the user's digest setting.
func (d *Digest) SetDigestEnabled(ctx context.Context, userID int64, on bool) error {
	return d.st.SetDigestEnabled(ctx, userID, on)
}
