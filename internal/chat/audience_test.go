package chat

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// audienceWorld is the rules world with one chat of each type created by
// creator (direct with peer; the others with peer, guestin and victim),
// and a second workspace of outsider's with a public channel.
type audienceWorld struct {
	*chatRulesWorld
	a                                *Audience
	public, private, group, direct   model.ChatSummary
	elsewhere                        model.Workspace
	elsewhereChat                    model.ChatSummary
	chatName                         map[int64]string
	publicMsg, privateMsg, directMsg model.Message
}

func newAudienceWorld(t *testing.T, st storage.Store) *audienceWorld {
	t.Helper()
	ctx := context.Background()
	w := &audienceWorld{chatRulesWorld: newChatRulesWorld(t, st), a: NewAudience(st)}
	w.public, w.private = w.newChat(t, model.ChatPublicChannel), w.newChat(t, model.ChatPrivateChannel)
	w.group, w.direct = w.newChat(t, model.ChatGroup), w.newChat(t, model.ChatDirect)
	w.elsewhere = fixtureWorkspace(t, w.s, w.id("outsider"), "elsewhere")
	var err error
	w.elsewhereChat, _, err = w.s.CreateChat(ctx, w.id("outsider"), w.elsewhere.ID, CreateChatInput{Type: model.ChatPublicChannel, Name: "open"})
	wantOK(t, err)
	w.chatName = map[int64]string{w.public.ID: "public", w.private.ID: "private", w.group.ID: "group", w.direct.ID: "direct", w.elsewhereChat.ID: "elsewhere"}
	send := func(c model.ChatSummary) model.Message {
		m, _, err := w.s.SendMessage(ctx, w.id("creator"), c.ID, SendMessageInput{Content: "hello " + w.chatName[c.ID]})
		wantOK(t, err)
		return m
	}
	w.publicMsg, w.privateMsg, w.directMsg = send(w.public), send(w.private), send(w.direct)
	return w
}

// scopeNames is userID's search scope in the rules workspace, as sorted
// chat names, or the error kind's status.
func (w *audienceWorld) scopeNames(t *testing.T, user string) []string {
	t.Helper()
	sc, err := w.a.SearchScope(context.Background(), w.id(user), w.ws.ID)
	if err != nil {
		if apperr.KindOf(err) == apperr.KindNotFound {
			return []string{"404"}
		}
		t.Fatalf("search scope of %s: %v", user, err)
	}
	var names []string
	for _, id := range sc.ChatIDs {
		names = append(names, w.chatName[id])
	}
	slices.Sort(names)
	return names
}

// TestSearchScope: a user searches the chats they are a member of in a
// workspace they belong to, and nothing else: never another workspace's
// chats, never a public channel not joined (whatever the role), nothing
// at all in a workspace they are not (or no longer) in.
func TestSearchScope(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newAudienceWorld(t, st)
		for _, tc := range []struct {
			user string
			want []string
		}{
			{"creator", []string{"direct", "group", "private", "public"}},
			{"peer", []string{"direct", "group", "private", "public"}},
			{"guestin", []string{"group", "private", "public"}}, // a guest member of the chats
			{"stranger", nil},             // a member who joined nothing: the public channel is not in scope
			{"guest", nil},                // a guest in no chat
			{"admin", nil},                // admins search what they are in, not the workspace
			{"outsider", []string{"404"}}, // not in the workspace: its own public channel never leaks in
		} {
			if got := w.scopeNames(t, tc.user); !slices.Equal(got, tc.want) {
				t.Errorf("scope of %s = %v, want %v", tc.user, got, tc.want)
			}
		}
		sc, err := w.a.SearchScope(ctx, w.id("guestin"), w.ws.ID)
		wantOK(t, err)
		if sc.Role != model.RoleGuest {
			t.Errorf("guestin's role %q, want guest", sc.Role)
		}

		_, err = w.s.JoinChat(ctx, w.id("stranger"), w.public.ID)
		wantOK(t, err)
		if got := w.scopeNames(t, "stranger"); !slices.Equal(got, []string{"public"}) {
			t.Errorf("after joining, scope of stranger = %v, want [public]", got)
		}
		wantOK(t, w.s.RemoveMember(ctx, w.id("owner"), w.ws.ID, w.id("peer")))
		if got := w.scopeNames(t, "peer"); !slices.Equal(got, []string{"404"}) {
			t.Errorf("after removal, scope of peer = %v, want 404", got)
		}
	})
}

