package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// publishAs puts a typed event by actor on the stream, as the outbox relay
// would, and returns its stream sequence.
func (e *env) publishAs(t *testing.T, p events.Payload) string {
	t.Helper()
	e.n++
	body, err := events.Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	h := p.EventHeader()
	m, err := events.Message(events.Envelope{ID: fmt.Sprintf("e%d", e.n), Type: h.Type, WorkspaceID: h.WorkspaceID,
		ChatID: h.ChatID, ActorID: h.ActorID, Payload: json.RawMessage(body)})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := e.js.PublishMsg(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(ack.Sequence)
}

func pinEvent(typ string, chat, actor int64) events.PinEvent {
	return events.PinEvent{Header: events.ChatHeader(typ, 1, chat, actor), Pin: events.Pin{MessageID: 7, UserID: actor}}
}

func savedEvent(typ string, chat, actor int64) events.SavedEvent {
	return events.SavedEvent{Header: events.ChatHeader(typ, 1, chat, actor), Saved: events.Saved{MessageID: 7, UserID: actor}}
}

var pinAndSavedTypes = []string{model.EventPinAdded, model.EventPinRemoved, model.EventSavedAdded, model.EventSavedRemoved}

// TestPinsReachChatMembersOnly: a pin in chat 10 (users 1 and 2) reaches
// both members' streams; user 3, in the workspace but not in the chat,
// and user 4, in another workspace, never receive it.
func TestPinsReachChatMembersOnly(t *testing.T) {
	e := newEnv(t, Options{})
	streams := map[int64]*stream{}
	for _, uid := range []int64{1, 2, 3, 4} {
		streams[uid] = e.connect(t, uid, "")
		streams[uid].next(t) // ready
	}
	e.publishAs(t, pinEvent(model.EventPinAdded, 10, 1))
	e.publishAs(t, pinEvent(model.EventPinRemoved, 10, 2))
	for _, uid := range []int64{1, 2} {
		for _, want := range []string{model.EventPinAdded, model.EventPinRemoved} {
			ev := streams[uid].nextOf(t, pinAndSavedTypes...)
			pin, _ := ev.Data["pin"].(map[string]any)
			if ev.Event != want || ev.Data["chat_id"] != float64(10) || pin["message_id"] != float64(7) {
				t.Fatalf("user %d got %s %v, want %s of chat 10", uid, ev.Event, ev.Data, want)
			}
		}
	}
	// Sentinels: an event each of users 3 and 4 does receive, after the pins.
	e.publishAs(t, pinEvent(model.EventPinAdded, 12, 2))
	e.publishAs(t, events.PinEvent{Header: events.ChatHeader(model.EventPinAdded, 2, 20, 4), Pin: events.Pin{MessageID: 8, UserID: 4}})
	streams[3].nextIsSentinel(t, "the pin of chat 12", func(ev sseEvent) bool { return ev.Data["chat_id"] == float64(12) }, pinAndSavedTypes...)
	streams[4].nextIsSentinel(t, "the pin of chat 20", func(ev sseEvent) bool { return ev.Data["chat_id"] == float64(20) }, pinAndSavedTypes...)
}

// TestSavedReachesOnlyTheActorsStreams: a bookmark event goes to every
// stream of the user who saved, live and in a replay, and never to the
// chat's other members.
func TestSavedReachesOnlyTheActorsStreams(t *testing.T) {
	e := newEnv(t, Options{})
	tab1, tab2, peer := e.connect(t, 1, ""), e.connect(t, 1, ""), e.connect(t, 2, "")
	for _, s := range []*stream{tab1, tab2, peer} {
		s.next(t)
	}
	saved := e.publishAs(t, savedEvent(model.EventSavedAdded, 10, 1))
	removed := e.publishAs(t, savedEvent(model.EventSavedRemoved, 10, 1))
	for _, s := range []*stream{tab1, tab2} {
		for _, want := range []string{saved, removed} {
			if ev := s.nextOf(t, pinAndSavedTypes...); ev.ID != want || ev.Data["saved"].(map[string]any)["user_id"] != float64(1) {
				t.Fatalf("got %s %s %v, want event %s", ev.ID, ev.Event, ev.Data, want)
			}
		}
	}
	// User 2 saves too: only that is on user 2's stream, and user 1's
	// streams see nothing of it (the pin after it is their sentinel).
	e.publishAs(t, savedEvent(model.EventSavedAdded, 10, 2))
	e.publishAs(t, pinEvent(model.EventPinAdded, 10, 2))
	if ev := peer.nextOf(t, pinAndSavedTypes...); ev.Event != model.EventSavedAdded || ev.Data["actor_id"] != float64(2) {
		t.Fatalf("user 2's first event %s %v, want their own saved.added", ev.Event, ev.Data)
	}
	for _, s := range []*stream{tab1, tab2} {
		s.nextIsSentinel(t, "the pin", func(ev sseEvent) bool { return ev.Event == model.EventPinAdded }, pinAndSavedTypes...)
	}

	// A replay from the start keeps the same rule.
	waitSeq(t, e.hub, 4)
	again := e.connect(t, 2, "0")
	again.next(t)
	if ev := again.nextOf(t, pinAndSavedTypes...); ev.Event != model.EventSavedAdded || ev.Data["actor_id"] != float64(2) {
		t.Fatalf("replay to user 2 began with %s %v, want their own saved.added", ev.Event, ev.Data)
	}
	again.nextIsSentinel(t, "the pin", func(ev sseEvent) bool { return ev.Event == model.EventPinAdded }, pinAndSavedTypes...)

	// Someone no longer in the workspace gets nothing, even of their own.
	e.roster.mu.Lock()
	e.roster.ws[1] = []int64{2, 3}
	e.roster.mu.Unlock()
	e.publishAs(t, events.WorkspaceMemberEvent{Header: events.WorkspaceHeader(model.EventWorkspaceMemberLeft, 1, 1),
		Member: model.Member{WorkspaceID: 1, UserID: 1}})
	tab1.nextOf(t, model.EventWorkspaceMemberLeft)
	e.publishAs(t, savedEvent(model.EventSavedAdded, 10, 1))
	e.roster.mu.Lock()
	e.roster.chats[20] = append(e.roster.chats[20], 1)
	e.roster.ws[2] = append(e.roster.ws[2], 1)
	e.roster.mu.Unlock()
	e.publishAs(t, events.PinEvent{Header: events.ChatHeader(model.EventPinAdded, 2, 20, 4), Pin: events.Pin{MessageID: 8, UserID: 4}})
	tab1.nextIsSentinel(t, "the pin of chat 20", func(ev sseEvent) bool { return ev.Data["chat_id"] == float64(20) }, pinAndSavedTypes...)
}
