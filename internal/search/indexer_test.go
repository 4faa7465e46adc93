package search_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/fechatter/fechatter/embedded/natsd"
	"github.com/fechatter/fechatter/embedded/natsd/natstest"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/bleve"
	"github.com/fechatter/fechatter/internal/testproc"
)

// chatTable is an in-memory ChatLookup and MessageLookup: the chats and
// messages tables of the test world.
type chatTable struct {
	mu    sync.Mutex
	chats map[int64]model.Chat
	msgs  map[int64]model.Message
}

func (c *chatTable) MessagesByID(_ context.Context, ids []int64) ([]model.Message, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []model.Message
	for _, id := range ids {
		if m, ok := c.msgs[id]; ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// store records a message as the database would hold it after an event.
func (c *chatTable) store(typ string, m model.Message) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if typ == model.EventMessageDeleted {
		m.Deleted, m.Content = true, ""
	}
	c.msgs[m.ID] = m
}

func (c *chatTable) ChatByID(_ context.Context, id int64) (model.Chat, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch, ok := c.chats[id]
	if !ok {
		return model.Chat{}, fmt.Errorf("chat %d: %w", id, search.ErrChatGone)
	}
	return ch, nil
}

// openIndex opens an embedded index in a temporary directory, closed
// when the test ends: the indexer and the rebuild run against a real engine.
func openIndex(t testing.TB) *bleve.Engine {
	t.Helper()
	idx, err := bleve.Open(filepath.Join(t.TempDir(), "search"), bleve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = idx.Close() })
	return idx
}

// indexerWorld is an embedded NATS with the EVENTS stream, an index and
// the chats table.
type indexerWorld struct {
	t     testing.TB
	js    jetstream.JetStream
	idx   search.Index
	chats *chatTable
	n     atomic.Int64
}

func newIndexerWorld(t testing.TB) *indexerWorld {
	t.Helper()
	js := natstest.Start(t, natsd.Config{}).JS
	if _, err := events.EnsureStream(context.Background(), js, events.StreamOptions{}); err != nil {
		t.Fatal(err)
	}
	idx := openIndex(t)
	chats := &chatTable{chats: map[int64]model.Chat{
		10: {ID: 10, WorkspaceID: 1, Type: model.ChatPublicChannel, Name: "general"},
		11: {ID: 11, WorkspaceID: 1, Type: model.ChatDirect},
		12: {ID: 12, WorkspaceID: 1, Type: model.ChatGroup, Name: "markers"},
	}, msgs: map[int64]model.Message{}}
	return &indexerWorld{t: t, js: js, idx: idx, chats: chats}
}

func (w *indexerWorld) start() *search.Indexer {
	w.t.Helper()
	ix := search.NewIndexer(w.js, w.idx, w.chats, search.IndexerOptions{Messages: w.chats})
	if err := ix.Start(context.Background()); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { _ = ix.Stop(context.Background()) })
	return ix
}

// publish sends an event the way the outbox relay does and returns it.
func (w *indexerWorld) publish(typ string, chatID int64, payload map[string]any) events.Envelope {
	w.t.Helper()
	payload["type"], payload["workspace_id"], payload["chat_id"] = typ, 1, chatID
	if m, ok := payload["message"].(model.Message); ok {
		w.chats.store(typ, m)
	}
	body, err := json.Marshal(payload)
	if err != nil {
		w.t.Fatal(err)
	}
	e := events.Envelope{ID: fmt.Sprintf("ev-%d", w.n.Add(1)), Type: typ, WorkspaceID: 1, ChatID: chatID,
		Time: time.Now().UTC(), Payload: body, OutboxSeq: w.n.Load()}
	w.publishEnvelope(e, e.ID)
	return e
}

// publishEnvelope publishes e with a chosen Nats-Msg-Id (a republish after
// the stream's duplicate window carries a new one).
func (w *indexerWorld) publishEnvelope(e events.Envelope, msgID string) {
	w.t.Helper()
	m, err := events.Message(e)
	if err != nil {
		w.t.Fatal(err)
	}
	m.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := w.js.PublishMsg(context.Background(), m); err != nil {
		w.t.Fatal(err)
	}
}

func message(id, chatID int64, content string) model.Message {
	return model.Message{ID: id, ChatID: chatID, WorkspaceID: 1, Seq: id,
		Sender: model.User{ID: 100, Username: "alice", DisplayName: "Alice"}, Content: content,
		CreatedAt: time.Date(2026, 2, 1, 10, 0, 0, 0, time.UTC)}
}

func (w *indexerWorld) created(m model.Message) events.Envelope {
	return w.publish(model.EventMessageCreated, m.ChatID, map[string]any{"message": m})
}

