// Package preview makes link previews: off the send path, a durable
// consumer of message events fetches the first link of each new or edited
// message through the netguard SSRF policy, reads its og: tags, caches
// the result per URL in the database, and attaches it to the message
// through the use cases (which emit message.updated). Images are proxied
// through the server under signed URLs, so readers' addresses never reach
// the linked site.
package preview

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/netguard"
	"github.com/fechatter/fechatter/internal/telemetry"
)

// Durable is the consumer name the nodes of a cluster share: each
// message's link is fetched once.
const Durable = "link-previews"

// Subjects are the events the worker reads.
var Subjects = []string{
	events.SubjectPrefix + ".*.*." + model.EventMessageCreated,
	events.SubjectPrefix + ".*.*." + model.EventMessageUpdated,
}

// Config tunes previews. Zero fields take the defaults named.
type Config struct {
	// Policy is the SSRF policy of every fetch (netguard); its Timeout
	// bounds each request. Default: netguard's zero Policy.
	Policy netguard.Policy
	// Secret keys the image URL signatures (the server's signing key).
	Secret []byte
	// TTL is how long a fetched preview is kept. Default 24h.
	TTL time.Duration
	// FailureTTL is how long a failed fetch is remembered. Default 10m.
	FailureTTL time.Duration
	// MaxPageBytes bounds a fetched page. Default 1 MiB.
	MaxPageBytes int64
	// MaxImageBytes bounds a proxied image. Default 5 MiB.
	MaxImageBytes int64
	// UserAgent is sent with every fetch. Default "Fechatter-LinkPreview/1".
	UserAgent string
	// Replicas of the consumer state (3 in a cluster). Default: the stream's.
	Replicas int
	Log      *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.TTL <= 0 {
		c.TTL = 24 * time.Hour
	}
	if c.FailureTTL <= 0 {
		c.FailureTTL = 10 * time.Minute
	}
	if c.MaxPageBytes <= 0 {
		c.MaxPageBytes = 1 << 20
	}
	if c.MaxImageBytes <= 0 {
		c.MaxImageBytes = 5 << 20
	}
	if c.UserAgent == "" {
		c.UserAgent = "Fechatter-LinkPreview/1"
	}
	if c.Log == nil {
		c.Log = telemetry.DefaultLogger()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Store is what previews keep in the database; storage.Store satisfies it.
type Store interface {
	CachedPreview(ctx context.Context, url string) (model.CachedPreview, error)
	PutCachedPreview(ctx context.Context, p model.CachedPreview) error
	PreviewSettings(ctx context.Context, workspaceID int64) (model.PreviewSettings, error)
}

// Messages attaches previews to messages; *chat.Service satisfies it.
type Messages interface {
	AttachPreview(ctx context.Context, senderID, chatID, msgID int64, link string) error
	DetachPreview(ctx context.Context, senderID, chatID, msgID int64) error
}

// Service makes previews and proxies their images.
type Service struct {
	cfg   Config
	store Store
	msgs  Messages
	js    jetstream.JetStream
	fetch *fetcher
	sign  signer

	cons *events.Consumer // started by Start
}

// New returns the service, not started.
func New(cfg Config, store Store, msgs Messages, js jetstream.JetStream) *Service {
	cfg = cfg.withDefaults()
	s := &Service{
		cfg: cfg, store: store, msgs: msgs, js: js,
		fetch: newFetcher(cfg.Policy, cfg.MaxPageBytes, cfg.MaxImageBytes, cfg.UserAgent),
		sign:  newSigner(cfg.Secret),
	}
	s.cons = events.NewConsumer(js, events.ConsumerOptions{
		Durable: Durable, FilterSubjects: Subjects, Replicas: cfg.Replicas,
		DeliverNew: true, Log: cfg.Log,
	}, s.handle)
	return s
}

// Start starts the consumer. Only new messages are previewed: a consumer
// created for the first time does not work through the stream's history.
func (s *Service) Start(ctx context.Context) error { return s.cons.Start(ctx) }

// Stop stops the consumer; it is idempotent.
func (s *Service) Stop(ctx context.Context) error { return s.cons.Stop(ctx) }

// handle previews the first link of a new or edited message.
func (s *Service) handle(ctx context.Context, e events.Envelope) error {
	ev, err := events.PayloadAs[events.MessageEvent](e)
	if err != nil {
		return events.Permanent(err)
	}
	m := ev.Message
	if m.Deleted {
		return nil
	}
	link := chat.FirstLink(m.Content)
	if link == "" {
		if m.Preview != nil {
			return s.msgs.DetachPreview(ctx, m.Sender.ID, m.ChatID, m.ID)
		}
		return nil
	}
	if m.Preview != nil && m.Preview.URL == link {
		return nil // our own message.updated, or an edit that kept the link
	}
	set, err := s.store.PreviewSettings(ctx, m.WorkspaceID)
	if err != nil || !set.LinkPreviews {
		return err
	}
	p, err := s.Preview(ctx, link)
	if err != nil || !p.OK {
		return err
	}
	return s.msgs.AttachPreview(ctx, m.Sender.ID, m.ChatID, m.ID, link)
}

// Preview returns link's preview from the cache, fetching it when it is
// missing or expired. A failed fetch is cached too (OK false), for
// FailureTTL; the error is only for the database.
func (s *Service) Preview(ctx context.Context, link string) (model.CachedPreview, error) {
	now := s.cfg.Now()
	c, err := s.store.CachedPreview(ctx, link)
	if err == nil && now.Before(c.ExpiresAt) {
		return c, nil
	}
	c = s.fetchPreview(ctx, link, now)
	if err := s.store.PutCachedPreview(ctx, c); err != nil {
		return model.CachedPreview{}, fmt.Errorf("cache preview: %w", err)
	}
	return c, nil
}

func (s *Service) fetchPreview(ctx context.Context, link string, now time.Time) model.CachedPreview {
	c := model.CachedPreview{LinkPreview: model.LinkPreview{URL: link}, FetchedAt: now, ExpiresAt: now.Add(s.cfg.FailureTTL)}
	pg, err := s.fetch.page(ctx, link)
	if err != nil {
		s.cfg.Log.Info("link preview failed", "url", link, "error", err)
		return c
	}
	if pg.Title == "" && pg.Description == "" {
		return c
	}
	c.OK, c.ExpiresAt = true, now.Add(s.cfg.TTL)
	c.Title, c.Description, c.SiteName = pg.Title, pg.Description, pg.SiteName
	if pg.Image != "" {
		c.ImageURL = s.sign.path(pg.Image)
	}
	return c
}

// Image fetches a preview image for the proxy. A URL without a valid
// signature is 403; a destination the policy refuses, an answer that is
// not a raster image or is too large, is 503 (the reader's browser shows
// no image).
func (s *Service) Image(ctx context.Context, raw, sig string) (contentType string, body []byte, err error) {
	if raw == "" || sig == "" || !s.sign.valid(raw, sig) {
		return "", nil, apperr.Forbidden("the image URL is not signed by this server")
	}
	ct, body, err := s.fetch.image(ctx, raw)
	if err != nil {
		s.cfg.Log.Info("preview image failed", "url", raw, "error", err)
		return "", nil, &apperr.Error{Kind: apperr.KindUnavailable, Message: "the image could not be fetched", Err: err}
	}
	return ct, body, nil
}