// TestAudience: who hears of a chat's and a workspace's events, and what a
// replay may show, follow current membership.
func TestAudience(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newAudienceWorld(t, st)
		ids := func(names ...string) []int64 {
			var out []int64
			for _, n := range names {
				out = append(out, w.id(n))
			}
			slices.Sort(out)
			return out
		}
		chatMembers := func(c model.ChatSummary) []int64 {
			got, err := w.a.ChatMemberIDs(ctx, c.ID)
			wantOK(t, err)
			slices.Sort(got)
			return got
		}
		if got, want := chatMembers(w.private), ids("creator", "peer", "guestin", "victim"); !slices.Equal(got, want) {
			t.Errorf("private channel's audience %v, want %v", got, want)
		}
		wsMembers, err := w.a.WorkspaceMemberIDs(ctx, w.elsewhere.ID)
		wantOK(t, err)
		if !slices.Equal(wsMembers, ids("outsider")) {
			t.Errorf("second workspace's audience %v, want outsider only", wsMembers)
		}
		wsIDs, err := w.a.UserWorkspaceIDs(ctx, w.id("outsider"))
		wantOK(t, err)
		if !slices.Equal(wsIDs, []int64{w.elsewhere.ID}) {
			t.Errorf("outsider's workspaces %v, want [%d]", wsIDs, w.elsewhere.ID)
		}

		// What a replay may show: messages the viewer may read now.
		msgIDs := []int64{w.publicMsg.ID, w.privateMsg.ID, w.directMsg.ID}
		for _, tc := range []struct {
			user string
			want []int64
		}{
			{"peer", msgIDs},
			{"stranger", []int64{w.publicMsg.ID}}, // a member may read a public channel
			{"guest", nil},                        // a guest may not
			{"outsider", nil},
		} {
			msgs, err := w.a.MessagesNow(ctx, w.id(tc.user), msgIDs)
			wantOK(t, err)
			var got []int64
			for _, m := range msgs {
				got = append(got, m.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("messages %s may see now: %v, want %v", tc.user, got, tc.want)
			}
		}

		// Removed from the workspace: out of its chats' audience at once,
		// and no join time left to replay from.
		wantOK(t, w.s.RemoveMember(ctx, w.id("owner"), w.ws.ID, w.id("victim")))
		if got, want := chatMembers(w.private), ids("creator", "peer", "guestin"); !slices.Equal(got, want) {
			t.Errorf("after removal, private channel's audience %v, want %v", got, want)
		}
		jt, err := w.a.JoinTimes(ctx, w.id("victim"))
		wantOK(t, err)
		if len(jt.Workspaces) != 0 || len(jt.Chats) != 0 {
			t.Errorf("removed member's join times %+v, want none", jt)
		}
		jt, err = w.a.JoinTimes(ctx, w.id("guestin"))
		wantOK(t, err)
		chats := slices.Sorted(maps.Keys(jt.Chats))
		want := []int64{w.public.ID, w.private.ID, w.group.ID}
		slices.Sort(want)
		if _, ok := jt.Workspaces[w.ws.ID]; !ok || !slices.Equal(chats, want) {
			t.Errorf("guestin's join times %+v, want the workspace and chats %v", jt, want)
		}

		// A chat deleted: nobody left to tell, and no error.
		wantOK(t, w.s.DeleteChat(ctx, w.id("creator"), w.group.ID))
		if got := chatMembers(w.group); len(got) != 0 {
			t.Errorf("deleted chat's audience %v, want none", got)
		}
	})
}
