package realtime

import (
	"fmt"
	"slices"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// TestMembership: fan-out follows current membership, stream-ordered with
// the changes: a member removed from a chat gets member.left and then
// nothing of that chat, even for a message sent the moment the removal
// returned; someone added gets member.joined and the very next message; a
// member removed from a workspace gets nothing of it any more; a workspace
// member outside a chat, and a user of another workspace, get nothing.
// Replays (resume with Last-Event-ID) follow the same rules against
// current membership, and still tell a removed member of the removal and
// a former member of a deleted chat.
func TestMembership(t *testing.T) { eachEngine(t, testMembership) }

func testMembership(t *testing.T, dbURL string) {
	n := startNode(t, dbURL)
	w := newWorld(t, n)
	streams := map[*user]*stream{}
	for _, u := range []*user{w.bob, w.carol, w.dave, w.eve} {
		streams[u] = openStream(t, u.c, u.u.Username, 0)
		streams[u].ready(t, u.id())
	}
	// daveLog is what dave's stream got from the removal on.
	var daveLog []string
	// step ends a step with a sentinel in general (bob, carol, dave until
	// removed) and one in lobby (carol, eve); want lists, per user, the
	// events expected (ending with the user's last sentinel), and every
	// stream must hold exactly those up to its last sentinel.
	step := func(name string, want func(sg, sl string) map[*user][]string, ignore func(client.Event) bool) {
		t.Helper()
		sg, sl := sentinel(t, w.alice, w.general.ID), sentinel(t, w.alice, w.lobby.ID)
		for u, wantU := range want(msgKey(sg), msgKey(sl)) {
			var end int64
			switch wantU[len(wantU)-1] {
			case msgKey(sg):
				end = sg.ID
			case msgKey(sl):
				end = sl.ID
			default:
				t.Fatalf("%s: %s's expected events do not end with a sentinel", name, u.u.Username)
			}
			var got []string
			for _, ev := range streams[u].until(t, end) {
				if ev.ID == 0 {
					t.Errorf("%s: %s: %s event without an id", name, u.u.Username, ev.Type)
				}
				if ignore == nil || !ignore(ev) {
					got = append(got, key(t, ev))
				}
			}
			if !slices.Equal(got, wantU) {
				t.Errorf("%s: %s got\n  %v\nwant\n  %v", name, u.u.Username, got, wantU)
			}
			if u == w.dave && name != "baseline" {
				daveLog = append(daveLog, got...)
			}
		}
	}

	// Events of the setup may still be on their way: let them pass.
	settle(t, w.alice, w.general.ID, streams[w.bob], streams[w.dave])
	settle(t, w.alice, w.lobby.ID, streams[w.carol], streams[w.eve])

	// Before any change: side reaches its members only.
	m1 := send(t, w.alice, w.side.ID, "side 1")
	step("baseline", func(sg, sl string) map[*user][]string {
		return map[*user][]string{
			w.bob: {sg}, w.carol: {msgKey(m1), sg, sl}, w.dave: {msgKey(m1), sg}, w.eve: {sl},
		}
	}, nil)
	daveBefore := streams[w.dave].last

	// dave is removed from side; alice writes there the moment it returns.
	must(t, w.alice.c.RemoveChatMember(w.ctx, w.side.ID, w.dave.id()))
	m2 := send(t, w.alice, w.side.ID, "side 2, right after dave left")
	m3 := send(t, w.carol, w.side.ID, "side 3")
	left := memberKey(model.EventMemberLeft, w.side.ID, w.dave.id())
	step("removed from a chat", func(sg, sl string) map[*user][]string {
		return map[*user][]string{
			w.bob: {sg}, w.carol: {left, msgKey(m2), msgKey(m3), sg, sl}, w.dave: {left, sg}, w.eve: {sl},
		}
	}, nil)

	// bob is added to side and gets the very next message.
	_, err := w.alice.c.AddChatMembers(w.ctx, w.side.ID, []int64{w.bob.id()})
	must(t, err)
	m4 := send(t, w.alice, w.side.ID, "side 4, right after bob joined")
	joined := memberKey(model.EventMemberJoined, w.side.ID, w.bob.id())
	step("added to a chat", func(sg, sl string) map[*user][]string {
		return map[*user][]string{
			w.bob: {joined, msgKey(m4), sg}, w.carol: {joined, msgKey(m4), sg, sl}, w.dave: {sg}, w.eve: {sl},
		}
	}, nil)

	// carol is removed from workspace A (and so from its chats): she gets
	// that, then nothing of A, while lobby in B still reaches her.
	carolBefore := streams[w.carol].last
	must(t, w.alice.c.RemoveMember(w.ctx, w.wsA.ID, w.carol.id()))
	m5 := send(t, w.alice, w.team.ID, "team 5, carol is gone")
	m6 := send(t, w.alice, w.side.ID, "side 6")
	m7 := send(t, w.bob, w.general.ID, "general 7")
	wsLeft := memberKey(model.EventWorkspaceMemberLeft, w.wsA.ID, w.carol.id())
	// Whether per-chat member.left events accompany the workspace removal
	// is not the point here.
	aboutCarol := func(ev client.Event) bool {
		return ev.Type == model.EventMemberLeft && decode(t, ev).UserID == w.carol.id()
	}
	var carolLobby string
	step("removed from a workspace", func(sg, sl string) map[*user][]string {
		carolLobby = sl
		return map[*user][]string{
			w.bob:   {wsLeft, msgKey(m5), msgKey(m6), msgKey(m7), sg},
			w.carol: {wsLeft, sl},
			w.dave:  {wsLeft, msgKey(m7), sg},
			w.eve:   {sl},
		}
	}, aboutCarol)

	// dave resumes from before his removal: the replay, checked against
	// current membership, is what he got live (m1, sent while he was a
	// member, may or may not be replayed).
	r := openStream(t, w.dave.c, "dave (resumed from before his removal)", daveBefore)
	r.ready(t, w.dave.id())
	end := sentinel(t, w.alice, w.general.ID)
	var got []string
	for _, ev := range r.until(t, end.ID) {
		if k := key(t, ev); k != msgKey(m1) && !aboutCarol(ev) {
			got = append(got, k)
		}
	}
	if want := append(daveLog, msgKey(end)); !slices.Equal(got, want) {
		t.Errorf("dave's replay from before his removal:\n  %v\nwant\n  %v", got, want)
	}

	streams[w.bob].until(t, end.ID) // bob is in general too

	// A deleted chat: a member on line gets chat.deleted, and so does a
	// member who was away and resumes (the database no longer knows the
	// chat's members; the event carries them).
	must(t, w.alice.c.DeleteChat(w.ctx, w.side.ID))
	end = sentinel(t, w.alice, w.dmAB.ID)
	got = nil
	for _, ev := range streams[w.bob].until(t, end.ID) {
		got = append(got, key(t, ev))
	}
	if want := []string{deletedKey(w.side.ID), msgKey(end)}; !slices.Equal(got, want) {
		t.Errorf("bob on line while side is deleted got %v, want %v", got, want)
	}
	bobLast := streams[w.bob].last
	streams[w.bob].close()
	watch := openStream(t, w.alice.c, "alice", 0)
	watch.ready(t, w.alice.id())
	must(t, w.alice.c.DeleteChat(w.ctx, w.team.ID))
	end = sentinel(t, w.alice, w.dmAB.ID)
	watch.until(t, end.ID) // the deletion has gone by live: bob gets it from the replay
	r = openStream(t, w.bob.c, "bob (resumed after team was deleted)", bobLast)
	r.ready(t, w.bob.id())
	got = nil
	for _, ev := range r.until(t, end.ID) {
		got = append(got, key(t, ev))
	}
	if want := []string{deletedKey(w.team.ID), msgKey(end)}; !slices.Equal(got, want) {
		t.Errorf("bob resumed after team was deleted: got %v, want %v", got, want)
	}

	// carol resumes from before her removal from workspace A: she learns
	// of it (the replay cannot be limited to the workspaces she is in now),
	// and gets nothing else of A.
	r = openStream(t, w.carol.c, "carol (resumed from before her removal)", carolBefore)
	r.ready(t, w.carol.id())
	end = sentinel(t, w.alice, w.lobby.ID)
	got = nil
	for _, ev := range r.until(t, end.ID) {
		if !aboutCarol(ev) {
			got = append(got, key(t, ev))
		}
	}
	if want := []string{wsLeft, carolLobby, msgKey(end)}; !slices.Equal(got, want) {
		t.Errorf("carol's replay from before her removal from workspace A:\n  %v\nwant\n  %v", got, want)
	}
}

// key names an event for comparison: messages by id, membership changes by
// chat (or workspace) and user.
func key(t *testing.T, ev client.Event) string {
	t.Helper()
	p := decode(t, ev)
	switch ev.Type {
	case model.EventMessageCreated:
		return fmt.Sprintf("msg %d", p.Message.ID)
	case model.EventMemberJoined, model.EventMemberLeft:
		return memberKey(ev.Type, p.ChatID, p.UserID)
	case model.EventWorkspaceMemberJoined, model.EventWorkspaceMemberLeft:
		return memberKey(ev.Type, p.WorkspaceID, p.Member.User.ID)
	case model.EventChatDeleted:
		return deletedKey(p.ChatID)
	}
	return fmt.Sprintf("%s chat=%d ws=%d", ev.Type, p.ChatID, p.WorkspaceID)
}

func deletedKey(chatID int64) string {
	return fmt.Sprintf("%s chat=%d", model.EventChatDeleted, chatID)
}

func msgKey(m model.Message) string { return fmt.Sprintf("msg %d", m.ID) }

func memberKey(typ string, where, userID int64) string {
	return fmt.Sprintf("%s %d user=%d", typ, where, userID)
}

// settle sends a sentinel to chatID and reads each stream up to it, so
// that what was committed before is out of the way.
func settle(t *testing.T, by *user, chatID int64, streams ...*stream) {
	t.Helper()
	m := sentinel(t, by, chatID)
	for _, s := range streams {
		s.until(t, m.ID)
	}
}
