package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func banTests() []leaf {
	return []leaf{
		{"BanListUnban", testBanListUnban},
		{"RemoveAndBanInOneTx", testRemoveAndBanInOneTx},
	}
}

func testBanListUnban(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	isBanned := func(ws model.Workspace, u model.User, want bool, what string) {
		t.Helper()
		got, err := s.IsBanned(ctx, ws.ID, u.ID)
		noErr(t, err, what)
		if got != want {
			t.Fatalf("%s: banned = %v, want %v", what, got, want)
		}
	}
	isBanned(w.ws, w.member, false, "before any ban")
	b := model.Ban{WorkspaceID: w.ws.ID, UserID: w.member.ID, BannedBy: w.owner.ID}
	noErr(t, s.BanUser(ctx, &b), "ban")
	recent(t, b.CreatedAt, "created_at")
	again := model.Ban{WorkspaceID: w.ws.ID, UserID: w.member.ID, BannedBy: w.member.ID, CreatedAt: ts(5)}
	noErr(t, s.BanUser(ctx, &again), "ban twice")
	isBanned(w.ws, w.member, true, "after ban")
	isBanned(w.other, w.member, false, "another workspace")
	isBanned(w.ws, w.guest, false, "another user")
	list, err := s.ListBans(ctx, w.ws.ID)
	noErr(t, err, "list bans")
	if len(list) != 1 || list[0].UserID != w.member.ID || list[0].BannedBy != w.owner.ID ||
		list[0].User.Username != "member" || list[0].WorkspaceID != w.ws.ID {
		t.Fatalf("bans = %+v, want the first ban of member by owner", list)
	}
	sameTime(t, list[0].CreatedAt, b.CreatedAt, "listed created_at")
	list, err = s.ListBans(ctx, w.other.ID)
	noErr(t, err, "list bans of another workspace")
	if list == nil || len(list) != 0 {
		t.Fatalf("no bans must be an empty list, got %#v", list)
	}
	wantErr(t, s.Unban(ctx, w.other.ID, w.member.ID), storage.ErrNotFound, "unban in another workspace")
	noErr(t, s.Unban(ctx, w.ws.ID, w.member.ID), "unban")
	isBanned(w.ws, w.member, false, "after unban")
	wantErr(t, s.Unban(ctx, w.ws.ID, w.member.ID), storage.ErrNotFound, "unban twice")
	unknown := model.Ban{WorkspaceID: w.ws.ID, UserID: 99999, BannedBy: w.owner.ID}
	wantErr(t, s.BanUser(ctx, &unknown), storage.ErrNotFound, "ban an unknown user")
}

func testRemoveAndBanInOneTx(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	err := s.InTx(ctx, func(tx storage.Tx) error {
		if err := tx.RemoveMember(ctx, w.ws.ID, w.member.ID); err != nil {
			return err
		}
		return tx.BanUser(ctx, &model.Ban{WorkspaceID: w.ws.ID, UserID: w.member.ID, BannedBy: w.owner.ID})
	})
	noErr(t, err, "remove and ban")
	banned, err := s.IsBanned(ctx, w.ws.ID, w.member.ID)
	noErr(t, err, "is banned")
	_, merr := s.WorkspaceForMember(ctx, w.ws.ID, w.member.ID)
	if !banned {
		t.Fatal("the ban did not commit with the removal")
	}
	wantErr(t, merr, storage.ErrNotFound, "removed member")
}
