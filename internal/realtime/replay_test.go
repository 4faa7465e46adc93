package realtime

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
)

// publishAt puts one event written at a given time on the stream.
func (e *env) publishAt(t *testing.T, ws, chat int64, typ string, at time.Time, fields map[string]any) {
	t.Helper()
	e.n++
	payload := map[string]any{"type": typ, "workspace_id": ws, "chat_id": chat}
	for k, v := range fields {
		payload[k] = v
	}
	body, _ := json.Marshal(payload)
	m, err := events.Message(events.Envelope{ID: fmt.Sprintf("e%d", e.n), Type: typ, WorkspaceID: ws, ChatID: chat, Time: at, Payload: body})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.PublishMsg(t.Context(), m); err != nil {
		t.Fatal(err)
	}
}

func message(id, chat int64, content string) model.Message {
	return model.Message{ID: id, ChatID: chat, WorkspaceID: 1, Seq: id, Sender: model.User{ID: 1}, Content: content,
		Attachments: []model.File{}, Reactions: []model.ReactionCount{}, Mentions: []int64{}}
}

// raw is an event's data as sent, for looking for text anywhere in it.
func raw(ev sseEvent) string {
	b, _ := json.Marshal(ev.Data)
	return string(b)
}

// until reads stored events up to and including id.
func (s *stream) until(t *testing.T, id string) []sseEvent {
	t.Helper()
	var out []sseEvent
	for {
		ev := s.next(t)
		if ev.ID == "" || ev.Event == "ready" {
			continue
		}
		out = append(out, ev)
		if ev.ID == id {
			return out
		}
	}
}

// A replay sends messages as they read now: a deleted one as its
// tombstone, an edited one with its current text, whatever event of them
// is replayed; reactions to a deleted message are left out. The live feed
// still carries each event as written.
func TestReplaySendsMessagesAsTheyAreNow(t *testing.T) {
	e := newEnv(t, Options{})
	live := e.connect(t, 2, "")
	live.next(t)
	edited := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	gone, draft, other := message(100, 10, "secret plan"), message(101, 10, "first draft"), message(102, 10, "kept")
	now := map[int64]model.Message{100: message(100, 10, ""), 101: message(101, 10, "final text"), 102: other}
	tomb := now[100]
	tomb.Deleted = true
	now[100] = tomb
	fixed := now[101]
	fixed.EditedAt = &edited
	now[101] = fixed
	e.roster.messages = now

	secret := map[string]any{"message": gone}
	e.publish(t, 1, 10, model.EventMessageCreated, secret)
	e.publish(t, 1, 10, model.EventMessageCreated, map[string]any{"message": draft})
	e.publish(t, 1, 10, model.EventReactionAdded, map[string]any{"reaction": map[string]any{"message_id": 100, "emoji": "👍", "user_id": 2}})
	e.publish(t, 1, 10, model.EventReactionAdded, map[string]any{"reaction": map[string]any{"message_id": 102, "emoji": "👍", "user_id": 2}})
	draft.Content = "second draft"
	e.publish(t, 1, 10, model.EventMessageUpdated, map[string]any{"message": draft})
	e.publish(t, 1, 10, model.EventMessageDeleted, map[string]any{"message": now[100]})
	e.publish(t, 1, 10, model.EventMessageCreated, map[string]any{"message": message(103, 10, "not readable now")})
	e.publish(t, 1, 10, model.EventReadUpdated, nil)
	last := fmt.Sprint(e.n)

	if got := live.until(t, last); !strings.Contains(raw(got[0]), "secret plan") {
		t.Fatalf("live message.created = %s, want the text as sent", raw(got[0]))
	}
	r := e.connect(t, 2, "0")
	got := r.until(t, last)
	var types []string
	for _, ev := range got {
		types = append(types, ev.Event)
		for _, old := range []string{"secret plan", "first draft", "second draft", "not readable now"} {
			if strings.Contains(raw(ev), old) {
				t.Errorf("replayed %s carries %q: %s", ev.Event, old, raw(ev))
			}
		}
	}
	want := []string{model.EventMessageCreated, model.EventMessageCreated, model.EventReactionAdded,
		model.EventMessageUpdated, model.EventMessageDeleted, model.EventReadUpdated}
	if strings.Join(types, ",") != strings.Join(want, ",") {
		t.Fatalf("replayed %v, want %v (no reaction to the deleted message, nothing of one not readable)", types, want)
	}
	m := func(i int) map[string]any { return got[i].Data["message"].(map[string]any) }
	if m(0)["deleted"] != true || m(0)["content"] != "" || got[0].ID != "1" {
		t.Errorf("replayed creation of the deleted message = %s, want its tombstone", raw(got[0]))
	}
	if m(1)["content"] != "final text" || m(1)["edited_at"] != "2030-01-01T00:00:00Z" || m(3)["content"] != "final text" {
		t.Errorf("replayed edited message = %s / %s, want the current text", raw(got[1]), raw(got[3]))
	}
	if got[2].Data["reaction"].(map[string]any)["message_id"] != float64(102) {
		t.Errorf("kept reaction = %s", raw(got[2]))
	}
}

// A replay never sends a member the events of a chat, or of a workspace,
// from before their current membership of it began; the user a removal is
// about still learns of it.
func TestReplayCutsAtTheStartOfMembership(t *testing.T) {
	e := newEnv(t, Options{})
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	// User 3 joined workspace 1 at minute 10 and chat 11 at minute 20;
	// they were in chat 10 until minute 5 (no longer a member).
	e.roster.joined = map[int64]JoinTimes{3: {
		Workspaces: map[int64]time.Time{1: at(10)}, Chats: map[int64]time.Time{11: at(20), 12: at(10)},
	}}
	e.publishAt(t, 1, 0, model.EventWorkspaceUpdated, at(1), map[string]any{"before": "ws"})   // 1: cut
	e.publishAt(t, 1, 10, model.EventMemberLeft, at(5), map[string]any{"user_id": 3})          // 2: about user 3
	e.publishAt(t, 1, 11, model.EventMessageCreated, at(15), map[string]any{"before": "chat"}) // 3: cut
	e.publishAt(t, 1, 0, model.EventWorkspaceMemberJoined, at(10), nil)                        // 4: the join itself
	e.publishAt(t, 1, 11, model.EventMemberJoined, at(20), map[string]any{"user_id": 3})       // 5
	e.publishAt(t, 1, 11, model.EventMessageCreated, at(21), nil)                              // 6
	e.publishAt(t, 1, 12, model.EventMessageCreated, at(9), map[string]any{"before": "ws"})    // 7: cut by the workspace
	e.publishAt(t, 1, 12, model.EventMessageCreated, at(30), nil)                              // 8
	waitSeq(t, e.hub, 8)

	var ids []string
	for _, ev := range e.connect(t, 3, "0").until(t, "8") {
		ids = append(ids, ev.ID)
		if ev.Data["before"] != nil {
			t.Errorf("replayed %s from before the user joined: %s", ev.Event, raw(ev))
		}
	}
	if want := "2,4,5,6,8"; strings.Join(ids, ",") != want {
		t.Fatalf("replayed ids %v, want %s", ids, want)
	}
	// User 1, a member of everything since before any event, gets it all.
	var all []string
	for _, ev := range e.connect(t, 1, "0").until(t, "6") {
		all = append(all, ev.ID)
	}
	if want := "1,2,3,4,5,6"; strings.Join(all, ",") != want {
		t.Fatalf("an old member replayed %v, want %s", all, want)
	}
}
