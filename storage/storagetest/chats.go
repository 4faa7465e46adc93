package storagetest

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func chatTests() []leaf {
	return []leaf{
		{"CreateAndAccess", testChatCreateAndAccess},
		{"ChannelNamesUnique", testChatChannelNames},
		{"DirectKeyUnique", testChatDirectKey},
		{"MembersMustBelongToWorkspace", testChatMembersInWorkspace},
		{"ListForUser", testChatListForUser},
		{"ListJoinable", testChatListJoinable},
		{"Summary", testChatSummary},
		{"UpdateAndDelete", testChatUpdateDelete},
		{"Membership", testChatMembership},
		{"MemberIDsByUsername", testChatMemberIDsByUsername},
		{"MarkRead", testChatMarkRead},
	}
}

func testChatCreateAndAccess(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	c := model.Chat{WorkspaceID: w.ws.ID, Type: model.ChatPrivateChannel, Name: "Plans", Topic: "Q3", CreatedBy: w.owner.ID}
	noErr(t, s.CreateChat(ctx, &c, []model.ChatMember{
		{UserID: w.owner.ID, Role: model.ChatRoleAdmin}, {UserID: w.member.ID, Role: model.ChatRoleMember},
	}), "create chat")
	if c.ID == 0 || c.LastSeq != 0 {
		t.Fatalf("created chat %+v", c)
	}
	recent(t, c.CreatedAt, "created_at")
	sameTime(t, c.LastActivityAt, c.CreatedAt, "last_activity_at of a new chat")

	for _, tc := range []struct {
		name     string
		user     model.User
		wsRole   model.Role
		chatRole model.ChatRole
	}{
		{"admin", w.owner, model.RoleOwner, model.ChatRoleAdmin},
		{"member", w.member, model.RoleMember, model.ChatRoleMember},
		{"workspace guest, not in chat", w.guest, model.RoleGuest, ""},
	} {
		a, err := s.ChatAccess(ctx, c.ID, tc.user.ID)
		noErr(t, err, tc.name)
		if a.Chat.ID != c.ID || a.Chat.Name != "Plans" || a.Chat.Topic != "Q3" || a.Chat.Type != model.ChatPrivateChannel {
			t.Fatalf("%s: chat %+v", tc.name, a.Chat)
		}
		if a.WorkspaceRole != tc.wsRole || a.ChatRole != tc.chatRole || a.IsMember() != (tc.chatRole != "") || a.LastReadSeq != 0 {
			t.Fatalf("%s: access %+v", tc.name, a)
		}
		sameTime(t, a.Chat.CreatedAt, c.CreatedAt, tc.name+": created_at")
	}
	_, err := s.ChatAccess(ctx, c.ID, w.outsider.ID)
	wantErr(t, err, storage.ErrNotFound, "outsider")
	_, err = s.ChatAccess(ctx, c.ID+1000, w.owner.ID)
	wantErr(t, err, storage.ErrNotFound, "missing chat")
}

func testChatChannelNames(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s) // has public "general" and private "secret"
	for _, tc := range []struct {
		name string
		typ  model.ChatType
		chat string
		ws   model.Workspace
		want error
	}{
		{"same name", model.ChatPublicChannel, "general", w.ws, storage.ErrConflict},
		{"other case", model.ChatPublicChannel, "GENERAL", w.ws, storage.ErrConflict},
		{"private vs public", model.ChatPrivateChannel, "General", w.ws, storage.ErrConflict},
		{"public vs private", model.ChatPublicChannel, "Secret", w.ws, storage.ErrConflict},
		{"other workspace", model.ChatPublicChannel, "secret", w.other, nil},
		{"groups may share names", model.ChatGroup, "general", w.ws, nil},
		{"new name", model.ChatPublicChannel, "random", w.ws, nil},
	} {
		creator := w.owner
		if tc.ws.ID == w.other.ID {
			creator = w.outsider
		}
		c := model.Chat{WorkspaceID: tc.ws.ID, Type: tc.typ, Name: tc.chat, CreatedBy: creator.ID}
		err := s.CreateChat(ctx, &c, []model.ChatMember{{UserID: creator.ID, Role: model.ChatRoleAdmin}})
		if tc.want == nil {
			noErr(t, err, tc.name)
		} else {
			wantErr(t, err, tc.want, tc.name)
		}
	}
	// A failed create leaves nothing behind.
	list, err := s.ListChatsForUser(ctx, w.ws.ID, w.owner.ID)
	noErr(t, err, "list chats")
	if len(list) != 6 { // public, private, group, direct + group "general" + "random"
		t.Fatalf("owner has %d chats, want 6", len(list))
	}
	renamed := w.private
	renamed.Name = "GENERAL"
	wantErr(t, s.UpdateChat(ctx, renamed), storage.ErrConflict, "rename onto another channel's name")
	renamed.Name = "Secret" // its own name in another case is fine
	noErr(t, s.UpdateChat(ctx, renamed), "rename to own name in other case")
}

