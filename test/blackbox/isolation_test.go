package blackbox

import (
	"bytes"
	"io"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// isolation: bob makes workspace B and invites carol; carol, who belongs to
// B only, gets 404 for everything of workspace A.
func (w *walk) isolation(t *testing.T) {
	var err error
	w.wsB, err = w.bob.c.CreateWorkspace(w.ctx, "Bob's")
	mustDo(t, err)
	if w.wsB.Role != model.RoleOwner {
		t.Errorf("creator's role in new workspace = %q, want owner", w.wsB.Role)
	}
	inv, err := w.bob.c.CreateInvite(w.ctx, w.wsB.ID, client.InviteOptions{})
	mustDo(t, err)
	w.carol = w.signUp(t, "carol", inv.Code)
	wss, err := w.carol.c.Workspaces(w.ctx)
	mustDo(t, err)
	if len(wss) != 1 || wss[0].ID != w.wsB.ID {
		t.Fatalf("carol's workspaces = %+v, want only %d", wss, w.wsB.ID)
	}

	// Content of A for carol to aim at.
	lobby := newChat(t, w.alice, w.wsA.ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "lobby"})
	file, err := w.alice.c.UploadFile(w.ctx, w.wsA.ID, "a.txt", bytes.NewReader([]byte("workspace A only")))
	mustDo(t, err)
	msg := send(t, w.alice, lobby.ID, client.SendMessageInput{Content: "for A only", AttachmentIDs: []int64{file.ID}})

	c, ws, chat, id := w.carol.c, w.wsA.ID, lobby.ID, msg.ID
	for _, p := range []struct {
		name string
		call func() error
	}{
		{"GET workspace", func() error { _, err := c.Workspace(w.ctx, ws); return err }},
		{"PATCH workspace", func() error { _, err := c.RenameWorkspace(w.ctx, ws, "Mine"); return err }},
		{"DELETE workspace", func() error { return c.DeleteWorkspace(w.ctx, ws) }},
		{"GET members", func() error { _, err := c.Members(w.ctx, ws); return err }},
		{"PATCH member", func() error { _, err := c.SetMemberRole(w.ctx, ws, w.alice.u.ID, model.RoleGuest); return err }},
		{"DELETE member", func() error { return c.RemoveMember(w.ctx, ws, w.dave.u.ID) }},
		{"POST invite", func() error { _, err := c.CreateInvite(w.ctx, ws, client.InviteOptions{}); return err }},
		{"GET chats", func() error { _, err := c.Chats(w.ctx, ws); return err }},
		{"GET channels", func() error { _, err := c.Channels(w.ctx, ws); return err }},
		{"POST chat", func() error {
			_, _, err := c.CreateChat(w.ctx, ws, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "carols"})
			return err
		}},
		{"POST file", func() error { _, err := c.UploadFile(w.ctx, ws, "x.txt", bytes.NewReader([]byte("x"))); return err }},
		{"GET chat", func() error { _, err := c.Chat(w.ctx, chat); return err }},
		{"PATCH chat", func() error {
			_, err := c.UpdateChat(w.ctx, chat, client.ChatPatch{Topic: client.Ptr("mine")})
			return err
		}},
		{"DELETE chat", func() error { return c.DeleteChat(w.ctx, chat) }},
		{"GET chat members", func() error { _, err := c.ChatMembers(w.ctx, chat); return err }},
		{"POST chat members", func() error { _, err := c.AddChatMembers(w.ctx, chat, []int64{w.carol.u.ID}); return err }},
		{"DELETE chat member", func() error { return c.RemoveChatMember(w.ctx, chat, w.alice.u.ID) }},
		{"POST join", func() error { _, err := c.JoinChat(w.ctx, chat); return err }},
		{"POST read", func() error { return c.MarkRead(w.ctx, chat, 1) }},
		{"POST typing", func() error { return c.Typing(w.ctx, chat) }},
		{"POST message", func() error {
			_, _, err := c.SendMessage(w.ctx, chat, client.SendMessageInput{Content: "hi"})
			return err
		}},
		{"GET messages", func() error { _, err := c.Messages(w.ctx, chat, client.MessageQuery{}); return err }},
		{"GET message", func() error { _, err := c.Message(w.ctx, chat, id); return err }},
		{"PATCH message", func() error { _, err := c.EditMessage(w.ctx, chat, id, "mine"); return err }},
		{"DELETE message", func() error { return c.DeleteMessage(w.ctx, chat, id) }},
		{"PUT reaction", func() error { return c.React(w.ctx, chat, id, "👍") }},
		{"DELETE reaction", func() error { return c.Unreact(w.ctx, chat, id, "👍") }},
		{"GET file", func() error { _, err := c.DownloadFile(w.ctx, file.ID, io.Discard); return err }},
	} {
		wantStatus(t, "carol: "+p.name, p.call(), 404)
	}

	// Nothing of A changed, and nothing of A shows in carol's views.
	got, err := w.alice.c.Message(w.ctx, chat, id)
	mustDo(t, err)
	if got.Content != "for A only" || got.Deleted {
		t.Errorf("A's message after carol's attempts = %+v", got)
	}
	if roles := w.roles(t, w.alice, ws); len(roles) != 3 || roles["alice"] != model.RoleOwner {
		t.Errorf("A's members after carol's attempts = %v", roles)
	}
	ms, err := w.carol.c.Mentions(w.ctx, false)
	mustDo(t, err)
	if len(ms) != 0 {
		t.Errorf("carol's mentions = %+v, want none", ms)
	}
}
