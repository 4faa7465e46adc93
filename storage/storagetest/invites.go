package storagetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func inviteTests() []leaf {
	return []leaf{
		{"CreateAndRead", testInviteCreateAndRead},
		{"Consume", testInviteConsume},
		{"ConsumeConcurrently", testInviteConsumeConcurrently},
		{"ListLive", testInviteListLive},
		{"Delete", testInviteDelete},
	}
}

func newInvite(t *testing.T, s storage.Store, w model.Workspace, by model.User, hash string, maxUses int, expires int) model.Invite {
	t.Helper()
	inv := model.Invite{WorkspaceID: w.ID, CodeHash: hash, CreatedBy: by.ID, MaxUses: maxUses}
	if expires != 0 {
		inv.ExpiresAt = ts(expires)
	}
	noErr(t, s.CreateInvite(context.Background(), &inv), "create invite "+hash)
	return inv
}

func testInviteCreateAndRead(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner := newUser(t, s, "owner")
	w := newWorkspace(t, s, owner, "Acme")
	inv := newInvite(t, s, w, owner, "hash-1", 5, 60)
	if inv.ID == 0 {
		t.Fatal("create invite did not set ID")
	}
	recent(t, inv.CreatedAt, "created_at")
	got, err := s.InviteByCodeHash(ctx, "hash-1")
	noErr(t, err, "invite by code hash")
	sameTime(t, got.ExpiresAt, ts(60), "expires_at")
	sameTime(t, got.CreatedAt, inv.CreatedAt, "created_at")
	if got != inv {
		t.Fatalf("read back %+v, want %+v", got, inv)
	}
	never := newInvite(t, s, w, owner, "hash-2", 0, 0)
	got, err = s.InviteByCodeHash(ctx, "hash-2")
	noErr(t, err, "invite by code hash")
	if !got.ExpiresAt.IsZero() || got.ID != never.ID {
		t.Fatalf("a zero ExpiresAt (never expires) must read back zero: %+v", got)
	}
	dup := model.Invite{WorkspaceID: w.ID, CodeHash: "hash-1", CreatedBy: owner.ID}
	wantErr(t, s.CreateInvite(ctx, &dup), storage.ErrConflict, "duplicate code hash")
	_, err = s.InviteByCodeHash(ctx, "nope")
	wantErr(t, err, storage.ErrNotFound, "unknown code hash")
}

func testInviteConsume(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner := newUser(t, s, "owner")
	w := newWorkspace(t, s, owner, "Acme")
	limited := newInvite(t, s, w, owner, "limited", 2, 60)
	expiring := newInvite(t, s, w, owner, "expiring", 0, 10)
	unlimited := newInvite(t, s, w, owner, "unlimited", 0, 0)
	for _, tc := range []struct {
		name string
		id   int64
		at   int
		want error
	}{
		{"first use", limited.ID, 0, nil},
		{"second use", limited.ID, 0, nil},
		{"used up", limited.ID, 0, storage.ErrConflict},
		{"before expiry", expiring.ID, 9, nil},
		{"at expiry", expiring.ID, 10, storage.ErrConflict},
		{"after expiry", expiring.ID, 11, storage.ErrConflict},
		{"never expires, no limit", unlimited.ID, 100000, nil},
		{"never expires again", unlimited.ID, 100000, nil},
		{"unknown", 9999, 0, storage.ErrNotFound},
	} {
		err := s.ConsumeInvite(ctx, tc.id, ts(tc.at))
		if tc.want == nil {
			noErr(t, err, tc.name)
		} else {
			wantErr(t, err, tc.want, tc.name)
		}
	}
	got, err := s.InviteByCodeHash(ctx, "limited")
	noErr(t, err, "invite by code hash")
	if got.Uses != 2 {
		t.Fatalf("uses = %d, want 2", got.Uses)
	}
	got, err = s.InviteByCodeHash(ctx, "unlimited")
	noErr(t, err, "invite by code hash")
	if got.Uses != 2 {
		t.Fatalf("uses = %d, want 2", got.Uses)
	}
}

func testInviteConsumeConcurrently(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner := newUser(t, s, "owner")
	w := newWorkspace(t, s, owner, "Acme")
	inv := newInvite(t, s, w, owner, "race", 3, 60)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	var others []error
	for range 10 {
		wg.Go(func() {
			err := s.ConsumeInvite(ctx, inv.ID, ts(0))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, storage.ErrConflict):
				conflicts++
			default:
				others = append(others, err)
			}
		})
	}
	wg.Wait()
	if ok != 3 || conflicts != 7 || len(others) > 0 {
		t.Fatalf("10 concurrent consumers of a 3-use invite: %d ok, %d conflicts, other errors %v", ok, conflicts, others)
	}
	got, err := s.InviteByCodeHash(ctx, "race")
	noErr(t, err, "invite by code hash")
	if got.Uses != 3 {
		t.Fatalf("uses = %d, want 3", got.Uses)
	}
}

func testInviteListLive(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner := newUser(t, s, "owner")
	w := newWorkspace(t, s, owner, "Acme")
	other := newWorkspace(t, s, owner, "Other")
	first := newInvite(t, s, w, owner, "live-1", 5, 60)
	newInvite(t, s, w, owner, "expired", 5, -1)
	usedUp := model.Invite{WorkspaceID: w.ID, CodeHash: "used-up", CreatedBy: owner.ID, MaxUses: 2, Uses: 2, ExpiresAt: ts(60)}
	noErr(t, s.CreateInvite(ctx, &usedUp), "create used-up invite")
	never := newInvite(t, s, w, owner, "never", 0, 0)
	newInvite(t, s, other, owner, "elsewhere", 5, 60)
	got, err := s.ListInvites(ctx, w.ID, ts(0))
	noErr(t, err, "list invites")
	if len(got) != 2 || got[0].ID != never.ID || got[1].ID != first.ID {
		t.Fatalf("live invites = %+v, want [never, live-1]", got)
	}
	if got[1] != first {
		t.Fatalf("listed %+v, want %+v", got[1], first)
	}
	empty := newWorkspace(t, s, owner, "Empty")
	got, err = s.ListInvites(ctx, empty.ID, ts(0))
	noErr(t, err, "list invites of an empty workspace")
	if got == nil || len(got) != 0 {
		t.Fatalf("no invites must be an empty list, got %#v", got)
	}
}

func testInviteDelete(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner := newUser(t, s, "owner")
	w := newWorkspace(t, s, owner, "Acme")
	other := newWorkspace(t, s, owner, "Other")
	inv := newInvite(t, s, w, owner, "doomed", 5, 60)
	wantErr(t, s.DeleteInvite(ctx, other.ID, inv.ID), storage.ErrNotFound, "delete through another workspace")
	noErr(t, s.DeleteInvite(ctx, w.ID, inv.ID), "delete invite")
	_, err := s.InviteByCodeHash(ctx, "doomed")
	wantErr(t, err, storage.ErrNotFound, "deleted invite by code")
	wantErr(t, s.ConsumeInvite(ctx, inv.ID, ts(0)), storage.ErrNotFound, "consume a deleted invite")
	wantErr(t, s.DeleteInvite(ctx, w.ID, inv.ID), storage.ErrNotFound, "delete twice")
}