func testChatDirectKey(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s) // direct chat between owner and member
	key := directKey(w.owner.ID, w.member.ID)
	got, err := s.DirectChat(ctx, w.ws.ID, key)
	noErr(t, err, "direct chat")
	if got.ID != w.direct.ID || got.DirectKey != key || got.Type != model.ChatDirect {
		t.Fatalf("direct chat = %+v", got)
	}
	dup := model.Chat{WorkspaceID: w.ws.ID, Type: model.ChatDirect, DirectKey: key, CreatedBy: w.member.ID}
	err = s.CreateChat(ctx, &dup, []model.ChatMember{{UserID: w.member.ID}, {UserID: w.owner.ID}})
	wantErr(t, err, storage.ErrConflict, "same direct key")
	_, err = s.DirectChat(ctx, w.other.ID, key)
	wantErr(t, err, storage.ErrNotFound, "direct key in another workspace")
	_, err = s.DirectChat(ctx, w.ws.ID, "1:999")
	wantErr(t, err, storage.ErrNotFound, "unknown direct key")
	// Another workspace may hold a direct chat with the same key.
	addMember(t, s, w.other, w.owner, model.RoleMember)
	addMember(t, s, w.other, w.member, model.RoleMember)
	newChat(t, s, w.other, model.ChatDirect, "", w.owner, w.member)
}

func testChatMembersInWorkspace(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	c := model.Chat{WorkspaceID: w.ws.ID, Type: model.ChatGroup, CreatedBy: w.owner.ID}
	err := s.CreateChat(ctx, &c, []model.ChatMember{{UserID: w.owner.ID}, {UserID: w.outsider.ID}})
	wantErr(t, err, storage.ErrNotFound, "create chat with a member of another workspace")
	_, err = s.AddChatMembers(ctx, w.public.ID, []model.ChatMember{{UserID: w.outsider.ID}})
	wantErr(t, err, storage.ErrNotFound, "add a member of another workspace")
	_, err = s.AddChatMembers(ctx, w.public.ID+1000, []model.ChatMember{{UserID: w.owner.ID}})
	wantErr(t, err, storage.ErrNotFound, "add to a missing chat")
	members, err := s.ListChatMembers(ctx, w.public.ID)
	noErr(t, err, "list chat members")
	if len(members) != 1 {
		t.Fatalf("public channel members = %+v", members)
	}
}

func testChatListForUser(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	send(t, s, w.group, w.owner, "g1")
	send(t, s, w.group, w.member, "g2")
	last := send(t, s, w.group, w.member, "g3")
	send(t, s, w.public, w.owner, "p1")
	_, _, err := s.MarkRead(ctx, w.group.ID, w.owner.ID, 1)
	noErr(t, err, "mark read")

	list, err := s.ListChatsForUser(ctx, w.ws.ID, w.owner.ID)
	noErr(t, err, "list chats")
	var order []int64
	for _, cs := range list {
		order = append(order, cs.ID)
	}
	// Most recent activity first; chats without messages by creation, newest first.
	want := []int64{w.public.ID, w.group.ID, w.direct.ID, w.private.ID}
	if !equalIDs(order, want) {
		t.Fatalf("chat order %v, want %v", order, want)
	}
	g := list[1]
	if g.MemberCount != 2 || g.LastSeq != 3 || g.LastReadSeq != 1 || g.UnreadCount != 2 || g.MyRole != model.ChatRoleAdmin {
		t.Fatalf("group summary %+v", g)
	}
	if g.LastMessage == nil || g.LastMessage.ID != last.ID || g.LastMessage.Content != "g3" ||
		g.LastMessage.Sender.Username != "member" || g.LastMessage.Seq != 3 {
		t.Fatalf("group last message %+v", g.LastMessage)
	}
	sameTime(t, g.LastActivityAt, last.CreatedAt, "last activity")
	if p := list[3]; p.LastMessage != nil || p.UnreadCount != 0 || p.MemberCount != 1 {
		t.Fatalf("empty chat summary %+v", p)
	}
	mine, err := s.ListChatsForUser(ctx, w.ws.ID, w.member.ID)
	noErr(t, err, "list chats of member")
	if len(mine) != 2 || mine[0].ID != w.group.ID || mine[0].UnreadCount != 3 || mine[0].MyRole != model.ChatRoleMember {
		t.Fatalf("member's chats %+v", mine)
	}
	other, err := s.ListChatsForUser(ctx, w.other.ID, w.owner.ID)
	noErr(t, err, "list chats of another workspace")
	if len(other) != 0 {
		t.Fatalf("chats of a workspace the user is not in: %+v", other)
	}
}

