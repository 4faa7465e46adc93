// Package bot is the assistant: a bot user in every workspace that answers
// when mentioned, in a direct chat with it, and to slash commands, by
// streaming a reply from any OpenAI-compatible model endpoint into a chat
// message. Work runs from a durable JetStream consumer keyed by the
// triggering message, so a crash mid-answer ends in one reply, not zero
// and not two. It only ever sends the model what the invoking user can
// read: context is read through the chat use cases as that user.
package bot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/chat"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// Username and DisplayName are the assistant's account in every workspace.
const (
	Username    = "assistant"
	DisplayName = "Assistant"
)

// Durable is the consumer name the assistant shares across nodes: each
// trigger is answered once in a cluster.
const Durable = "assistant"

// Config is the model endpoint and the assistant's limits.
type Config struct {
	// BaseURL of an OpenAI-compatible API (…/v1); empty: no model.
	BaseURL string
	// Model to ask; empty: no model.
	Model string
	// EmbeddingModel embeds knowledge chunks and questions for vector
	// retrieval; empty: keyword (BM25) retrieval only.
	EmbeddingModel string
	// KnowledgeDir is where the knowledge base's keyword index lives;
	// empty: no index (retrieval from documents is off).
	KnowledgeDir string
	// Messages searches the asker's readable messages for /ask and
	// mentions; nil: no message retrieval.
	Messages MessageSearcher
	// PublicURL returns the base of links to messages (with a trailing
	// slash); nil: links are paths.
	PublicURL func() string
	// APIKey sent as a bearer token; local servers ignore it.
	APIKey string
	// Timeout bounds one answer, first token to last. Default 2m.
	Timeout time.Duration
	// MaxOutputTokens caps one answer; 0 means the server's default.
	MaxOutputTokens int64
	// DailyTokenBudget caps the tokens of one workspace per UTC day; 0
	// means no cap.
	DailyTokenBudget int64
	// ContextTokens is the estimated budget of chat context sent with a
	// question (oldest messages dropped first). Default 3000.
	ContextTokens int
	// Concurrency is how many answers one node streams at once. Default 4.
	Concurrency int
	// Replicas of the consumer state (3 in a cluster).
	Replicas int
	// Languages limits language detection to these ISO 639-1 codes;
	// empty means every language the detector knows.
	Languages []string
	// HTTPClient talks to the endpoint; nil means http.DefaultClient.
	HTTPClient *http.Client
	Log        *slog.Logger
}

// Configured reports whether a model endpoint is set.
func (c Config) Configured() bool { return c.BaseURL != "" && c.Model != "" }

// Store is what the assistant keeps: settings, commands and token use per
// workspace. storage.Store satisfies it.
type Store interface {
	AssistantSettings(ctx context.Context, workspaceID int64) (model.AssistantSettings, error)
	PutAssistantSettings(ctx context.Context, s model.AssistantSettings) error
	AssistantCommands(ctx context.Context, workspaceID int64) ([]model.AssistantCommand, error)
	CreateAssistantCommand(ctx context.Context, c *model.AssistantCommand) error
	UpdateAssistantCommand(ctx context.Context, c model.AssistantCommand) error
	DeleteAssistantCommand(ctx context.Context, workspaceID, commandID int64) error
	AddAssistantTokens(ctx context.Context, workspaceID int64, day string, n int64) (int64, error)
	AssistantTokens(ctx context.Context, workspaceID int64, day string) (int64, error)
	WorkspaceIDs(ctx context.Context) ([]int64, error)
	KnowledgeStore
	LanguageStore
}

// LanguageStore keeps detected languages, cached translations and users'
// language settings. storage.Store satisfies it.
type LanguageStore interface {
	SetMessageLang(ctx context.Context, messageID int64, content, lang string) (bool, error)
	SetMessageLangs(ctx context.Context, langs []model.MessageLang) error
	MessageTranslation(ctx context.Context, messageID int64, target string) (model.Translation, error)
	PutMessageTranslation(ctx context.Context, t model.Translation) error
	UserLanguage(ctx context.Context, userID int64) (model.UserLanguage, error)
	PutUserLanguage(ctx context.Context, l model.UserLanguage) error
}

