package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func workspaceTests() []leaf {
	return []leaf{
		{"CreateAndRead", testWorkspaceCreateAndRead},
		{"Members", testWorkspaceMembers},
		{"BadRoleIsInvalid", testBadRoleIsInvalid},
		{"ListForUser", testWorkspaceListForUser},
		{"RenameAndNotFound", testWorkspaceRename},
		{"RemoveMemberLeavesChats", testRemoveMemberLeavesChats},
		{"DeleteCascades", testWorkspaceDeleteCascades},
		{"LockWorkspace", testLockWorkspace},
	}
}

func testWorkspaceCreateAndRead(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner := newUser(t, s, "owner")
	w := model.Workspace{Name: "Acme", CreatedBy: owner.ID}
	noErr(t, s.CreateWorkspace(ctx, &w), "create workspace")
	if w.ID == 0 {
		t.Fatal("create workspace did not set ID")
	}
	recent(t, w.CreatedAt, "created_at")
	got, err := s.WorkspaceByID(ctx, w.ID)
	noErr(t, err, "workspace by id")
	if got != w {
		t.Fatalf("read back %+v, want %+v", got, w)
	}
	_, err = s.WorkspaceByID(ctx, w.ID+100)
	wantErr(t, err, storage.ErrNotFound, "workspace by id")
}

// testBadRoleIsInvalid: a value outside a column's domain is ErrInvalid on
// every engine (the use cases answer it with a 400), never a bare driver error.
func testBadRoleIsInvalid(t *testing.T, s storage.Store) {
	owner, bob := newUser(t, s, "owner"), newUser(t, s, "bob")
	w := newWorkspace(t, s, owner, "Acme")
	m := model.Member{WorkspaceID: w.ID, UserID: bob.ID, Role: "emperor"}
	wantErr(t, s.AddMember(context.Background(), &m), storage.ErrInvalid, "add member with a bad role")
}

func testWorkspaceMembers(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner, bob := newUser(t, s, "owner"), newUser(t, s, "bob")
	w := newWorkspace(t, s, owner, "Acme")
	m := model.Member{WorkspaceID: w.ID, UserID: bob.ID, Role: model.RoleMember}
	noErr(t, s.AddMember(ctx, &m), "add member")
	recent(t, m.JoinedAt, "joined_at")
	dup := model.Member{WorkspaceID: w.ID, UserID: bob.ID, Role: model.RoleAdmin}
	wantErr(t, s.AddMember(ctx, &dup), storage.ErrConflict, "add member twice")

	wr, err := s.WorkspaceForMember(ctx, w.ID, bob.ID)
	noErr(t, err, "workspace for member")
	if wr.Workspace.ID != w.ID || wr.Role != model.RoleMember {
		t.Fatalf("workspace for member = %+v", wr)
	}
	members, err := s.ListMembers(ctx, w.ID)
	noErr(t, err, "list members")
	if len(members) != 2 || members[0].UserID != owner.ID || members[1].UserID != bob.ID {
		t.Fatalf("list members = %+v", members)
	}
	if members[1].User.Username != "bob" || members[1].Role != model.RoleMember || members[1].WorkspaceID != w.ID {
		t.Fatalf("member not filled in: %+v", members[1])
	}
	noErr(t, s.SetMemberRole(ctx, w.ID, bob.ID, model.RoleOwner), "set member role")
	got, err := s.GetMember(ctx, w.ID, bob.ID)
	noErr(t, err, "get member")
	if got.Role != model.RoleOwner || got.User.ID != bob.ID {
		t.Fatalf("get member = %+v", got)
	}
	sameTime(t, got.JoinedAt, m.JoinedAt, "joined_at read back")
	n, err := s.CountOwners(ctx, w.ID)
	noErr(t, err, "count owners")
	if n != 2 {
		t.Fatalf("count owners = %d, want 2", n)
	}
	noErr(t, s.RemoveMember(ctx, w.ID, bob.ID), "remove member")
	_, err = s.GetMember(ctx, w.ID, bob.ID)
	wantErr(t, err, storage.ErrNotFound, "get removed member")
	_, err = s.WorkspaceForMember(ctx, w.ID, bob.ID)
	wantErr(t, err, storage.ErrNotFound, "workspace for removed member")
	wantErr(t, s.RemoveMember(ctx, w.ID, bob.ID), storage.ErrNotFound, "remove member twice")
	wantErr(t, s.SetMemberRole(ctx, w.ID, bob.ID, model.RoleAdmin), storage.ErrNotFound, "set role of non-member")
}