func testChatListJoinable(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	newChat(t, s, w.ws, model.ChatPublicChannel, "Announcements", w.owner, w.member)
	send(t, s, w.public, w.owner, "hi")
	list, err := s.ListJoinableChannels(ctx, w.ws.ID, w.member.ID)
	noErr(t, err, "joinable channels")
	if len(list) != 1 || list[0].ID != w.public.ID || list[0].MemberCount != 1 || list[0].MyRole != "" || list[0].UnreadCount != 0 {
		t.Fatalf("joinable for member = %+v", list)
	}
	list, err = s.ListJoinableChannels(ctx, w.ws.ID, w.owner.ID)
	noErr(t, err, "joinable channels")
	if len(list) != 0 {
		t.Fatalf("owner is in every public channel, got %+v", list)
	}
}

// testChatSummary: one chat's summary is the row the lists give, for a
// member (role, unread) and for a non-member of a public channel (neither).
func testChatSummary(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	ann := newChat(t, s, w.ws, model.ChatPublicChannel, "Announcements", w.owner, w.member)
	send(t, s, ann, w.owner, "hi")
	send(t, s, ann, w.owner, "there")
	send(t, s, w.public, w.owner, "hello all")
	mine, err := s.ListChatsForUser(ctx, w.ws.ID, w.owner.ID)
	noErr(t, err, "list chats")
	for _, want := range mine {
		got, err := s.ChatSummary(ctx, want.ID, w.owner.ID)
		noErr(t, err, "chat summary")
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("summary of chat %d:\n got  %+v\n want %+v", want.ID, got, want)
		}
	}
	joinable, err := s.ListJoinableChannels(ctx, w.ws.ID, w.member.ID)
	noErr(t, err, "joinable channels")
	if len(joinable) != 1 {
		t.Fatalf("joinable = %+v", joinable)
	}
	got, err := s.ChatSummary(ctx, joinable[0].ID, w.member.ID)
	noErr(t, err, "summary for a non-member")
	if !reflect.DeepEqual(got, joinable[0]) || got.MyRole != "" || got.UnreadCount != 0 || got.LastMessage == nil {
		t.Fatalf("non-member summary:\n got  %+v\n want %+v", got, joinable[0])
	}
	_, err = s.ChatSummary(ctx, ann.ID+1000, w.owner.ID)
	wantErr(t, err, storage.ErrNotFound, "summary of a missing chat")
}

