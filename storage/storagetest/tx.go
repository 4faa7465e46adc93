package storagetest

import (
	"context"
	"errors"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func txTests() []leaf {
	return []leaf{
		{"Commit", testTxCommit},
		{"RollbackOnError", testTxRollback},
		{"ReadsSeeOwnWrites", testTxReadsOwnWrites},
	}
}

func testTxCommit(t *testing.T, s storage.Store) {
	ctx := context.Background()
	var u model.User
	var e model.Event
	noErr(t, s.InTx(ctx, func(tx storage.Tx) error {
		u = model.User{Email: "a@example.com", Username: "a"}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		e = model.Event{ID: "e1", Type: "user.created", Payload: []byte(`{}`)}
		return tx.AppendEvent(ctx, &e)
	}), "in tx")
	if _, err := s.UserByID(ctx, u.ID); err != nil {
		t.Fatalf("committed user: %v", err)
	}
	evs, err := s.UnpublishedEvents(ctx, 10)
	noErr(t, err, "unpublished")
	if len(evs) != 1 || evs[0].Seq != e.Seq {
		t.Fatalf("committed event: %+v", evs)
	}
}

func testTxRollback(t *testing.T, s storage.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	var id int64
	err := s.InTx(ctx, func(tx storage.Tx) error {
		u := model.User{Email: "a@example.com", Username: "a"}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		id = u.ID
		e := model.Event{ID: "e1", Type: "user.created", Payload: []byte(`{}`)}
		if err := tx.AppendEvent(ctx, &e); err != nil {
			return err
		}
		return boom
	})
	if err != boom {
		t.Fatalf("InTx returned %v, want fn's error as is", err)
	}
	_, err = s.UserByID(ctx, id)
	wantErr(t, err, storage.ErrNotFound, "rolled back user")
	n, err := s.CountUsers(ctx)
	noErr(t, err, "count users")
	evs, err2 := s.UnpublishedEvents(ctx, 10)
	noErr(t, err2, "unpublished")
	if n != 0 || len(evs) != 0 {
		t.Fatalf("after rollback: %d users, %d events", n, len(evs))
	}
	// A failed statement inside the transaction rolls back too, and the
	// store stays usable.
	newUser(t, s, "taken")
	err = s.InTx(ctx, func(tx storage.Tx) error {
		u := model.User{Email: "b@example.com", Username: "b"}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		dup := model.User{Email: "taken@example.com", Username: "c"}
		return tx.CreateUser(ctx, &dup)
	})
	wantErr(t, err, storage.ErrConflict, "conflict inside tx")
	_, err = s.UserByEmail(ctx, "b@example.com")
	wantErr(t, err, storage.ErrNotFound, "user created before the conflict")
	newUser(t, s, "after")
}

func testTxReadsOwnWrites(t *testing.T, s storage.Store) {
	ctx := context.Background()
	noErr(t, s.InTx(ctx, func(tx storage.Tx) error {
		u := model.User{Email: "a@example.com", Username: "a"}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		got, err := tx.UserByEmail(ctx, "A@example.com")
		if err != nil || got.ID != u.ID {
			t.Errorf("read inside tx: %+v, %v", got, err)
		}
		w := model.Workspace{Name: "w", CreatedBy: u.ID}
		if err := tx.CreateWorkspace(ctx, &w); err != nil {
			return err
		}
		m := model.Member{WorkspaceID: w.ID, UserID: u.ID, Role: model.RoleOwner}
		if err := tx.AddMember(ctx, &m); err != nil {
			return err
		}
		list, err := tx.ListWorkspacesForUser(ctx, u.ID)
		if err != nil || len(list) != 1 {
			t.Errorf("list inside tx: %+v, %v", list, err)
		}
		return nil
	}), "in tx")
}
