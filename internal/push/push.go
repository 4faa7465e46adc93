// Package push sends Web Push notifications (RFC 8030, with VAPID, RFC
// 8292, and payloads encrypted per RFC 8291 by webpush-go) for direct
// messages and mentions to the browsers of users who have no tab of the
// web app in view. A durable consumer of message.created events does the
// sending, off the send path.
package push

import (
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/netguard"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Durable is the consumer name the nodes of a cluster share.
const Durable = "web-push"

// Subjects are the events the sender reads.
var Subjects = []string{events.SubjectPrefix + ".*.*." + model.EventMessageCreated}

// Keys are the server's VAPID key pair, base64url (the forms webpush-go
// generates and the browser's applicationServerKey takes).
type Keys struct {
	Public  string `json:"public_key"`
	Private string `json:"private_key"`
}

// GenerateKeys makes a new VAPID key pair.
func GenerateKeys() (Keys, error) {
	priv, pub, err := webpush.GenerateVAPIDKeys()
	return Keys{Public: pub, Private: priv}, err
}

// Config is the sender's setup.
type Config struct {
	Keys Keys
	// Subscriber is the contact in the VAPID claims: the server's public
	// URL when it is https, else a mailto address.
	Subscriber string
	// Policy is the SSRF policy of the pushes (endpoints are URLs that
	// browsers, that is users, supply).
	Policy netguard.Policy
	// ActiveWindow is how long a visible-tab report counts. Default 75s
	// (two and a half ActiveReport intervals).
	ActiveWindow time.Duration
	// TTL is how long a push service keeps an undelivered push. Default 12h.
	TTL      time.Duration
	Replicas int
	Log      *slog.Logger
	Now      func() time.Time
}

// Store is what pushes keep and read; storage.Store satisfies it.
type Store interface {
	PutPushSubscription(ctx context.Context, s *model.PushSubscription) error
	PushSubscriptions(ctx context.Context, userID int64) ([]model.PushSubscription, error)
	DeletePushSubscription(ctx context.Context, userID int64, endpoint string) error
	DeletePushEndpoint(ctx context.Context, endpoint string) error
	PreviewSettings(ctx context.Context, workspaceID int64) (model.PreviewSettings, error)
	ChatByID(ctx context.Context, chatID int64) (model.Chat, error)
	ListChatMembers(ctx context.Context, chatID int64) ([]model.ChatMember, error)
}

// Service manages subscriptions and sends pushes.
type Service struct {
	cfg      Config
	store    Store
	js       jetstream.JetStream
	client   *http.Client
	Activity *Activity

	cons *events.Consumer // started by Start
}

// New returns the service, not started.
func New(cfg Config, store Store, js jetstream.JetStream) *Service {
	if cfg.ActiveWindow <= 0 {
		cfg.ActiveWindow = 75 * time.Second
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 12 * time.Hour
	}
	if cfg.Log == nil {
		cfg.Log = telemetry.DefaultLogger()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{cfg: cfg, store: store, js: js, client: cfg.Policy.Client(), Activity: NewActivity(cfg.ActiveWindow, cfg.Now)}
	s.cons = events.NewConsumer(js, events.ConsumerOptions{
		Durable: Durable, FilterSubjects: Subjects, Replicas: cfg.Replicas, DeliverNew: true, Log: cfg.Log,
	}, s.handle)
	return s
}

// ReportVisibility records whether a user's tab is in view (Activity).
func (s *Service) ReportVisibility(userID int64, tab string, visible bool) {
	s.Activity.Report(userID, tab, visible)
}

// PublicKey is the VAPID public key the browser subscribes with.
func (s *Service) PublicKey() string { return s.cfg.Keys.Public }

// Start starts the consumer (pushes only for messages sent from now on).
func (s *Service) Start(ctx context.Context) error { return s.cons.Start(ctx) }

// Stop stops the consumer; it is idempotent.
func (s *Service) Stop(ctx context.Context) error { return s.cons.Stop(ctx) }

// SubscriptionInput is a browser's PushSubscription.toJSON().
type SubscriptionInput struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
	// ExpirationTime is sent by browsers and not used.
	ExpirationTime *float64 `json:"expirationTime"`
}

// Subscribe saves a browser's subscription for userID (one per
// endpoint: subscribing again replaces it).
func (s *Service) Subscribe(ctx context.Context, userID int64, in SubscriptionInput) (model.PushSubscription, error) {
	if err := s.checkSubscription(in); err != nil {
		return model.PushSubscription{}, err
	}
	sub := model.PushSubscription{UserID: userID, Endpoint: in.Endpoint, P256dh: in.Keys.P256dh, Auth: in.Keys.Auth, CreatedAt: s.cfg.Now()}
	if err := s.store.PutPushSubscription(ctx, &sub); err != nil {
		return model.PushSubscription{}, err
	}
	return sub, nil
}

// maxEndpoint bounds an endpoint URL (real ones are a few hundred bytes).
const maxEndpoint = 2048

func (s *Service) checkSubscription(in SubscriptionInput) error {
	u, err := url.Parse(in.Endpoint)
	if in.Endpoint == "" || len(in.Endpoint) > maxEndpoint || err != nil {
		return apperr.Field("endpoint", "must be the push service URL of the subscription")
	}
	if err := s.cfg.Policy.CheckURL(u); err != nil {
		return apperr.Field("endpoint", "is not a URL the server may send to")
	}
	if key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.Keys.P256dh, "=")); err != nil || !validP256(key) {
		return apperr.Field("keys.p256dh", "must be the subscription's P-256 public key, base64url")
	}
	if key, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(in.Keys.Auth, "=")); err != nil || len(key) != 16 {
		return apperr.Field("keys.auth", "must be the subscription's 16-byte auth secret, base64url")
	}
	return nil
}