// Limiter admits a user's request of a class (internal/gateway's Limiter).
type Limiter interface {
	AdmitUser(h http.Header, class string, userID int64) (wait time.Duration, ok bool)
}

// LimitClass is the rate-limit class of a user's requests to the assistant.
const LimitClass = "assistant"

// ackWait is how long a trigger may go without a heartbeat before it is
// redelivered: the consumer heartbeats every third of it while an answer
// streams, so it only bounds how soon a crashed node's work resumes.
const ackWait = 10 * time.Second

// Service is the assistant. Start runs its consumer; the API uses the
// settings and command methods.
type Service struct {
	cfg      Config
	store    Store
	chat     *chat.Service
	js       jetstream.JetStream
	limiter  Limiter
	model    *modelClient
	detector *Detector
	log      *slog.Logger
	now      func() time.Time

	mu       sync.Mutex
	bots     map[int64]model.User // by workspace, once ensured
	cons     *events.Consumer
	langCons *events.Consumer
	kb       *kbIndex // nil until started with a KnowledgeDir

	embedWake chan struct{}
	embedStop chan struct{} // closed to stop the embedding loop
	embedDone chan struct{} // closed when it has stopped
	vecs      vectorCache
}

// New returns the assistant, not started. js may be nil (no consumer: the
// API still answers); limiter may be nil (no per-user limit).
func New(cfg Config, store Store, chatSvc *chat.Service, js jetstream.JetStream, limiter Limiter) *Service {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 2 * time.Minute
	}
	if cfg.ContextTokens <= 0 {
		cfg.ContextTokens = 3000
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	s := &Service{
		cfg: cfg, store: store, chat: chatSvc, js: js, limiter: limiter, log: cfg.Log,
		now: func() time.Time { return time.Now().UTC() }, bots: map[int64]model.User{},
		embedWake: make(chan struct{}, 1), vecs: vectorCache{ws: map[int64]vectorSet{}},
		detector: NewDetector(cfg.Languages),
	}
	if cfg.Configured() {
		s.model = newModelClient(cfg)
	}
	return s
}

// Subjects are the events the assistant consumes: new messages (triggers)
// and workspace joins (a new workspace gets its assistant).
var Subjects = []string{
	events.SubjectPrefix + ".*.*." + model.EventMessageCreated,
	events.SubjectPrefix + ".*.ws." + model.EventWorkspaceMemberJoined,
}

// Start opens the knowledge index, starts embedding in the background
// (when an embedding model is set), gives every existing workspace its
// assistant and starts the consumer.
func (s *Service) Start(ctx context.Context) error {
	if err := s.startKnowledge(); err != nil {
		return err
	}
	ids, err := s.store.WorkspaceIDs(ctx)
	if err != nil {
		return errors.Join(err, s.stopKnowledge())
	}
	for _, id := range ids {
		if _, err := s.Bot(ctx, id); err != nil {
			s.log.Warn("workspace has no assistant", "workspace_id", id, "error", err)
		}
	}
	if s.js == nil {
		return nil
	}
	cons := events.NewBatchConsumer(s.js, events.ConsumerOptions{
		Durable: Durable, FilterSubjects: Subjects, Replicas: s.cfg.Replicas,
		MaxBatch: s.cfg.Concurrency, AckWait: ackWait, DeliverNew: true, Log: s.log,
	}, s.handleBatch)
	if err := cons.Start(ctx); err != nil {
		return errors.Join(err, s.stopKnowledge())
	}
	// Language detection has its own consumer: it reads every message,
	// edits included, and from the stream's start the first time, so the
	// history still in the stream gets its lang too. A message's lang
	// only serves translation, which needs a model: without one the
	// consumer does not run (detection was a third of a core at 1,000
	// messages a second) and is removed, so that it does not show as
	// lagging; configuring a model later creates it again from the
	// stream's start.
	var langCons *events.Consumer
	if s.model == nil {
		err := s.js.DeleteConsumer(ctx, events.StreamName, LanguageDurable)
		if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			s.log.Warn("could not remove the idle language consumer", "err", err)
		}
	} else {
		langCons = events.NewBatchConsumer(s.js, events.ConsumerOptions{
			Durable: LanguageDurable, FilterSubjects: LanguageSubjects, Replicas: s.cfg.Replicas, Log: s.log,
		}, s.detectBatch)
		if err := langCons.Start(ctx); err != nil {
			return errors.Join(err, cons.Stop(ctx), s.stopKnowledge())
		}
	}
	s.mu.Lock()
	s.cons, s.langCons = cons, langCons
	s.mu.Unlock()
	return nil
}