func testWorkspaceListForUser(t *testing.T, s storage.Store) {
	ctx := context.Background()
	a, b := newUser(t, s, "a"), newUser(t, s, "b")
	w1 := newWorkspace(t, s, a, "one")
	w2 := newWorkspace(t, s, b, "two")
	w3 := newWorkspace(t, s, a, "three")
	addMember(t, s, w2, a, model.RoleGuest)
	list, err := s.ListWorkspacesForUser(ctx, a.ID)
	noErr(t, err, "list workspaces")
	want := []struct {
		id   int64
		role model.Role
	}{{w1.ID, model.RoleOwner}, {w2.ID, model.RoleGuest}, {w3.ID, model.RoleOwner}}
	if len(list) != len(want) {
		t.Fatalf("list workspaces = %+v", list)
	}
	for i, wr := range list {
		if wr.Workspace.ID != want[i].id || wr.Role != want[i].role || wr.Workspace.Name == "" {
			t.Fatalf("list workspaces[%d] = %+v, want %+v", i, wr, want[i])
		}
	}
	none, err := s.ListWorkspacesForUser(ctx, 9999)
	noErr(t, err, "list workspaces of nobody")
	if len(none) != 0 {
		t.Fatalf("list workspaces of nobody = %+v", none)
	}
}

func testWorkspaceRename(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorkspace(t, s, newUser(t, s, "a"), "old")
	noErr(t, s.RenameWorkspace(ctx, w.ID, "new"), "rename")
	got, err := s.WorkspaceByID(ctx, w.ID)
	noErr(t, err, "workspace by id")
	if got.Name != "new" {
		t.Fatalf("name = %q", got.Name)
	}
	wantErr(t, s.RenameWorkspace(ctx, w.ID+100, "x"), storage.ErrNotFound, "rename missing")
	wantErr(t, s.DeleteWorkspace(ctx, w.ID+100), storage.ErrNotFound, "delete missing")
	_, err = s.WorkspaceForMember(ctx, w.ID+100, 1)
	wantErr(t, err, storage.ErrNotFound, "workspace for member of missing workspace")
}

func testRemoveMemberLeavesChats(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	// The member is also in a chat of another workspace, which must stay.
	addMember(t, s, w.other, w.member, model.RoleMember)
	_, err := s.AddChatMembers(ctx, w.away.ID, []model.ChatMember{{UserID: w.member.ID, Role: model.ChatRoleMember}})
	noErr(t, err, "add to other workspace chat")

	noErr(t, s.RemoveMember(ctx, w.ws.ID, w.member.ID), "remove member")
	for _, c := range []model.Chat{w.group, w.direct} {
		members, err := s.ListChatMembers(ctx, c.ID)
		noErr(t, err, "list chat members")
		for _, m := range members {
			if m.UserID == w.member.ID {
				t.Fatalf("removed member still in chat %d", c.ID)
			}
		}
	}
	list, err := s.ListChatsForUser(ctx, w.other.ID, w.member.ID)
	noErr(t, err, "list chats in other workspace")
	if len(list) != 1 || list[0].ID != w.away.ID {
		t.Fatalf("chats in the other workspace = %+v, want the one chat kept", list)
	}
}

