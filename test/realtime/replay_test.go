package realtime

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// TestReplayShowsWhatIsThereNow: a resume from Last-Event-ID 0 gives every
// member the chat's messages as they read now (a deleted one as its
// tombstone, an edited one with its current text; the old text nowhere in
// the stream), and gives a member who joined the chat (or the workspace)
// later nothing of it from before they joined. The live feed still carries
// each message as it was sent.
func TestReplayShowsWhatIsThereNow(t *testing.T) { eachEngine(t, testReplayShowsWhatIsThereNow) }

// Texts that no replay may carry once the message is deleted or edited.
const (
	deletedText = "the deleted secret text"
	preEditText = "the pre-edit wording"
)

func testReplayShowsWhatIsThereNow(t *testing.T, dbURL string) {
	n := startNode(t, dbURL)
	w := newWorld(t, n)
	live := openStream(t, w.bob.c, "bob (live)", 0)
	live.ready(t, w.bob.id())
	kept := send(t, w.alice, w.team.ID, "kept as it was sent")
	gone := send(t, w.alice, w.team.ID, deletedText)
	edited := send(t, w.bob, w.team.ID, preEditText)
	must(t, w.carol.c.React(w.ctx, w.team.ID, gone.ID, "👍"))
	_, err := w.bob.c.EditMessage(w.ctx, w.team.ID, edited.ID, "the current wording")
	must(t, err)
	must(t, w.alice.c.DeleteMessage(w.ctx, w.team.ID, gone.ID))
	before := sentinel(t, w.alice, w.team.ID)
	sentLive := false
	for _, ev := range live.until(t, before.ID) {
		if p := decode(t, ev); ev.Type == model.EventMessageCreated && p.Message.ID == gone.ID {
			sentLive = p.Message.Content == deletedText
		}
	}
	if !sentLive {
		t.Fatal("bob did not get the message live as it was sent")
	}

	// dave, in the workspace all along, joins team; frank joins the
	// workspace, then team.
	_, err = w.alice.c.AddChatMembers(w.ctx, w.team.ID, []int64{w.dave.id()})
	must(t, err)
	frank := signUp(t, n, "frank", invite(t, w.alice, w.wsA.ID))
	_, err = w.alice.c.AddChatMembers(w.ctx, w.team.ID, []int64{frank.id()})
	must(t, err)
	after := send(t, w.carol, w.team.ID, "after the joins")
	end := sentinel(t, w.alice, w.team.ID)
	if got := messageIDs(t, "bob (live)", live.until(t, end.ID)); !containsID(got, after.ID) {
		t.Fatalf("bob live got %v, want message %d", got, after.ID)
	}

	for _, u := range []*user{w.bob, w.carol} {
		evs := replayFromZero(t, n, u, end.ID)
		msgs := teamMessages(t, u, w.team.ID, evs)
		for _, m := range []model.Message{kept, gone, edited, before, after, end} {
			if _, ok := msgs[m.ID]; !ok {
				t.Errorf("%s's replay lacks message %d", u.u.Username, m.ID)
			}
		}
		if m := msgs[gone.ID]; !m.Deleted || m.Content != "" || len(m.Reactions) != 0 {
			t.Errorf("%s's replay shows the deleted message as %+v, want its tombstone", u.u.Username, m)
		}
		if m := msgs[edited.ID]; m.Content != "the current wording" || m.EditedAt == nil {
			t.Errorf("%s's replay shows the edited message as %+v, want its current text", u.u.Username, m)
		}
	}
	for _, u := range []*user{w.dave, frank} {
		evs := replayFromZero(t, n, u, end.ID)
		msgs := teamMessages(t, u, w.team.ID, evs)
		if len(msgs) != 2 || msgs[after.ID].ID == 0 || msgs[end.ID].ID == 0 {
			t.Errorf("%s joined late and replayed team messages %v, want only %d and %d", u.u.Username, keys(msgs), after.ID, end.ID)
		}
		firstOf(t, u, evs, func(p payload) bool { return p.ChatID == w.team.ID },
			model.EventMemberJoined, func(p payload) bool { return p.UserID == u.id() })
	}
	evs := replayFromZero(t, n, frank, end.ID)
	firstOf(t, frank, evs, func(p payload) bool { return p.WorkspaceID == w.wsA.ID },
		model.EventWorkspaceMemberJoined, func(p payload) bool { return p.Member.User.ID == frank.id() })
}

// replayFromZero resumes u's stream from Last-Event-ID 0 and reads it up
// to the message sentinel, checking that no event carries an old text.
func replayFromZero(t *testing.T, n *node, u *user, sentinel int64) []client.Event {
	t.Helper()
	r := newRawEvents(t, rawGet(t, n, url.Values{"last_event_id": {"0"}}, bearer(u.c)))
	r.readyOf(t, u.id())
	var evs []client.Event
	for {
		ev := r.next(t)
		if ev.Type == "resync" {
			t.Fatalf("%s: resync on a resume from 0", u.u.Username)
		}
		for _, old := range []string{deletedText, preEditText} {
			if strings.Contains(string(ev.Data), old) {
				t.Errorf("%s's replay: %s %d carries %q: %s", u.u.Username, ev.Type, ev.ID, old, ev.Data)
			}
		}
		evs = append(evs, ev)
		if p := decode(t, ev); ev.Type == model.EventMessageCreated && p.Message.ID == sentinel {
			return evs
		}
	}
}

// teamMessages collects the messages of chat as the replay last showed them.
func teamMessages(t *testing.T, u *user, chat int64, evs []client.Event) map[int64]model.Message {
	t.Helper()
	out := map[int64]model.Message{}
	for _, ev := range evs {
		p := decode(t, ev)
		if p.Message != nil && p.ChatID == chat {
			out[p.Message.ID] = *p.Message
		}
	}
	return out
}

// firstOf checks that the first event the scope selects is of type typ
// and satisfies about (a join: nothing of the scope comes before it).
func firstOf(t *testing.T, u *user, evs []client.Event, scope func(payload) bool, typ string, about func(payload) bool) {
	t.Helper()
	for _, ev := range evs {
		p := decode(t, ev)
		if !scope(p) {
			continue
		}
		if ev.Type != typ || !about(p) {
			t.Errorf("%s's replay: first event of the scope is %s %s, want their own %s", u.u.Username, ev.Type, ev.Data, typ)
		}
		return
	}
	t.Errorf("%s's replay has no %s", u.u.Username, typ)
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func keys(m map[int64]model.Message) []int64 {
	var out []int64
	for id := range m {
		out = append(out, id)
	}
	return out
}
