package upgradetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// world is what every fixture holds: three users of workspace Acme (alice
// its owner and the instance admin), a public channel with a thread of two
// replies, reactions, a mention, an edited and a deleted message and an
// attachment, and a direct chat. dave is no workspace member; the fixtures
// of versions before 0003 also hold a stray chat membership of his in
// general, which migration 0003 removes.
type world struct {
	alice, bob, carol, dave model.User
	ws                      model.Workspace
	general, direct         model.Chat
	root, edited, deleted   model.Message
	file                    model.File
}

const (
	rootText   = "welcome to general, @bob"
	editedText = "the plan, edited"
	fileName   = "plan.pdf"
)

// populate writes the world through the store (the store of this
// binary: the tables it writes have not changed since 0001).
func populate(ctx context.Context, st storage.Store) (*world, error) {
	w := &world{}
	for _, u := range []*model.User{&w.alice, &w.bob, &w.carol, &w.dave} {
		if u == &w.alice {
			u.IsAdmin = true
		}
		switch u {
		case &w.alice:
			u.Username = "alice"
		case &w.bob:
			u.Username = "bob"
		case &w.carol:
			u.Username = "carol"
		default:
			u.Username = "dave"
		}
		u.Email, u.DisplayName, u.PasswordHash = u.Username+"@example.com", u.Username, "$argon2id$v=19$m=65536,t=3,p=2$c2FsdHNhbHQ$aGFzaGhhc2g"
		if err := st.CreateUser(ctx, u); err != nil {
			return nil, fmt.Errorf("user %s: %w", u.Username, err)
		}
	}
	w.ws = model.Workspace{Name: "Acme", CreatedBy: w.alice.ID}
	if err := st.CreateWorkspace(ctx, &w.ws); err != nil {
		return nil, err
	}
	for _, m := range []struct {
		u    model.User
		role model.Role
	}{{w.alice, model.RoleOwner}, {w.bob, model.RoleMember}, {w.carol, model.RoleAdmin}} {
		if err := st.AddMember(ctx, &model.Member{WorkspaceID: w.ws.ID, UserID: m.u.ID, Role: m.role}); err != nil {
			return nil, err
		}
	}
	members := func(us ...model.User) []model.ChatMember {
		var out []model.ChatMember
		for i, u := range us {
			role := model.ChatRoleMember
			if i == 0 {
				role = model.ChatRoleAdmin
			}
			out = append(out, model.ChatMember{UserID: u.ID, Role: role})
		}
		return out
	}
	w.general = model.Chat{WorkspaceID: w.ws.ID, Type: model.ChatPublicChannel, Name: "general", Topic: "everything", CreatedBy: w.alice.ID}
	if err := st.CreateChat(ctx, &w.general, members(w.alice, w.bob, w.carol)); err != nil {
		return nil, err
	}
	w.direct = model.Chat{WorkspaceID: w.ws.ID, Type: model.ChatDirect, CreatedBy: w.alice.ID,
		DirectKey: fmt.Sprintf("%d:%d", w.alice.ID, w.bob.ID)}
	if err := st.CreateChat(ctx, &w.direct, members(w.alice, w.bob)); err != nil {
		return nil, err
	}
	w.file = model.File{WorkspaceID: w.ws.ID, UploaderID: w.carol.ID, Name: fileName, Size: 5, ContentType: "application/pdf",
		SHA256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}
	if err := st.CreateFile(ctx, &w.file); err != nil {
		return nil, err
	}
	send := func(m *model.Message) error {
		m.WorkspaceID = w.ws.ID
		_, err := st.CreateMessage(ctx, m)
		return err
	}
	w.root = model.Message{ChatID: w.general.ID, SenderID: w.alice.ID, Content: rootText, Mentions: []int64{w.bob.ID}, ClientID: "c-root"}
	msgs := []*model.Message{
		&w.root,
		{ChatID: w.general.ID, SenderID: w.bob.ID, Content: "thanks!", ReplyTo: &w.root.ID},
		{ChatID: w.general.ID, SenderID: w.carol.ID, Content: "here is the plan", ReplyTo: &w.root.ID, Attachments: []model.File{w.file}},
		&w.edited, &w.deleted,
		{ChatID: w.direct.ID, SenderID: w.bob.ID, Content: "a direct word"},
	}
	w.edited = model.Message{ChatID: w.general.ID, SenderID: w.carol.ID, Content: "the plan, first draft"}
	w.deleted = model.Message{ChatID: w.general.ID, SenderID: w.bob.ID, Content: "oops"}
	for _, m := range msgs {
		if err := send(m); err != nil {
			return nil, err
		}
	}
	at := time.Now().UTC().Truncate(time.Microsecond)
	if err := st.EditMessage(ctx, w.edited.ID, editedText, nil, at); err != nil {
		return nil, err
	}
	if err := st.DeleteMessage(ctx, w.deleted.ID, at); err != nil {
		return nil, err
	}
	for _, r := range []struct {
		u     model.User
		emoji string
	}{{w.bob, "👍"}, {w.carol, "👍"}, {w.alice, "🎉"}} {
		if _, err := st.AddReaction(ctx, w.root.ID, r.u.ID, r.emoji); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// check reads a migrated fixture through the store as the server would.
func check(t *testing.T, ctx context.Context, st storage.Store) {
	t.Helper()
	alice, err := st.UserByEmail(ctx, "alice@example.com")
	must(t, err)
	bob, err := st.UserByUsername(ctx, "bob")
	must(t, err)
	if !alice.IsAdmin || bob.IsAdmin {
		t.Errorf("admin flags: alice %v, bob %v", alice.IsAdmin, bob.IsAdmin)
	}
	if n, err := st.CountUsers(ctx); err != nil || n != 4 {
		t.Errorf("CountUsers = %d, %v; want 4", n, err)
	}
	wss, err := st.ListWorkspacesForUser(ctx, alice.ID)
	must(t, err)
	if len(wss) != 1 || wss[0].Workspace.Name != "Acme" || wss[0].Role != model.RoleOwner {
		t.Fatalf("alice's workspaces = %+v", wss)
	}
	ws := wss[0].Workspace
	chats, err := st.ListChatsForUser(ctx, ws.ID, alice.ID)
	must(t, err)
	var general, direct *model.ChatSummary
	for i, c := range chats {
		switch c.Type {
		case model.ChatPublicChannel:
			general = &chats[i]
		case model.ChatDirect:
			direct = &chats[i]
		}
	}
	if len(chats) != 2 || general == nil || direct == nil || general.Name != "general" || general.Topic != "everything" {
		t.Fatalf("alice's chats = %+v", chats)
	}
	members, err := st.ListChatMembers(ctx, general.ID)
	must(t, err)
	var names []string
	for _, m := range members {
		names = append(names, m.User.Username)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"alice", "bob", "carol"}) {
		t.Errorf("general's members = %v, want alice bob carol (dave's stray membership removed by 0003)", names)
	}
	page, _, err := st.ListMessages(ctx, alice.ID, general.ID, storage.MessageQuery{Limit: 50})
	must(t, err)
	var root, edited, deleted *model.Message
	for i, m := range page {
		switch {
		case m.Content == rootText:
			root = &page[i]
		case m.Content == editedText:
			edited = &page[i]
		case m.Deleted:
			deleted = &page[i]
		}
	}
	if root == nil || edited == nil || deleted == nil {
		t.Fatalf("general's messages = %+v", page)
	}
	if root.ReplyCount != 2 || root.Sender.Username != "alice" || !slices.Equal(root.Mentions, []int64{bob.ID}) || root.ClientID != "c-root" {
		t.Errorf("root = %+v", *root)
	}
	reactions := map[string]int{}
	for _, r := range root.Reactions {
		reactions[r.Emoji] = r.Count
	}
	if reactions["👍"] != 2 || reactions["🎉"] != 1 {
		t.Errorf("root's reactions = %+v", root.Reactions)
	}
	if edited.EditedAt == nil {
		t.Error("the edited message has no edited_at")
	}
	thread, _, err := st.ListMessages(ctx, alice.ID, general.ID, storage.MessageQuery{Limit: 50, Thread: root.ID})
	must(t, err)
	var replies []string
	var attachment *model.File
	for _, m := range thread {
		if m.ID != root.ID {
			replies = append(replies, m.Content)
		}
		if len(m.Attachments) == 1 {
			attachment = &m.Attachments[0]
		}
	}
	if !slices.Equal(replies, []string{"thanks!", "here is the plan"}) {
		t.Errorf("thread replies = %q", replies)
	}
	if attachment == nil || attachment.Name != fileName || attachment.Size != 5 {
		t.Fatalf("the reply's attachment = %+v", attachment)
	}
	if f, err := st.FileByID(ctx, attachment.ID); err != nil || f.SHA256 == "" {
		t.Errorf("FileByID = %+v, %v", f, err)
	}
	// The upgraded database takes writes: a new message continues the chat.
	m := model.Message{ChatID: general.ID, WorkspaceID: ws.ID, SenderID: bob.ID, Content: "after the upgrade"}
	if _, err := st.CreateMessage(ctx, &m); err != nil {
		t.Fatalf("send after the upgrade: %v", err)
	}
	if m.Seq != general.LastSeq+1 {
		t.Errorf("new message seq = %d, want %d", m.Seq, general.LastSeq+1)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
