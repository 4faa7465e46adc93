// Package integ connects a workspace to other programs: incoming webhooks
// (a secret URL that posts into a channel as a bot), outgoing webhooks
// (new messages in chosen channels POSTed, signed, to a URL from a
// durable JetStream consumer with retries), and slash-command
// integrations (/command POSTed to a URL, the answer posted in the channel
// or shown to the invoker only). Every request to a URL a user gave goes
// through netguard, the server's one SSRF policy.
package integ

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/netguard"
)

// Default bot that integrations post as when no bot account is chosen.
const (
	DefaultBotUsername = "integrations"
	DefaultBotName     = "Integrations"
)

// Store is what the integrations keep. storage.Store satisfies it.
type Store interface {
	CreateIntegration(ctx context.Context, in *model.Integration) error
	Integrations(ctx context.Context, workspaceID int64, kind model.IntegrationKind) ([]model.Integration, error)
	IntegrationBySecret(ctx context.Context, kind model.IntegrationKind, secret string) (model.Integration, error)
	DeleteIntegration(ctx context.Context, workspaceID int64, kind model.IntegrationKind, id int64) error
	AssistantCommands(ctx context.Context, workspaceID int64) ([]model.AssistantCommand, error)
}

// UserNotifier sends an event to one user's open streams only, unstored
// (the real-time hub).
type UserNotifier interface {
	NotifyUser(ctx context.Context, userID int64, event string, data any) error
}

// Config tunes the integrations.
type Config struct {
	// Policy is the SSRF policy of every request to a configured URL.
	Policy netguard.Policy
	// PublicURL is the server's base URL with a trailing slash, for the
	// incoming webhook URLs shown to admins.
	PublicURL func() string
	// Backoff spaces the retries of an outgoing webhook delivery; the last
	// step repeats. Default 1s, 10s, 1m, 5m, 30m.
	Backoff []time.Duration
	// MaxDeliver bounds the attempts of one delivery. Default 8.
	MaxDeliver int
	// DeliveryTimeout bounds one outgoing webhook request. Default 10s.
	DeliveryTimeout time.Duration
	// CommandTimeout bounds a slash command request. Default 3s.
	CommandTimeout time.Duration
	// Replicas of the streams and consumers (3 in a cluster).
	Replicas int
	Log      *slog.Logger
}

// Service runs the integrations.
type Service struct {
	cfg    Config
	store  Store
	chat   *chat.Service
	js     jetstream.JetStream
	notify UserNotifier
	client *http.Client
	log    *slog.Logger
	now    func() time.Time

	mu      sync.Mutex
	fanout  *events.Consumer
	deliver jetstream.ConsumeContext
}

// New returns the integrations, not started. js and notify may be nil
// (no outgoing webhooks; no ephemeral events).
func New(cfg Config, store Store, chatSvc *chat.Service, js jetstream.JetStream, notify UserNotifier) *Service {
	if cfg.Backoff == nil {
		cfg.Backoff = []time.Duration{time.Second, 10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute}
	}
	if cfg.MaxDeliver <= 0 {
		cfg.MaxDeliver = 8
	}
	if cfg.DeliveryTimeout <= 0 {
		cfg.DeliveryTimeout = 10 * time.Second
	}
	if cfg.CommandTimeout <= 0 {
		cfg.CommandTimeout = 3 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.PublicURL == nil {
		cfg.PublicURL = func() string { return "/" }
	}
	p := cfg.Policy
	p.Timeout = max(cfg.DeliveryTimeout, cfg.CommandTimeout)
	return &Service{
		cfg: cfg, store: store, chat: chatSvc, js: js, notify: notify,
		client: p.Client(), log: cfg.Log, now: func() time.Time { return time.Now().UTC() },
	}
}
