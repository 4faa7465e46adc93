package authz

import (
	"slices"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// memberReads lists every read a workspace member can make in the fixture,
// as method, path template.
var memberReads = []struct{ method, path string }{
	{"GET", "/api/workspaces/{ws}"},
	{"GET", "/api/workspaces/{ws}/members"},
	{"GET", "/api/workspaces/{ws}/chats"},
	{"GET", "/api/workspaces/{ws}/channels"},
	{"GET", "/api/chats/{chat}"},
	{"GET", "/api/chats/{chat}/members"},
	{"GET", "/api/chats/{chat}/messages"},
	{"GET", "/api/chats/{chat}/messages/{msg}"},
	{"GET", "/api/files/{file}"},
}

// chatReads are the reads of memberReads that concern one chat.
var chatReads = memberReads[4:]

// TestRemovedMemberLosesAccessAtOnce: removed from the workspace (or from a
// chat), the member's very next request with the same access token is 404
// for everything they could read a moment before.
func TestRemovedMemberLosesAccessAtOnce(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine.name, func(t *testing.T) {
			w := newWorld(t, engine.dbURL(t))
			t.Run("removed from the workspace", func(t *testing.T) {
				f := w.fixture(t)
				w.mention(t, f.priv.chat, member)
				w.checkReads(t, member, f, memberReads, 200)
				if !w.hasMentionIn(t, member, f.priv.chat) {
					t.Fatal("the member's mentions lack the mention in the private channel")
				}
				fatalIf(t, "remove member", w.acct[owner].c.RemoveMember(w.ctx, f.ws, w.acct[member].u.ID))
				w.checkReads(t, member, f, memberReads, 404)
				if w.hasMentionIn(t, member, f.priv.chat) || w.hasMentionIn(t, member, f.pub.chat) {
					t.Error("a removed member still gets mentions from the workspace")
				}
				w.fx = nil
			})
			t.Run("removed from a private channel", func(t *testing.T) {
				f := w.fixture(t)
				w.checkReads(t, member, f, chatReads, 200)
				fatalIf(t, "remove from chat", w.acct[chatAdmin].c.RemoveChatMember(w.ctx, f.priv.chat, w.acct[member].u.ID))
				w.checkReads(t, member, f, chatReads, 404)
				w.checkReads(t, member, f, memberReads[:4], 200) // still in the workspace
				w.fx = nil
			})
		})
	}
}

// checkReads sends every read of the private channel (and the workspace)
// as actor a and expects want from each.
func (w *world) checkReads(t *testing.T, a actor, f *fixture, reads []struct{ method, path string }, want int) {
	t.Helper()
	for _, r := range reads {
		path := w.fill(r.path, f, f.priv, a)
		if got, answer := w.request(t, a, r.method, path, ""); got != want {
			t.Errorf("%s %s as %s: got %d, want %d; answer: %s", r.method, path, a, got, want, snippet(answer))
		}
	}
}

// mention makes the chat admin mention actor a in a chat.
func (w *world) mention(t *testing.T, chatID int64, a actor) {
	t.Helper()
	_, _, err := w.acct[chatAdmin].c.SendMessage(w.ctx, chatID, client.SendMessageInput{Content: "ping @" + w.acct[a].u.Username})
	fatalIf(t, "mention", err)
}

func (w *world) hasMentionIn(t *testing.T, a actor, chatID int64) bool {
	t.Helper()
	ms, err := w.acct[a].c.Mentions(w.ctx, false)
	fatalIf(t, "mentions", err)
	return slices.ContainsFunc(ms, func(m model.Message) bool { return m.ChatID == chatID })
}

// TestGuestSeesOnlyChatsTheyAreIn: a guest does not see public channels
// (may not browse them, cannot read or join them) until someone adds them, and
// sees a private channel once added to it.
func TestGuestSeesOnlyChatsTheyAreIn(t *testing.T) {
	w := newWorld(t, "")
	f := w.fixture(t)
	g := w.acct[guest].c
	listed := func(list func() ([]model.ChatSummary, error), id int64) bool {
		t.Helper()
		chats, err := list()
		fatalIf(t, "list chats", err)
		return slices.ContainsFunc(chats, func(c model.ChatSummary) bool { return c.ID == id })
	}
	channels := func() ([]model.ChatSummary, error) { return g.Channels(w.ctx, f.ws) }
	chats := func() ([]model.ChatSummary, error) { return g.Chats(w.ctx, f.ws) }
	if _, err := channels(); client.StatusOf(err) != 403 {
		t.Errorf("guest browses channels: %v, want 403", err)
	}
	nonMemberChannels := func() ([]model.ChatSummary, error) { return w.acct[nonMember].c.Channels(w.ctx, f.ws) }
	if !listed(nonMemberChannels, f.pub.chat) {
		t.Error("a non-member is not offered the public channel")
	}
	_, err := g.JoinChat(w.ctx, f.pub.chat)
	if client.StatusOf(err) != 404 {
		t.Errorf("guest joins the public channel: %v, want 404", err)
	}
	for _, ch := range []chatFixture{f.priv, f.pub} {
		_, err := w.acct[chatAdmin].c.AddChatMembers(w.ctx, ch.chat, []int64{w.acct[guest].u.ID})
		fatalIf(t, "add the guest", err)
		if !listed(chats, ch.chat) {
			t.Errorf("chat %d not in the guest's chats after they were added", ch.chat)
		}
		if _, err := g.Messages(w.ctx, ch.chat, client.MessageQuery{}); err != nil {
			t.Errorf("guest reads chat %d after being added: %v", ch.chat, err)
		}
		if _, _, err := g.SendMessage(w.ctx, ch.chat, client.SendMessageInput{Content: "hello from a guest"}); err != nil {
			t.Errorf("guest writes in chat %d after being added: %v", ch.chat, err)
		}
	}
}