func testChatUpdateDelete(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	c := w.public
	c.Name, c.Topic = "town-square", "everything"
	noErr(t, s.UpdateChat(ctx, c), "update chat")
	a, err := s.ChatAccess(ctx, c.ID, w.owner.ID)
	noErr(t, err, "chat access")
	if a.Chat.Name != "town-square" || a.Chat.Topic != "everything" {
		t.Fatalf("updated chat %+v", a.Chat)
	}
	c.ID += 1000
	wantErr(t, s.UpdateChat(ctx, c), storage.ErrNotFound, "update missing chat")
	m := send(t, s, w.group, w.owner, "bye")
	noErr(t, s.DeleteChat(ctx, w.group.ID), "delete chat")
	_, err = s.ChatAccess(ctx, w.group.ID, w.owner.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted chat")
	_, err = s.Message(ctx, w.owner.ID, w.group.ID, m.ID)
	wantErr(t, err, storage.ErrNotFound, "message of deleted chat")
	wantErr(t, s.DeleteChat(ctx, w.group.ID), storage.ErrNotFound, "delete twice")
}

func testChatMembership(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	added, err := s.AddChatMembers(ctx, w.public.ID, []model.ChatMember{
		{UserID: w.owner.ID, Role: model.ChatRoleMember}, // already in
		{UserID: w.member.ID, Role: model.ChatRoleMember},
		{UserID: w.guest.ID, Role: model.ChatRoleAdmin},
	})
	noErr(t, err, "add chat members")
	sort.Slice(added, func(i, j int) bool { return added[i] < added[j] })
	if !equalIDs(added, []int64{w.member.ID, w.guest.ID}) {
		t.Fatalf("added = %v", added)
	}
	added, err = s.AddChatMembers(ctx, w.public.ID, []model.ChatMember{{UserID: w.member.ID}})
	noErr(t, err, "add again")
	if len(added) != 0 {
		t.Fatalf("adding an existing member reported %v", added)
	}
	members, err := s.ListChatMembers(ctx, w.public.ID)
	noErr(t, err, "list chat members")
	if len(members) != 3 || members[0].UserID != w.owner.ID || members[0].Role != model.ChatRoleAdmin {
		t.Fatalf("members = %+v", members)
	}
	for _, m := range members {
		if m.ChatID != w.public.ID || m.User.ID != m.UserID || m.User.Username == "" {
			t.Fatalf("member not filled in: %+v", m)
		}
		recent(t, m.JoinedAt, "joined_at")
	}
	if members[2].UserID != w.guest.ID || members[2].Role != model.ChatRoleAdmin {
		t.Fatalf("guest member = %+v", members[2])
	}
	noErr(t, s.RemoveChatMember(ctx, w.public.ID, w.guest.ID), "remove chat member")
	wantErr(t, s.RemoveChatMember(ctx, w.public.ID, w.guest.ID), storage.ErrNotFound, "remove twice")
	a, err := s.ChatAccess(ctx, w.public.ID, w.guest.ID)
	noErr(t, err, "chat access")
	if a.IsMember() {
		t.Fatalf("removed member still a member: %+v", a)
	}
}

func testChatMemberIDsByUsername(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	for _, tc := range []struct {
		name  string
		names []string
		want  []int64
	}{
		{"none", nil, nil},
		{"exact", []string{"member"}, []int64{w.member.ID}},
		{"any case", []string{"OWNER", "Member"}, []int64{w.owner.ID, w.member.ID}},
		{"not in chat", []string{"guest", "outsider", "nobody"}, nil},
		{"duplicates", []string{"owner", "owner"}, []int64{w.owner.ID}},
	} {
		got, err := s.ChatMemberIDsByUsername(ctx, w.group.ID, tc.names)
		noErr(t, err, tc.name)
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		want := append([]int64(nil), tc.want...)
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		if !equalIDs(got, want) {
			t.Fatalf("%s: got %v, want %v", tc.name, got, want)
		}
	}
}

func testChatMarkRead(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	for range 5 {
		send(t, s, w.group, w.owner, "x")
	}
	for _, tc := range []struct {
		name      string
		seq       int64
		wantSeq   int64
		wantMoved bool
	}{
		{"forward", 2, 2, true},
		{"same", 2, 2, false},
		{"backward", 1, 2, false},
		{"capped at last seq", 99, 5, true},
		{"beyond again", 100, 5, false},
		{"negative", -1, 5, false},
	} {
		got, moved, err := s.MarkRead(ctx, w.group.ID, w.member.ID, tc.seq)
		noErr(t, err, tc.name)
		if got != tc.wantSeq || moved != tc.wantMoved {
			t.Fatalf("%s: got (%d, %v), want (%d, %v)", tc.name, got, moved, tc.wantSeq, tc.wantMoved)
		}
	}
	a, err := s.ChatAccess(ctx, w.group.ID, w.member.ID)
	noErr(t, err, "chat access")
	if a.LastReadSeq != 5 {
		t.Fatalf("last read seq = %d", a.LastReadSeq)
	}
	_, _, err = s.MarkRead(ctx, w.group.ID, w.guest.ID, 1)
	wantErr(t, err, storage.ErrNotFound, "mark read as non-member")
}