func validP256(key []byte) bool {
	_, err := ecdh.P256().NewPublicKey(key)
	return err == nil
}

// Unsubscribe removes the user's subscription at endpoint (404 if none).
func (s *Service) Unsubscribe(ctx context.Context, userID int64, endpoint string) error {
	subs, err := s.store.PushSubscriptions(ctx, userID)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if sub.Endpoint == endpoint {
			return s.store.DeletePushSubscription(ctx, userID, endpoint)
		}
	}
	return apperr.NotFound("push subscription")
}

// Notification is the JSON a push carries to the service worker.
type Notification struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	WorkspaceID int64  `json:"workspace_id"`
	ChatID      int64  `json:"chat_id"`
	MessageID   int64  `json:"message_id"`
	Seq         int64  `json:"seq"`
	// Tag lets the worker replace an older notification of the same chat.
	Tag string `json:"tag"`
}

// maxBodyRunes bounds the message text in a push (a push payload is at
// most about 4 KB once encrypted).
const maxBodyRunes = 300

// handle sends the pushes a new message calls for.
func (s *Service) handle(ctx context.Context, e events.Envelope) error {
	ev, err := events.PayloadAs[events.MessageEvent](e)
	if err != nil {
		return events.Permanent(err)
	}
	m := ev.Message
	if m.Deleted {
		return nil
	}
	c, err := s.store.ChatByID(ctx, m.ChatID)
	if err != nil {
		return nil // the chat is gone
	}
	recipients, err := s.recipients(ctx, c, m)
	if err != nil || len(recipients) == 0 {
		return err
	}
	set, err := s.store.PreviewSettings(ctx, m.WorkspaceID)
	if err != nil {
		return err
	}
	for _, uid := range recipients {
		if s.Activity.Active(uid) {
			continue
		}
		direct := c.Type == model.ChatDirect || c.Type == model.ChatGroup
		n := notification(c, m, direct, set.NotificationPreviews)
		if err := s.SendTo(ctx, uid, n); err != nil {
			return err
		}
	}
	return nil
}

// recipients are the people a message pushes to: the other members of a
// direct or group chat, and those it mentions, never the sender.
func (s *Service) recipients(ctx context.Context, c model.Chat, m model.Message) ([]int64, error) {
	seen := map[int64]bool{m.Sender.ID: true, m.SenderID: true}
	var out []int64
	add := func(id int64) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if c.Type == model.ChatDirect || c.Type == model.ChatGroup {
		members, err := s.store.ListChatMembers(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, mem := range members {
			if !mem.User.IsBot {
				add(mem.UserID)
			}
		}
	}
	for _, id := range m.Mentions {
		add(id)
	}
	return out, nil
}

// notification is what a push says: with previews on, who wrote what
// where; with them off, only that there is something, and where to open.
func notification(c model.Chat, m model.Message, direct, withText bool) Notification {
	n := Notification{WorkspaceID: m.WorkspaceID, ChatID: m.ChatID, MessageID: m.ID, Seq: m.Seq,
		Tag: fmt.Sprintf("fechatter-chat-%d", m.ChatID)}
	switch {
	case !withText && direct:
		n.Title = "New direct message"
	case !withText:
		n.Title = "New mention"
	case direct:
		n.Title = senderName(m)
		n.Body = cut(m.Content, maxBodyRunes)
	default:
		n.Title = senderName(m) + " in #" + c.Name
		n.Body = cut(m.Content, maxBodyRunes)
	}
	return n
}

func senderName(m model.Message) string {
	if m.Sender.DisplayName != "" {
		return m.Sender.DisplayName
	}
	return m.Sender.Username
}

func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// SendTo pushes n to every subscription of a user, deleting those the
// push service says are gone (404, 410). Other failures are logged: one
// broken push service must not hold up the others or redeliver the event.
func (s *Service) SendTo(ctx context.Context, userID int64, n Notification) error {
	subs, err := s.store.PushSubscriptions(ctx, userID)
	if err != nil {
		return err
	}
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		status, err := s.send(ctx, sub, body)
		switch {
		case status == http.StatusNotFound || status == http.StatusGone:
			if err := s.store.DeletePushEndpoint(ctx, sub.Endpoint); err != nil {
				return err
			}
		case err != nil:
			s.cfg.Log.Info("push failed", "subscription_id", sub.ID, "error", err)
		}
	}
	return nil
}

// send encrypts body for one subscription and posts it to its endpoint
// through the SSRF policy; it answers the push service's status.
func (s *Service) send(ctx context.Context, sub model.PushSubscription, body []byte) (int, error) {
	resp, err := webpush.SendNotificationWithContext(ctx, body, &webpush.Subscription{
		Endpoint: sub.Endpoint, Keys: webpush.Keys{P256dh: sub.P256dh, Auth: sub.Auth},
	}, &webpush.Options{
		HTTPClient: guarded{s.cfg.Policy, s.client}, Subscriber: s.cfg.Subscriber,
		TTL: int(s.cfg.TTL.Seconds()), Urgency: webpush.UrgencyHigh,
		VAPIDPublicKey: s.cfg.Keys.Public, VAPIDPrivateKey: s.cfg.Keys.Private,
	})
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return resp.StatusCode, fmt.Errorf("push service answered %s", resp.Status)
	}
	return resp.StatusCode, nil
}

// guarded sends through the netguard policy, checking the URL first.
type guarded struct {
	p netguard.Policy
	c *http.Client
}

func (g guarded) Do(req *http.Request) (*http.Response, error) { return g.p.Do(g.c, req) }
