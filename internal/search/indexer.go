package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// IndexerDurable is the durable consumer name the indexer shares across nodes.
const IndexerDurable = "search-indexer"

// ErrChatGone is what a ChatLookup returns (wrapped) for a chat that no
// longer exists; the indexer then drops the chat's documents instead of
// retrying.
var ErrChatGone = errors.New("chat no longer exists")

// ChatLookup gives the current state of a chat; the appliance adapts storage
// to it. Message documents carry the chat's type and name, which message
// events do not.
type ChatLookup interface {
	// ChatByID returns the chat, or an error wrapping ErrChatGone.
	ChatByID(ctx context.Context, chatID int64) (model.Chat, error)
}

// IndexerSubjects are the events the indexer applies: messages, chats and
// workspace deletion. Membership events need nothing: permissions are
// applied at query time from current memberships.
var IndexerSubjects = []string{
	events.SubjectPrefix + ".*.*.message.*",
	events.SubjectPrefix + ".*.*.chat.*",
	events.SubjectPrefix + ".*.ws.workspace.deleted",
}

// MessageLookup gives the current state of messages; the appliance adapts
// storage to it (storage.Export.MessagesByID).
type MessageLookup interface {
	// MessagesByID returns those of the messages that exist, tombstones
	// included, with their senders.
	MessagesByID(ctx context.Context, ids []int64) ([]model.Message, error)
}

// IndexerOptions configure an Indexer.
type IndexerOptions struct {
	// Messages, when set, makes the indexer write each message as the
	// database holds it when the event is applied, not as the event carried
	// it. Redelivery can hand events over out of order (a consumer stopped
	// with events in flight, two nodes sharing the work): an old "created"
	// applied after an edit would otherwise put the old text back. With the
	// current state, the order no longer matters. Nil: trust the payloads.
	Messages MessageLookup
	// Replicas of the consumer state: 3 in a cluster. Default: the stream's.
	Replicas int
	// Durable names the consumer. Nodes with the same name share the work,
	// which suits an index they share (Meilisearch); nodes with an index
	// each (the embedded engine) need a name each, so that every node
	// applies every event. Default: IndexerDurable.
	Durable string
	// MaxBatch is the most events applied in one index write. Default: 256.
	MaxBatch int
	// Linger is how long a batch waits for more events after its first
	// (the search-visibility delay of a new message). Every index write is
	// a segment that the embedded engine must merge later; at 100 messages
	// a second one write per message kept the merger busy with 40% of the
	// server's CPU. Default: 100ms; negative: no wait.
	Linger time.Duration
	Log    *slog.Logger
}

// Indexer keeps an Index in step with the event stream. It is a durable
// JetStream consumer: it acks an event only after the index accepted the
// change, and every change is idempotent, so redelivery is harmless and a
// restarted indexer catches up from where it stopped.
type Indexer struct {
	idx   Index
	chats ChatLookup
	msgs  MessageLookup // nil: payloads are trusted
	cons  *events.Consumer

	mu    sync.Mutex
	cache map[int64]ChatInfo // chat type and name, updated by chat events
}

// NewIndexer returns an indexer that is not started.
func NewIndexer(js jetstream.JetStream, idx Index, chats ChatLookup, opt IndexerOptions) *Indexer {
	if opt.Durable == "" {
		opt.Durable = IndexerDurable
	}
	switch {
	case opt.Linger == 0:
		opt.Linger = 100 * time.Millisecond
	case opt.Linger < 0:
		opt.Linger = 0
	}
	ix := &Indexer{idx: idx, chats: chats, msgs: opt.Messages, cache: map[int64]ChatInfo{}}
	ix.cons = events.NewBatchConsumer(js, events.ConsumerOptions{
		Durable: opt.Durable, FilterSubjects: IndexerSubjects, Replicas: opt.Replicas, Log: opt.Log,
		MaxBatch: opt.MaxBatch, Linger: opt.Linger,
	}, ix.ApplyBatch)
	return ix
}

// Start creates the durable consumer and begins applying events.
func (ix *Indexer) Start(ctx context.Context) error {
	if err := ix.cons.Start(ctx); err != nil {
		return fmt.Errorf("start search indexer: %w", err)
	}
	return nil
}

// Stop stops consuming after the event in hand; it is idempotent.
func (ix *Indexer) Stop(ctx context.Context) error { return ix.cons.Stop(ctx) }

// Lag is how many events the indexer has not applied yet.
func (ix *Indexer) Lag(ctx context.Context) (uint64, error) { return ix.cons.Lag(ctx) }

// Apply applies one event to the index (ApplyBatch of one). A payload it
// cannot read is a permanent failure; an index or lookup failure asks for
// redelivery.
func (ix *Indexer) Apply(ctx context.Context, e events.Envelope) error {
	return ix.ApplyBatch(ctx, []events.Envelope{e})
}

// applyChatEvent applies an event that is not about one message.
func (ix *Indexer) applyChatEvent(ctx context.Context, e events.Envelope) error {
	switch e.Type {
	case model.EventChatCreated, model.EventChatUpdated, model.EventChatDeleted, model.EventWorkspaceDeleted:
	default:
		return nil
	}
	p, err := decodePayload(e)
	if err != nil {
		return err
	}
	switch p := p.(type) {
	case events.ChatEvent:
		if e.Type == model.EventChatDeleted {
			ix.forget(p.ChatID)
			return ix.idx.DeleteChat(ctx, p.WorkspaceID, p.ChatID)
		}
		return ix.applyChat(ctx, p)
	case events.WorkspaceEvent:
		return ix.idx.DeleteWorkspace(ctx, p.WorkspaceID)
	}
	return events.Permanent(fmt.Errorf("%s event in a %T", e.Type, p))
}

// decodePayload reads an event's payload; one that does not decode is a
// permanent failure (redelivery would not help).
func decodePayload(e events.Envelope) (events.Payload, error) {
	p, err := e.Typed()
	if err != nil {
		return nil, events.Permanent(err)
	}
	return p, nil
}

func (ix *Indexer) applyChat(ctx context.Context, p events.ChatEvent) error {
	if p.Chat.ID == 0 {
		return events.Permanent(errors.New("chat event without chat"))
	}
	c := ChatInfoFromModel(p.Chat.Chat)
	if err := ix.idx.UpdateChat(ctx, c); err != nil {
		return err
	}
	ix.mu.Lock()
	ix.cache[c.ID] = c
	ix.mu.Unlock()
	return nil
}

// chat returns a chat's type and name, from the cache or the lookup.
func (ix *Indexer) chat(ctx context.Context, id int64) (ChatInfo, error) {
	ix.mu.Lock()
	c, ok := ix.cache[id]
	ix.mu.Unlock()
	if ok {
		return c, nil
	}
	mc, err := ix.chats.ChatByID(ctx, id)
	if err != nil {
		return ChatInfo{}, fmt.Errorf("look up chat %d: %w", id, err)
	}
	c = ChatInfoFromModel(mc)
	ix.mu.Lock()
	if len(ix.cache) > 10000 { // a crude bound; chats are few and small
		clear(ix.cache)
	}
	ix.cache[id] = c
	ix.mu.Unlock()
	return c, nil
}

func (ix *Indexer) forget(chatID int64) {
	ix.mu.Lock()
	delete(ix.cache, chatID)
	ix.mu.Unlock()
}