// caughtUp waits until the indexer has applied every event published so
// far: it publishes a marker message in chat 12 (outside the chats the tests
// search) and waits for it, since events are applied in stream order. Then
// the consumer's lag must drain to zero.
func (w *indexerWorld) caughtUp(ix *search.Indexer) {
	w.t.Helper()
	marker := w.n.Load() + 1_000_000
	w.created(message(marker, 12, "marker"))
	waitUntil(w.t, "marker indexed", func() bool {
		res, err := w.idx.Search(context.Background(), search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{12}, Text: "marker "})
		return err == nil && slices.ContainsFunc(res.Hits, func(h search.Hit) bool { return h.Doc.ID == marker })
	})
	waitUntil(w.t, "lag 0", func() bool {
		lag, err := ix.Lag(context.Background())
		return err == nil && lag == 0
	})
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	testproc.Until(t, 20*time.Second, what, cond)
}

func (w *indexerWorld) find(text string) []int64 {
	w.t.Helper()
	res, err := w.idx.Search(context.Background(), search.Query{
		WorkspaceID: 1, AllowedChatIDs: []int64{10, 11}, Text: text, Limit: 100,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []int64
	for _, h := range res.Hits {
		out = append(out, h.Doc.ID)
	}
	slices.Sort(out)
	return out
}

func (w *indexerWorld) expect(text string, want ...int64) {
	w.t.Helper()
	if got := w.find(text); !slices.Equal(got, want) {
		w.t.Fatalf("search %q = %v, want %v", text, got, want)
	}
}

func TestIndexerLifecycle(t *testing.T) {
	w := newIndexerWorld(t)
	ix := w.start()
	created := w.created(message(1, 10, "rollout plan for the gateway"))
	w.created(message(2, 11, "lunch at noon?"))
	w.caughtUp(ix)
	w.expect("rollout ", 1)
	w.expect("lunch ", 2)

	edited := message(1, 10, "rollback plan for the gateway")
	w.publish(model.EventMessageUpdated, 10, map[string]any{"message": edited})
	w.caughtUp(ix)
	w.expect("rollback ", 1)
	w.expect("rollout ")

	// The created event again, as a relay republishes after the stream's
	// duplicate window: the consumer knows it completed it, so the edit stays.
	w.publishEnvelope(created, "republished-"+created.ID)
	w.caughtUp(ix)
	w.expect("rollback ", 1)
	w.expect("rollout ")

	w.publish(model.EventChatUpdated, 10, map[string]any{"chat": model.Chat{ID: 10, WorkspaceID: 1, Type: model.ChatPublicChannel, Name: "ops"}})
	w.caughtUp(ix)
	if res, _ := w.idx.Search(context.Background(), search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{10}, Text: "rollback"}); len(res.Hits) != 1 || res.Hits[0].Doc.ChatName != "ops" {
		t.Fatalf("after rename: %+v", res.Hits)
	}

	deleted := message(1, 10, "")
	deleted.Deleted = true
	w.publish(model.EventMessageDeleted, 10, map[string]any{"message": deleted})
	w.caughtUp(ix)
	w.expect("rollback ")
	w.expect("", 2)

	w.publish(model.EventChatDeleted, 11, map[string]any{"chat": model.Chat{ID: 11, WorkspaceID: 1}})
	w.caughtUp(ix)
	w.expect("")
}

func TestIndexerApplyIsIdempotent(t *testing.T) {
	w := newIndexerWorld(t)
	ix := search.NewIndexer(w.js, w.idx, w.chats, search.IndexerOptions{})
	body, _ := json.Marshal(map[string]any{"type": model.EventMessageCreated, "workspace_id": 1, "chat_id": 10,
		"message": message(7, 10, "quarterly numbers")})
	e := events.Envelope{ID: "x", Type: model.EventMessageCreated, WorkspaceID: 1, ChatID: 10, Payload: body}
	for range 3 {
		if err := ix.Apply(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := w.idx.Count(context.Background(), 1); n != 1 {
		t.Fatalf("count = %d after applying one event three times", n)
	}
	w.expect("quarterly ", 7)
	del, _ := json.Marshal(map[string]any{"type": model.EventMessageDeleted, "message": message(7, 10, "")})
	for range 2 {
		if err := ix.Apply(context.Background(), events.Envelope{ID: "y", Type: model.EventMessageDeleted, WorkspaceID: 1, ChatID: 10, Payload: del}); err != nil {
			t.Fatal(err)
		}
	}
	w.expect("quarterly ")
}

func TestIndexerCatchesUpAfterDowntime(t *testing.T) {
	w := newIndexerWorld(t)
	ix := w.start()
	w.created(message(1, 10, "before the outage"))
	w.caughtUp(ix)
	if err := ix.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	const n = 50
	for i := int64(2); i <= n; i++ {
		w.created(message(i, 10+i%2, fmt.Sprintf("backlog item %d", i)))
	}
	ix2 := w.start()
	w.caughtUp(ix2)
	if got := w.find("backlog "); len(got) != n-1 {
		t.Fatalf("indexed %d of %d backlog messages", len(got), n-1)
	}
	w.expect("outage ", 1)
}

func TestIndexerSkipsMessagesOfDeletedChats(t *testing.T) {
	w := newIndexerWorld(t)
	ix := w.start()
	w.created(message(1, 99, "orphan message")) // chat 99 is not in the table
	w.created(message(2, 10, "kept message"))
	w.caughtUp(ix)
	w.expect("message ", 2)
}

func TestIndexerDeadLettersBadPayloads(t *testing.T) {
	w := newIndexerWorld(t)
	ix := w.start()
	bad := events.Envelope{ID: "bad", Type: model.EventMessageCreated, WorkspaceID: 1, ChatID: 10, Payload: json.RawMessage(`{"message": 12}`)}
	w.publishEnvelope(bad, bad.ID)
	w.created(message(3, 10, "after the bad one"))
	w.caughtUp(ix)
	w.expect("after ", 3)
}

// A backlog applied in batches ends where applying its events one by one
// would: edits and deletes of a message in the same batch, a rename that
// must reach documents gathered before it, a chat deleted after its
// messages were gathered.
func TestIndexerAppliesABacklogInBatches(t *testing.T) {
	w := newIndexerWorld(t)
	ix := w.start()
	w.caughtUp(ix)
	if err := ix.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var want []int64
	for i := int64(1); i <= 40; i++ {
		w.created(message(i, 10, fmt.Sprintf("batch item %d", i)))
		if i != 3 && i != 4 {
			want = append(want, i)
		}
	}
	w.publish(model.EventMessageUpdated, 10, map[string]any{"message": message(3, 10, "edited thing")})
	gone := message(4, 10, "")
	gone.Deleted = true
	w.publish(model.EventMessageDeleted, 10, map[string]any{"message": gone})
	w.created(message(41, 10, "short lived"))
	w.publish(model.EventMessageDeleted, 10, map[string]any{"message": message(41, 10, "short lived")})
	w.publish(model.EventChatUpdated, 10, map[string]any{"chat": model.Chat{ID: 10, WorkspaceID: 1, Type: model.ChatPublicChannel, Name: "renamed"}})
	w.created(message(42, 10, "after the rename"))
	w.created(message(43, 11, "in a chat about to go"))
	w.publish(model.EventChatDeleted, 11, map[string]any{"chat": model.Chat{ID: 11, WorkspaceID: 1}})

	ix2 := w.start()
	w.caughtUp(ix2)
	w.expect("item ", want...)
	w.expect("edited ", 3)
	w.expect("lived ")
	w.expect("chat ")
	res, err := w.idx.Search(context.Background(), search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{10}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != len(want)+2 { // the items, the edited one, the one after the rename
		t.Fatalf("chat 10 has %d documents, want %d", len(res.Hits), len(want)+2)
	}
	for _, h := range res.Hits {
		if h.Doc.ChatName != "renamed" {
			t.Fatalf("message %d has chat name %q after the rename", h.Doc.ID, h.Doc.ChatName)
		}
	}
}

// Redelivery may hand an old event over after a newer one (a consumer
// stopped with events in flight, two nodes sharing the work). The indexer
// writes messages as the database holds them, so an old "created" applied
// after the edit, or after the delete, changes nothing.
func TestIndexerIgnoresTheOrderOfRedeliveries(t *testing.T) {
	w := newIndexerWorld(t)
	ix := w.start()
	created := w.created(message(1, 10, "first draft"))
	w.created(message(2, 10, "doomed draft"))
	w.publish(model.EventMessageUpdated, 10, map[string]any{"message": message(1, 10, "final wording")})
	w.publish(model.EventMessageDeleted, 10, map[string]any{"message": message(2, 10, "doomed draft")})
	w.caughtUp(ix)
	w.expect("wording ", 1)
	w.expect("draft ")
	// The two created events again with new event ids, so the completion
	// records do not recognise them: as a redelivery after the edit looks.
	w.publishEnvelope(created, "late-"+created.ID)
	body, _ := json.Marshal(map[string]any{"type": model.EventMessageCreated, "workspace_id": 1, "chat_id": 10,
		"message": message(2, 10, "doomed draft")})
	late := events.Envelope{ID: "late-2", Type: model.EventMessageCreated, WorkspaceID: 1, ChatID: 10, Payload: body}
	w.publishEnvelope(late, late.ID)
	w.caughtUp(ix)
	w.expect("wording ", 1)
	w.expect("draft ")
}