// Stop stops the consumer; answers in flight end with ctx (and are
// answered again, in the same reply, after a restart).
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	cons, langCons := s.cons, s.langCons
	s.cons, s.langCons = nil, nil
	s.mu.Unlock()
	var err error
	if cons != nil {
		err = cons.Stop(ctx)
	}
	if langCons != nil {
		err = errors.Join(err, langCons.Stop(ctx))
	}
	return errors.Join(err, s.stopKnowledge())
}

// startKnowledge opens the keyword index and starts the embedding loop.
func (s *Service) startKnowledge() error {
	if s.cfg.KnowledgeDir != "" {
		kb, err := openKBIndex(s.cfg.KnowledgeDir)
		if err != nil {
			return err
		}
		s.mu.Lock()
		s.kb = kb
		s.mu.Unlock()
	}
	if s.embeddings() {
		stop, done := make(chan struct{}), make(chan struct{})
		s.mu.Lock()
		s.embedStop, s.embedDone = stop, done
		s.mu.Unlock()
		go func() { // owned: stopKnowledge closes stop and waits for done
			defer close(done)
			s.embedLoop(stop)
		}()
	}
	return nil
}

// stopKnowledge stops the embedding loop and closes the index; a second
// call does nothing.
func (s *Service) stopKnowledge() error {
	s.mu.Lock()
	kb, stop, done := s.kb, s.embedStop, s.embedDone
	s.kb, s.embedStop, s.embedDone = nil, nil, nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	if kb == nil {
		return nil
	}
	return kb.close()
}

// Bot returns the assistant account of a workspace, creating it or its
// membership when missing.
func (s *Service) Bot(ctx context.Context, wsID int64) (model.User, error) {
	s.mu.Lock()
	b, ok := s.bots[wsID]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err := s.chat.EnsureBot(ctx, wsID, Username, DisplayName)
	if err != nil {
		return model.User{}, err
	}
	s.mu.Lock()
	s.bots[wsID] = b
	s.mu.Unlock()
	return b, nil
}

// handleBatch handles the events that arrived together side by side: each
// answer streams for seconds, and one slow model must not hold up the
// others. Every effect is idempotent (keyed by the trigger), so the
// consumer's one-at-a-time retry of a failed batch is harmless.
func (s *Service) handleBatch(ctx context.Context, batch []events.Envelope) error {
	errs := make([]error, len(batch))
	var wg sync.WaitGroup
	for i, e := range batch {
		wg.Add(1)
		go func() { // owned: waited for below
			defer wg.Done()
			errs[i] = s.handle(ctx, e)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// handle applies one event.
func (s *Service) handle(ctx context.Context, e events.Envelope) error {
	switch e.Type {
	case model.EventWorkspaceMemberJoined:
		s.mu.Lock()
		delete(s.bots, e.WorkspaceID) // a workspace id may have been reused after a restore
		s.mu.Unlock()
		_, err := s.Bot(ctx, e.WorkspaceID)
		if err != nil && !isGone(err) {
			return err
		}
		return nil
	case model.EventMessageCreated:
		p, err := events.PayloadAs[events.MessageEvent](e)
		if err != nil {
			return events.Permanent(err)
		}
		return s.onMessage(ctx, p.Message)
	}
	return nil
}