func testWorkspaceDeleteCascades(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	msg := send(t, s, w.public, w.owner, "hello")
	f := model.File{WorkspaceID: w.ws.ID, UploaderID: w.owner.ID, Name: "a.txt", Size: 1, ContentType: "text/plain", SHA256: "aa"}
	noErr(t, s.CreateFile(ctx, &f), "create file")
	inv := model.Invite{WorkspaceID: w.ws.ID, CodeHash: "h1", CreatedBy: w.owner.ID}
	noErr(t, s.CreateInvite(ctx, &inv), "create invite")
	keep := send(t, s, w.away, w.outsider, "elsewhere")
	ev := model.Event{ID: "ev-ws", Type: model.EventWorkspaceDeleted, WorkspaceID: w.ws.ID, Payload: []byte(`{}`)}

	noErr(t, s.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.DeleteWorkspace(ctx, w.ws.ID); err != nil {
			return err
		}
		return tx.AppendEvent(ctx, &ev)
	}), "delete workspace")

	_, err := s.WorkspaceByID(ctx, w.ws.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted workspace")
	_, err = s.ChatAccess(ctx, w.public.ID, w.owner.ID)
	wantErr(t, err, storage.ErrNotFound, "chat of deleted workspace")
	_, err = s.Message(ctx, w.owner.ID, w.public.ID, msg.ID)
	wantErr(t, err, storage.ErrNotFound, "message of deleted workspace")
	_, err = s.FileByID(ctx, f.ID)
	wantErr(t, err, storage.ErrNotFound, "file of deleted workspace")
	_, err = s.InviteByCodeHash(ctx, "h1")
	wantErr(t, err, storage.ErrNotFound, "invite of deleted workspace")
	list, err := s.ListWorkspacesForUser(ctx, w.member.ID)
	noErr(t, err, "list workspaces")
	if len(list) != 0 {
		t.Fatalf("member still lists %+v", list)
	}
	if _, err := s.UserByID(ctx, w.member.ID); err != nil {
		t.Fatalf("users must survive their workspace: %v", err)
	}
	if _, err := s.Message(ctx, w.outsider.ID, w.away.ID, keep.ID); err != nil {
		t.Fatalf("other workspace's message: %v", err)
	}
	evs, err := s.EventsAfter(ctx, 0, 10)
	noErr(t, err, "events after")
	if len(evs) != 1 || evs[0].ID != "ev-ws" {
		t.Fatalf("the workspace.deleted event must survive the delete: %+v", evs)
	}
}

// testLockWorkspace: locking answers ErrNotFound for a missing workspace,
// and inside a transaction the lock leaves the transaction free to change
// the workspace's members and chats.
func testLockWorkspace(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner, bob := newUser(t, s, "owner"), newUser(t, s, "bob")
	w := newWorkspace(t, s, owner, "locked")
	noErr(t, s.LockWorkspace(ctx, w.ID), "lock outside a transaction")
	wantErr(t, s.LockWorkspace(ctx, w.ID+100), storage.ErrNotFound, "lock missing workspace")
	noErr(t, s.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.LockWorkspace(ctx, w.ID); err != nil {
			return err
		}
		if err := tx.AddMember(ctx, &model.Member{WorkspaceID: w.ID, UserID: bob.ID, Role: model.RoleMember}); err != nil {
			return err
		}
		if err := tx.SetMemberRole(ctx, w.ID, bob.ID, model.RoleOwner); err != nil {
			return err
		}
		c := model.Chat{WorkspaceID: w.ID, Type: model.ChatGroup, CreatedBy: owner.ID}
		return tx.CreateChat(ctx, &c, []model.ChatMember{{UserID: owner.ID}, {UserID: bob.ID}})
	}), "lock, then change members and chats")
	n, err := s.CountOwners(ctx, w.ID)
	noErr(t, err, "count owners")
	if n != 2 {
		t.Fatalf("count owners = %d, want 2", n)
	}
	wantErr(t, s.InTx(ctx, func(tx storage.Tx) error { return tx.LockWorkspace(ctx, w.ID+100) }),
		storage.ErrNotFound, "lock missing workspace in a transaction")
}
